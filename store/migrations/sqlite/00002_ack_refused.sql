-- +goose Up
-- Why an acknowledgment was stored but not applied (spec 8.4); '' when it counts.
ALTER TABLE acknowledgments ADD COLUMN refused TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE acknowledgments DROP COLUMN refused;
