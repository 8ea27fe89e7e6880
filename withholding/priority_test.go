package withholding_test

import (
	"slices"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

// TestPriorityPresets runs one pay through every preset on a case where
// Maryland's order differs from each of the others: a monthly pay with a
// $620.00 limit against $400.00 current support, $200.00 arrears, a
// $100.00 premium and $50.00 cash medical support.
func TestPriorityPresets(t *testing.T) {
	o := monthly("MD1", 400_00, 200_00, false)
	o.Amounts.MedicalPremium = withholding.Obligation{Amount: 100_00, Frequency: withholding.Monthly}
	o.Amounts.CurrentMedical = withholding.Obligation{Amount: 50_00, Frequency: withholding.Monthly}
	for _, tc := range []struct {
		rule                      withholding.MedicalRule
		current, arrears, premium withholding.Cents
		cashMedical               withholding.Cents
	}{
		// COMAR 07.07.20.06 (Maryland): current support, then arrears,
		// then the premium (does not fit in the $20.00 left: none), then
		// other medical support gets the $20.00.
		{withholding.MedicalMaryland, 400_00, 200_00, 0, 20_00},
		// California county guidance: premium and cash medical after
		// current support, arrears last.
		{withholding.MedicalAfterCurrent, 400_00, 70_00, 100_00, 50_00},
		// West Virginia: all cash support, then the premium.
		{withholding.MedicalAfterCash, 400_00, 170_00, 0, 50_00},
		// California with coverage chosen: the premium first.
		{withholding.MedicalFirst, 400_00, 70_00, 100_00, 50_00},
	} {
		req := withholding.CalcRequest{
			Frequency: withholding.Monthly, Disposable: 1240_00,
			Limit:       withholding.Limit{IWOPercent: 5000, IWOStated: true},
			MedicalRule: tc.rule, Orders: []withholding.Order{o},
		}
		w := MustCalculate(t, req.Input()).Orders[0].Withheld
		if w.CurrentSupport != tc.current || w.PastDueSupport != tc.arrears || w.MedicalPremium != tc.premium || w.CurrentMedical != tc.cashMedical {
			t.Errorf("%s: current %s arrears %s premium %s cash medical %s; want %s %s %s %s", tc.rule,
				w.CurrentSupport, w.PastDueSupport, w.MedicalPremium, w.CurrentMedical, tc.current, tc.arrears, tc.premium, tc.cashMedical)
		}
	}
}

// TestPriorityRulesByWorkState: the work state picks the order from the
// rules (Maryland's by default for MD), a preset given for the question
// overrides it, and a state without an entry gets the default.
func TestPriorityRulesByWorkState(t *testing.T) {
	o := monthly("MD1", 400_00, 200_00, false)
	o.Amounts.MedicalPremium = withholding.Obligation{Amount: 100_00, Frequency: withholding.Monthly}
	rules := withholding.DefaultPriorityRules()
	for _, tc := range []struct {
		name    string
		state   string
		rule    withholding.MedicalRule
		premium withholding.Cents
		arrears withholding.Cents
	}{
		{"MD by the table", "md", "", 0, 200_00},
		{"MD with a preset given", "MD", withholding.MedicalAfterCurrent, 100_00, 120_00},
		{"CA, no entry: the default", "CA", "", 100_00, 120_00},
		{"no work state: the default", "", "", 100_00, 120_00},
	} {
		req := withholding.CalcRequest{
			Frequency: withholding.Monthly, Disposable: 1240_00,
			Limit:     withholding.Limit{IWOPercent: 5000, IWOStated: true},
			WorkState: tc.state, Priorities: rules, MedicalRule: tc.rule, Orders: []withholding.Order{o},
		}
		w := MustCalculate(t, req.Input()).Orders[0].Withheld
		if w.MedicalPremium != tc.premium || w.PastDueSupport != tc.arrears {
			t.Errorf("%s: premium %s arrears %s; want %s %s", tc.name, w.MedicalPremium, w.PastDueSupport, tc.premium, tc.arrears)
		}
	}
	if p, _ := rules.For("MD"); !slices.Equal(p, withholding.MedicalMaryland.Priority()) {
		t.Errorf("For(MD) = %v; want Maryland's %v", p, withholding.MedicalMaryland.Priority())
	}
}

// TestParsePriority reads presets and explicit lists and refuses lists
// that do not name each tier once.
func TestParsePriority(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []withholding.Tier
		code string
	}{
		{"maryland", withholding.MedicalMaryland.Priority(), ""},
		{" After-Cash ", withholding.MedicalAfterCash.Priority(), ""},
		{"current, arrears, premium, medical, other", withholding.MedicalMaryland.Priority(), ""},
		{"premium,arrears,current,medical,other", []withholding.Tier{"premium", "arrears", "current", "medical", "other"}, ""},
		{"current, arrears, premium, medical", nil, withholding.EINVALID},
		{"current, current, premium, medical, other", nil, withholding.EINVALID},
		{"current, arrears, dental, medical, other", nil, withholding.EINVALID},
		{"virginia", nil, withholding.EINVALID},
	} {
		got, err := withholding.ParsePriority(tc.in)
		if withholding.ErrorCode(err) != tc.code && !(tc.code == "" && err == nil) {
			t.Errorf("ParsePriority(%q): %v; want code %q", tc.in, err, tc.code)
		}
		if tc.code == "" && !slices.Equal(got, tc.want) {
			t.Errorf("ParsePriority(%q) = %v; want %v", tc.in, got, tc.want)
		}
	}
}
