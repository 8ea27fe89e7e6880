-- +goose Up
-- Console accounts, their sessions and the audit log (iwo user, the
-- console's sign-in and its audit page). Users in the configuration file
-- are added here the first time the console starts with them; afterwards
-- this table is what counts.
CREATE TABLE users (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created       TEXT NOT NULL,
    updated       TEXT NOT NULL
);

-- A session row holds the SHA-256 of the random token the browser's cookie
-- carries, so signing out, a new password or a disabled account ends it at
-- once, and a copy of the database signs nobody in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_name  TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
    created    TEXT NOT NULL,
    expires    TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);
CREATE INDEX sessions_expires ON sessions (expires);

-- The audit log: who viewed, revealed or changed what. Rows are only added.
-- user_name is not a reference: command-line changes are made by "cli:"
-- and an operating-system user, and refused sign-ins name whoever was typed.
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    addr      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_user ON audit (user_name, id);
CREATE INDEX audit_subject ON audit (subject, id);
CREATE INDEX audit_action ON audit (action, id);

-- +goose Down
DROP TABLE audit;
DROP TABLE sessions;
DROP TABLE users;
