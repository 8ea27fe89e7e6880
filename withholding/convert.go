package withholding

import "math/bits"

// ConvertAmount restates an amount owed per period from as the amount per
// period to, by the spec's annualise-then-divide rule (withholding-rules.md
// §2.2): a × PeriodsPerYear(from) ÷ PeriodsPerYear(to).
//
// Rounding: half-up to the cent (a half cent goes away from zero), once, on
// the final quotient. $400.00 monthly is $184.615… biweekly, which becomes
// $184.62. Rounding each component separately drifts over a year (26 ×
// $184.62 = $4,800.12 against $4,800.00 ordered); the spec accepts that drift
// and so does iwo (docs/withholding.md).
//
// When from equals to, a is returned unchanged. When either frequency is not
// known, ConvertAmount returns 0: callers validate frequencies first
// (Frequency.Valid, Order.ValidateAmounts). The multiplication is done in 128
// bits, so no Cents value overflows.
func ConvertAmount(a Cents, from, to Frequency) Cents {
	if from == to && from.Valid() {
		return a
	}
	num, den := from.PeriodsPerYear(), to.PeriodsPerYear()
	if num == 0 || den == 0 {
		return 0
	}
	neg := a < 0
	abs := uint64(a)
	if neg {
		abs = uint64(-a)
	}
	q, r := mulDiv(abs, uint64(num), uint64(den))
	if 2*r >= uint64(den) {
		q++
	}
	if neg {
		return -Cents(q)
	}
	return Cents(q)
}

// mulDiv returns a×b÷c and its remainder, computed in 128 bits. The quotient
// must fit in 64 bits (it does whenever a×b/c ≤ max(a, b)).
func mulDiv(a, b, c uint64) (q, r uint64) {
	hi, lo := bits.Mul64(a, b)
	return bits.Div64(hi, lo, c)
}

// PerPay is an order's amounts restated for one pay of a given frequency:
// each IWO component converted separately with ConvertAmount.
type PerPay struct {
	CurrentSupport Cents `json:"current_support_cents"`
	PastDueSupport Cents `json:"past_due_support_cents"`
	CurrentMedical Cents `json:"current_medical_cents"` // cash medical support
	PastDueMedical Cents `json:"past_due_medical_cents"`
	CurrentSpousal Cents `json:"current_spousal_cents"`
	PastDueSpousal Cents `json:"past_due_spousal_cents"`
	Other          Cents `json:"other_cents"`
	// MedicalPremium is the employee's share of a health-coverage premium
	// (National Medical Support Notice). The employer withholds it but pays
	// it to the health plan, not to the SDU, so it is not part of Total.
	MedicalPremium Cents `json:"medical_premium_cents"`
	// Total is what the employer remits to the SDU for one pay: the sum of
	// the seven IWO components above (form items 5–11), each already
	// rounded. It excludes only MedicalPremium, which goes to the plan.
	Total Cents `json:"total_cents"`
}

// Withheld returns everything taken from the pay for these amounts:
// Total plus MedicalPremium.
func (p PerPay) Withheld() Cents { return p.Total + p.MedicalPremium }

// sum recomputes Total from the components.
func (p PerPay) sum() PerPay {
	p.Total = p.CurrentSupport + p.PastDueSupport + p.CurrentMedical + p.PastDueMedical +
		p.CurrentSpousal + p.PastDueSpousal + p.Other
	return p
}

// PerPay restates the order's amounts for one pay of frequency f.
//
// When the IWO states a total for pays of f (items 13a–13d, Order.Stated),
// that total is what is withheld (spec §2.1: the form tells the employer
// to use the line for its own pay cycle): $528.00 a month stated as
// $121.86 a week is $121.86, not iwo's own $121.85. The stated total is
// spread over the components in proportion to their converted amounts
// (PerPay.restate), so priorities still apply to each part.
//
// Otherwise each component is converted on its own (each has its own "per"
// period on the IWO) and rounded half-up to the cent; Total is the sum of
// the rounded components, so Total always equals what the parts add up to.
//
// The health-coverage premium is not part of the IWO total and is always
// converted. A component with a zero amount is zero whatever its
// frequency. A component with an amount but an unknown frequency converts
// to 0; use ValidateAmounts to catch that. A percentage-of-income order
// (Order.Percent) needs the pay's earnings: the calculator adds it.
func (o Order) PerPay(f Frequency) PerPay {
	p, _ := o.perPay(f)
	return p
}

// PerPayBasis says where PerPay(f) comes from, for an explanation: "as
// stated on the IWO (item 13a)" or "computed from the monthly amounts"
// (the amounts' own frequency, or "ordered" when they differ).
func (o Order) PerPayBasis(f Frequency) string {
	if _, item := o.perPay(f); item != "" {
		return "as stated on the IWO (item " + item + ")"
	}
	var per Frequency
	for _, ob := range o.Amounts.cash() {
		switch {
		case ob.Amount == 0:
		case per == "":
			per = ob.Frequency
		case per != ob.Frequency:
			return "computed from the ordered amounts"
		}
	}
	if per == "" {
		return "computed from the ordered amounts"
	}
	return "computed from the " + string(per) + " amounts"
}

// perPay is PerPay and the form item of the stated line it used, "" when
// it converted.
func (o Order) perPay(f Frequency) (PerPay, string) {
	a := o.Amounts
	conv := func(ob Obligation) Cents {
		if ob.Amount == 0 {
			return 0
		}
		return ConvertAmount(ob.Amount, ob.Frequency, f)
	}
	p := PerPay{
		CurrentSupport: conv(a.CurrentSupport),
		PastDueSupport: conv(a.PastDueSupport),
		CurrentMedical: conv(a.CurrentMedical),
		PastDueMedical: conv(a.PastDueMedical),
		CurrentSpousal: conv(a.CurrentSpousal),
		PastDueSpousal: conv(a.PastDueSpousal),
		Other:          conv(a.Other),
		MedicalPremium: conv(a.MedicalPremium),
	}.sum()
	if stated, item := o.Stated.For(f); item != "" {
		return p.restate(stated), item
	}
	return p, ""
}

// cash returns the seven IWO components (items 5–11), in form order.
func (a Amounts) cash() []Obligation {
	return []Obligation{a.CurrentSupport, a.PastDueSupport, a.CurrentMedical, a.PastDueMedical, a.CurrentSpousal, a.PastDueSpousal, a.Other}
}

// ValidateAmounts checks that every ordered component is not negative and
// that every non-zero component has a known frequency. It returns an
// EINVALID error naming the first bad component.
func (o Order) ValidateAmounts() error {
	a := o.Amounts
	for _, c := range []struct {
		name string
		ob   Obligation
	}{
		{"current support", a.CurrentSupport},
		{"past-due support", a.PastDueSupport},
		{"current medical support", a.CurrentMedical},
		{"past-due medical support", a.PastDueMedical},
		{"current spousal support", a.CurrentSpousal},
		{"past-due spousal support", a.PastDueSpousal},
		{"other", a.Other},
		{"medical premium", a.MedicalPremium},
	} {
		if c.ob.Amount < 0 {
			return Errorf(EINVALID, "%s: amount %s is negative", c.name, c.ob.Amount)
		}
		if c.ob.Amount != 0 && !c.ob.Frequency.Valid() {
			return Errorf(EINVALID, "%s: unknown frequency %q", c.name, c.ob.Frequency)
		}
	}
	for _, f := range StatedFrequencies {
		if c := *o.Stated.field(f); c < 0 {
			return Errorf(EINVALID, "amount per %s pay: %s is negative", f, c)
		}
	}
	if !o.Percent.Valid() {
		return Errorf(EINVALID, "percentage of disposable earnings %s: must be between 0 and 100", o.Percent)
	}
	return nil
}
