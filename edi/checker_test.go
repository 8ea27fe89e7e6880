package edi_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
)

// TestChecker checks records alone as a Writer of a fresh file writes
// them: the same records refused, for the same elements and kinds where
// the problem is the detail's own (a Writer names a bad EIN on the batch
// header it opens for it, and a record of another kind as out of place).
func TestChecker(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  edi.Kind
		spoil func(d *edi.IWO)
		ok    bool
		same  bool // the same problems as a Writer's
	}{
		{"OK", edi.KindIWO, func(*edi.IWO) {}, true, true},
		{"ErrObligorLastBlank", edi.KindIWO, func(d *edi.IWO) { d.Employee.Last = "" }, false, true},
		{"ErrNotPrintable", edi.KindIWO, func(d *edi.IWO) { d.EmployerName = "ACME\x01" }, false, true},
		{"ErrBadFrequency", edi.KindIWO, func(d *edi.IWO) { d.CurrentSupport.Frequency = "X" }, false, true},
		{"ErrEINLetters", edi.KindIWO, func(d *edi.IWO) { d.EmployerEIN = "48ABC0001" }, false, false},
		{"ErrEINBlank", edi.KindIWO, func(d *edi.IWO) { d.EmployerEIN = "" }, false, false},
		{"ErrWrongKind", edi.KindAck, func(*edi.IWO) {}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := edisynth.IWOs(1, 1)[0]
			tc.spoil(d)
			c := edi.Checker{Kind: tc.kind}
			got := c.Check(d)
			w := edi.NewWriter(io.Discard, edi.WriterOptions{Kind: tc.kind, FIPS: "20000", Created: time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC), Sequence: 1})
			want := w.Write(d)
			if (got == nil) != tc.ok || (want == nil) != tc.ok {
				t.Fatalf("Check: %v; Writer: %v; want ok = %v from both", got, want, tc.ok)
			}
			if tc.same && !slices.Equal(problems(got), problems(want)) {
				t.Errorf("Check found %v, a Writer %v", problems(got), problems(want))
			}
			// Checking again with the same Checker (its buffer reused)
			// finds the same.
			if again := c.Check(d); !slices.Equal(problems(again), problems(got)) {
				t.Errorf("second Check found %v, the first %v", problems(again), problems(got))
			}
		})
	}
	// A record that passes goes into a file whatever came before it.
	c := edi.Checker{Kind: edi.KindIWO}
	bad := edisynth.IWOs(1, 1)[0]
	bad.Employee.Last = ""
	_ = c.Check(bad)
	if err := c.Check(edisynth.IWOs(1, 1)[0]); err != nil {
		t.Errorf("a valid IWO after a refused one: %v", err)
	}
}

// problems lists err's problems as record, element and kind.
func problems(err error) []string {
	var out []string
	for _, e := range edi.AsErrors(err) {
		kind := "?"
		for _, k := range []error{edi.ErrFormat, edi.ErrStructure, edi.ErrRule} {
			if e.Kind == k {
				kind = k.Error()
			}
		}
		out = append(out, e.Record+" "+e.Element+" "+kind)
	}
	return out
}

// TestWriterRefusedDetailLeavesFile: a detail refused where it would have
// opened a batch leaves the file as it was, so the file still closes and
// reads back valid, with a batch only for the employers written.
func TestWriterRefusedDetailLeavesFile(t *testing.T) {
	var buf bytes.Buffer
	w := edi.NewWriter(&buf, edi.WriterOptions{Kind: edi.KindIWO, FIPS: "20000", Created: time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC), Sequence: 1})
	ds := edisynth.IWOs(1, 3)
	ds[1].EmployerEIN, ds[2].EmployerEIN = "480000002", "480000003"
	ds[1].Employee.Last = ""
	for i, d := range ds {
		err := w.Write(d)
		if refused := i == 1; refused != (err != nil) {
			t.Fatalf("IWO %d: %v, want refused = %v", i, err, refused)
		}
		if err != nil && (!errors.Is(err, edi.ErrFormat) || edi.AsErrors(err)[0].Line != 6) {
			t.Errorf("refused IWO: %v, want an element format problem on line 6 (after the batch trailer and header it would have had)", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close after a refused IWO: %v", err)
	}
	text := buf.String()
	problems, err := edi.Validate(strings.NewReader(text), "iwo.txt")
	if err != nil || len(problems) != 0 {
		t.Fatalf("file after a refused IWO: %v %v", problems, err)
	}
	if got := strings.Count(text, "\nBHI"); got != 2 {
		t.Errorf("%d batches, want 2 (the refused IWO's employer has none)", got)
	}
}
