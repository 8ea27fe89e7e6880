-- +goose Up
-- Client tokens of the console's read-only JSON API (iwo user token add
-- and revoke). As with sessions, only the SHA-256 of the random token is
-- kept; a revoked token stays, with when, until its name is given a new one.
CREATE TABLE api_tokens (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created    TIMESTAMPTZ NOT NULL,
    revoked    TIMESTAMPTZ
);

-- +goose Down
DROP TABLE api_tokens;
