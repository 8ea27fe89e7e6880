package edi_test

import (
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// TestLayoutsContiguous checks every table: elements start where the
// previous one ended, the last ends at the record length, and each row is
// complete. Correcting a position against Appendix D must keep this true.
func TestLayoutsContiguous(t *testing.T) {
	for _, l := range edi.Layouts {
		next := 1
		for _, e := range l.Elements {
			if e.Start != next {
				t.Errorf("%s: %s starts at %d, want %d (previous element ends at %d)", l.Name, e.Name, e.Start, next, next-1)
			}
			if e.Len <= 0 || e.Name == "" || e.Type == 0 || e.Status == 0 {
				t.Errorf("%s: row %q at %d is incomplete: %+v", l.Name, e.Name, e.Start, e)
			}
			if e.Type == edi.TypeCode && len(e.Codes) == 0 {
				t.Errorf("%s: code element %s has no code list", l.Name, e.Name)
			}
			for _, c := range e.Codes {
				if len(c) > e.Len {
					t.Errorf("%s: code %q does not fit %s (%d)", l.Name, c, e.Name, e.Len)
				}
			}
			if e.Type == edi.TypeAmount && e.Len != 11 {
				t.Errorf("%s: amount %s is %d wide, want 11", l.Name, e.Name, e.Len)
			}
			next = e.End() + 1
		}
		if next-1 != l.Len {
			t.Errorf("%s: elements end at %d, record length is %d", l.Name, next-1, l.Len)
		}
	}
}

// TestElementCounts pins the element sets of the spec: 116 DTL rows (115
// elements + filler) plus 3 portal error elements, 38 ACK elements.
func TestElementCounts(t *testing.T) {
	count := func(l *edi.Layout) (n int) {
		for _, e := range l.Elements {
			if e.Type != edi.TypeFiller {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		l    *edi.Layout
		want int
	}{
		{edi.DTL, 115}, {edi.DTLResult, 118}, {edi.ACK, 38}, {edi.HeaderIWO, 8}, {edi.TrailerIWO, 7},
	} {
		if got := count(tc.l); got != tc.want {
			t.Errorf("%s: %d elements, want %d", tc.l.Name, got, tc.want)
		}
	}
	// Confirmed positions (spec S4): Case Identifier 88–102, Employer
	// Address Line 1 160–184, Address Line 2 starts at 185.
	for name, want := range map[string][2]int{"Case Identifier": {88, 102}, "Employer Address Line 1": {160, 184}, "Employer Address Line 2": {185, 209}} {
		e := edi.DTL.Elements[edi.DTL.Index(name)]
		if e.Start != want[0] || e.End() != want[1] {
			t.Errorf("DTL %s at %d–%d, want %d–%d", name, e.Start, e.End(), want[0], want[1])
		}
	}
}

func TestFrequencyCodes(t *testing.T) {
	for _, f := range withholding.Frequencies {
		c, ok := edi.FrequencyCode(f)
		if !ok || c == "" {
			t.Errorf("frequency %s has no code", f)
			continue
		}
		back, ok := edi.ParseFrequencyCode(c)
		if !ok || back != f {
			t.Errorf("code %q reads back as %q, want %q", c, back, f)
		}
	}
	if c, _ := edi.FrequencyCode(withholding.Monthly); c != "M" {
		t.Errorf("monthly code %q, want the confirmed M", c)
	}
	if _, ok := edi.ParseFrequencyCode("Z"); ok {
		t.Error("unknown frequency code Z accepted")
	}
}
