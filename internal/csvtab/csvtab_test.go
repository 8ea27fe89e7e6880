package csvtab_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/iwoproject/iwo/internal/csvtab"
	"github.com/iwoproject/iwo/withholding"
)

// abc is a format with columns a (required), b and c.
var abc = csvtab.Format{Columns: []string{"a", "b", "c"}, Required: []string{"a"}}

// withComments is abc with # comment lines.
var withComments = csvtab.Format{Columns: abc.Columns, Required: abc.Required, Comment: '#'}

// readAll reads src as f.csv and returns each row read as "LINE:a" and each
// problem as its text.
func readAll(tb testing.TB, r io.Reader, f csvtab.Format) (rows, problems []string) {
	tb.Helper()
	t := csvtab.New("f.csv", r, f)
	for t.Next() {
		rows = append(rows, fmt.Sprintf("%d:%s", t.Line(), t.Get("a")))
	}
	return rows, MustProblems(tb, t.Err())
}

// MustProblems returns the problems of err, which must be nil or an
// EINVALID *csvtab.Errors.
func MustProblems(tb testing.TB, err error) []string {
	tb.Helper()
	if err == nil {
		return nil
	}
	var es *csvtab.Errors
	if !errors.As(err, &es) {
		tb.Fatalf("error %v (%T) is not a *csvtab.Errors", err, err)
	}
	if withholding.ErrorCode(err) != withholding.EINVALID {
		tb.Errorf("error kind %q, want %q", withholding.ErrorCode(err), withholding.EINVALID)
	}
	var out []string
	for _, e := range es.Errs {
		out = append(out, e.Error())
	}
	if got := strings.Join(out, "\n"); got != err.Error() {
		tb.Errorf("Error() =\n%s\nwant one line per problem:\n%s", err.Error(), got)
	}
	return out
}

// fileCase is a file, the rows read from it and its problems.
type fileCase struct {
	name     string
	f        csvtab.Format
	src      string
	rows     []string
	problems []string
}

func runFileCases(t *testing.T, cases []fileCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, problems := readAll(t, strings.NewReader(tc.src), tc.f)
			if !reflect.DeepEqual(rows, tc.rows) {
				t.Errorf("%q: rows %q, want %q", tc.src, rows, tc.rows)
			}
			if !reflect.DeepEqual(problems, tc.problems) {
				t.Errorf("%q: problems\n%q\nwant\n%q", tc.src, problems, tc.problems)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	runFileCases(t, []fileCase{
		{"OK", abc, "a,b,c\n1,2,3\n", []string{"2:1"}, nil},
		{"OKAnyOrderAndCase", abc, " C ,A\n3,1\n", []string{"2:1"}, nil},
		{"OKOnlyRequired", abc, "a\n1\n", []string{"2:1"}, nil},
		{"OKHeaderOnly", abc, "a,b\n", nil, nil},
		{"OKByteOrderMark", abc, "\ufeffa,b\n1,2\n", []string{"2:1"}, nil},
		{"OKByteOrderMarkQuoted", abc, "\ufeff\"a\",\"b\"\r\n1,2\r\n", []string{"2:1"}, nil},
		{"OKCommentBeforeHeader", withComments, "# roster of 2026\na,b\n1,2\n", []string{"3:1"}, nil},
		{"ErrEmpty", abc, "", nil, []string{"f.csv:1: (header): file is empty; the first row must name the columns"}},
		{"ErrOnlyByteOrderMark", abc, "\ufeff", nil, []string{"f.csv:1: (header): file is empty; the first row must name the columns"}},
		{"ErrOnlyComments", withComments, "# nothing yet\n", nil, []string{"f.csv:1: (header): file is empty; the first row must name the columns"}},
		{"ErrUnknownColumn", abc, "a,zz\n1,2\n", nil, []string{"f.csv:1: zz: unknown column (known: a, b, c)"}},
		// Several unknown columns are one problem: the known list once.
		{"ErrUnknownColumns", abc, "a,zz,yy\n1,2,3\n", nil, []string{"f.csv:1: zz, yy: unknown columns (known: a, b, c)"}},
		{"ErrDuplicateColumn", abc, "a,b,A\n1,2,3\n", nil, []string{"f.csv:1: a: column appears twice (columns 1 and 3)"}},
		{"ErrMissingColumn", abc, "b,c\n2,3\n", nil, []string{"f.csv:1: a: required column missing"}},
		{"ErrEmptyName", abc, "a,,b\n1,2,3\n", nil, []string{"f.csv:1: column 2: header is empty"}},
		{"ErrBadQuote", abc, "a,b\"\n1,2\n", nil, []string{"f.csv:1: (header): bare \" in non-quoted-field"}},
		{"ErrEveryProblem", abc, "zz,b,b,\n1,2,3,4\n", nil, []string{
			"f.csv:1: b: column appears twice (columns 2 and 3)",
			"f.csv:1: column 4: header is empty",
			"f.csv:1: zz: unknown column (known: a, b, c)",
			"f.csv:1: a: required column missing",
		}},
		// Without the option a # line is data: here, the header.
		{"ErrCommentNotAnOption", abc, "# roster\na,b\n", nil, []string{"f.csv:1: # roster: unknown column (known: a, b, c)", "f.csv:1: a: required column missing"}},
		{"ErrLineAfterComments", withComments, "# one\n# two\na,zz\n", nil, []string{"f.csv:3: zz: unknown column (known: a, b, c)"}},
	})
}

func TestRows(t *testing.T) {
	runFileCases(t, []fileCase{
		{"OKCRLF", abc, "a,b\r\n1,2\r\n3,4\r\n", []string{"2:1", "3:3"}, nil},
		{"OKQuotedCells", abc, "a,b\n\"1,5\", \"x \"\"y\"\"\"\n", []string{"2:1,5"}, nil},
		{"OKMultiLineCell", abc, "a,b\n1,\"two\nlines\"\n3,4\n", []string{"2:1", "4:3"}, nil},
		{"OKCellsTrimmed", abc, "a,b\n  1  ,2\n", []string{"2:1"}, nil},
		{"OKBlankRowsSkipped", abc, "a,b\n\n1,2\n,\n , \t\n3,4\n,\n", []string{"3:1", "6:3"}, nil},
		{"OKBlankRowOfAnyWidth", abc, "a,b\n,,,,\n1,2\n", []string{"3:1"}, nil},
		{"OKComments", withComments, "a,b\n# a note\n1,2\n#3,4\n", []string{"3:1"}, nil},
		{"OKHashIsDataWithoutComments", abc, "a,b\n#1,2\n", []string{"2:#1"}, nil},
		{"ErrCommentLineWithoutComments", abc, "a,b\n# a note\n1,2\n", []string{"3:1"}, []string{"f.csv:2: (row): has 1 fields, the header has 2"}},
		{"ErrShortRow", abc, "a,b,c\n1,2\n4,5,6\n", []string{"3:4"}, []string{"f.csv:2: (row): has 2 fields, the header has 3"}},
		{"ErrLongRow", abc, "a,b\n1,2,3\n4,5\n", []string{"3:4"}, []string{"f.csv:2: (row): has 3 fields, the header has 2"}},
		{"ErrBareQuote", abc, "a,b\n1,x\"y\n3,4\n", []string{"3:3"}, []string{"f.csv:2: (row): bare \" in non-quoted-field"}},
		{"ErrQuoteAfterQuotedCell", abc, "a,b\n1,\"x\"y\n3,4\n", []string{"3:3"}, []string{"f.csv:2: (row): extraneous or missing \" in quoted-field"}},
		// An unclosed quote swallows the rest of the file; the problem
		// is where the row began, not at the end of the file.
		{"ErrUnclosedQuote", abc, "a,b\n1,2\n3,\"4\n5,6\n7,8\n", []string{"2:1"}, []string{"f.csv:3: (row): extraneous or missing \" in quoted-field"}},
		{"ErrNUL", abc, "a,b\n1,x\x00y\n", []string{"2:1"}, []string{"f.csv:2: b: contains control character U+0000; only text is allowed"}},
		{"ErrTab", abc, "a,b\nx\ty,2\n", []string{"2:x\ty"}, []string{"f.csv:2: a: contains control character U+0009; only text is allowed"}},
		{"ErrInvalidUTF8", abc, "a,b\n1,caf\xe9\n", []string{"2:1"}, []string{"f.csv:2: b: not valid UTF-8 text; save the file as UTF-8"}},
		{"OKUTF8", abc, "a,b\n1,café\n", []string{"2:1"}, nil},
		{"ErrEveryBadRow", withComments, "a,b\n1\n# note\n2,2\n3,3,3\n4,\"\n", []string{"4:2"}, []string{
			"f.csv:2: (row): has 1 fields, the header has 2",
			"f.csv:5: (row): has 3 fields, the header has 2",
			"f.csv:6: (row): extraneous or missing \" in quoted-field",
		}},
	})
}

func TestErrParseErrorUnwraps(t *testing.T) {
	tab := csvtab.New("f.csv", strings.NewReader("a,b\n1,x\"y\n"), abc)
	for tab.Next() {
	}
	err := tab.Err()
	var pe *csv.ParseError
	if !errors.As(err, &pe) || !errors.Is(err, csv.ErrBareQuote) {
		t.Errorf("error %v does not unwrap to the *csv.ParseError", err)
	}
}

func TestErrReadStops(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(strings.NewReader("a,b\n1,2\n"), iotest.ErrReader(boom))
	rows, problems := readAll(t, r, abc)
	if want := []string{"2:1"}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if want := []string{"f.csv:3: (row): disk on fire"}; !reflect.DeepEqual(problems, want) {
		t.Errorf("problems %q, want %q", problems, want)
	}
	tab := csvtab.New("f.csv", io.MultiReader(strings.NewReader("a,b\n"), iotest.ErrReader(boom)), abc)
	for tab.Next() {
	}
	if err := tab.Err(); !errors.Is(err, boom) {
		t.Errorf("error %v does not unwrap to the read error", err)
	}
}

// TestErrSortedByLine checks that problems found after the rows were read
// (FailAt) are listed with the others, by line, each line's in the order
// they were found.
func TestErrSortedByLine(t *testing.T) {
	tab := csvtab.New("f.csv", strings.NewReader("a,b\n1,2\n3\n4,5\n"), abc)
	for tab.Next() {
		tab.Failf("a", "first of line %d", tab.Line())
		tab.Failf("b", "second of line %d", tab.Line())
	}
	if got := MustProblems(t, tab.Err()); len(got) != 5 {
		t.Fatalf("problems %q, want 5", got)
	}
	tab.FailAt(2, "c", "found later")
	tab.FailAt(1, "(header)", "found later")
	want := []string{
		"f.csv:1: (header): found later",
		"f.csv:2: a: first of line 2",
		"f.csv:2: b: second of line 2",
		"f.csv:2: c: found later",
		"f.csv:3: (row): has 1 fields, the header has 2",
		"f.csv:4: a: first of line 4",
		"f.csv:4: b: second of line 4",
	}
	if got := MustProblems(t, tab.Err()); !reflect.DeepEqual(got, want) {
		t.Errorf("problems\n%q\nwant\n%q", got, want)
	}
}

func TestErrNil(t *testing.T) {
	tab := csvtab.New("f.csv", strings.NewReader("a\n1\n"), abc)
	for tab.Next() {
		if !tab.Has("a") || tab.Has("b") || tab.Get("b") != "" {
			t.Errorf("Has/Get: a %v b %v %q; want only a", tab.Has("a"), tab.Has("b"), tab.Get("b"))
		}
	}
	if err := tab.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

func TestErrorString(t *testing.T) {
	e := &csvtab.Errors{File: "f.csv", Errs: []*csvtab.Error{
		{File: "f.csv", Line: 2, Column: "a", Reason: "required"},
		{File: "f.csv", Line: 3, Column: "(row)", Reason: "has 1 fields, the header has 2"},
	}}
	if want := "f.csv:2: a: required\nf.csv:3: (row): has 1 fields, the header has 2"; e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	if want := "f.csv: 2 problem(s); the file was rejected"; withholding.ErrorMessage(e) != want {
		t.Errorf("ErrorMessage = %q, want %q", withholding.ErrorMessage(e), want)
	}
	if e.Errs[0].Unwrap() != nil {
		t.Errorf("a cell problem unwraps to %v, want nil", e.Errs[0].Unwrap())
	}
}

// TestErrCapped checks that a file of many bad rows lists MaxErrors
// problems and counts the rest.
func TestErrCapped(t *testing.T) {
	src := "a,b\n" + strings.Repeat("1\n", csvtab.MaxErrors+5)
	tab := csvtab.New("f.csv", strings.NewReader(src), abc)
	for tab.Next() {
	}
	var es *csvtab.Errors
	if !errors.As(tab.Err(), &es) || len(es.Errs) != csvtab.MaxErrors || es.More != 5 || es.Total() != csvtab.MaxErrors+5 {
		t.Fatalf("Err() = %d listed, %d more; want %d and 5", len(es.Errs), es.More, csvtab.MaxErrors)
	}
	if msg := es.Error(); !strings.HasSuffix(msg, "\nf.csv: 5 more problem(s) not listed") {
		t.Errorf("Error() ends %q", msg[len(msg)-60:])
	}
}

// TestErrCappedByLine checks that beyond MaxErrors the problems of the
// first lines are kept whatever order they were recorded in: a problem
// found late (FailAt, after later rows) for an early line displaces one
// of a later line.
func TestErrCappedByLine(t *testing.T) {
	src := "a,b\n" + strings.Repeat("1,2\n", 3*csvtab.MaxErrors)
	tab := csvtab.New("f.csv", strings.NewReader(src), abc)
	for tab.Next() {
		if line := tab.Line(); line > csvtab.MaxErrors/2 {
			tab.Failf("a", "late row")
		}
	}
	for line := 2; line <= csvtab.MaxErrors/2; line++ {
		tab.FailAt(line, "b", "checked after the rows")
	}
	var es *csvtab.Errors
	if !errors.As(tab.Err(), &es) {
		t.Fatalf("Err() = %v, want *Errors", tab.Err())
	}
	if len(es.Errs) != csvtab.MaxErrors || es.Total() != 3*csvtab.MaxErrors {
		t.Fatalf("Err() = %d listed, %d in all; want %d and %d", len(es.Errs), es.Total(), csvtab.MaxErrors, 3*csvtab.MaxErrors)
	}
	for i, e := range es.Errs {
		if e.Line != i+2 {
			t.Fatalf("problem %d is on line %d, want %d (the first lines, in order)", i, e.Line, i+2)
		}
	}
}

func TestLineTooLong(t *testing.T) {
	// A "file" of one endless line is refused once the line passes
	// MaxLineBytes, without reading the rest.
	long := strings.Repeat("x", csvtab.MaxLineBytes+10)
	for _, tc := range []struct{ name, data string }{
		{"ErrHeader", long + "\n"},
		{"ErrRow", "a,b\n1,2\n" + long + "\n3,4\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := csvtab.New("f.csv", strings.NewReader(tc.data), csvtab.Format{Columns: []string{"a", "b"}})
			for tb.Next() {
			}
			err := tb.Err()
			if !errors.Is(err, csvtab.ErrLineTooLong) {
				t.Fatalf("err = %v, want ErrLineTooLong", err)
			}
		})
	}
}
