-- +goose Up
-- One set of books. A payment's credited amount (withholding.Payment.Credited)
-- is the money the bank credited for it, the figure every "received" total
-- adds up. Rows stored before this migration get the entry amount of a
-- CCD+ entry and the DED amount of a CTX DED (what the reader would have
-- given when the DEDs add up), and nothing for other kinds.
ALTER TABLE payments ADD COLUMN credited_cents BIGINT NOT NULL DEFAULT 0;
UPDATE payments SET credited_cents = CASE WHEN sec = 'CTX' THEN amount_cents ELSE entry_amount_cents END
    WHERE kind = 'payment';
-- Postings are read by order (the console's order page) and by night (the
-- report job).
CREATE INDEX postings_order ON postings (order_ref);
CREATE INDEX postings_run_date ON postings (run_date);
-- Each night the reconcile job ran (withholding.Night): the window of
-- applied files it took in. The next night's window starts at the end of
-- this one, and the report job reports on exactly this window; both used
-- to read it back from job-run counters.
CREATE TABLE nights (
    run_date     DATE PRIMARY KEY,
    window_start TIMESTAMPTZ NOT NULL,
    window_end   TIMESTAMPTZ NOT NULL,
    -- When the report job last reported on the night (the store's clock):
    -- its exceptions are those open then.
    reported_at  TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE nights;
DROP INDEX postings_run_date;
DROP INDEX postings_order;
ALTER TABLE payments DROP COLUMN credited_cents;
