package report_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

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
