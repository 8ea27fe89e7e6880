package withholding

import "fmt"

// FeeBasis is what a state's employer administrative fee is counted per.
type FeeBasis string

// Fee bases.
const (
	// FeePerPayment: Amount for each payment withheld. iwo counts one
	// payment per order withheld for in the pay (each order is its own
	// remittance entry), so two orders mean two fees.
	FeePerPayment FeeBasis = "payment"
	// FeePerPay: Amount once for each pay period with withholding.
	FeePerPay FeeBasis = "pay"
	// FeePerMonth: Amount a month, restated per pay by annualising and
	// rounded down (a maximum never rounds up): $10.00 a month is $2.30 a
	// weekly pay. iwo does not track which pay of the month took it.
	FeePerMonth FeeBasis = "month"
	// FeePercent: Percent of the support withheld this pay, rounded down.
	FeePercent FeeBasis = "percent"
)

// FeeRule is one work state's employer fee: what the employer may keep
// for itself from the employee's pay for each withholding.
type FeeRule struct {
	Basis   FeeBasis
	Amount  Cents   // FeePerPayment, FeePerPay, FeePerMonth
	Percent Percent // FeePercent
	// Max caps the fee per pay after the basis is applied; 0 means none.
	Max Cents
	// OutsideLimit lets the fee be taken on top of the CCPA limit. No
	// state in DefaultStateFees says so: the federal IWO puts support plus
	// fee inside the limit (spec §2.6, confirmed W5), so the zero value,
	// inside, is iwo's choice wherever a state's page is silent.
	OutsideLimit bool
	// Source says where the rule comes from and how sure it is.
	Source string
}

// DefaultStateFees is iwo's table of state employer fees, by postal code.
// Every entry is a survey finding to verify with the state before an
// employer relies on it; each says where it comes from. States not listed
// get no fee from the table (a fee can still be given per question).
var DefaultStateFees = map[string]FeeRule{
	"IA": {Basis: FeePerPayment, Amount: 2_00, Source: "up to $2 per payment withheld (spec §2.6, W14); verify with the state"},
	"ID": {Basis: FeePerPayment, Amount: 5_00, Source: "$5 per payment (spec §2.6, W24, a 2017 page); verify with the state"},
	"KS": {Basis: FeePerPay, Amount: 5_00, Source: "$5 a pay period, per the issue's survey (issue 17); verify with the state"},
	"LA": {Basis: FeePerPay, Amount: 5_00, Source: "$5 a pay period, per the issue's survey (issue 17); verify with the state"},
	"ND": {Basis: FeePerMonth, Amount: 3_00, Source: "$3 a month (spec §2.6, W23); verify with the state"},
	"PA": {Basis: FeePercent, Percent: 200, Source: "2% of the support withheld, per the issue's survey (issue 17); verify with the state"},
	"TX": {Basis: FeePerMonth, Amount: 10_00, Source: "up to $10 a month, per the issue's survey and Texas Family Code §158.204 (spec W12, 1999 text); verify with the state"},
}

// Describe says the rule in words: "$5.00 a pay period".
func (r FeeRule) Describe() string {
	var s string
	switch r.Basis {
	case FeePerPayment:
		s = r.Amount.Dollars() + " a payment"
	case FeePerPay:
		s = r.Amount.Dollars() + " a pay period"
	case FeePerMonth:
		s = r.Amount.Dollars() + " a month"
	case FeePercent:
		s = r.Percent.String() + " of the support withheld"
	default:
		s = fmt.Sprintf("unknown basis %q", r.Basis)
	}
	if r.Max > 0 {
		s += ", at most " + r.Max.Dollars() + " a pay"
	}
	return s
}

// validate checks the rule's basis and amounts.
func (r FeeRule) validate() error {
	switch {
	case r.Basis != FeePerPayment && r.Basis != FeePerPay && r.Basis != FeePerMonth && r.Basis != FeePercent:
		return Errorf(EINVALID, "fee rule: unknown basis %q (want payment, pay, month or percent)", r.Basis)
	case r.Amount < 0 || r.Max < 0:
		return Errorf(EINVALID, "fee rule: negative amount")
	case !r.Percent.Valid():
		return Errorf(EINVALID, "fee rule: percentage %s is not between 0 and 100", r.Percent)
	}
	return nil
}

// fixed returns the fee for one pay of frequency f with payments orders
// withheld for, for every basis but FeePercent (which depends on what is
// withheld), capped at Max.
func (r FeeRule) fixed(f Frequency, payments int) Cents {
	var fee Cents
	switch r.Basis {
	case FeePerPayment:
		fee = r.Amount * Cents(payments)
	case FeePerPay:
		fee = r.Amount
	case FeePerMonth:
		if n := f.PeriodsPerYear(); n > 0 && r.Amount > 0 {
			q, _ := mulDiv(uint64(r.Amount), 12, uint64(n))
			fee = Cents(q)
		}
	}
	return r.capped(fee)
}

func (r FeeRule) capped(fee Cents) Cents {
	if r.Max > 0 && fee > r.Max {
		return r.Max
	}
	return fee
}

// supportRoom returns how much of cap support may take when a percentage
// fee must fit inside it too: the largest s with s + p×s ≤ cap, that is
// ⌊cap × 100% ÷ (100% + p)⌋.
func (r FeeRule) supportRoom(cap Cents) Cents {
	q, _ := mulDiv(uint64(cap), uint64(MaxPercent), uint64(MaxPercent+r.Percent))
	return Cents(q)
}
