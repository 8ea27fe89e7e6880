package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// rowBatches is a multi-row INSERT into one table, cut into statements of
// a few fixed row counts (Sizes, largest first, the last 1), so that a
// handful of statements serve any number of rows. The statements are
// prepared once for the DB (keep) and reused by every transaction:
// pull-remittances writes 2,000 files of about 125 payments a night, and a
// statement whose row count followed each file's was prepared anew in each
// file's transaction — a third of ApplyPayments's CPU in
// "iwo bench night" (docs/scaling.md).
type rowBatches struct {
	// Head is the statement up to VALUES ("INSERT INTO t (a, b) VALUES ").
	Head string
	// Cols is the number of values a row carries.
	Cols int
	// Sizes are the row counts of the statements, largest first, the
	// last 1.
	Sizes []int
}

// query is the statement of rows rows.
func (b *rowBatches) query(rows int) string {
	return b.Head + rowPlaceholders(b.Cols, rows)
}

// keep returns query prepared on the DB's pool, preparing it the first
// time. Such a statement serves any transaction (Tx.StmtContext reuses its
// preparation on the transaction's connection) and closes with the DB.
// Call it outside a transaction: preparing takes a connection from the
// pool, which a caller holding one could wait for in vain.
func (d *DB) keep(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := d.kept.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := d.db.PrepareContext(ctx, d.rebind(query))
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.kept.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// keptRow runs query, a look-up made for row after row (pull-acks asks
// for the document and the order of each acknowledgment), with its
// statement kept for the DB on SQLite, which otherwise parses the query
// anew each time: that was half of pull-acks's CPU in "iwo bench night".
// PostgreSQL's driver keeps its own statements per connection.
func (d *DB) keptRow(ctx context.Context, query string, args ...any) *sql.Row {
	if d.dialect == dialectSQLite {
		if s, err := d.keep(ctx, query); err == nil {
			return s.QueryRowContext(ctx, args...)
		}
		// Not kept: running it unprepared returns the same error where
		// the caller expects it.
	}
	return d.queryRow(ctx, d.db, query, args...)
}

// closeKept closes the statements keep prepared.
func (d *DB) closeKept() {
	d.kept.Range(func(q, s any) bool {
		s.(*sql.Stmt).Close()
		d.kept.Delete(q)
		return true
	})
}

// prepareBatches returns the statements of b, one per size, kept for the DB.
// Call it outside a transaction (see keep).
func (d *DB) prepareBatches(ctx context.Context, b *rowBatches) ([]*sql.Stmt, error) {
	stmts := make([]*sql.Stmt, len(b.Sizes))
	for i, n := range b.Sizes {
		s, err := d.keep(ctx, b.query(n))
		if err != nil {
			return nil, fmt.Errorf("prepare %s: %w", strings.TrimSpace(strings.TrimSuffix(b.Head, " VALUES ")), err)
		}
		stmts[i] = s
	}
	return stmts, nil
}

// batchWriter writes rows through the statements of a rowBatches in one
// transaction. The caller appends a row's values to args and calls Added;
// a full batch of the largest size is written at once, and Flush writes
// what is left in the smaller sizes. It holds at most one batch of the
// largest size.
type batchWriter struct {
	b    *rowBatches
	tx   *txn
	kept []*sql.Stmt // per size, for the DB
	in   []*sql.Stmt // per size, for tx, made when first needed
	// args are the values of the rows not yet written.
	args []any
}

// newBatchWriter returns a writer of b's rows in tx; kept are b's
// statements (prepareBatches).
func newBatchWriter(tx *txn, b *rowBatches, kept []*sql.Stmt) *batchWriter {
	return &batchWriter{b: b, tx: tx, kept: kept, in: make([]*sql.Stmt, len(kept)), args: make([]any, 0, b.Sizes[0]*b.Cols)}
}

// Added writes a full batch when args holds one.
func (w *batchWriter) Added(ctx context.Context) error {
	if len(w.args) < w.b.Sizes[0]*w.b.Cols {
		return nil
	}
	return w.Flush(ctx)
}

// Flush writes every row in args, in statements of the largest sizes that
// fit.
func (w *batchWriter) Flush(ctx context.Context) error {
	if len(w.args)%w.b.Cols != 0 {
		return fmt.Errorf("batch insert: %d values do not make rows of %d", len(w.args), w.b.Cols)
	}
	args := w.args
	for i, n := range w.b.Sizes {
		for len(args) >= n*w.b.Cols {
			if err := w.exec(ctx, i, args[:n*w.b.Cols]); err != nil {
				return err
			}
			args = args[n*w.b.Cols:]
		}
	}
	// Drop the written values, so that the strings they hold can go.
	clear(w.args)
	w.args = w.args[:0]
	return nil
}

func (w *batchWriter) exec(ctx context.Context, size int, args []any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s := w.in[size]
	if s == nil {
		s = w.tx.StmtContext(ctx, w.kept[size])
		w.in[size] = s
	}
	_, err := s.ExecContext(ctx, args...)
	return err
}

// sizesOf returns the statement sizes for batches of up to n rows: n,
// a tenth of it and 1 (fewer when they coincide), so that a remainder
// takes at most 18 statements.
func sizesOf(n int) []int {
	return slices.Compact([]int{n, max(n/10, 1), 1})
}
