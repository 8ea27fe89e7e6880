-- +goose Up
-- What the lenient DED profile normalised (lower case, padding, a missing
-- terminator…), as a JSON array; '' when nothing was. Warnings never stop
-- posting; problems do.
ALTER TABLE payments ADD COLUMN warnings TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE payments DROP COLUMN warnings;
