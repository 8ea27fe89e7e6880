package withholding_test

import (
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

func TestParsePercent(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want withholding.Percent
		ok   bool
	}{
		{"55", 5500, true}, {"52.5", 5250, true}, {"52.25", 5225, true}, {"55%", 5500, true},
		{"0", 0, true}, {"100", 10000, true}, {" 65 ", 6500, true},
		{"100.01", 0, false}, {"101", 0, false}, {"-5", 0, false}, {"", 0, false},
		{"abc", 0, false}, {"5.555", 0, false}, {"5.", 0, false},
	} {
		got, err := withholding.ParsePercent(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParsePercent(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for p, want := range map[withholding.Percent]string{5250: "52.5%", 5225: "52.25%", 0: "0%", 10000: "100%", 5500: "55%", 1: "0.01%"} {
		if got := p.String(); got != want {
			t.Errorf("Percent(%d).String() = %q, want %q", int(p), got, want)
		}
	}
}

func TestPercentOf(t *testing.T) {
	for _, tc := range []struct {
		p    withholding.Percent
		de   withholding.Cents
		want withholding.Cents
	}{
		{5500, 100000, 55000},
		{5500, 99999, 54999}, // 549.9945 rounds down: a limit never rounds up
		{5000, 1, 0},
		{0, 100000, 0},
		{10000, 12345, 12345},
		{6500, -100, 0},
	} {
		if got := tc.p.Of(tc.de); got != tc.want {
			t.Errorf("%s of %s = %s, want %s", tc.p, tc.de, got, tc.want)
		}
	}
}

// TestLimitResolve follows the precedence of spec §1.3.
func TestLimitResolve(t *testing.T) {
	yes, no, unknown := withholding.OtherFamilyYes, withholding.OtherFamilyNo, withholding.OtherFamilyUnknown
	tx := withholding.CapRule{Name: "Texas", Flat: 5000}
	wv := withholding.CapRule{Name: "West Virginia", Table: withholding.CapTable{4000, 4500, 5000, 5500}}
	for _, tc := range []struct {
		name  string
		l     withholding.Limit
		want  withholding.Percent
		basis string
	}{
		{"federal yes/no arrears", withholding.Limit{OtherFamily: yes}, 5000, "federal"},
		{"federal yes/arrears", withholding.Limit{OtherFamily: yes, ArrearsOver12Weeks: true}, 5500, "federal"},
		{"federal no/no arrears", withholding.Limit{OtherFamily: no}, 6000, "federal"},
		{"federal no/arrears", withholding.Limit{OtherFamily: no, ArrearsOver12Weeks: true}, 6500, "federal"},
		{"unknown family takes the lower row", withholding.Limit{OtherFamily: unknown, ArrearsOver12Weeks: true}, 5500, "unknown"},
		{"IWO-stated percent wins over state and federal", withholding.Limit{IWOPercent: 4000, IWOStated: true, State: tx, OtherFamily: no}, 4000, "stated on the IWO"},
		{"IWO-stated zero is a real zero", withholding.Limit{IWOStated: true, State: tx}, 0, "stated on the IWO"},
		{"IWO above federal max is kept and flagged", withholding.Limit{IWOPercent: 7000, IWOStated: true}, 7000, "check the IWO"},
		{"state flat cap", withholding.Limit{State: tx, OtherFamily: no}, 5000, "Texas flat limit"},
		{"state flat cap above federal is held to federal", withholding.Limit{State: withholding.CapRule{Name: "X", Flat: 6000}, OtherFamily: yes}, 5000, "lower than the X limit"},
		{"state table", withholding.Limit{State: wv, OtherFamily: no, ArrearsOver12Weeks: true}, 5500, "West Virginia limit 55%"},
	} {
		got, basis, err := tc.l.Resolve()
		if err != nil || got != tc.want || !strings.Contains(basis, tc.basis) {
			t.Errorf("%s: got %s %q %v, want %s containing %q", tc.name, got, basis, err, tc.want, tc.basis)
		}
	}
	if _, _, err := (withholding.Limit{State: withholding.CapRule{Flat: 20000}}).Resolve(); withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("flat 200%%: %v, want invalid", err)
	}
}
