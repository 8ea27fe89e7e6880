package store

import "slices"

// inBatches calls fn for each run of at most size rows, in order, with the
// statement stmt makes for that many rows. Every full run gets the same
// statement text, made once: a transaction (txn) prepares a statement once
// per distinct text, so only the last, shorter run costs a second prepare,
// where a row count that varied from one statement to the next would
// prepare every time.
func inBatches[T any](rows []T, size int, stmt func(rows int) string, fn func(query string, batch []T) error) error {
	full := ""
	for batch := range slices.Chunk(rows, size) {
		query := full
		switch {
		case len(batch) < size:
			query = stmt(len(batch))
		case full == "":
			full = stmt(size)
			query = full
		}
		if err := fn(query, batch); err != nil {
			return err
		}
	}
	return nil
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
