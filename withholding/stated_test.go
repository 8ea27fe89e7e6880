package withholding_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

// TestPerPayPrefersStated checks that an IWO's own per-pay line (items
// 13a–13d) wins over iwo's conversion for the pay frequency it states,
// and that iwo converts only where the IWO leaves the line blank.
func TestPerPayPrefersStated(t *testing.T) {
	// The example (issue 17): $528.00 a month of current support
	// stated as $121.86 a week; iwo's own conversion gives $121.85.
	iss := monthly("I17", 52800, 0, false)
	iss.Stated = withholding.StatedPerPay{Weekly: 12186}
	// Spec §5 Example 1 amounts ($400 + $100 a month, 92.31 + 23.08 =
	// 115.39 a week by conversion) with a weekly line one cent higher and a
	// biweekly line one cent lower than iwo's sum.
	ex1 := monthly("E1", 40000, 10000, false)
	ex1.Stated = withholding.StatedPerPay{Weekly: 11540, Biweekly: 23076}
	// An IWO that states only per-pay lines and no components.
	bare := withholding.Order{CaseID: "BARE", Stated: withholding.StatedPerPay{Monthly: 30000}}
	// The premium is not part of the IWO total: converted, never restated.
	prem := monthly("P", 40000, 0, false)
	prem.Amounts.MedicalPremium = withholding.Obligation{Amount: 15000, Frequency: withholding.Monthly}
	prem.Stated = withholding.StatedPerPay{Biweekly: 18500}

	for _, tc := range []struct {
		name             string
		o                withholding.Order
		f                withholding.Frequency
		current, arrears withholding.Cents
		premium, total   withholding.Cents
		basis            string
	}{
		{"issue 17 weekly stated", iss, withholding.Weekly, 12186, 0, 0, 12186, "as stated on the IWO (item 13a)"},
		{"issue 17 biweekly blank", iss, withholding.Biweekly, 24369, 0, 0, 24369, "computed from the monthly amounts"},
		{"issue 17 quarterly has no line", iss, withholding.Quarterly, 158400, 0, 0, 158400, "computed from the monthly amounts"},
		// 11540 × 9231/11539 = 9231.8, × 2308/11539 = 2308.2: the extra
		// cent goes to the larger remainder, current support.
		{"example 1 weekly one cent up", ex1, withholding.Weekly, 9232, 2308, 0, 11540, "as stated on the IWO (item 13a)"},
		// 23076 × 18462/23077 = 18461.2, × 4615/23077 = 4614.8.
		{"example 1 biweekly one cent down", ex1, withholding.Biweekly, 18461, 4615, 0, 23076, "as stated on the IWO (item 13c)"},
		{"example 1 semimonthly blank", ex1, withholding.Semimonthly, 20000, 5000, 0, 25000, "computed from the monthly amounts"},
		{"only a per-pay line", bare, withholding.Monthly, 30000, 0, 0, 30000, "as stated on the IWO (item 13d)"},
		{"premium kept out of the stated total", prem, withholding.Biweekly, 18500, 0, 6923, 18500, "as stated on the IWO (item 13c)"},
	} {
		p := tc.o.PerPay(tc.f)
		if p.CurrentSupport != tc.current || p.PastDueSupport != tc.arrears || p.MedicalPremium != tc.premium || p.Total != tc.total {
			t.Errorf("%s: current %s arrears %s premium %s total %s; want %s %s %s %s",
				tc.name, p.CurrentSupport, p.PastDueSupport, p.MedicalPremium, p.Total, tc.current, tc.arrears, tc.premium, tc.total)
		}
		if got := tc.o.PerPayBasis(tc.f); got != tc.basis {
			t.Errorf("%s: basis %q; want %q", tc.name, got, tc.basis)
		}
	}
}

// TestCalculateUsesStated runs the example through CalcRequest,
// the input model of iwo calc, the console and the employer mode: the
// weekly pay withholds the IWO's $121.86 and the explanation says so.
func TestCalculateUsesStated(t *testing.T) {
	o := monthly("I17", 52800, 0, false)
	o.Stated = withholding.StatedPerPay{Weekly: 12186}
	for _, tc := range []struct {
		f     withholding.Frequency
		want  withholding.Cents
		basis string
	}{
		{withholding.Weekly, 12186, "as stated on the IWO (item 13a)"},
		{withholding.Biweekly, 24369, "computed from the monthly amounts"},
	} {
		req := withholding.CalcRequest{
			Frequency: tc.f, Disposable: 100000,
			Limit:  withholding.Limit{IWOPercent: 5000, IWOStated: true},
			Orders: []withholding.Order{o},
		}
		res := MustCalculate(t, req.Input())
		if got := res.Orders[0].Remit; got != tc.want {
			t.Errorf("%s: remit %s; want %s", tc.f, got, tc.want)
		}
		if !slices.ContainsFunc(res.Explanation, func(s string) bool { return strings.Contains(s, tc.basis) }) {
			t.Errorf("%s: explanation does not say %q: %q", tc.f, tc.basis, res.Explanation)
		}
	}
}

// TestStatedInvalid checks that a negative stated line is EINVALID.
func TestStatedInvalid(t *testing.T) {
	o := monthly("N", 10000, 0, false)
	o.Stated.Biweekly = -1
	if err := o.ValidateAmounts(); withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("negative biweekly line: %v; want EINVALID", err)
	}
	if ok := o.Stated.Set(withholding.Quarterly, 1); ok {
		t.Error("Set(quarterly) = true; the IWO has no quarterly line")
	}
}

// TestPercentOrder checks an order stated as a percentage of disposable
// earnings: the percentage of this pay's earnings, rounded down, as
// current support, and still within the CCPA limit.
func TestPercentOrder(t *testing.T) {
	for _, tc := range []struct {
		name       string
		percent    withholding.Percent
		disposable withholding.Cents
		cap        withholding.Percent
		want       withholding.Cents
	}{
		{"20% of $1,000.00 fits under 50%", 2000, 100000, 5000, 20000},
		{"20% of $999.99 rounds down", 2000, 99999, 5000, 19999},
		{"60% of $1,000.00 is cut to the 50% limit", 6000, 100000, 5000, 50000},
	} {
		o := withholding.Order{CaseID: "PCT", Percent: tc.percent}
		req := withholding.CalcRequest{
			Frequency: withholding.Biweekly, Disposable: tc.disposable,
			Limit: withholding.Limit{IWOPercent: tc.cap, IWOStated: true}, Orders: []withholding.Order{o},
		}
		res := MustCalculate(t, req.Input())
		if got := res.Orders[0].Current; got != tc.want {
			t.Errorf("%s: current %s; want %s", tc.name, got, tc.want)
		}
	}
	bad := withholding.CalcInput{Orders: []withholding.CalcOrder{{Name: "X", Percent: 10001}}}
	if _, err := withholding.Calculate(bad); withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("101%% order: %v; want EINVALID", err)
	}
}
