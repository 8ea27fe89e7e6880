-- +goose Up
-- What reconciliation did with each payment (withholding.Posting): posted
-- to an order, or held by the exception named here. One row per payment,
-- written in the reconcile job's exceptions transaction; the first night
-- that reconciles a payment decides, so a re-run changes nothing. Monthly
-- employer statements read it.
CREATE TABLE postings (
    payment_id    BIGINT PRIMARY KEY REFERENCES payments (id),
    status        TEXT NOT NULL,
    order_ref     BIGINT,
    case_id       TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL DEFAULT '',
    exception_key TEXT NOT NULL DEFAULT '',
    run_date      DATE NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE postings;
