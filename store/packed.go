package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
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
// column scan would use: pointers to string or integer kinds, or
// sql.Scanners) takes its value; every destination is checked once, here,
// not at every row.
func packedDests(dest []any) ([]packedDest, error) {
	out := make([]packedDest, len(dest))
	for i, d := range dest {
		if s, ok := d.(sql.Scanner); ok {
			out[i] = func(v packedValue) error { return s.Scan(v.scanValue()) }
			continue
		}
		rv := reflect.ValueOf(d)
		if rv.Kind() != reflect.Pointer || rv.IsNil() {
			return nil, fmt.Errorf("packed row: destination %d: %T is not a pointer", i, d)
		}
		e := rv.Elem()
		switch e.Kind() {
		case reflect.String:
			out[i] = func(v packedValue) error {
				switch {
				case v.isN:
					e.SetString(strconv.FormatInt(v.num, 10))
				case v.null:
					return fmt.Errorf("%w: value %d: null into %s", errPacked, i, e.Type())
				default:
					e.SetString(v.str)
				}
				return nil
			}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			out[i] = func(v packedValue) error {
				if !v.isN {
					return fmt.Errorf("%w: value %d: %q into %s", errPacked, i, v.str, e.Type())
				}
				if e.OverflowInt(v.num) {
					return fmt.Errorf("%w: value %d: %d overflows %s", errPacked, i, v.num, e.Type())
				}
				e.SetInt(v.num)
				return nil
			}
		default:
			return nil, fmt.Errorf("packed row: destination %d: %T is not a string, an integer or a sql.Scanner", i, d)
		}
	}
	return out, nil
}

// unpack assigns the values of row, a json_array of len(dest) strings,
// integers and nulls, to dest in order. A string without escapes is a
// substring of row, so a caller that keeps one keeps the row.
func unpack(row string, dest []packedDest) error {
	if len(row) < 2 || row[0] != '[' || row[len(row)-1] != ']' {
		return fmt.Errorf("%w: not an array", errPacked)
	}
	s := row[1 : len(row)-1]
	for i, set := range dest {
		if i > 0 {
			if s == "" || s[0] != ',' {
				return fmt.Errorf("%w: %d values, want %d", errPacked, i, len(dest))
			}
			s = s[1:]
		}
		var v packedValue
		var err error
		if v, s, err = nextPacked(s); err != nil {
			return fmt.Errorf("%w (value %d)", err, i)
		}
		if err := set(v); err != nil {
			return err
		}
	}
	if s != "" {
		return fmt.Errorf("%w: more than %d values", errPacked, len(dest))
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
			return v, s, fmt.Errorf("%w: %q is not an integer", errPacked, s[:end])
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
