package report_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iwoproject/iwo/internal/memtest"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
)

// TestDocumentsNewestFirst checks the slice helper's order, which a
// store's listing (DocumentFilter.NewestFirst) also gives: newest sent
// first, documents sent at the same time in the slice's order, the slice
// itself untouched.
func TestDocumentsNewestFirst(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2026, 11, 2, h, 0, 0, 0, time.UTC) }
	ds := []*withholding.Document{{TrackingID: "A", SentAt: at(9)}, {TrackingID: "B", SentAt: at(10)}, {TrackingID: "C", SentAt: at(9)}, {TrackingID: "D"}}
	var got string
	for d, err := range report.Documents(ds) {
		if err != nil {
			t.Fatal(err)
		}
		got += string(d.TrackingID)
	}
	if got != "BACD" || ds[0].TrackingID != "A" {
		t.Errorf("documents in the order %s (slice starts %s), want BACD (slice unchanged)", got, ds[0].TrackingID)
	}
}

// TestWriteOperationsDocumentsFail: a failure reading the IWOs fails the
// workbook, and nothing is left at its path.
func TestWriteOperationsDocumentsFail(t *testing.T) {
	lost := errors.New("connection lost")
	in := operationsInput(t)
	in.Documents = func(yield func(*withholding.Document, error) bool) {
		if yield(&withholding.Document{TrackingID: "T1", SentAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}, nil) {
			yield(nil, lost)
		}
	}
	path := filepath.Join(t.TempDir(), "ops.xlsx")
	if _, err := report.WriteOperations(path, in); !errors.Is(err, lost) {
		t.Fatalf("WriteOperations with a failing IWO listing: %v, want the failure", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("workbook at %s after a failure: %v", path, err)
	}
}

// TestWriteOperationsIWOsMemory writes the IWOs sheet of a state's first
// night in miniature, 100,000 IWOs made one at a time as a store streams
// them: the workbook must not hold them (the report job's peak on the
// initial night of iwo bench night, docs/scaling.md, fix 9).
func TestWriteOperationsIWOsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 rows")
	}
	const n = 100_000
	sent := time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC)
	in := report.OperationsInput{RunDate: day("2026-11-02"), TmpDir: t.TempDir()}
	in.Documents = func(yield func(*withholding.Document, error) bool) {
		for i := range n {
			d := &withholding.Document{TrackingID: withholding.TrackingID(fmt.Sprintf("0600000000000000000001%06d", i)),
				CaseID: withholding.CaseID(fmt.Sprintf("CA2%09d", i)), FEIN: withholding.FEIN(fmt.Sprintf("9%08d", i/60)),
				Action: withholding.ActionOriginal, FileControl: "0600026110200000010000", BatchControl: "0600026110200000010001", SentAt: sent}
			if !yield(d, nil) {
				return
			}
		}
	}
	path := filepath.Join(in.TmpDir, "ops.xlsx")
	var err error
	peak := memtest.PeakHeap(func() { _, err = report.WriteOperations(path, in) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peak heap %.1f MB for %d IWOs", float64(peak)/(1<<20), n)
	// 35 MB measured: excelize's save holds the compressed workbook in a
	// buffer (WriteTo goes through WriteToBuffer), about 64 bytes an IWO,
	// and the collector lets garbage reach the live heap again. Holding
	// the IWOs and sorting them, as before, measured 61 MB.
	if limit := memtest.Limit(48 << 20); peak > limit {
		t.Errorf("peak heap %.1f MB for %d IWOs, want under %d MB", float64(peak)/(1<<20), n, limit>>20)
	}
}
