-- +goose Up
-- Who holds a SQLite lock: the host name, the process ID and a token of
-- the process (TryLock). A process of the same host whose holder's PID no
-- longer runs — or runs, but as another process than the one that took the
-- lock — takes the lock at once instead of waiting for its lease to end.
-- (PostgreSQL locks are advisory locks; the columns keep both schemas alike.)
ALTER TABLE locks ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE locks ADD COLUMN pid INTEGER NOT NULL DEFAULT 0;
ALTER TABLE locks ADD COLUMN process TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE locks DROP COLUMN process;
ALTER TABLE locks DROP COLUMN pid;
ALTER TABLE locks DROP COLUMN host;
