package withholding_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

// monthly returns an order of current support and arrears per month.
func monthly(caseID string, current, arrears withholding.Cents, over12 bool) withholding.Order {
	return withholding.Order{
		CaseID: withholding.CaseID(caseID),
		Amounts: withholding.Amounts{
			CurrentSupport: withholding.Obligation{Amount: current, Frequency: withholding.Monthly},
			PastDueSupport: withholding.Obligation{Amount: arrears, Frequency: withholding.Monthly},
		},
		ArrearsOver12Weeks: over12,
	}
}

func MustCalculate(tb testing.TB, in withholding.CalcInput) withholding.CalcResult {
	tb.Helper()
	res, err := withholding.Calculate(in)
	if err != nil {
		tb.Fatalf("Calculate: %v", err)
	}
	return res
}

// TestSpecExample1 reproduces spec §5 Example 1: $400 current + $100
// arrears per month, restated for each pay frequency.
func TestSpecExample1(t *testing.T) {
	o := monthly("E1", 40000, 10000, false)
	for _, tc := range []struct {
		freq                           withholding.Frequency
		current, arrears, total        withholding.Cents
		currentPerYear, arrearsPerYear withholding.Cents
	}{
		{withholding.Weekly, 9231, 2308, 11539, 480012, 120016},
		{withholding.Biweekly, 18462, 4615, 23077, 480012, 119990},
		{withholding.Semimonthly, 20000, 5000, 25000, 480000, 120000},
		{withholding.Monthly, 40000, 10000, 50000, 480000, 120000},
	} {
		p := o.PerPay(tc.freq)
		n := withholding.Cents(tc.freq.PeriodsPerYear())
		if p.CurrentSupport != tc.current || p.PastDueSupport != tc.arrears || p.Total != tc.total ||
			p.CurrentSupport*n != tc.currentPerYear || p.PastDueSupport*n != tc.arrearsPerYear {
			t.Errorf("%s: got current %s arrears %s total %s (year %s / %s), want %s %s %s (%s / %s)",
				tc.freq, p.CurrentSupport, p.PastDueSupport, p.Total, p.CurrentSupport*n, p.PastDueSupport*n,
				tc.current, tc.arrears, tc.total, tc.currentPerYear, tc.arrearsPerYear)
		}
	}

	// With biweekly DE of $1,000 and a 55% cap ($550), all $230.77 is withheld.
	res := MustCalculate(t, withholding.CalcInput{
		Frequency:  withholding.Biweekly,
		Disposable: 100000,
		Limit:      withholding.Limit{IWOPercent: 5500, IWOStated: true},
		Orders:     []withholding.CalcOrder{withholding.CalcOrderOf(o, withholding.Biweekly)},
	})
	if res.Cap != 55000 || res.Withheld != 23077 || res.Unwithheld != 0 || res.Orders[0].Total != 23077 {
		t.Errorf("example 1 at 55%% of $1,000: cap %s withheld %s unwithheld %s", res.Cap, res.Withheld, res.Unwithheld)
	}
}

// example2Orders are spec §5 Example 2's orders A and B.
func example2Orders(over12 bool) []withholding.Order {
	return []withholding.Order{monthly("A", 60000, 20000, over12), monthly("B", 45000, 15000, over12)}
}

func calcOrders(orders []withholding.Order, f withholding.Frequency) []withholding.CalcOrder {
	out := make([]withholding.CalcOrder, len(orders))
	for i, o := range orders {
		out[i] = withholding.CalcOrderOf(o, f)
	}
	return out
}

func TestSpecExample2PerPay(t *testing.T) {
	want := map[string][2]withholding.Cents{"A": {27692, 9231}, "B": {20769, 6923}}
	var cur, arr withholding.Cents
	for _, o := range example2Orders(true) {
		p := o.PerPay(withholding.Biweekly)
		w := want[string(o.CaseID)]
		if p.CurrentSupport != w[0] || p.PastDueSupport != w[1] {
			t.Errorf("order %s biweekly: got %s / %s, want %s / %s", o.CaseID, p.CurrentSupport, p.PastDueSupport, w[0], w[1])
		}
		cur += p.CurrentSupport
		arr += p.PastDueSupport
	}
	if cur != 48461 || arr != 16154 || cur+arr != 64615 {
		t.Errorf("totals: current %s arrears %s all %s, want 484.61 161.54 646.15", cur, arr, cur+arr)
	}
}

// TestSpecExample2 reproduces every row and column of spec §5 Example 2:
// DE $1,000 biweekly, two orders, with the cap reached through the limit
// rule each row names.
func TestSpecExample2(t *testing.T) {
	type split struct{ a, b withholding.Cents }
	for _, tc := range []struct {
		name      string
		limit     withholding.Limit
		over12    bool
		fee       withholding.Cents
		cap       withholding.Cents
		basis     string
		current   split
		arrearsP  split
		arrearsE  split
		withheldP split
		withheldE split
	}{
		{"2a no other family, arrears > 12 wks: 65%", withholding.Limit{OtherFamily: withholding.OtherFamilyNo}, true, 0, 65000, "65%",
			split{27692, 20769}, split{9231, 6923}, split{9231, 6923}, split{36923, 27692}, split{36923, 27692}},
		{"2b other family, arrears > 12 wks: 55%", withholding.Limit{OtherFamily: withholding.OtherFamilyYes}, true, 0, 55000, "55%",
			split{27692, 20769}, split{3737, 2802}, split{3270, 3269}, split{31429, 23571}, split{30962, 24038}},
		{"2b unknown other family defaults to 55%", withholding.Limit{}, true, 0, 55000, "55%",
			split{27692, 20769}, split{3737, 2802}, split{3270, 3269}, split{31429, 23571}, split{30962, 24038}},
		{"2b' as 2b with $2 fee inside the cap", withholding.Limit{OtherFamily: withholding.OtherFamilyYes}, true, 200, 55000, "55%",
			split{27692, 20769}, split{3622, 2717}, split{3170, 3169}, split{31314, 23486}, split{30862, 23938}},
		{"2c flat state cap 50%", withholding.Limit{State: withholding.CapRule{Name: "Texas", Flat: 5000}}, true, 0, 50000, "Texas flat limit of 50%",
			split{27692, 20769}, split{879, 660}, split{770, 769}, split{28571, 21429}, split{28462, 21538}},
		{"2c federal 50%: other family, arrears not > 12 wks", withholding.Limit{OtherFamily: withholding.OtherFamilyYes}, false, 0, 50000, "50%",
			split{27692, 20769}, split{879, 660}, split{770, 769}, split{28571, 21429}, split{28462, 21538}},
		{"2d no other family, arrears flag No: 60%", withholding.Limit{OtherFamily: withholding.OtherFamilyNo}, false, 0, 60000, "60%",
			split{27692, 20769}, split{6594, 4945}, split{5770, 5769}, split{34286, 25714}, split{33462, 26538}},
	} {
		for _, m := range []withholding.Allocation{withholding.Proportional, withholding.Equal} {
			name := fmt.Sprintf("%s/%s", tc.name, m)
			res := MustCalculate(t, withholding.CalcInput{
				Frequency:  withholding.Biweekly,
				Disposable: 100000,
				Limit:      tc.limit,
				Allocation: m,
				Fee:        tc.fee,
				Orders:     calcOrders(example2Orders(tc.over12), withholding.Biweekly),
			})
			arrears, withheld := tc.arrearsP, tc.withheldP
			if m == withholding.Equal {
				arrears, withheld = tc.arrearsE, tc.withheldE
			}
			a, b := res.Orders[0], res.Orders[1]
			if res.Cap != tc.cap || !strings.Contains(res.Basis, tc.basis) {
				t.Errorf("%s: cap %s basis %q, want %s containing %q", name, res.Cap, res.Basis, tc.cap, tc.basis)
			}
			if got := (split{a.Current, b.Current}); got != tc.current {
				t.Errorf("%s: current A/B %s/%s, want %s/%s", name, got.a, got.b, tc.current.a, tc.current.b)
			}
			if got := (split{a.Arrears, b.Arrears}); got != arrears {
				t.Errorf("%s: arrears A/B %s/%s, want %s/%s", name, got.a, got.b, arrears.a, arrears.b)
			}
			if got := (split{a.Total, b.Total}); got != withheld {
				t.Errorf("%s: withheld A/B %s/%s, want %s/%s", name, got.a, got.b, withheld.a, withheld.b)
			}
			if res.Fee != tc.fee || res.Withheld+res.Fee != min(res.Cap, 64615+res.Fee) || res.Unwithheld != 64615-res.Withheld {
				t.Errorf("%s: fee %s withheld %s unwithheld %s cap %s", name, res.Fee, res.Withheld, res.Unwithheld, res.Cap)
			}
		}
	}
}

// TestSpecExample3: DE $800, cap 50% = $400 < current total $484.61.
func TestSpecExample3(t *testing.T) {
	for _, tc := range []struct {
		method withholding.Allocation
		a, b   withholding.Cents
	}{
		{withholding.Proportional, 22857, 17143},
		{withholding.Equal, 20000, 20000},
	} {
		res := MustCalculate(t, withholding.CalcInput{
			Frequency:  withholding.Biweekly,
			Disposable: 80000,
			Limit:      withholding.Limit{State: withholding.CapRule{Flat: 5000}},
			Allocation: tc.method,
			Orders:     calcOrders(example2Orders(true), withholding.Biweekly),
		})
		a, b := res.Orders[0], res.Orders[1]
		if res.Cap != 40000 || a.Current != tc.a || b.Current != tc.b || a.Arrears != 0 || b.Arrears != 0 ||
			a.Total+b.Total != 40000 {
			t.Errorf("%s: cap %s A %s+%s B %s+%s, want A %s B %s and no arrears", tc.method, res.Cap,
				a.Current, a.Arrears, b.Current, b.Arrears, tc.a, tc.b)
		}
	}
}

// TestSpecExample4: one order with an NMSN premium, under each medical rule.
func TestSpecExample4(t *testing.T) {
	o := monthly("M", 40000, 10000, true)
	o.Amounts.MedicalPremium = withholding.Obligation{Amount: 15000, Frequency: withholding.Monthly}
	for _, tc := range []struct {
		de                        withholding.Cents
		rule                      withholding.MedicalRule
		current, premium, arrears withholding.Cents
	}{
		{100000, withholding.MedicalAfterCurrent, 18462, 6923, 4615},
		{100000, withholding.MedicalAfterCash, 18462, 6923, 4615},
		{100000, withholding.MedicalFirst, 18462, 6923, 4615},
		{40000, withholding.MedicalAfterCurrent, 18462, 0, 1538},
		{40000, withholding.MedicalAfterCash, 18462, 0, 1538},
		{40000, withholding.MedicalFirst, 13077, 6923, 0},
	} {
		res := MustCalculate(t, withholding.CalcInput{
			Frequency:   withholding.Biweekly,
			Disposable:  tc.de,
			Limit:       withholding.Limit{State: withholding.CapRule{Flat: 5000}},
			MedicalRule: tc.rule,
			Orders:      []withholding.CalcOrder{withholding.CalcOrderOf(o, withholding.Biweekly)},
		})
		r := res.Orders[0]
		if res.Cap != tc.de/2 || r.Current != tc.current || r.Withheld.MedicalPremium != tc.premium ||
			r.Medical != tc.premium || r.Arrears != tc.arrears || r.Total != tc.current+tc.premium+tc.arrears ||
			r.Remit != tc.current+tc.arrears {
			t.Errorf("DE %s rule %s: current %s premium %s arrears %s total %s remit %s, want %s %s %s",
				tc.de, tc.rule, r.Current, r.Withheld.MedicalPremium, r.Arrears, r.Total, r.Remit, tc.current, tc.premium, tc.arrears)
		}
	}
}
