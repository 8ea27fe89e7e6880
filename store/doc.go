// Package store persists iwo's domain in SQL: employers, orders, the IWO
// documents sent, the file ledger, payments, acknowledgments, exceptions and
// job runs. It has two backends behind one type:
//
//   - SQLite (modernc.org/sqlite, pure Go, no cgo), the embedded default, for
//     one iwo instance: a single file in WAL mode with a busy timeout and
//     foreign keys on. Write transactions begin IMMEDIATE so concurrent
//     writers queue on the busy timeout instead of failing halfway.
//   - PostgreSQL (github.com/jackc/pgx/v5 through database/sql), for agencies
//     that run several instances against one shared database.
//
// Open picks the backend from a URL ("sqlite:PATH", "sqlite::memory:",
// "postgres://…") and applies the schema migrations (pressly/goose, SQL files
// embedded per dialect under migrations/) before returning. A *DB implements
// every service interface of package withholding itself; pass it wherever a
// withholding.OrderService, FileService, … is wanted.
//
// # File ledger
//
// Applying an inbound file (ApplyPayments, ApplyAcknowledgments) is one
// transaction that also sets the file's applied_at time. A unique index on
// the SHA-256 of applied files makes a second apply of the same bytes fail
// with ECONFLICT even when two instances race. Files without a SHA-256 cannot
// be applied (EINVALID).
//
// # Bulk payments
//
// ApplyPayments streams from its iterator: PostgreSQL uses COPY, SQLite
// batched multi-row INSERTs in the one transaction. Neither holds more than
// one batch in memory. Payment IDs are assigned in sequence order and are
// not written back to the yielded values; read them back with EachPayment.
//
// # Locks
//
// TryLock uses a session advisory lock on PostgreSQL, held on a dedicated
// connection until unlock (or until that connection dies). SQLite has no
// sessions shared between processes, so the lock is a row with an owner and
// an expiry that a goroutine renews while it is held; a crashed holder's
// lock lapses after LockTTL, or at once for a taker on the holder's host
// that finds the holder's process gone.
//
// # Personal data
//
// SSNs are stored in clear because payments and acknowledgments are matched
// by them. Nothing in this package logs; error messages never include an
// SSN.
//
// # Import
//
// ImportEmployers and ImportOrders read the agency's CSV files (columns in
// docs/store.md), validate every row, and apply a valid file in one
// transaction; a file with any problem changes nothing. ImportOrders
// streams: it checks and writes row by row inside the transaction, keeping
// only each row's key, and rolls back if any row is bad.
package store
