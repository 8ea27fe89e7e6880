package employer_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// TestComputeUsesStatedPerPay: an IWO received in a file states $528.00 a
// month as $121.86 a week (issue 17's example; iwo's own conversion gives
// $121.85) and leaves its biweekly line blank. A weekly pay withholds the
// stated $121.86; a biweekly pay withholds iwo's conversion, $243.69.
func TestComputeUsesStatedPerPay(t *testing.T) {
	g := synth.New(17)
	emps := g.Employers(1)
	o := g.Orders(emps, 1)[0]
	o.Amounts = withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 528_00, Frequency: withholding.Monthly}}
	d := iwoOf(o, emps[0], withholding.ActionOriginal)
	d.CCPAPercent = 50
	d.PerWeekly, d.PerBiweekly = 121_86, 0 // as the issuing state's system wrote them
	file, err := employer.ReadIWOFile(bytes.NewReader(writeIWOs(t, 1, []*edi.IWO{d})), "stated.iwo")
	if err != nil {
		t.Fatalf("read IWO file: %v", err)
	}
	book := employer.LoadBook([]*employer.Received{file}, nil)
	for _, tc := range []struct {
		freq  withholding.Frequency
		want  withholding.Cents
		basis string
	}{
		{withholding.Weekly, 121_86, "as stated on the IWO (item 13a)"},
		{withholding.Biweekly, 243_69, "computed from the monthly amounts"},
	} {
		line := employer.PayLine{Line: 2, SSN: o.Obligor.SSN, Last: o.Obligor.Last, First: o.Obligor.First,
			PayDate: day, Frequency: tc.freq, Disposable: 2000_00}
		ws, err := employer.Compute([]employer.PayLine{line}, book, employer.Settings{})
		if err != nil {
			t.Fatalf("%s: %v", tc.freq, err)
		}
		if len(ws) != 1 || len(ws[0].Items()) != 1 {
			t.Fatalf("%s: %d withholdings, want one with one DED item", tc.freq, len(ws))
		}
		if got := ws[0].Items()[0].Amount; got != tc.want {
			t.Errorf("%s pay remits %s, want %s", tc.freq, got, tc.want)
		}
		if !slices.ContainsFunc(ws[0].Result.Explanation, func(s string) bool { return strings.Contains(s, tc.basis) }) {
			t.Errorf("%s pay: explanation does not say %q: %q", tc.freq, tc.basis, ws[0].Result.Explanation)
		}
	}
}

// TestComputeWorkStatePriority: the employer mode pays in the work state's
// order. An IWO of $400.00 current support, $200.00 arrears and $50.00
// cash medical support a month, a monthly pay with a $620.00 limit: in
// Maryland (COMAR 07.07.20.06: current, arrears, then medical) arrears are
// paid in full and cash medical gets the $20.00 left; by the default
// order cash medical comes before arrears.
func TestComputeWorkStatePriority(t *testing.T) {
	g := synth.New(18)
	emps := g.Employers(1)
	o := g.Orders(emps, 1)[0]
	o.Amounts = withholding.Amounts{
		CurrentSupport: withholding.Obligation{Amount: 400_00, Frequency: withholding.Monthly},
		PastDueSupport: withholding.Obligation{Amount: 200_00, Frequency: withholding.Monthly},
		CurrentMedical: withholding.Obligation{Amount: 50_00, Frequency: withholding.Monthly},
	}
	d := iwoOf(o, emps[0], withholding.ActionOriginal)
	d.CCPAPercent = 50
	book := employer.LoadBook([]*employer.Received{{IWOs: []*edi.IWO{d}}}, nil)
	line := employer.PayLine{Line: 2, SSN: o.Obligor.SSN, PayDate: day, Frequency: withholding.Monthly, Disposable: 1240_00}
	for _, tc := range []struct {
		name             string
		s                employer.Settings
		arrears, medical withholding.Cents
	}{
		{"MD by the built-in table", employer.Settings{WorkState: "MD", Priorities: withholding.DefaultPriorityRules()}, 200_00, 20_00},
		{"MD set for another state", employer.Settings{WorkState: "NJ", Priorities: withholding.PriorityRules{
			States: map[string][]withholding.Tier{"NJ": withholding.MedicalMaryland.Priority()}}}, 200_00, 20_00},
		{"CA, no entry", employer.Settings{WorkState: "CA", Priorities: withholding.DefaultPriorityRules()}, 170_00, 50_00},
		{"zero settings", employer.Settings{}, 170_00, 50_00},
	} {
		ws, err := employer.Compute([]employer.PayLine{line}, book, tc.s)
		if err != nil || len(ws) != 1 {
			t.Fatalf("%s: %d withholdings, %v", tc.name, len(ws), err)
		}
		r := ws[0].Result.Orders[0]
		if r.Arrears != tc.arrears || r.Medical != tc.medical || r.Current != 400_00 {
			t.Errorf("%s: current %s arrears %s medical %s; want 400.00 %s %s", tc.name, r.Current, r.Arrears, r.Medical, tc.arrears, tc.medical)
		}
	}
}
