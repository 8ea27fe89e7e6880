package withholding_test

import (
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

func TestConvertAmount(t *testing.T) {
	W, B, S, M := withholding.Weekly, withholding.Biweekly, withholding.Semimonthly, withholding.Monthly
	for _, tc := range []struct {
		a        withholding.Cents
		from, to withholding.Frequency
		want     withholding.Cents
	}{
		{30000, S, B, 27692},                // Texas's own example: $300 semimonthly → $276.92 biweekly
		{40000, M, B, 18462},                // 18461.538… rounds up
		{10000, M, B, 4615},                 // 4615.384… rounds down
		{40000, M, W, 9231},                 // 9230.769…
		{10000, M, W, 2308},                 // 2307.692…
		{1, W, B, 2},                        // weekly → biweekly doubles
		{1, B, W, 1},                        // 0.5 cent rounds half up
		{3, B, W, 2},                        // 1.5 → 2
		{-3, B, W, -2},                      // half away from zero
		{1, M, W, 0},                        // 0.23 cent rounds down
		{12345, M, M, 12345},                // same frequency: unchanged
		{100, withholding.Annually, M, 8},   // 8.33
		{100, withholding.Quarterly, M, 33}, // 33.33
		{100, "fortnightly", M, 0},          // unknown: 0
		{100, M, "", 0},
		{90_000_000_000_000_00, W, M, 390_000_000_000_000_00}, // no overflow at ParseDollars's maximum
	} {
		if got := withholding.ConvertAmount(tc.a, tc.from, tc.to); got != tc.want {
			t.Errorf("ConvertAmount(%s, %s, %s) = %s, want %s", tc.a, tc.from, tc.to, got, tc.want)
		}
	}
}

// TestConvertAmountFactors checks the spec's factor table (§2.2) on an
// amount that divides exactly: $52,000.00 ordered per period.
func TestConvertAmountFactors(t *testing.T) {
	fs := []withholding.Frequency{withholding.Weekly, withholding.Biweekly, withholding.Semimonthly, withholding.Monthly}
	const a = 31_200_00 // divisible by 52, 26, 24, 12
	for _, from := range fs {
		for _, to := range fs {
			want := withholding.Cents(a * from.PeriodsPerYear() / to.PeriodsPerYear())
			if got := withholding.ConvertAmount(a, from, to); got != want {
				t.Errorf("ConvertAmount(%d, %s, %s) = %s, want %s", a, from, to, got, want)
			}
		}
	}
}

func TestOrderPerPay(t *testing.T) {
	m := func(a withholding.Cents) withholding.Obligation {
		return withholding.Obligation{Amount: a, Frequency: withholding.Monthly}
	}
	o := withholding.Order{Amounts: withholding.Amounts{
		CurrentSupport: m(40000), PastDueSupport: m(10000), CurrentMedical: m(5000), PastDueMedical: m(1000),
		CurrentSpousal: m(20000), PastDueSpousal: m(3000), Other: m(700), MedicalPremium: m(15000),
		// a component with no amount and no frequency is simply zero
	}}
	p := o.PerPay(withholding.Biweekly)
	want := withholding.PerPay{
		CurrentSupport: 18462, PastDueSupport: 4615, CurrentMedical: 2308, PastDueMedical: 462,
		CurrentSpousal: 9231, PastDueSpousal: 1385, Other: 323, MedicalPremium: 6923,
		Total: 18462 + 4615 + 2308 + 462 + 9231 + 1385 + 323,
	}
	if p != want {
		t.Errorf("PerPay(biweekly):\n got %+v\nwant %+v", p, want)
	}
	if p.Withheld() != want.Total+6923 {
		t.Errorf("Withheld() = %s", p.Withheld())
	}
	if err := o.ValidateAmounts(); err != nil {
		t.Errorf("ValidateAmounts: %v", err)
	}
	o.Amounts.Other = withholding.Obligation{Amount: 5}
	if err := o.ValidateAmounts(); withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("ValidateAmounts with no frequency: %v, want invalid", err)
	}
	o.Amounts.Other = withholding.Obligation{Amount: -5, Frequency: withholding.Weekly}
	if err := o.ValidateAmounts(); withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("ValidateAmounts with negative amount: %v, want invalid", err)
	}
}
