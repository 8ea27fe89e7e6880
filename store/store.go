package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/iwoproject/iwo/withholding"
)

// Compile-time checks that DB implements every store interface of the domain.
var (
	_ withholding.EmployerService  = (*DB)(nil)
	_ withholding.OrderService     = (*DB)(nil)
	_ withholding.DocumentService  = (*DB)(nil)
	_ withholding.FileService      = (*DB)(nil)
	_ withholding.PaymentService   = (*DB)(nil)
	_ withholding.ExceptionService = (*DB)(nil)
	_ withholding.JobRunService    = (*DB)(nil)
	_ withholding.PostingService   = (*DB)(nil)
)

// DefaultLockTTL is how long a SQLite lock row stays valid without renewal;
// the holder renews it every third of that.
const DefaultLockTTL = 2 * time.Minute

// DefaultBusyTimeout is how long a SQLite connection waits for another
// writer before it gives up with "database is locked".
const DefaultBusyTimeout = 30 * time.Second

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

type dialect int

const (
	dialectSQLite dialect = iota
	dialectPostgres
)

// DB is an open store. It implements every service interface of package
// withholding. It is safe for concurrent use.
type DB struct {
	db      *sql.DB
	dialect dialect
	tmpDir  string // removed on Close (sqlite::memory:)

	// Now returns the current time. Tests replace it; it defaults to time.Now.
	Now func() time.Time
	// LockTTL is the lease of a SQLite lock (see TryLock). Zero means
	// DefaultLockTTL. PostgreSQL locks have no lease.
	LockTTL time.Duration
	// OrderPage is how many orders EachOrder reads per query. Zero means
	// DefaultOrderPage.
	OrderPage int
	// Instance names this process as a lock owner (host/pid by default).
	Instance string
	// Host and PID are this process's host name and process ID, recorded
	// with each SQLite lock it takes (Open sets them), so that a process
	// of the same host can tell that a holder is gone (see TryLock).
	Host string
	PID  int

	// kept are statements prepared for the pool, by query (see keep).
	kept sync.Map
}

// Open opens the store named by rawURL and migrates its schema to the
// latest version. Accepted forms:
//
//	sqlite:/var/lib/iwo/iwo.db    a SQLite file (created, with its directory, if missing)
//	sqlite:iwo.db                 relative to the working directory
//	sqlite::memory:               a private throwaway database, deleted on
//	                              Close (tests, demos); it is a temporary file
//	                              so it behaves exactly like a named one
//	postgres://user:pw@host/db    PostgreSQL (also postgresql://); libpq-style
//	                              query parameters such as sslmode or
//	                              search_path pass through to pgx
//
// Open returns EINVALID for a URL it does not understand.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	host, _ := os.Hostname()
	d := &DB{Now: time.Now, Instance: fmt.Sprintf("%s/%d", host, os.Getpid()), Host: host, PID: os.Getpid()}
	var err error
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		d.dialect = dialectSQLite
		d.db, d.tmpDir, err = openSQLite(strings.TrimPrefix(rawURL, "sqlite:"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		d.dialect = dialectPostgres
		d.db, err = sql.Open("pgx", rawURL)
		if err == nil {
			d.db.SetMaxIdleConns(4)
			d.db.SetConnMaxIdleTime(5 * time.Minute)
		}
	default:
		return nil, withholding.Errorf(withholding.EINVALID, "database URL %q: want sqlite:PATH or postgres://…", redactURL(rawURL))
	}
	if err != nil {
		d.removeTmp()
		return nil, fmt.Errorf("open database %s: %w", redactURL(rawURL), err)
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("connect to database %s: %w", redactURL(rawURL), err)
	}
	if err := d.migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// walCheckpointPages is how many pages SQLite's write-ahead log holds
// before a commit copies them into the database (wal_autocheckpoint;
// SQLite's default is 1,000, 4 MB). A night's remittance files are
// 2,000 transactions of about 125 payments each, and each writes its
// pages of the payments table's six indexes to the log: at 1,000 pages
// every second commit or so also checkpointed, copying the same index
// pages into the database again and again. 250,000 payments in 2,000
// transactions took 18.7 s at 1,000 pages, 14.8 s at 4,000, 12.2 s at
// 10,000, 10.9 s at 20,000 and 10.4 s at 40,000 (docs/scaling.md, fix
// 30). At 20,000 the log grows to about 80 MB between checkpoints.
const walCheckpointPages = 20_000

// openSQLite opens the SQLite database at path; tmpDir is a directory to
// remove on Close ("" for a named file).
func openSQLite(path string) (db *sql.DB, tmpDir string, err error) {
	path = strings.TrimPrefix(path, "//") // tolerate sqlite:///abs/path
	if path == "" {
		return nil, "", withholding.Errorf(withholding.EINVALID, "database URL sqlite: needs a path")
	}
	params := url.Values{}
	params.Set("_busy_timeout", strconv.FormatInt(DefaultBusyTimeout.Milliseconds(), 10))
	params.Set("_foreign_keys", "1")
	params.Set("_txlock", "immediate")
	if path == ":memory:" {
		// A throwaway file rather than SQLite's :memory:, which would give
		// each pooled connection its own empty database and lacks WAL.
		dir, err := os.MkdirTemp("", "iwo-db-")
		if err != nil {
			return nil, "", fmt.Errorf("create temporary database: %w", err)
		}
		tmpDir, path = dir, filepath.Join(dir, "iwo.db")
	} else if strings.ContainsAny(path, "?#") {
		return nil, "", withholding.Errorf(withholding.EINVALID, "SQLite path %q: must not contain ? or #", path)
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, "", fmt.Errorf("create database directory: %w", err)
	}
	// The database holds every SSN in clear: create it readable by its
	// owner only, before the driver would create it 0644. SQLite gives the
	// -wal and -shm files the database file's permissions. An existing
	// file keeps the mode its owner gave it.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, tmpDir, fmt.Errorf("create database file: %w", err)
	}
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "NORMAL")
	params.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(walCheckpointPages)+")")
	dsn := path + "?" + params.Encode()
	db, err = sql.Open("sqlite", dsn)
	if err != nil {
		return nil, tmpDir, err
	}
	// WAL lets readers run beside the one writer; many more connections
	// than that only add lock contention.
	db.SetMaxOpenConns(8)
	return db, tmpDir, nil
}

func (d *DB) migrate(ctx context.Context) error {
	var (
		gd   goose.Dialect
		dir  string
		opts = []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	)
	switch d.dialect {
	case dialectPostgres:
		gd, dir = goose.DialectPostgres, "migrations/postgres"
		// Several instances may start at once; the session lock makes
		// them migrate one after the other.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrate schema: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		gd, dir = goose.DialectSQLite3, "migrations/sqlite"
	}
	sub, err := fs.Sub(migrations, dir)
	if err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	p, err := goose.NewProvider(gd, d.db, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate schema: %w", err)
	}
	return nil
}

// Close closes the database (and removes it, for sqlite::memory:).
func (d *DB) Close() error {
	d.closeKept()
	err := d.db.Close()
	d.removeTmp()
	if err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

func (d *DB) removeTmp() {
	if d.tmpDir != "" {
		os.RemoveAll(d.tmpDir)
	}
}

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Backend returns "sqlite" or "postgres".
func (d *DB) Backend() string {
	if d.dialect == dialectPostgres {
		return "postgres"
	}
	return "sqlite"
}

// redactURL hides a password in a database URL so it can be printed.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// RedactURL returns the database URL with any password replaced by "xxxxx",
// for messages and logs.
func RedactURL(s string) string { return redactURL(s) }

// now returns the current time in UTC, at the microsecond precision both
// backends keep.
func (d *DB) now() time.Time { return d.Now().UTC().Truncate(time.Microsecond) }

// queryer is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rebind rewrites the ? placeholders of q into PostgreSQL's $1, $2…
// Queries in this package are written with ?, never inside string literals
// except where quoted with '…', which rebind skips.
func (d *DB) rebind(q string) string {
	if d.dialect != dialectPostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (d *DB) exec(ctx context.Context, q queryer, query string, args ...any) (sql.Result, error) {
	return q.ExecContext(ctx, d.rebind(query), args...)
}

func (d *DB) query(ctx context.Context, q queryer, query string, args ...any) (*sql.Rows, error) {
	return q.QueryContext(ctx, d.rebind(query), args...)
}

// queryAll runs query and scans every row with scan. what names the
// operation in errors ("find orders").
func queryAll[T any](ctx context.Context, d *DB, what string, scan func(interface{ Scan(...any) error }) (*T, error), query string, args ...any) ([]*T, error) {
	var out []*T
	for v, err := range queryEach(ctx, d, what, scan, query, args...) {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// queryValues is queryAll for small values (a sum, a FEIN), returned as
// values rather than pointers.
func queryValues[T any](ctx context.Context, d *DB, what string, scan func(interface{ Scan(...any) error }) (*T, error), query string, args ...any) ([]T, error) {
	list, err := queryAll(ctx, d, what, scan, query, args...)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(list))
	for i, v := range list {
		out[i] = *v
	}
	return out, nil
}

// queryEach runs query and yields every row as scan reads it, so that a
// caller going through a whole table keeps only what it needs of each row.
// The query's rows stay open until the loop ends.
func queryEach[T any](ctx context.Context, d *DB, what string, scan func(interface{ Scan(...any) error }) (*T, error), query string, args ...any) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		rows, err := d.query(ctx, d.db, query, args...)
		if err != nil {
			yield(nil, fmt.Errorf("%s: %w", what, err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				yield(nil, fmt.Errorf("%s: %w", what, err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, fmt.Errorf("%s: %w", what, err))
		}
	}
}

func (d *DB) queryRow(ctx context.Context, q queryer, query string, args ...any) *sql.Row {
	return q.QueryRowContext(ctx, d.rebind(query), args...)
}

// txn is a transaction on a dedicated connection, so that PostgreSQL's COPY
// can run on the same session. It prepares each statement once per
// transaction and runs it again for every row: an import or a RecordSent
// runs the same few statements for each of thousands of rows, and
// preparing them anew every time was a third of SQLite's work in
// "iwo bench night" (docs/scaling.md). The statements close with the
// transaction.
type txn struct {
	conn *sql.Conn
	*sql.Tx
	stmts map[string]*sql.Stmt
}

// maxTxStmts bounds the statements a transaction keeps prepared; queries
// made for their arguments (a multi-row INSERT of n rows) beyond it run
// unprepared.
const maxTxStmts = 64

// stmt returns query prepared in the transaction, or nil when it cannot be
// kept (too many statements, or preparing failed: running it unprepared
// then returns the same error where the caller expects it).
func (t *txn) stmt(ctx context.Context, query string) *sql.Stmt {
	if s, ok := t.stmts[query]; ok {
		return s
	}
	if len(t.stmts) >= maxTxStmts {
		return nil
	}
	s, err := t.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = s
	return s
}

// ExecContext runs query with its prepared statement.
func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query with its prepared statement.
func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query with its prepared statement.
func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// inTx runs fn in a transaction and commits it when fn returns nil.
func (d *DB) inTx(ctx context.Context, fn func(tx *txn) error) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	return d.inConnTx(ctx, conn, fn)
}

// inConnTx runs fn in a transaction on conn and commits it when fn returns
// nil: for a caller that sets up the connection first.
func (d *DB) inConnTx(ctx context.Context, conn *sql.Conn, fn func(tx *txn) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	if err := fn(&txn{conn: conn, Tx: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is a unique-constraint failure.
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports whether err is a failure of a foreign key.
func isForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// isControlViolation reports whether err is a failure of the unique index
// on applied files' senders and control numbers. Only PostgreSQL can get
// there: SQLite's writers never overlap.
func isControlViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "files_applied_control"
}

// where accumulates the conditions of a filter.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// whereIn adds to w that col is one of vals, each the argument arg makes
// of it (a driver takes no named string type); nothing when vals is empty.
func whereIn[T any](w *where, col string, vals []T, arg func(T) any) {
	if len(vals) == 0 {
		return
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = arg(v)
	}
	w.add(col+" IN ("+placeholders(len(args))+")", args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// prefixCond adds to w that expr, an indexed lower-case expression of
// migration 00008_search.sql, starts with p (lower case). It is a range
// rather than LIKE so that the index serves it on both backends; in
// PostgreSQL in byte order (COLLATE "C", as the index is built), which is
// what makes every string with the prefix fall inside the range.
func (d *DB) prefixCond(w *where, expr, p string) {
	expr = d.collateC(expr)
	// U+10FFFF is the last code point: its UTF-8 bytes sort after those
	// of anything that can follow the prefix.
	w.add(expr+" >= ? AND "+expr+" < ?", p, p+"\U0010FFFF")
}

// collateC is expr in byte order: as is in SQLite, COLLATE "C" in
// PostgreSQL, as the indexes of 00008_search.sql are built.
func (d *DB) collateC(expr string) string {
	if d.dialect == dialectPostgres {
		return "(" + expr + ` COLLATE "C")`
	}
	return expr
}

// page returns the LIMIT/OFFSET clause; limit <= 0 means no limit.
func (d *DB) page(offset, limit int) string {
	var s string
	if limit > 0 {
		s = " LIMIT " + strconv.Itoa(limit)
	}
	if offset > 0 {
		if limit <= 0 && d.dialect == dialectSQLite {
			s = " LIMIT -1"
		}
		s += " OFFSET " + strconv.Itoa(offset)
	}
	return s
}

// count runs SELECT COUNT(*) FROM table with w.
func (d *DB) count(ctx context.Context, table string, w *where) (int, error) {
	var n int
	if err := d.queryRow(ctx, d.db, "SELECT COUNT(*) FROM "+table+w.String(), w.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

// Argument converters. Zero dates, times and IDs are NULL.

func (d *DB) dateArg(v withholding.Date) any {
	if v.IsZero() {
		return nil
	}
	if d.dialect == dialectPostgres {
		return v.Time(time.UTC)
	}
	return v.String()
}

// sqliteTimeLayout sorts as text in time order (fixed width, UTC).
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

func (d *DB) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	if d.dialect == dialectPostgres {
		return t
	}
	return t.Format(sqliteTimeLayout)
}

func idArg(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// dateDest scans a DATE (PostgreSQL) or ISO text (SQLite) column; NULL is
// the zero Date.
type dateDest struct{ d *withholding.Date }

func (s dateDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.d = withholding.Date{}
	case time.Time:
		*s.d = withholding.DateOf(v.UTC())
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("scan date: unexpected %T", src)
	}
	return nil
}

func (s dateDest) parse(v string) error {
	if v == "" {
		*s.d = withholding.Date{}
		return nil
	}
	if len(v) > 10 {
		v = v[:10]
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return fmt.Errorf("scan date %q: %w", v, err)
	}
	*s.d = withholding.DateOf(t)
	return nil
}

// timeDest scans a TIMESTAMPTZ (PostgreSQL) or text (SQLite) column into a
// UTC time; NULL is the zero time.
type timeDest struct{ t *time.Time }

func (s timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

func (s timeDest) parse(v string) error {
	if v == "" {
		*s.t = time.Time{}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time %q: %w", v, err)
	}
	*s.t = t.UTC()
	return nil
}

// idDest scans a nullable ID column; NULL is 0.
type idDest struct{ id *int64 }

func (s idDest) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	*s.id = n.Int64
	return nil
}

// randomToken returns n random bytes in hex.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
