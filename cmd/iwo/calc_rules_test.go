package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type calcRulesOut struct {
	Orders []struct {
		MedicalCents int64 `json:"medical_cents"`
		ArrearsCents int64 `json:"arrears_cents"`
		TotalCents   int64 `json:"total_cents"`
	} `json:"orders"`
	Priority    []string `json:"priority"`
	Explanation []string `json:"explanation"`
}

func mustCalcJSON(t *testing.T, args ...string) calcRulesOut {
	t.Helper()
	code, stdout, stderr := runIWO(t, append([]string{"calc", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	var out calcRulesOut
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stdout)
	}
	return out
}

func explains(out calcRulesOut, phrase string) bool {
	for _, s := range out.Explanation {
		if strings.Contains(s, phrase) {
			return true
		}
	}
	return false
}

// TestCalcStatedPerPay: the IWO's own weekly line (issue 17: $528.00 a
// month stated as $121.86 a week) is what iwo calc withholds, and the
// explanation says so; without it iwo converts ($121.85).
func TestCalcStatedPerPay(t *testing.T) {
	for _, tc := range []struct {
		order string
		want  int64
		says  string
	}{
		{"A:current=528/monthly,stated=121.86/weekly", 12186, "as stated on the IWO (item 13a)"},
		{"A:current=528/monthly,stated=243.70/biweekly", 12185, "computed from the monthly amounts"},
		{"A:current=528/monthly", 12185, "computed from the monthly amounts"},
	} {
		out := mustCalcJSON(t, "--frequency", "weekly", "--disposable", "600", "--cap", "50", "--order", tc.order)
		if out.Orders[0].TotalCents != tc.want || !explains(out, tc.says) {
			t.Errorf("%s: withheld %d, explanation %q; want %d and %q", tc.order, out.Orders[0].TotalCents, out.Explanation, tc.want, tc.says)
		}
	}
}

// TestCalcWorkStatePriority: Maryland's order (COMAR 07.07.20.06: current
// support, arrears, premium, other medical) applies for --work-state MD
// and for a configuration that sets it, and not for the default state.
func TestCalcWorkStatePriority(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "iwo.yml")
	if err := os.WriteFile(cfg, []byte("withholding:\n  priority:\n    CA: current, arrears, premium, medical, other\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"--frequency", "monthly", "--disposable", "1240", "--cap", "50",
		"--order", "A:current=400/monthly,arrears=200/monthly,medical=100/monthly,cash-medical=50/monthly"}
	for _, tc := range []struct {
		name             string
		extra            []string
		medical, arrears int64
		first            string // the tier paid second
	}{
		// Maryland: $400 current, $200 arrears, the $100 premium does not
		// fit in the $20 left, cash medical gets $20.
		{"MD", []string{"--work-state", "MD"}, 20_00, 200_00, "arrears"},
		{"md, lower case", []string{"--work-state", "md"}, 20_00, 200_00, "arrears"},
		// The agency's state (CA by default) has no entry: after-current.
		{"default", nil, 150_00, 70_00, "premium"},
		{"MD with --medical-rule", []string{"--work-state", "MD", "--medical-rule", "after-current"}, 150_00, 70_00, "premium"},
		{"CA set by the configuration", []string{"--config", cfg}, 20_00, 200_00, "arrears"},
	} {
		out := mustCalcJSON(t, append(base, tc.extra...)...)
		o := out.Orders[0]
		if o.MedicalCents != tc.medical || o.ArrearsCents != tc.arrears || len(out.Priority) != 5 || out.Priority[1] != tc.first {
			t.Errorf("%s: medical %d arrears %d priority %v; want %d %d, %s second", tc.name, o.MedicalCents, o.ArrearsCents, out.Priority, tc.medical, tc.arrears, tc.first)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(bad, []byte("withholding:\n  priority:\n    MD: current, arrears\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		append(base, "--medical-rule", "virginia"),
		append(base, "--config", bad),
	} {
		if code, _, stderr := runIWO(t, append([]string{"calc"}, args...)...); code != 2 {
			t.Errorf("%v: exit %d (%s); want 2", args[len(args)-2:], code, stderr)
		}
	}
}

// TestCalcStateFee: without --fee, the work state's fee from the table
// (Kansas $5 a pay, per the survey) is kept inside the limit; a
// --fee given wins; a state without a rule has none.
func TestCalcStateFee(t *testing.T) {
	base := []string{"--frequency", "weekly", "--disposable", "200", "--cap", "50", "--order", "A:current=528/monthly"}
	for _, tc := range []struct {
		extra     []string
		fee, paid int64
	}{
		{[]string{"--work-state", "KS"}, 5_00, 95_00}, // $100.00 limit: $5 fee, $95 support
		{[]string{"--work-state", "KS", "--fee", "1"}, 1_00, 99_00},
		{[]string{"--work-state", "CA"}, 0, 100_00},
	} {
		code, stdout, stderr := runIWO(t, append(append([]string{"calc", "--format", "json"}, base...), tc.extra...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.extra, code, stderr)
		}
		var out calcOut
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if out.FeeCents != tc.fee || out.Orders[0].TotalCents != tc.paid {
			t.Errorf("%v: fee %d withheld %d; want %d %d", tc.extra, out.FeeCents, out.Orders[0].TotalCents, tc.fee, tc.paid)
		}
	}
}
