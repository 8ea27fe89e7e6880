package employer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// RowError is one problem in a roster or pay-run file.
type RowError struct {
	File   string
	Line   int
	Column string
	Reason string
}

// Error returns "FILE:LINE: column: reason".
func (e *RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Column, e.Reason)
}

// RowErrors is every problem of a rejected file; nothing of it was used.
// Its error kind is withholding.EINVALID.
type RowErrors []*RowError

// Error returns one problem per line.
func (es RowErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems and an EINVALID domain error, so that
// withholding.ErrorCode reports the kind.
func (es RowErrors) Unwrap() []error {
	out := make([]error, 0, len(es)+1)
	for _, e := range es {
		out = append(out, e)
	}
	return append(out, withholding.Errorf(withholding.EINVALID, "%d problems in the file", len(es)))
}

// table reads a CSV file with a header row, by column name, collecting
// problems instead of stopping at the first.
type table struct {
	file string
	r    *csv.Reader
	cols map[string]int
	row  []string
	line int
	errs RowErrors
}

func newTable(file string, r io.Reader, known, required []string) (*table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.Comment = '#'
	t := &table{file: file, r: cr, cols: map[string]int{}}
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, RowErrors{{File: file, Line: 1, Reason: "empty file: want a header row naming the columns"}}
	}
	if err != nil {
		return nil, RowErrors{{File: file, Line: 1, Reason: csvReason(err)}}
	}
	line, _ := cr.FieldPos(0)
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !containsString(known, h) {
			t.errs = append(t.errs, &RowError{File: file, Line: line, Column: h, Reason: "unknown column (known: " + strings.Join(known, ", ") + ")"})
			continue
		}
		if _, dup := t.cols[h]; dup {
			t.errs = append(t.errs, &RowError{File: file, Line: line, Column: h, Reason: "column given twice"})
		}
		t.cols[h] = i
	}
	for _, c := range required {
		if _, ok := t.cols[c]; !ok {
			t.errs = append(t.errs, &RowError{File: file, Line: line, Column: c, Reason: "required column missing"})
		}
	}
	if len(t.errs) > 0 {
		return nil, t.errs
	}
	return t, nil
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// next reads the next non-blank row; false at the end or on a read error
// (recorded).
func (t *table) next() bool {
	for {
		row, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			var pe *csv.ParseError
			line := t.line + 1
			if errors.As(err, &pe) {
				line = pe.Line
			}
			t.errs = append(t.errs, &RowError{File: t.file, Line: line, Reason: csvReason(err)})
			if errors.As(err, &pe) {
				continue
			}
			return false
		}
		t.line, _ = t.r.FieldPos(0)
		blank := true
		for _, v := range row {
			if strings.TrimSpace(v) != "" {
				blank = false
			}
		}
		if blank {
			continue
		}
		t.row = row
		return true
	}
}

func (t *table) get(col string) string {
	i, ok := t.cols[col]
	if !ok || i >= len(t.row) {
		return ""
	}
	return strings.TrimSpace(t.row[i])
}

func (t *table) fail(col, format string, args ...any) {
	t.errs = append(t.errs, &RowError{File: t.file, Line: t.line, Column: col, Reason: fmt.Sprintf(format, args...)})
}

func (t *table) required(col string) string {
	v := t.get(col)
	if v == "" {
		t.fail(col, "required")
	}
	return v
}

func (t *table) ssn(col string) withholding.SSN {
	v := t.required(col)
	if v == "" {
		return ""
	}
	s, err := withholding.NewSSN(v)
	if err != nil {
		t.fail(col, "want 9 digits (dashes allowed)")
	}
	return s
}

func (t *table) fein(col string) withholding.FEIN {
	v := strings.ReplaceAll(t.get(col), "-", "")
	if v == "" {
		return ""
	}
	f := withholding.FEIN(v)
	if !f.Valid() {
		t.fail(col, "want 9 digits (a dash allowed)")
	}
	return f
}

func (t *table) date(col string) withholding.Date {
	v := t.get(col)
	if v == "" {
		return withholding.Date{}
	}
	for _, layout := range []string{"2006-01-02", "01/02/2006", "20060102"} {
		if d, err := withholding.ParseDate(layout, v); err == nil {
			return d
		}
	}
	t.fail(col, "%q: want a date as YYYY-MM-DD (or MM/DD/YYYY)", v)
	return withholding.Date{}
}

func (t *table) money(col string) withholding.Cents {
	v := t.get(col)
	if v == "" {
		return 0
	}
	c, err := withholding.ParseDollars(v)
	if err != nil {
		t.fail(col, "%s", withholding.ErrorMessage(err))
		return 0
	}
	if c < 0 {
		t.fail(col, "%s: must not be negative", v)
		return 0
	}
	return c
}

func (t *table) frequency(col string) withholding.Frequency {
	v := t.get(col)
	if v == "" {
		return ""
	}
	f, err := withholding.ParseFrequency(v)
	if err != nil {
		t.fail(col, "%s", withholding.ErrorMessage(err))
	}
	return f
}

func (t *table) flag(col string) bool {
	switch strings.ToUpper(t.get(col)) {
	case "", "N", "NO", "FALSE", "0":
		return false
	case "Y", "YES", "TRUE", "1":
		return true
	}
	t.fail(col, "%q: want Y or N", t.get(col))
	return false
}

func (t *table) result() error {
	if len(t.errs) > 0 {
		return t.errs
	}
	return nil
}
