package report_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
)

// TestStatementBook_SameAsExcelize writes statements with the statement's
// own writer (WriteEmployerStatement) and with excelize, as they were
// written before it, and checks excelize reads the same workbook back from
// both: sheets, every cell's value, type and style, the styles part, column
// widths, row heights, merged cells, frozen panes, tables, defined names
// (print titles and areas) and page setup.
func TestStatementBook_SameAsExcelize(t *testing.T) {
	base := func() report.StatementInput {
		return report.StatementInput{
			Agency: "Test SDU", Contact: "555-0100\nPO BOX 1, CAPITAL CITY",
			RunDate: day("2026-11-20"), From: day("2026-11-01"), To: day("2026-11-20"),
			Employer: employers()[0], Orders: orders(), Payments: statementPayments(), Exceptions: exceptions(),
		}
	}
	tests := []struct {
		name  string
		split int // SetMaxSheetRows, 0 for Excel's
		in    func() report.StatementInput
	}{
		{name: "OK", in: base},
		{name: "NoActions", in: func() report.StatementInput {
			in := base()
			in.Exceptions = nil
			return in
		}},
		{name: "Split", split: 2, in: base},
		{name: "Text", in: func() report.StatementInput {
			// Text that XML escapes, that excelize replaces (control
			// characters, bad UTF-8), keeps (line feeds, leading and
			// trailing spaces) or escapes in its own way (_x0041_ in a
			// streamed sheet; see TestWriteEmployerStatement_EscapeLikeText
			// for the cover).
			in := base()
			emp := *in.Employer
			emp.Name = "A&B <Payroll> \"Co\" 'Ltd' \x01\x1f\x7f tab\there\r\n\xff ✓ 😀 "
			in.Employer = &emp
			in.Contact = " lead space\nline two "
			in.Orders = slices.Clone(in.Orders)
			o := *in.Orders[0]
			o.Obligor.Last, o.Obligor.First = "O'NEIL & <SONS> _x0041_", "\x00JO\x0bHN _x005F_x0041_ "
			in.Orders[0] = &o
			return in
		}},
		{name: "Long", in: func() report.StatementInput {
			in := base()
			for i := range 40 {
				in.Orders = append(in.Orders, &withholding.Order{ID: int64(100 + i), CaseID: withholding.CaseID(fmt.Sprintf("C%03d", i)),
					EmployerFEIN: fein1, Status: withholding.StatusAccepted,
					Obligor: withholding.Person{Last: fmt.Sprintf("A VERY LONG FAMILY NAME THAT WRAPS %d", i), First: "MARIA JOSE"}})
			}
			return in
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.split > 0 {
				report.SetMaxSheetRows(t, tc.split)
			}
			dir := t.TempDir()
			newPath, oldPath := filepath.Join(dir, "new.xlsx"), filepath.Join(dir, "old.xlsx")
			if err := report.WriteEmployerStatement(newPath, tc.in()); err != nil {
				t.Fatalf("WriteEmployerStatement: %v", err)
			}
			if err := report.WriteEmployerStatementExcelize(oldPath, tc.in()); err != nil {
				t.Fatalf("WriteEmployerStatementExcelize: %v", err)
			}
			if got, want := unzipParts(t, newPath)["xl/styles.xml"], unzipParts(t, oldPath)["xl/styles.xml"]; got != want {
				t.Errorf("styles part differs:\n%s\nwant\n%s", got, want)
			}
			compareWorkbooks(t, MustOpen(t, newPath), MustOpen(t, oldPath))
		})
	}
}

// TestWriteEmployerStatement_EscapeLikeText checks text that looks like
// the file format's own escape of a character (_x0041_ is "A") reads back
// as it was written on the cover too. (excelize wrote the cover's strings
// unescaped, so "_x0041_ PAYROLL" read back, and showed in Excel, as
// "A PAYROLL"; its streamed sheets escaped them.)
func TestWriteEmployerStatement_EscapeLikeText(t *testing.T) {
	emp := *employers()[0]
	emp.Name = "_x0041_ PAYROLL _x005F_x0042_"
	path := filepath.Join(t.TempDir(), "s.xlsx")
	if err := report.WriteEmployerStatement(path, report.StatementInput{
		RunDate: day("2026-11-20"), From: day("2026-11-01"), To: day("2026-11-20"), Employer: &emp,
	}); err != nil {
		t.Fatalf("WriteEmployerStatement: %v", err)
	}
	if r := findRow(MustRows(t, MustOpen(t, path), report.SheetStatement), "Employer"); len(r) < 2 || r[1] != emp.Name {
		t.Errorf("employer row = %q, want %q", r, emp.Name)
	}
}

// compareWorkbooks fails the test where got and want differ as excelize
// reads them.
func compareWorkbooks(t *testing.T, got, want *excelize.File) {
	t.Helper()
	sheets := want.GetSheetList()
	if g := got.GetSheetList(); !slices.Equal(g, sheets) {
		t.Fatalf("sheets = %v, want %v", g, sheets)
	}
	if g, w := got.GetActiveSheetIndex(), want.GetActiveSheetIndex(); g != w {
		t.Errorf("active sheet = %d, want %d", g, w)
	}
	same := func(what string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s = %+v, want %+v", what, g, w)
		}
	}
	same("defined names", sortedNames(got.GetDefinedName()), sortedNames(want.GetDefinedName()))
	for _, sh := range sheets {
		wantRows := MustRows(t, want, sh)
		same(sh+" rows", MustRows(t, got, sh), wantRows)
		raw := func(f *excelize.File) [][]string {
			rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatalf("raw rows of %s: %v", sh, err)
			}
			return rows
		}
		same(sh+" raw values", raw(got), raw(want))
		for r, row := range wantRows {
			gh, err1 := got.GetRowHeight(sh, r+1)
			wh, err2 := want.GetRowHeight(sh, r+1)
			same(fmt.Sprintf("%s row %d height", sh, r+1), []any{gh, err1}, []any{wh, err2})
			for c := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				gs, err1 := got.GetCellStyle(sh, cell)
				ws, err2 := want.GetCellStyle(sh, cell)
				same(sh+"!"+cell+" style", []any{gs, err1}, []any{ws, err2})
				gt, err1 := got.GetCellType(sh, cell)
				wt, err2 := want.GetCellType(sh, cell)
				same(sh+"!"+cell+" type", []any{textType(gt), err1}, []any{textType(wt), err2})
			}
		}
		for c := 1; c <= 12; c++ {
			name, _ := excelize.ColumnNumberToName(c)
			gw, err1 := got.GetColWidth(sh, name)
			ww, err2 := want.GetColWidth(sh, name)
			same(sh+" column "+name+" width", []any{gw, err1}, []any{ww, err2})
		}
		merges := func(f *excelize.File) []string {
			ms, err := f.GetMergeCells(sh)
			if err != nil {
				t.Fatalf("merged cells of %s: %v", sh, err)
			}
			var refs []string
			for _, m := range ms {
				refs = append(refs, m.GetStartAxis()+":"+m.GetEndAxis()+"="+m.GetCellValue())
			}
			return refs
		}
		same(sh+" merged cells", merges(got), merges(want))
		tables := func(f *excelize.File) []excelize.Table {
			ts, err := f.GetTables(sh)
			if err != nil {
				t.Fatalf("tables of %s: %v", sh, err)
			}
			return ts
		}
		same(sh+" tables", tables(got), tables(want))
		panes := func(f *excelize.File) excelize.Panes {
			p, err := f.GetPanes(sh)
			if err != nil {
				t.Fatalf("panes of %s: %v", sh, err)
			}
			p.Selection = nil // excelize names the active cell; the writer does not
			return p
		}
		same(sh+" panes", panes(got), panes(want))
		for what, get := range map[string]func(*excelize.File) (any, error){
			"page layout":   func(f *excelize.File) (any, error) { return f.GetPageLayout(sh) },
			"page margins":  func(f *excelize.File) (any, error) { return f.GetPageMargins(sh) },
			"header/footer": func(f *excelize.File) (any, error) { return f.GetHeaderFooter(sh) },
			"sheet props": func(f *excelize.File) (any, error) {
				p, err := f.GetSheetProps(sh)
				return p.FitToPage, err
			},
		} {
			g, err1 := get(got)
			w, err2 := get(want)
			same(sh+" "+what, []any{g, err1}, []any{w, err2})
		}
	}
}

// sortedNames lists defined names as "scope name=refers to", sorted.
func sortedNames(ns []excelize.DefinedName) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Scope+" "+n.Name+"="+n.RefersTo)
	}
	slices.Sort(out)
	return out
}

// textType is a cell's type with shared and inline strings alike: text is
// text wherever the file keeps it (excelize puts the cells of a sheet it
// did not stream in a shared table).
func textType(t excelize.CellType) excelize.CellType {
	if t == excelize.CellTypeSharedString {
		return excelize.CellTypeInlineString
	}
	return t
}
