// Package csvtab reads the CSV files people keep by hand: a header row that
// names the columns (in any order, case-insensitive), then one row a record,
// read cell by cell by column name.
//
// A reader does not stop at the first problem. Every problem (a header that
// names an unknown, repeated or missing column, a malformed line, a row with
// the wrong number of fields, a bad cell) is collected as an *Error reading
// "FILE:LINE: column: reason", and Table.Err returns them all, by line, as
// one *Errors of kind withholding.EINVALID. Callers reject a file with any
// problem whole, so a clerk sees every mistake of the file at once and
// nothing of a bad file is used.
//
// What all formats share:
//
//   - a UTF-8 byte order mark (what spreadsheets write) is ignored;
//   - cells are trimmed; a row whose cells are all blank is skipped;
//   - every row has as many fields as the header: a stray or missing comma
//     would shift cells into the wrong columns, so such a row is a problem
//     of its own ("(row)"), and so is a malformed quote;
//   - problems of the header as a whole are reported against "(header)";
//   - a cell must be UTF-8 text without control characters (NUL, tab, …;
//     line ends inside a quoted cell are allowed):
//     such bytes come from a spreadsheet export gone wrong, never from a
//     clerk, and would reach every file made from the value.
//
// A Table keeps one row and at most MaxErrors problems (it counts the
// rest), so a file of any size is read in bounded memory.
//
// What differs between formats is in Format: comment lines and the date
// layouts Table.Date accepts.
//
// The typed cell readers (Date, Money, Frequency, Flag, Digits, Text, SSN,
// FEIN, Phone) record a problem and return the zero value for a bad cell.
// None prints an SSN.
package csvtab

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxErrors is how many problems a Table lists; it counts the others
// (Errors.More), so a file of a million bad rows neither fills memory nor
// buries the first mistakes.
const MaxErrors = 1000

// ISODate is the date layout every format accepts, and the only one unless
// Format.DateLayouts says otherwise.
const ISODate = "2006-01-02"

// Format describes the files of one kind.
type Format struct {
	// Columns are every column a file may have, lower case. A header
	// naming another column is a problem.
	Columns []string
	// Required are the columns the header must name. Whether their cells
	// may be empty is up to the cell readers' req argument.
	Required []string
	// Comment, when not 0, makes a line that begins with it a comment
	// (encoding/csv's Reader.Comment). Leave it 0 where a first cell may
	// begin with that character in earnest.
	Comment rune
	// DateLayouts are the layouts Table.Date accepts, in time.Parse form,
	// tried in order. Empty means ISODate only.
	DateLayouts []string
}

// Table reads the rows of one file. Make it with New; call Next until it
// returns false, reading the cells of each row; then Err.
type Table struct {
	file   string
	f      Format
	r      *csv.Reader
	limit  *lineLimit
	cols   map[string]int
	width  int // fields in the header
	header bool
	line   int
	row    []string
	names  []string // column name by field index ("" for a bad header cell)
	errs   []*Error
	more   int // problems beyond MaxErrors
}

// New reads the header of the file called file (the name errors carry)
// from r. Problems with the header are recorded: Next then returns false.
func New(file string, r io.Reader, f Format) *Table {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3) // cannot fail: the bytes were just peeked
	}
	if len(f.DateLayouts) == 0 {
		f.DateLayouts = []string{ISODate}
	}
	t := &Table{file: file, f: f, limit: &lineLimit{r: br, max: MaxLineBytes}, cols: map[string]int{}}
	t.r = csv.NewReader(t.limit)
	t.r.FieldsPerRecord = -1 // checked by Next, which reports and goes on
	t.r.TrimLeadingSpace = true
	t.r.ReuseRecord = true // a row is read before the next; cells are fresh strings
	t.r.Comment = f.Comment
	head, err := t.r.Read()
	if t.limit.tripped {
		err = ErrLineTooLong // encoding/csv may hand back the line's start as a record
	}
	if errors.Is(err, io.EOF) {
		t.FailAt(1, "(header)", "file is empty; the first row must name the columns")
		return t
	} else if err != nil {
		t.readError(err)
		return t
	}
	line, _ := t.r.FieldPos(0)
	var unknown []string
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		prev, dup := t.cols[h]
		switch {
		case h == "":
			t.FailAt(line, fmt.Sprintf("column %d", i+1), "header is empty")
		case !slices.Contains(f.Columns, h):
			unknown = append(unknown, h)
		case dup:
			t.FailAt(line, h, "column appears twice (columns %d and %d)", prev+1, i+1)
		default:
			t.cols[h] = i
		}
	}
	if len(unknown) > 0 {
		// One problem for all of them, so that the list of known columns
		// is printed once, not once per unknown column.
		t.FailAt(line, strings.Join(unknown, ", "), "unknown column%s (known: %s)",
			map[bool]string{true: "s"}[len(unknown) > 1], strings.Join(f.Columns, ", "))
	}
	for _, c := range f.Required {
		if !t.Has(c) {
			t.FailAt(line, c, "required column missing")
		}
	}
	t.header = len(t.errs) == 0
	t.width = len(head)
	t.names = make([]string, len(head))
	for c, i := range t.cols {
		t.names[i] = c
	}
	return t
}

// MaxLineBytes is the longest line a table reads: a row of any file we
// take is a few kilobytes, and encoding/csv would otherwise hold a whole
// line however long (a 200 MB file without a line break took 1.8 GB).
const MaxLineBytes = 1 << 20

// ErrLineTooLong is the reading error of a line longer than MaxLineBytes;
// the table stops there.
var ErrLineTooLong = errors.New("line longer than 1 MiB; this is not a CSV file of rows")

// lineLimit fails a read once a line has run past max bytes.
type lineLimit struct {
	r       io.Reader
	max     int
	n       int  // bytes since the last line break
	tripped bool // a line ran past max
}

func (l *lineLimit) Read(p []byte) (int, error) {
	if l.tripped {
		return 0, ErrLineTooLong
	}
	n, err := l.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			l.n = 0
			continue
		}
		if l.n++; l.n > l.max {
			l.tripped = true
			return i, ErrLineTooLong
		}
	}
	return n, err
}

// readError records an error of encoding/csv, or of r itself, against the
// line where the record began.
func (t *Table) readError(err error) {
	line := t.line + 1
	reason := err.Error()
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line, reason = pe.StartLine, pe.Err.Error()
	}
	col := "(row)"
	if !t.header {
		col = "(header)"
	}
	t.add(&Error{File: t.file, Line: line, Column: col, Reason: reason, Err: err})
}

// add records a problem. Beyond MaxErrors it keeps those of the first
// lines and counts the others: a caller may record a row's problems late
// (store.ImportOrders checks rows against the database a batch at a
// time, after reading later rows), and the list must not depend on that.
// Up to twice MaxErrors are held between trims.
func (t *Table) add(e *Error) {
	t.errs = append(t.errs, e)
	if len(t.errs) >= 2*MaxErrors {
		t.trim()
	}
}

// trim sorts the problems by line and keeps the first MaxErrors, counting
// the rest.
func (t *Table) trim() {
	slices.SortStableFunc(t.errs, func(a, b *Error) int { return a.Line - b.Line })
	if n := len(t.errs) - MaxErrors; n > 0 {
		t.more += n
		clear(t.errs[MaxErrors:])
		t.errs = t.errs[:MaxErrors]
	}
}

// badText returns why cell v is not text a person typed, or "".
func badText(v string) string {
	if !utf8.ValidString(v) {
		return "not valid UTF-8 text; save the file as UTF-8"
	}
	for _, r := range v {
		if unicode.IsControl(r) && r != '\n' && r != '\r' { // a quoted cell may span lines
			return fmt.Sprintf("contains control character %U; only text is allowed", r)
		}
	}
	return ""
}

// Next moves to the next row that is not blank and has as many fields as
// the header, recording the malformed ones on the way. It returns false at
// the end of the file, after a problem with the header, or on a read error.
func (t *Table) Next() bool {
	if !t.header {
		return false // the columns are unknown: the rows cannot be read
	}
	for {
		rec, err := t.r.Read()
		if t.limit.tripped {
			err = ErrLineTooLong // encoding/csv may hand back the line's start as a record
		}
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			t.readError(err)
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue // the reader has skipped the bad record
			}
			return false
		}
		t.line, _ = t.r.FieldPos(0)
		if !slices.ContainsFunc(rec, func(v string) bool { return strings.TrimSpace(v) != "" }) {
			continue
		}
		if len(rec) != t.width {
			t.Failf("(row)", "has %d fields, the header has %d", len(rec), t.width)
			continue
		}
		t.row = rec
		for i, v := range rec {
			if why := badText(v); why != "" {
				t.Failf(t.names[i], "%s", why)
			}
		}
		return true
	}
}

// Line returns the line the current row begins on.
func (t *Table) Line() int { return t.line }

// Has reports whether the header names col.
func (t *Table) Has(col string) bool {
	_, ok := t.cols[col]
	return ok
}

// Get returns the trimmed cell of col in the current row, or "" when the
// header does not name col.
func (t *Table) Get(col string) string {
	i, ok := t.cols[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(t.row[i])
}

// Failf records a problem with column col of the current row. col may also
// be "(row)" for the row as a whole.
func (t *Table) Failf(col, format string, args ...any) {
	t.FailAt(t.line, col, format, args...)
}

// FailAt records a problem with column col on line: for checks made after
// the rows were read (against a database, say).
func (t *Table) FailAt(line int, col, format string, args ...any) {
	t.add(&Error{File: t.file, Line: line, Column: col, Reason: fmt.Sprintf(format, args...)})
}

// Failed reports whether any problem has been recorded.
func (t *Table) Failed() bool { return len(t.errs) > 0 }

// Err returns the problems recorded so far, sorted by line, as an *Errors
// (the MaxErrors of the first lines, and the count of the rest); or nil
// when there are none. It may be called again after more FailAt.
func (t *Table) Err() error {
	if len(t.errs) == 0 {
		return nil
	}
	t.trim()
	return &Errors{File: t.file, Errs: slices.Clone(t.errs), More: t.more}
}
