package report_test

import (
	"archive/zip"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/report"
)

func TestWrapLines(t *testing.T) {
	for _, tt := range []struct {
		text  string
		width float64
		bold  bool
		want  int
	}{
		{"", 10, false, 1},
		{"Short", 10, false, 1},
		{"Age (days)", 8, true, 2},
		{"Tonight", 16, true, 1},
		{"two words", 40, false, 1},
		{"one two three four five six seven eight nine ten", 20, false, 3},
		{"line one\nline two", 40, false, 2},
		// A word wider than the column is broken where the column ends.
		{strings.Repeat("0", 35), 11, false, 4},
		{"Previous night (2026-11-16)", 22, true, 2},
		{"Previous night (2026-11-16)", 34, true, 1},
		// Capitals are wider than the digit that sets the column's unit.
		{strings.Repeat("M", 20), 21, false, 2},
		{strings.Repeat("i", 20), 21, false, 1},
	} {
		if got := report.WrapLines(tt.text, tt.width, tt.bold); got != tt.want {
			t.Errorf("WrapLines(%q, %v, bold %v) = %d, want %d", tt.text, tt.width, tt.bold, got, tt.want)
		}
	}
}

// TestWriteOperations_Print checks the print setup excelize wrote: every
// sheet landscape on letter, one page wide, with the footer; every streamed
// sheet with its header row repeated and a print area; rows of wrapped
// text tall enough for it.
func TestWriteOperations_Print(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ops.xlsx")
	in := operationsInput(t)
	long := strings.Repeat("The employer rejected the IWO for this case because the employee no longer works there. ", 4)
	exs := exceptions()
	exs[0].Message = long
	in.Exceptions = report.Exceptions(exs, in.RunDate)
	if _, err := report.WriteOperations(path, in); err != nil {
		t.Fatal(err)
	}
	f := MustOpen(t, path)
	checkPrint(t, f, []string{report.SheetExceptions, report.SheetPayments, report.SheetIWOs, report.SheetFiles})
	names := f.GetDefinedName()
	if i := slices.IndexFunc(names, func(d excelize.DefinedName) bool {
		return d.Name == "_xlnm.Print_Area" && d.Scope == report.SheetExceptions
	}); i < 0 || names[i].RefersTo != "'Exceptions'!$A$1:$O$4" {
		t.Errorf("exceptions print area: %+v; want A1:O4, the key column left off", names)
	}
	hf, err := f.GetHeaderFooter(report.SheetSummary)
	if err != nil || !strings.Contains(hf.OddHeader, "Test SDU") || !strings.Contains(hf.OddFooter, "2026-11-20") || !strings.Contains(hf.OddFooter, "&P") {
		t.Errorf("summary header and footer %+v, %v; want the title on top, the date and page number below", hf, err)
	}
	// The header row: "Age (days)" takes two lines in its column.
	if h, err := f.GetRowHeight(report.SheetExceptions, 1); err != nil || h < 30 {
		t.Errorf("exceptions header row is %v pt (%v); want two lines", h, err)
	}
	rows := MustRows(t, f, report.SheetExceptions)
	for i, r := range rows[1:] {
		h, err := f.GetRowHeight(report.SheetExceptions, i+2)
		if err != nil {
			t.Fatal(err)
		}
		lines := max(report.WrapLines(r[10], 45, false), report.WrapLines(r[11], 45, false))
		if want := float64(15 * lines); h < want || r[10] == long && lines < 4 {
			t.Errorf("exceptions row %d (%q) is %v pt, want %v (%d lines)", i+2, r[10], h, want, lines)
		}
	}
	// The summary fits one page; the employers are a sheet of their own,
	// their header row on every page.
	if i := findRowIndex(MustRows(t, f, report.SheetSummary), "Received by employer"); i >= 0 {
		t.Errorf("employers table on the summary (row %d): it should be on its own sheet", i+1)
	}
	if i := findRowIndex(MustRows(t, f, report.SheetEmployers), "Received by employer"); i != 0 {
		t.Errorf("employers sheet: header at row %d, want 1", i+1)
	}
	if xml := zipPart(t, path, "xl/worksheets/sheet1.xml"); !strings.Contains(xml, `fitToHeight="1"`) {
		t.Errorf("summary: not fitted to one page tall: %s", xml)
	}
}

// zipPart returns one part of a workbook's zip.
func zipPart(t *testing.T, path, name string) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	r, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteEmployerStatement_Print(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.xlsx")
	in := report.StatementInput{
		Agency: "Lakeview County Child Support Services", Contact: "Help line 1-800-555-0199\nWrite to Lakeview SDU, PO Box 1",
		RunDate: day("2026-11-20"), From: day("2026-11-01"), To: day("2026-11-20"),
		Employer: employers()[0], Orders: orders(), Payments: statementPayments(), Exceptions: exceptions(),
	}
	if err := report.WriteEmployerStatement(path, in); err != nil {
		t.Fatal(err)
	}
	f := MustOpen(t, path)
	checkPrint(t, f, []string{report.SheetOrders, report.SheetPayments, report.SheetActions})
	// The cover prints on one page.
	if pl, err := f.GetPageLayout(report.SheetStatement); err != nil || pl.FitToHeight == nil || *pl.FitToHeight != 1 {
		t.Errorf("cover page layout %+v, %v; want one page tall", pl, err)
	}
	cover := MustRows(t, f, report.SheetStatement)
	if r := findRow(cover, "From"); len(r) < 2 || r[1] != in.Agency {
		t.Errorf("From row %v, want %q", r, in.Agency)
	}
	// Each line of the contact on its own row, the first labelled.
	i := findRowIndex(cover, "Questions")
	if i < 0 || cover[i][1] != "Help line 1-800-555-0199" || len(cover) <= i+1 || cover[i+1][1] != "Write to Lakeview SDU, PO Box 1" {
		t.Errorf("contact rows from %d: %v", i, cover)
	}
	// The format notes help line wraps in a row tall enough for it.
	n := findRowIndex(cover, "Format notes (on Payments)")
	if h, err := f.GetRowHeight(report.SheetStatement, n+1); n < 0 || err != nil || h < 45 {
		t.Errorf("format notes help row %d is %v pt (%v); want three lines", n+1, h, err)
	}
}

// checkPrint checks every sheet prints landscape on letter, one page wide,
// with a footer, and that the streamed sheets repeat their header row.
func checkPrint(t *testing.T, f *excelize.File, streamed []string) {
	t.Helper()
	for _, sh := range f.GetSheetList() {
		pl, err := f.GetPageLayout(sh)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Orientation == nil || *pl.Orientation != "landscape" || pl.Size == nil || *pl.Size != 1 || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
			t.Errorf("%s: page layout %+v; want landscape letter, one page wide", sh, pl)
		}
		if hf, err := f.GetHeaderFooter(sh); err != nil || !strings.Contains(hf.OddFooter, "Page &P of &N") {
			t.Errorf("%s: footer %+v, %v; want page numbers", sh, hf, err)
		}
	}
	for _, sh := range streamed {
		if pl, _ := f.GetPageLayout(sh); pl.FitToHeight == nil || *pl.FitToHeight != 0 {
			t.Errorf("%s: fit to %v pages tall, want 0 (as many as it takes)", sh, pl.FitToHeight)
		}
		if !slices.ContainsFunc(f.GetDefinedName(), func(d excelize.DefinedName) bool {
			return d.Name == "_xlnm.Print_Titles" && d.Scope == sh && d.RefersTo == "'"+sh+"'!$1:$1"
		}) {
			t.Errorf("%s: no print titles repeating row 1 in %+v", sh, f.GetDefinedName())
		}
	}
}

// findRowIndex returns the index of the first row whose first cell is
// label, or -1.
func findRowIndex(rows [][]string, label string) int {
	return slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == label })
}
