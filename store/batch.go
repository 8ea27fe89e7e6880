package store

import (
	"context"
	"fmt"
	"iter"
)

// inBatches calls fn for each run of at most size rows, in order, with the
// statement stmt makes for that many rows. Every full run gets the same
// statement text, made once: a transaction (txn) prepares a statement once
// per distinct text, so only the last, shorter run costs a second prepare,
// where a row count that varied from one statement to the next would
// prepare every time. rows is read once and only one run of them is held
// at a time (a night's reconciliation writes hundreds of thousands); it
// stops at the sequence's first error and returns it.
func inBatches[T any](rows iter.Seq2[T, error], size int, stmt func(rows int) string, fn func(query string, batch []T) error) error {
	full := ""
	var batch []T
	flush := func() error {
		query := full
		switch {
		case len(batch) < size:
			query = stmt(len(batch))
		case full == "":
			full = stmt(size)
			query = full
		}
		err := fn(query, batch)
		clear(batch) // let the rows written go
		batch = batch[:0]
		return err
	}
	for row, err := range rows {
		if err != nil {
			return err
		}
		if batch == nil {
			batch = make([]T, 0, size)
		}
		batch = append(batch, row)
		if len(batch) == size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(batch) == 0 {
		return nil
	}
	return flush()
}

// insertNew writes the rows of seq into table, size rows a statement,
// each statement skipping the rows whose key column is already taken (as
// insertNewSQL), and returns how many rows it created. args appends a
// row's values for cols to the statement's arguments, or returns an error
// for a row that may not be stored; created_at is the store's clock.
func insertNew[T any](ctx context.Context, d *DB, q queryer, seq iter.Seq2[T, error], size int, table string, cols []string, key string, args func([]any, T) ([]any, error)) (int, error) {
	now := d.timeArg(d.now())
	created := 0
	var vals []any
	stmt := func(rows int) string { return insertNewSQL(table, cols, key, rows) }
	err := inBatches(seq, size, stmt, func(query string, batch []T) error {
		vals = vals[:0]
		for _, row := range batch {
			var err error
			if vals, err = args(vals, row); err != nil {
				return err
			}
			vals = append(vals, now)
		}
		res, err := d.exec(ctx, q, query, vals...)
		if err != nil {
			return fmt.Errorf("record %s: %w", table, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("record %s: %w", table, err)
		}
		created += int(n)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

// pairs makes a sequence that cannot fail one of values and errors.
func pairs[T any](seq iter.Seq[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v := range seq {
			if !yield(v, nil) {
				return
			}
		}
	}
}

// padArgs appends to args the n values of vals, then repeats the first of
// them up to size values, so that a look-up of "IN (size marks)" keeps one
// statement text whatever the number of values; a repeated value matches
// nothing new. vals must not be empty.
func padArgs[T any](args []any, vals []T, size int) []any {
	for _, v := range vals {
		args = append(args, v)
	}
	for range size - len(vals) {
		args = append(args, vals[0])
	}
	return args
}
