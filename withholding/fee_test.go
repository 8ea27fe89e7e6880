package withholding_test

import (
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

// TestStateFees applies each kind of rule of DefaultStateFees to one pay:
// two orders of $400.00 current support a month and a 50% limit. Each fee
// is the one the table names (per the survey and spec §2.6; the
// test pins iwo's arithmetic, not the states' law).
func TestStateFees(t *testing.T) {
	a, b := monthly("A", 400_00, 0, false), monthly("B", 400_00, 0, false)
	for _, tc := range []struct {
		name       string
		state      string
		freq       withholding.Frequency
		disposable withholding.Cents
		givenFee   withholding.Cents
		fee        withholding.Cents // what the employer keeps
		withheld   withholding.Cents // support withheld for both orders
	}{
		// Kansas, $5 a pay period: once, whatever the number of orders.
		{"KS weekly", "KS", withholding.Weekly, 1000_00, 0, 5_00, 184_62},
		// Iowa, $2 a payment: one per order withheld for.
		{"IA weekly", "IA", withholding.Weekly, 1000_00, 0, 4_00, 184_62},
		// Texas, $10 a month: $10 × 12 ÷ 52 = $2.307…, rounded down.
		{"TX weekly", "TX", withholding.Weekly, 1000_00, 0, 2_30, 184_62},
		// A monthly pay: the whole $10 fits beside $800 under $1,000.
		{"TX monthly", "TX", withholding.Monthly, 2000_00, 0, 10_00, 800_00},
		// Pennsylvania, 2% of support withheld, inside the limit: when
		// everything fits, 2% of $184.62 = $3.69.
		{"PA weekly, fits", "PA", withholding.Weekly, 1000_00, 0, 3_69, 184_62},
		// Limited to $150.00: support may take ⌊$150.00 ÷ 1.02⌋ = $147.05,
		// the fee ⌊2% of $147.05⌋ = $2.94, $149.99 in all.
		{"PA weekly, limited", "PA", withholding.Weekly, 300_00, 0, 2_94, 147_05},
		// A fee given with the question wins over the table.
		{"KS with a fee given", "KS", withholding.Weekly, 1000_00, 1_00, 1_00, 184_62},
		// No rule for California: no fee.
		{"CA", "CA", withholding.Weekly, 1000_00, 0, 0, 184_62},
	} {
		req := withholding.CalcRequest{
			Frequency: tc.freq, Disposable: tc.disposable, Fee: tc.givenFee,
			Limit:     withholding.Limit{IWOPercent: 5000, IWOStated: true},
			WorkState: tc.state, Fees: withholding.DefaultStateFees,
			Orders: []withholding.Order{a, b},
		}
		res := MustCalculate(t, req.Input())
		if res.Fee != tc.fee || res.Withheld != tc.withheld {
			t.Errorf("%s: fee %s withheld %s; want %s %s", tc.name, res.Fee, res.Withheld, tc.fee, tc.withheld)
		}
		if !res.FeeOutsideLimit && res.Fee+res.Withheld > res.Cap {
			t.Errorf("%s: fee %s + support %s exceed the limit %s", tc.name, res.Fee, res.Withheld, res.Cap)
		}
	}
	bad := withholding.CalcInput{FeeRule: &withholding.FeeRule{Basis: "fortnight", Amount: 1}}
	if _, err := withholding.Calculate(bad); withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("unknown fee basis: %v; want EINVALID", err)
	}
}
