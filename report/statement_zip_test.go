package report_test

import (
	"archive/zip"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/iwoproject/iwo/report"
)

// unzipParts returns the parts of the workbook at path, uncompressed, by
// name, and fails the test if one is not deflated.
func unzipParts(tb testing.TB, path string) map[string]string {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer zr.Close()
	parts := map[string]string{}
	for _, f := range zr.File {
		if f.Method != zip.Deflate {
			tb.Errorf("%s: part %s stored with method %d, want deflate", path, f.Name, f.Method)
		}
		r, err := f.Open()
		if err != nil {
			tb.Fatalf("%s: open part %s: %v", path, f.Name, err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			tb.Fatalf("%s: read part %s: %v", path, f.Name, err)
		}
		parts[f.Name] = string(b)
	}
	return parts
}

// TestWriteEmployerStatement_Concurrent writes statements of different
// sizes at once, as the report job's workers do, and checks each is the
// statement written alone: the compressors the workbooks share between
// them (see zip.go) mix up no one's parts.
func TestWriteEmployerStatement_Concurrent(t *testing.T) {
	dir := t.TempDir()
	inputs := make([]report.StatementInput, 8)
	for i := range inputs {
		emp := *employers()[0]
		emp.Name = fmt.Sprintf("EMPLOYER %d", i)
		ords := orders()
		for range i * 40 {
			o := *ords[0]
			ords = append(ords, &o)
		}
		inputs[i] = report.StatementInput{
			Agency: "Test SDU", Contact: "555-0100",
			RunDate: day("2026-11-20"), From: day("2026-11-01"), To: day("2026-11-20"),
			Employer: &emp, Orders: ords, Payments: statementPayments(), Exceptions: exceptions(),
		}
	}
	alone := make([]map[string]string, len(inputs))
	for i, in := range inputs {
		path := filepath.Join(dir, fmt.Sprintf("alone-%d.xlsx", i))
		if err := report.WriteEmployerStatement(path, in); err != nil {
			t.Fatalf("statement %d: %v", i, err)
		}
		alone[i] = unzipParts(t, path)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(inputs))
	for i, in := range inputs {
		wg.Go(func() {
			errs[i] = report.WriteEmployerStatement(filepath.Join(dir, fmt.Sprintf("together-%d.xlsx", i)), in)
		})
	}
	wg.Wait()
	for i := range inputs {
		if errs[i] != nil {
			t.Fatalf("statement %d written with others: %v", i, errs[i])
		}
		path := filepath.Join(dir, fmt.Sprintf("together-%d.xlsx", i))
		got := unzipParts(t, path)
		if !maps.Equal(got, alone[i]) {
			t.Errorf("statement %d written with others differs from it written alone: parts %v, want %v",
				i, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(alone[i])))
		}
		f := MustOpen(t, path)
		if r := findRow(MustRows(t, f, report.SheetStatement), "Employer"); len(r) < 2 || r[1] != inputs[i].Employer.Name {
			t.Errorf("statement %d: employer row %v, want %s", i, r, inputs[i].Employer.Name)
		}
		if rows := MustRows(t, f, report.SheetOrders); len(rows) != 1+len(inputs[i].Orders) {
			t.Errorf("statement %d: %d order rows, want %d", i, len(rows)-1, len(inputs[i].Orders))
		}
	}
}
