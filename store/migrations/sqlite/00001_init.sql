-- The first iwo schema (SQLite). Money is INTEGER cents, calendar days are
-- ISO text (YYYY-MM-DD), instants are UTC text that sorts in time order.
-- Keep in step with ../postgres/00001_init.sql.

-- +goose Up
CREATE TABLE employers (
    fein           TEXT PRIMARY KEY,
    name           TEXT NOT NULL DEFAULT '',
    address_line1  TEXT NOT NULL DEFAULT '',
    address_line2  TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL DEFAULT '',
    zip            TEXT NOT NULL DEFAULT '',
    zip4           TEXT NOT NULL DEFAULT '',
    contact_name   TEXT NOT NULL DEFAULT '',
    contact_phone  TEXT NOT NULL DEFAULT '',
    contact_fax    TEXT NOT NULL DEFAULT '',
    contact_email  TEXT NOT NULL DEFAULT '',
    eiwo           INTEGER NOT NULL DEFAULT 0,
    partner        TEXT NOT NULL DEFAULT '',
    pay_frequency  TEXT NOT NULL DEFAULT '',
    pay_anchor     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE orders (
    id                     INTEGER PRIMARY KEY,
    case_id                TEXT NOT NULL,
    order_id               TEXT NOT NULL DEFAULT '',
    remittance_id          TEXT NOT NULL DEFAULT '',
    employer_fein          TEXT NOT NULL,
    obligor_last           TEXT NOT NULL DEFAULT '',
    obligor_first          TEXT NOT NULL DEFAULT '',
    obligor_middle         TEXT NOT NULL DEFAULT '',
    obligor_suffix         TEXT NOT NULL DEFAULT '',
    obligor_ssn            TEXT NOT NULL DEFAULT '',
    obligor_birth_date     TEXT,
    obligee_last           TEXT NOT NULL DEFAULT '',
    obligee_first          TEXT NOT NULL DEFAULT '',
    obligee_middle         TEXT NOT NULL DEFAULT '',
    obligee_suffix         TEXT NOT NULL DEFAULT '',
    obligee_ssn            TEXT NOT NULL DEFAULT '',
    obligee_birth_date     TEXT,
    children               TEXT NOT NULL DEFAULT '',
    issuing_state          TEXT NOT NULL DEFAULT '',
    issuing_jurisdiction   TEXT NOT NULL DEFAULT '',
    issuing_tribunal       TEXT NOT NULL DEFAULT '',
    payee_fips             TEXT NOT NULL DEFAULT '',
    current_support_cents  INTEGER NOT NULL DEFAULT 0,
    current_support_freq   TEXT NOT NULL DEFAULT '',
    past_due_support_cents INTEGER NOT NULL DEFAULT 0,
    past_due_support_freq  TEXT NOT NULL DEFAULT '',
    current_medical_cents  INTEGER NOT NULL DEFAULT 0,
    current_medical_freq   TEXT NOT NULL DEFAULT '',
    past_due_medical_cents INTEGER NOT NULL DEFAULT 0,
    past_due_medical_freq  TEXT NOT NULL DEFAULT '',
    current_spousal_cents  INTEGER NOT NULL DEFAULT 0,
    current_spousal_freq   TEXT NOT NULL DEFAULT '',
    past_due_spousal_cents INTEGER NOT NULL DEFAULT 0,
    past_due_spousal_freq  TEXT NOT NULL DEFAULT '',
    other_cents            INTEGER NOT NULL DEFAULT 0,
    other_freq             TEXT NOT NULL DEFAULT '',
    other_reason           TEXT NOT NULL DEFAULT '',
    medical_premium_cents  INTEGER NOT NULL DEFAULT 0,
    medical_premium_freq   TEXT NOT NULL DEFAULT '',
    arrears_over_12_weeks  INTEGER NOT NULL DEFAULT 0,
    lump_sum_cents         INTEGER NOT NULL DEFAULT 0,
    start_date             TEXT,
    end_date               TEXT,
    status                 TEXT NOT NULL DEFAULT 'pending',
    pending_action         TEXT NOT NULL DEFAULT '',
    tracking_id            TEXT NOT NULL DEFAULT '',
    reject_reason          TEXT NOT NULL DEFAULT '',
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    UNIQUE (case_id, order_id)
);
CREATE INDEX orders_employer ON orders (employer_fein);
CREATE INDEX orders_ssn ON orders (obligor_ssn);
CREATE INDEX orders_remittance ON orders (remittance_id);
CREATE INDEX orders_pending ON orders (pending_action) WHERE pending_action <> '';

CREATE TABLE files (
    id             INTEGER PRIMARY KEY,
    direction      TEXT NOT NULL,
    partner        TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL DEFAULT '',
    remote_name    TEXT NOT NULL DEFAULT '',
    local_path     TEXT NOT NULL DEFAULT '',
    size           INTEGER NOT NULL DEFAULT 0,
    sha256         TEXT NOT NULL DEFAULT '',
    state          TEXT NOT NULL,
    control_number TEXT NOT NULL DEFAULT '',
    records        INTEGER NOT NULL DEFAULT 0,
    error          TEXT NOT NULL DEFAULT '',
    applied_at     TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX files_sha256 ON files (sha256);
-- A file's bytes are applied at most once: the ledger's core promise.
CREATE UNIQUE INDEX files_applied_sha256 ON files (sha256) WHERE applied_at IS NOT NULL;

CREATE TABLE documents (
    id              INTEGER PRIMARY KEY,
    tracking_id     TEXT NOT NULL UNIQUE,
    order_ref       INTEGER NOT NULL REFERENCES orders (id),
    case_id         TEXT NOT NULL DEFAULT '',
    fein            TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,
    file_id         INTEGER REFERENCES files (id),
    file_control    TEXT NOT NULL DEFAULT '',
    batch_control   TEXT NOT NULL DEFAULT '',
    sent_at         TEXT,
    status          TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    acknowledged_at TEXT
);
CREATE INDEX documents_order ON documents (order_ref);

CREATE TABLE payments (
    id                 INTEGER PRIMARY KEY,
    file_id            INTEGER NOT NULL REFERENCES files (id),
    line               INTEGER NOT NULL DEFAULT 0,
    batch              INTEGER NOT NULL DEFAULT 0,
    trace              TEXT NOT NULL DEFAULT '',
    sec                TEXT NOT NULL DEFAULT '',
    transaction_code   INTEGER NOT NULL DEFAULT 0,
    company_id         TEXT NOT NULL DEFAULT '',
    company_name       TEXT NOT NULL DEFAULT '',
    effective_date     TEXT,
    entry_amount_cents INTEGER NOT NULL DEFAULT 0,
    application_id     TEXT NOT NULL DEFAULT '',
    case_id            TEXT NOT NULL DEFAULT '',
    pay_date           TEXT,
    amount_cents       INTEGER NOT NULL DEFAULT 0,
    ssn                TEXT NOT NULL DEFAULT '',
    medical            TEXT NOT NULL DEFAULT '',
    name               TEXT NOT NULL DEFAULT '',
    fips               TEXT NOT NULL DEFAULT '',
    termination        INTEGER NOT NULL DEFAULT 0,
    kind               TEXT NOT NULL DEFAULT '',
    return_code        TEXT NOT NULL DEFAULT '',
    problems           TEXT NOT NULL DEFAULT '',
    raw                TEXT NOT NULL DEFAULT '',
    fein               TEXT NOT NULL DEFAULT ''
);
CREATE INDEX payments_file ON payments (file_id);
CREATE INDEX payments_case ON payments (case_id);
CREATE INDEX payments_ssn ON payments (ssn);
CREATE INDEX payments_fein ON payments (fein);
CREATE INDEX payments_effective ON payments (effective_date);

CREATE TABLE acknowledgments (
    id                  INTEGER PRIMARY KEY,
    file_id             INTEGER NOT NULL REFERENCES files (id),
    line                INTEGER NOT NULL DEFAULT 0,
    action              TEXT NOT NULL DEFAULT '',
    tracking_id         TEXT NOT NULL DEFAULT '',
    case_id             TEXT NOT NULL DEFAULT '',
    order_id            TEXT NOT NULL DEFAULT '',
    fein                TEXT NOT NULL DEFAULT '',
    ssn                 TEXT NOT NULL DEFAULT '',
    employee_last       TEXT NOT NULL DEFAULT '',
    employee_first      TEXT NOT NULL DEFAULT '',
    employee_middle     TEXT NOT NULL DEFAULT '',
    employee_suffix     TEXT NOT NULL DEFAULT '',
    employee_ssn        TEXT NOT NULL DEFAULT '',
    employee_birth_date TEXT,
    status              TEXT NOT NULL DEFAULT '',
    reason              TEXT NOT NULL DEFAULT '',
    termination_date    TEXT,
    final_payment_date  TEXT,
    final_payment_cents INTEGER NOT NULL DEFAULT 0,
    new_employer        TEXT NOT NULL DEFAULT '',
    lump_sum_date       TEXT,
    lump_sum_cents      INTEGER NOT NULL DEFAULT 0,
    lump_sum_type       TEXT NOT NULL DEFAULT '',
    corrected_fein      TEXT NOT NULL DEFAULT '',
    multiple_state      TEXT NOT NULL DEFAULT '',
    error_fields        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX acknowledgments_file ON acknowledgments (file_id);
CREATE INDEX acknowledgments_tracking ON acknowledgments (tracking_id);

CREATE TABLE exceptions (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,
    type             TEXT NOT NULL,
    severity         TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'open',
    case_id          TEXT NOT NULL DEFAULT '',
    order_ref        INTEGER,
    fein             TEXT NOT NULL DEFAULT '',
    ssn              TEXT NOT NULL DEFAULT '',
    payment_ids      TEXT NOT NULL DEFAULT '',
    file_id          INTEGER,
    amount_cents     INTEGER NOT NULL DEFAULT 0,
    expected_cents   INTEGER NOT NULL DEFAULT 0,
    due_date         TEXT,
    message          TEXT NOT NULL DEFAULT '',
    suggested_action TEXT NOT NULL DEFAULT '',
    opened_on        TEXT,
    resolved_by      TEXT NOT NULL DEFAULT '',
    resolved_at      TEXT,
    note             TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL
);
CREATE INDEX exceptions_status ON exceptions (status, type);
CREATE INDEX exceptions_case ON exceptions (case_id);

CREATE TABLE job_runs (
    id       INTEGER PRIMARY KEY,
    job      TEXT NOT NULL,
    instance TEXT NOT NULL DEFAULT '',
    started  TEXT NOT NULL,
    ended    TEXT,
    status   TEXT NOT NULL,
    files    INTEGER NOT NULL DEFAULT 0,
    counts   TEXT NOT NULL DEFAULT '',
    error    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job ON job_runs (job, id);

-- Job locks for SQLite (PostgreSQL uses advisory locks instead).
CREATE TABLE locks (
    name       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at INTEGER NOT NULL -- Unix milliseconds
);

-- +goose Down
DROP TABLE locks;
DROP TABLE job_runs;
DROP TABLE exceptions;
DROP TABLE acknowledgments;
DROP TABLE payments;
DROP TABLE documents;
DROP TABLE files;
DROP TABLE orders;
DROP TABLE employers;
