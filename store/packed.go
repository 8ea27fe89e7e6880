package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"strconv"
	"strings"
)

// A packed row is a listing's columns read as one value: SQLite's
// json_array of them. modernc.org/sqlite reads every column through three
// calls into the transpiled C library (its type, its value, its length),
// each taking the connection's mutex, and database/sql converts each by
// reflection: for the 32 columns of a brief order listing that was two
// thirds of reading the orders. Measured on the state-sized bench's
// 1,210,000 orders (docs/scaling.md, fix 28): 5.7 CPU s column by column,
// 2.9 s as one json_array, and 4.4 s for them sorted by employer (10.4 s
// by employer through the index). PostgreSQL's driver has no such cost,
// so only SQLite listings are packed.

// packedCols is the SELECT list of a packed row of cols.
func packedCols(cols []string) string {
	return "json_array(" + strings.Join(cols, ", ") + ")"
}

// queryEachPacked is queryEach of "SELECT cols"+rest, its rows packed on
// SQLite: scan scans them as if their columns were apart.
func queryEachPacked[T any](ctx context.Context, d *DB, what string, scan func(interface{ Scan(...any) error }) (*T, error), cols []string, rest string, args ...any) iter.Seq2[*T, error] {
	if d.dialect != dialectSQLite {
		return queryEach(ctx, d, what, scan, "SELECT "+strings.Join(cols, ", ")+rest, args...)
	}
	return func(yield func(*T, error) bool) {
		ps := &packedScan{} // one a listing: its row is read into ps.row
		for v, err := range queryEach(ctx, d, what, func(s interface{ Scan(...any) error }) (*T, error) {
			ps.rows = s
			return scan(ps)
		}, "SELECT "+packedCols(cols)+rest, args...) {
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// errPacked is the error of a packed row that is not what json_array
// writes for the listing's columns.
var errPacked = errors.New("malformed packed row")

// packedDest assigns one value of a packed row to a scan destination.
type packedDest func(v packedValue) error

// packedValue is one value of a packed row: a string, an integer or null.
type packedValue struct {
	null bool
	str  string
	num  int64
	isN  bool
}

// kind names what v is, for an error: never its value, which may be an
// SSN.
func (v packedValue) kind() string {
	switch {
	case v.null:
		return "null"
	case v.isN:
		return "an integer"
	}
	return "a string"
}

// scanValue is v as a driver gives it to a sql.Scanner.
func (v packedValue) scanValue() any {
	switch {
	case v.null:
		return nil
	case v.isN:
		return v.num
	}
	return v.str
}

// packedDests returns how each of dest (the destinations a column-by-
// column scan would use) takes its value, for a listing that scans every
// row into the same destinations: each is checked once, here, not at
// every row.
func packedDests(dest []any) ([]packedDest, error) {
	out := make([]packedDest, len(dest))
	for i, d := range dest {
		switch d.(type) {
		case *string, *int64, sql.Scanner:
			out[i] = func(v packedValue) error { return setPacked(d, v) }
			continue
		}
		e, err := reflectDest(d)
		if err != nil {
			return nil, fmt.Errorf("packed row: destination %d: %w", i, err)
		}
		out[i] = func(v packedValue) error { return setValue(e, v) }
	}
	return out, nil
}

// reflectDest is d, a pointer to a string, integer or boolean kind, as
// the value it points to.
func reflectDest(d any) (reflect.Value, error) {
	rv := reflect.ValueOf(d)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return rv, fmt.Errorf("%T is not a pointer", d)
	}
	e := rv.Elem()
	switch e.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return e, nil
	}
	return rv, fmt.Errorf("%T is not a string, an integer, a boolean or a sql.Scanner", d)
}

// setPacked gives v to d as database/sql's Scan would: a string, the
// decimal digits of an integer, an integer, a boolean from 0 or 1, or
// whatever a sql.Scanner makes of the driver's value.
func setPacked(d any, v packedValue) error {
	switch d := d.(type) {
	case *string:
		if v.null {
			return fmt.Errorf("%w: null into a string", errPacked)
		}
		*d = v.str
		if v.isN {
			*d = strconv.FormatInt(v.num, 10)
		}
		return nil
	case *int64:
		if !v.isN {
			return fmt.Errorf("%w: a string into an integer", errPacked)
		}
		*d = v.num
		return nil
	case sql.Scanner:
		return d.Scan(v.scanValue())
	}
	e, err := reflectDest(d)
	if err != nil {
		return err
	}
	return setValue(e, v)
}

// setValue is setPacked for e, a string, integer or boolean kind.
func setValue(e reflect.Value, v packedValue) error {
	switch e.Kind() {
	case reflect.String:
		switch {
		case v.null:
			return fmt.Errorf("%w: null into %s", errPacked, e.Type())
		case v.isN:
			e.SetString(strconv.FormatInt(v.num, 10))
		default:
			e.SetString(v.str)
		}
	case reflect.Bool:
		if !v.isN || (v.num != 0 && v.num != 1) {
			return fmt.Errorf("%w: %s into %s", errPacked, v.kind(), e.Type())
		}
		e.SetBool(v.num == 1)
	default:
		if !v.isN {
			return fmt.Errorf("%w: %s into %s", errPacked, v.kind(), e.Type())
		}
		if e.OverflowInt(v.num) {
			return fmt.Errorf("%w: an integer out of the range of %s", errPacked, e.Type())
		}
		e.SetInt(v.num)
	}
	return nil
}

// unpack assigns the values of row, a json_array of len(dest) strings,
// integers and nulls, to dest in order. A string without escapes is a
// substring of row, so a caller that keeps one keeps the row.
func unpack(row string, dest []packedDest) error {
	return unpackEach(row, len(dest), func(i int, v packedValue) error { return dest[i](v) })
}

// packedScan scans the rows of a packed listing as if their columns were
// apart: Scan reads the row's one value and gives its values to dest in
// order (setPacked).
type packedScan struct {
	rows interface{ Scan(...any) error }
	row  string
}

func (p *packedScan) Scan(dest ...any) error {
	if err := p.rows.Scan(&p.row); err != nil {
		return err
	}
	return unpackEach(p.row, len(dest), func(i int, v packedValue) error {
		if err := setPacked(dest[i], v); err != nil {
			return fmt.Errorf("value %d: %w", i, err)
		}
		return nil
	})
}

// unpackEach reads the n values of row, a json_array, in order, giving
// each to set with its place.
func unpackEach(row string, n int, set func(i int, v packedValue) error) error {
	if len(row) < 2 || row[0] != '[' || row[len(row)-1] != ']' {
		return fmt.Errorf("%w: not an array", errPacked)
	}
	s := row[1 : len(row)-1]
	for i := range n {
		if i > 0 {
			if s == "" || s[0] != ',' {
				return fmt.Errorf("%w: %d values, want %d", errPacked, i, n)
			}
			s = s[1:]
		}
		var v packedValue
		var err error
		if v, s, err = nextPacked(s); err != nil {
			return fmt.Errorf("%w (value %d)", err, i)
		}
		if err := set(i, v); err != nil {
			return err
		}
	}
	if s != "" {
		return fmt.Errorf("%w: more than %d values", errPacked, n)
	}
	return nil
}

// nextPacked reads the value at the start of s and returns it and the
// rest of s.
func nextPacked(s string) (packedValue, string, error) {
	var v packedValue
	switch {
	case s == "":
		return v, s, fmt.Errorf("%w: a value is missing", errPacked)
	case s[0] == '"':
		end := strings.IndexByte(s[1:], '"') + 1
		if end == 0 {
			return v, s, fmt.Errorf("%w: unterminated string", errPacked)
		}
		if strings.IndexByte(s[1:end], '\\') < 0 {
			v.str = s[1:end]
			return v, s[end+1:], nil
		}
		// Escaped (a quote, a backslash or a control character in the
		// text): rare, left to encoding/json.
		end = closingQuote(s)
		if end < 0 {
			return v, s, fmt.Errorf("%w: unterminated string", errPacked)
		}
		var str string
		if err := json.Unmarshal([]byte(s[:end+1]), &str); err != nil {
			return v, s, fmt.Errorf("%w: %w", errPacked, err)
		}
		v.str = str
		return v, s[end+1:], nil
	case strings.HasPrefix(s, "null"):
		v.null = true
		return v, s[4:], nil
	default:
		end := strings.IndexAny(s, ",]")
		if end < 0 {
			end = len(s)
		}
		n, err := strconv.ParseInt(s[:end], 10, 64)
		if err != nil {
			return v, s, fmt.Errorf("%w: a value neither a string, an integer nor null", errPacked)
		}
		v.num, v.isN = n, true
		return v, s[end:], nil
	}
}

// closingQuote is the index in s of the quote that ends the string s
// starts with, skipping escaped characters; -1 if there is none.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}
