package report_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
)

// checkParts checks that sheet is split into parts (PartName(sheet, 1…)),
// each starting with the header row of the first part, holding at most
// rowsPerPart data rows and carrying its own table over exactly its rows
// when table is not "". It returns column col of every data row, in order.
func checkParts(t *testing.T, f *excelize.File, sheet, table string, parts, rowsPerPart, col int) []string {
	t.Helper()
	var header, got []string
	for n := 1; n <= parts; n++ {
		name := report.PartName(sheet, n)
		rows := MustRows(t, f, name)
		if len(rows) < 2 || len(rows) > 1+rowsPerPart {
			t.Errorf("%s: %d rows, want a header and 1 to %d data rows", name, len(rows), rowsPerPart)
			continue
		}
		if n == 1 {
			header = rows[0]
		} else if !slices.Equal(rows[0], header) {
			t.Errorf("%s: header %v, want %v", name, rows[0], header)
		}
		for _, r := range rows[1:] {
			if col >= len(r) {
				t.Errorf("%s: row %v has no column %d", name, r, col)
				continue
			}
			got = append(got, r[col])
		}
		if table == "" {
			continue
		}
		tables, err := f.GetTables(name)
		if err != nil {
			t.Fatalf("tables of %s: %v", name, err)
		}
		last, _ := excelize.CoordinatesToCellName(len(header), len(rows))
		want := table
		if n > 1 {
			want += "_" + strconv.Itoa(n)
		}
		if len(tables) != 1 || tables[0].Name != want || tables[0].Range != "A1:"+last {
			t.Errorf("%s: tables %+v, want one named %s over A1:%s", name, tables, want, last)
		}
	}
	if next := report.PartName(sheet, parts+1); slices.Contains(f.GetSheetList(), next) {
		t.Errorf("sheet %s exists; want %d parts of %s", next, parts, sheet)
	}
	return got
}

// TestWriteOperations_SplitSheets lowers the row limit to a header and
// three data rows and checks that every streamed sheet continues on
// numbered parts, in place, with no row lost or repeated.
func TestWriteOperations_SplitSheets(t *testing.T) {
	report.SetMaxSheetRows(t, 4)
	in := operationsInput(t)
	// 10 open exceptions (4 parts: 3+3+3+1), 6 payments (2 full parts),
	// 3 IWOs (1 full part), 7 files (3 parts).
	var exs []*withholding.Exception
	var wantIDs []string
	for i := range 10 {
		exs = append(exs, &withholding.Exception{ID: int64(i + 1), Type: withholding.ExShortPayment,
			Severity: withholding.SeverityMedium, Status: withholding.ExceptionOpen, Key: fmt.Sprintf("short_payment|p%d", i),
			OpenedOn: day("2026-11-01").AddDays(i), Message: "Short."})
		wantIDs = append(wantIDs, strconv.Itoa(i+1))
	}
	exs = append(exs, &withholding.Exception{ID: 99, Type: withholding.ExShortPayment,
		Status: withholding.ExceptionResolved, Key: "short_payment|p99"})
	// The resolved one stays in the sequence: the sheet leaves it out.
	in.Exceptions = func(yield func(*withholding.Exception, error) bool) {
		for _, e := range exs {
			if !yield(e, nil) {
				return
			}
		}
	}
	var pays []*withholding.Payment
	var wantTraces []string
	for i := range 6 {
		tr := fmt.Sprintf("09100001%07d", i)
		pays = append(pays, &withholding.Payment{ID: int64(i + 1), FileID: 5, Trace: withholding.TraceNumber(tr), Kind: withholding.KindPayment,
			EffectiveDate: day("2026-11-20"), Credited: 100, Amount: 100, FEIN: fein1})
		wantTraces = append(wantTraces, tr)
	}
	in.Payments = report.Payments(pays)
	for i := range 4 {
		in.Files = append(in.Files, &withholding.File{ID: int64(10 + i), Direction: withholding.Inbound, Kind: withholding.KindACHFile,
			RemoteName: fmt.Sprintf("more%d.ach", i), State: withholding.FileApplied, CreatedAt: time.Date(2026, 11, 18, i, 0, 0, 0, time.UTC)})
	}

	path := filepath.Join(t.TempDir(), "ops.xlsx")
	tot, err := report.WriteOperations(path, in)
	if err != nil {
		t.Fatalf("WriteOperations: %v", err)
	}
	f := MustOpen(t, path)
	want := []string{"Summary", "Employers",
		"Exceptions", "Exceptions (2)", "Exceptions (3)", "Exceptions (4)",
		"Payments", "Payments (2)",
		"IWOs",
		"Files", "Files (2)", "Files (3)"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %v, want %v", got, want)
	}
	idCol := slices.Index(report.ExceptionColumns, "ID")
	if got := checkParts(t, f, report.SheetExceptions, "Exceptions", 4, 3, idCol); !slices.Equal(got, wantIDs) {
		t.Errorf("exception IDs over the parts = %v, want %v", got, wantIDs)
	}
	if got := checkParts(t, f, report.SheetPayments, "Payments", 2, 3, 3); !slices.Equal(got, wantTraces) {
		t.Errorf("payment traces over the parts = %v, want %v", got, wantTraces)
	}
	if got := checkParts(t, f, report.SheetIWOs, "IWOs", 1, 3, 1); !slices.Equal(got, []string{"T3", "T2", "T1"}) {
		t.Errorf("IWO tracking IDs = %v", got)
	}
	// Quarantined first, then newest first.
	wantFiles := []string{"bad.ack", "iwo.txt", "a.ach", "more3.ach", "more2.ach", "more1.ach", "more0.ach"}
	if got := checkParts(t, f, report.SheetFiles, "Files", 3, 3, 4); !slices.Equal(got, wantFiles) {
		t.Errorf("file names over the parts = %v, want %v", got, wantFiles)
	}
	// The summary counts every row, whatever the parts.
	if r := findRow(MustRows(t, f, report.SheetSummary), "Open exceptions"); len(r) < 2 || r[1] != "10" {
		t.Errorf("summary open exceptions = %v, want 10", r)
	}
	if tot.Received.Count != 6 {
		t.Errorf("totals received = %d, want 6", tot.Received.Count)
	}
	if idx, _ := f.GetSheetIndex(report.SheetSummary); f.GetActiveSheetIndex() != idx {
		t.Errorf("active sheet = %d, want the summary", f.GetActiveSheetIndex())
	}
}

// TestWriteEmployerStatement_SplitSheets checks the statement's streamed
// sheets split like the operations workbook's.
func TestWriteEmployerStatement_SplitSheets(t *testing.T) {
	report.SetMaxSheetRows(t, 3)
	in := report.StatementInput{
		RunDate: day("2026-11-20"), From: day("2026-11-01"), To: day("2026-11-20"),
		Employer: employers()[0],
	}
	var wantCases []string
	for i := range 5 {
		c := withholding.CaseID(fmt.Sprintf("CASE%d", i))
		in.Orders = append(in.Orders, &withholding.Order{ID: int64(i + 1), CaseID: c, RemittanceID: withholding.RemittanceID(c),
			EmployerFEIN: fein1, Status: withholding.StatusAccepted, Obligor: withholding.Person{Last: fmt.Sprintf("NAME%d", i)}})
		in.Payments = append(in.Payments, &withholding.Payment{ID: int64(i + 1), Kind: withholding.KindPayment, FEIN: fein1,
			RemittanceID: withholding.RemittanceID(c), Credited: 100, Amount: 100, PayDate: day("2026-11-13"), Trace: withholding.TraceNumber(fmt.Sprintf("T%d", i))})
		in.Exceptions = append(in.Exceptions, &withholding.Exception{ID: int64(i + 1), Type: withholding.ExMissingPayment,
			Status: withholding.ExceptionOpen, CaseID: c, OpenedOn: day("2026-11-01").AddDays(i), Key: "m" + string(c)})
		wantCases = append(wantCases, string(c))
	}
	path := filepath.Join(t.TempDir(), "acme.xlsx")
	if err := report.WriteEmployerStatement(path, in); err != nil {
		t.Fatalf("WriteEmployerStatement: %v", err)
	}
	f := MustOpen(t, path)
	want := []string{"Statement", "Orders", "Orders (2)", "Orders (3)", "Payments", "Payments (2)", "Payments (3)",
		"Action needed", "Action needed (2)", "Action needed (3)"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %v, want %v", got, want)
	}
	if got := checkParts(t, f, report.SheetOrders, "Orders", 3, 2, 0); !slices.Equal(got, wantCases) {
		t.Errorf("order cases over the parts = %v, want %v", got, wantCases)
	}
	if got := checkParts(t, f, report.SheetPayments, "Payments", 3, 2, 0); !slices.Equal(got, wantCases) {
		t.Errorf("payment cases over the parts = %v, want %v", got, wantCases)
	}
	if got := checkParts(t, f, report.SheetActions, "Actions", 3, 2, 2); !slices.Equal(got, wantCases) {
		t.Errorf("action cases over the parts = %v, want %v", got, wantCases)
	}
	if r := findRow(MustRows(t, f, report.SheetStatement), "Payments received"); len(r) < 2 || r[1] != "5" {
		t.Errorf("cover payments received = %v, want 5", r)
	}
}
