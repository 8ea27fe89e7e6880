package jobs

import (
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// TestReportIWOsEmployers checks the employers the statements' rule takes
// from the IWOs (sent or answered in the window): noted as the workbook
// reads them, and read again only when it did not read them all.
func TestReportIWOsEmployers(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	night := &withholding.Night{WindowStart: at("2026-11-22T12:00:00Z"), WindowEnd: at("2026-11-23T12:00:00Z")}
	docs := []*withholding.Document{
		{FEIN: "900000001", SentAt: at("2026-11-22T19:00:00Z")},                                             // sent in the window
		{FEIN: "900000002", SentAt: at("2026-11-01T19:00:00Z")},                                             // sent before, unanswered
		{FEIN: "900000003", SentAt: at("2026-11-01T19:00:00Z"), AcknowledgedAt: at("2026-11-23T01:00:00Z")}, // answered in the window
		{FEIN: "900000004", SentAt: at("2026-11-22T12:00:00Z")},                                             // at the window's start: before it
		{FEIN: "900000005", SentAt: at("2026-11-23T12:00:00Z")},                                             // at its end: in it
	}
	want := []withholding.FEIN{"900000001", "900000003", "900000005"}
	reads := 0
	var fail error
	seq := func(yield func(*withholding.Document, error) bool) {
		reads++
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
		if fail != nil {
			yield(nil, fail)
		}
	}
	check := func(name string, r *reportIWOs, wantReads int) {
		t.Helper()
		got, err := r.employers()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if feins := slices.Sorted(maps.Keys(got)); !slices.Equal(feins, want) || reads != wantReads {
			t.Errorf("%s: employers %v after %d reads, want %v after %d", name, feins, reads, want, wantReads)
		}
	}

	r := &reportIWOs{docs: seq, night: night}
	n := 0
	for range r.all() {
		n++
	}
	if n != len(docs) {
		t.Fatalf("all yielded %d IWOs, want %d", n, len(docs))
	}
	check("read whole by the workbook", r, 1)

	reads = 0
	r = &reportIWOs{docs: seq, night: night}
	for range r.all() {
		break // the workbook failed after its first row
	}
	check("read in part by the workbook", r, 2)

	reads = 0
	check("not read by the workbook", &reportIWOs{docs: seq, night: night}, 1)

	reads = 0
	fail = errors.New("connection lost")
	r = &reportIWOs{docs: seq, night: night}
	for _, err := range r.all() {
		if err != nil {
			break
		}
	}
	if _, err := r.employers(); !errors.Is(err, fail) || reads != 2 {
		t.Errorf("employers after a failed read: %v after %d reads, want the failure after 2", err, reads)
	}
}
