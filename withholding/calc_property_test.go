package withholding_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

// randomInput draws one pay with 1–6 orders. Amounts are often zero, often
// tiny and sometimes large, so that limits bind in every tier.
func randomInput(r *rand.Rand, premiums bool) withholding.CalcInput {
	amount := func() withholding.Cents {
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return withholding.Cents(r.IntN(5))
		default:
			return withholding.Cents(r.IntN(200_000))
		}
	}
	in := withholding.CalcInput{
		Frequency:       withholding.Frequencies[r.IntN(4)],
		Disposable:      withholding.Cents(r.IntN(500_000)),
		Limit:           withholding.Limit{IWOPercent: withholding.Percent(r.IntN(10_001)), IWOStated: true},
		Allocation:      []withholding.Allocation{withholding.Proportional, withholding.Equal}[r.IntN(2)],
		MedicalRule:     withholding.MedicalRules[r.IntN(len(withholding.MedicalRules))],
		FeeOutsideLimit: r.IntN(2) == 0,
	}
	if r.IntN(3) == 0 {
		in.Fee = withholding.Cents(r.IntN(1000))
	}
	if r.IntN(5) == 0 {
		in.Disposable = withholding.Cents(r.IntN(20)) // a few cents: the one-cent rules bind
	}
	for i := range 1 + r.IntN(6) {
		p := withholding.PerPay{
			CurrentSupport: amount(), PastDueSupport: amount(), CurrentMedical: amount(), PastDueMedical: amount(),
			CurrentSpousal: amount(), PastDueSpousal: amount(), Other: amount(),
		}
		if premiums && r.IntN(3) == 0 {
			p.MedicalPremium = amount()
		}
		p.Total = p.CurrentSupport + p.PastDueSupport + p.CurrentMedical + p.PastDueMedical + p.CurrentSpousal + p.PastDueSpousal + p.Other
		in.Orders = append(in.Orders, withholding.CalcOrder{Name: fmt.Sprintf("O%d", i+1), Due: p})
	}
	return in
}

func components(p withholding.PerPay) []withholding.Cents {
	return []withholding.Cents{p.CurrentSupport, p.PastDueSupport, p.CurrentMedical, p.PastDueMedical,
		p.CurrentSpousal, p.PastDueSpousal, p.Other, p.MedicalPremium}
}

// TestCalculateProperties checks, on 5,000 random pays for each of three seeds:
// the total withheld (with a fee inside the limit, given or from a state's
// fee rule) never exceeds the cap;
// each component is between zero and its ordered amount; when everything
// fits everything is withheld; per-order totals add up to the result.
func TestCalculateProperties(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		r := rand.New(rand.NewPCG(seed, 0x1f0))
		for n := range 5_000 {
			in := randomInput(r, true)
			if in.Fee == 0 && r.IntN(3) == 0 {
				// A work state's fee rule: a fixed fee worked out per pay,
				// or a percentage of what is withheld, capped or not.
				rules := []withholding.FeeRule{withholding.DefaultStateFees["KS"], withholding.DefaultStateFees["IA"],
					withholding.DefaultStateFees["TX"], withholding.DefaultStateFees["PA"],
					{Basis: withholding.FeePercent, Percent: withholding.Percent(r.IntN(2_000)), Max: withholding.Cents(r.IntN(500))}}
				rule := rules[r.IntN(len(rules))]
				in.FeeRule = &rule
			}
			res, err := withholding.Calculate(in)
			if err != nil {
				t.Fatalf("seed %d case %d: %v", seed, n, err)
			}
			where := fmt.Sprintf("seed %d case %d (DE %s, %s, %s, fee %s outside=%v)", seed, n,
				in.Disposable, in.Limit.IWOPercent, in.Allocation, in.Fee, in.FeeOutsideLimit)

			inside := res.Fee
			if res.FeeOutsideLimit {
				inside = 0
			}
			if res.Withheld+inside > res.Cap {
				t.Fatalf("%s: withheld %s + fee %s exceeds cap %s", where, res.Withheld, inside, res.Cap)
			}
			var sum withholding.Cents
			for i, o := range res.Orders {
				got, want := components(o.Withheld), components(in.Orders[i].Due)
				for k := range got {
					if got[k] < 0 || got[k] > want[k] {
						t.Fatalf("%s: order %s component %d withheld %s of %s ordered", where, o.Name, k, got[k], want[k])
					}
				}
				if o.Total != o.Current+o.Medical+o.Arrears+o.Other {
					t.Fatalf("%s: order %s total %s is not the sum of its columns", where, o.Name, o.Total)
				}
				sum += o.Total
			}
			if sum != res.Withheld || res.Unwithheld != res.Ordered-res.Withheld {
				t.Fatalf("%s: orders sum %s, withheld %s, unwithheld %s, ordered %s", where, sum, res.Withheld, res.Unwithheld, res.Ordered)
			}
			fee := in.Fee
			if in.FeeRule != nil {
				fee = res.Fee
			}
			// A percentage fee makes room for itself before support is
			// known, so "everything fits" is checked for fixed fees only.
			percentFee := in.FeeRule != nil && in.FeeRule.Basis == withholding.FeePercent
			if !percentFee && res.Ordered+fee <= res.Cap && (res.Withheld != res.Ordered || res.Unwithheld != 0) {
				t.Fatalf("%s: everything fits (%s + fee under %s) but withheld %s", where, res.Ordered, res.Cap, res.Withheld)
			}
		}
	}
}

// TestCalculateEveryOrderGetsSomething: without premiums (which are taken
// whole or not at all), cash is fully used and, whenever what the limit
// leaves for support covers one cent per order, every order with a
// positive amount gets a positive share, under either method.
func TestCalculateEveryOrderGetsSomething(t *testing.T) {
	for _, seed := range []uint64{4, 5, 6} {
		r := rand.New(rand.NewPCG(seed, 0x2f0))
		for n := range 5_000 {
			in := randomInput(r, false)
			res := MustCalculate(t, in)
			where := fmt.Sprintf("seed %d case %d (DE %s, %s, %s)", seed, n, in.Disposable, in.Limit.IWOPercent, in.Allocation)
			if want := min(res.Available, res.Ordered); res.Withheld != want {
				t.Fatalf("%s: withheld %s, want min(available %s, ordered %s)", where, res.Withheld, res.Available, res.Ordered)
			}
			positive := 0
			for _, o := range in.Orders {
				if o.Due.Total > 0 {
					positive++
				}
			}
			if res.Available < withholding.Cents(positive) {
				continue
			}
			for i, o := range res.Orders {
				if in.Orders[i].Due.Total > 0 && o.Total <= 0 {
					t.Fatalf("%s: order %s ordered %s, got nothing although %s is available for %d orders",
						where, o.Name, in.Orders[i].Due.Total, res.Available, positive)
				}
			}
		}
	}
}

func TestCalculateInvalid(t *testing.T) {
	ok := withholding.CalcInput{Frequency: withholding.Weekly, Disposable: 1000,
		Orders: []withholding.CalcOrder{{Name: "A", Due: withholding.PerPay{CurrentSupport: 100, Total: 100}}}}
	for _, tc := range []struct {
		name string
		edit func(*withholding.CalcInput)
	}{
		{"ErrNegativeDisposable", func(in *withholding.CalcInput) { in.Disposable = -1 }},
		{"ErrNegativeFee", func(in *withholding.CalcInput) { in.Fee = -1 }},
		{"ErrFrequency", func(in *withholding.CalcInput) { in.Frequency = "fortnightly" }},
		{"ErrPercent", func(in *withholding.CalcInput) { in.Limit = withholding.Limit{IWOPercent: 10001, IWOStated: true} }},
		{"ErrAllocation", func(in *withholding.CalcInput) { in.Allocation = "fifo" }},
		{"ErrMedicalRule", func(in *withholding.CalcInput) { in.MedicalRule = "never" }},
		{"ErrPriorityMissing", func(in *withholding.CalcInput) { in.Priority = []withholding.Tier{withholding.TierCurrent} }},
		{"ErrPriorityRepeated", func(in *withholding.CalcInput) {
			in.Priority = []withholding.Tier{"current", "current", "medical", "premium", "arrears"}
		}},
		{"ErrNegativeAmount", func(in *withholding.CalcInput) { in.Orders[0].Due.PastDueSupport = -5 }},
	} {
		in := ok
		in.Orders = append([]withholding.CalcOrder(nil), ok.Orders...)
		tc.edit(&in)
		if _, err := withholding.Calculate(in); withholding.ErrorCode(err) != withholding.EINVALID {
			t.Errorf("%s: got %v, want an invalid error", tc.name, err)
		}
	}
	if _, err := withholding.Calculate(ok); err != nil {
		t.Errorf("OK: %v", err)
	}
}

func TestCalculatePriorityOverride(t *testing.T) {
	// Arrears before current: a state profile may order tiers explicitly.
	res := MustCalculate(t, withholding.CalcInput{
		Disposable: 10000,
		Limit:      withholding.Limit{IWOPercent: 5000, IWOStated: true},
		Priority:   []withholding.Tier{"arrears", "current", "medical", "premium", "other"},
		Orders:     []withholding.CalcOrder{{Name: "A", Due: withholding.PerPay{CurrentSupport: 4000, PastDueSupport: 3000}}},
	})
	if o := res.Orders[0]; o.Arrears != 3000 || o.Current != 2000 {
		t.Errorf("arrears first at $50 cap: arrears %s current %s, want 30.00 20.00", o.Arrears, o.Current)
	}
}

func TestCalculateMinimumCent(t *testing.T) {
	// Proportional rounding would give C nothing (3 × 1 / 200001 cents);
	// the one-cent rule moves a cent from the largest share.
	res := MustCalculate(t, withholding.CalcInput{
		Disposable: 3,
		Limit:      withholding.Limit{IWOPercent: 10000, IWOStated: true},
		Orders: []withholding.CalcOrder{
			{Name: "A", Due: withholding.PerPay{CurrentSupport: 100000}},
			{Name: "B", Due: withholding.PerPay{CurrentSupport: 100000}},
			{Name: "C", Due: withholding.PerPay{PastDueSupport: 1}},
		},
	})
	for _, o := range res.Orders {
		if o.Total != 1 {
			t.Errorf("order %s got %s, want 0.01 each", o.Name, o.Total)
		}
	}
}

func BenchmarkCalculate(b *testing.B) {
	in := withholding.CalcInput{
		Frequency:  withholding.Biweekly,
		Disposable: 100000,
		Limit:      withholding.Limit{OtherFamily: withholding.OtherFamilyYes},
		Orders:     calcOrders(example2Orders(true), withholding.Biweekly),
	}
	for b.Loop() {
		if _, err := withholding.Calculate(in); err != nil {
			b.Fatal(err)
		}
	}
}
