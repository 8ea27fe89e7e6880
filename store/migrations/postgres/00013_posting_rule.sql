-- +goose Up
-- Which rule found a posted payment's order (reconcile.MatchRule: case,
-- ssn, name_fips; '' for held and zero postings and for postings made
-- before it was kept): a payment posted by a fallback is shown as such on
-- the console and the employer's statement (issue 17).
ALTER TABLE postings ADD COLUMN matched_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE postings DROP COLUMN matched_by;
