package withholding

import "sort"

// StatedPerPay are the per-pay totals an IWO states itself (form items
// 13a–13d): what to withhold per weekly, biweekly, semimonthly and monthly
// pay. A zero amount means the IWO leaves that line blank. The form tells
// the employer to use the line for its own pay cycle (spec §2.1, confirmed
// W3), so these win over iwo's own conversion of the ordered amounts.
type StatedPerPay struct {
	Weekly      Cents `json:"weekly_cents,omitempty"`      // item 13a
	Semimonthly Cents `json:"semimonthly_cents,omitempty"` // item 13b
	Biweekly    Cents `json:"biweekly_cents,omitempty"`    // item 13c
	Monthly     Cents `json:"monthly_cents,omitempty"`     // item 13d
}

// For returns the amount stated for pays of frequency f and the form item
// that states it ("13b"), or 0 and "" when the IWO states none for f
// (a blank line, or a frequency the form has no line for).
func (s StatedPerPay) For(f Frequency) (Cents, string) {
	if p := s.field(f); p != nil && *p > 0 {
		return *p, statedItems[f]
	}
	return 0, ""
}

// Set sets the amount stated for frequency f. It returns false for a
// frequency the form has no line for (quarterly, annually).
func (s *StatedPerPay) Set(f Frequency, c Cents) bool {
	p := s.field(f)
	if p == nil {
		return false
	}
	*p = c
	return true
}

// IsZero reports whether the IWO states no per-pay amount at all.
func (s StatedPerPay) IsZero() bool { return s == StatedPerPay{} }

func (s *StatedPerPay) field(f Frequency) *Cents {
	switch f {
	case Weekly:
		return &s.Weekly
	case Biweekly:
		return &s.Biweekly
	case Semimonthly:
		return &s.Semimonthly
	case Monthly:
		return &s.Monthly
	}
	return nil
}

// statedItems names the IWO form item of each per-pay line, for the
// explanation. The spec's item table (withholding-rules.md §2.1) lists the
// lines in the form's order, weekly, semimonthly, biweekly, monthly, so
// iwo letters them 13a–13d in that order; the e-IWO elements 45–48 carry
// them weekly, biweekly, semimonthly, monthly and are read by name, so
// only the explanation's letter depends on this [uncertain: no lettered
// form was reached]. README's decisions table lists it.
var statedItems = map[Frequency]string{Weekly: "13a", Semimonthly: "13b", Biweekly: "13c", Monthly: "13d"}

// StatedFrequencies lists the frequencies with a per-pay line on the IWO,
// in form order.
var StatedFrequencies = []Frequency{Weekly, Semimonthly, Biweekly, Monthly}

// restate spreads total over the cash components of p in proportion to
// their converted amounts, so that Total becomes exactly total: the
// IWO's stated line is the legal amount, and the component split only
// decides the priority each cent has. Each component gets
// ⌊total × part ÷ sum⌋ and the cents left go one each to the largest
// remainders, earlier components first among equals (the cent rule of
// allocate). When p has no cash component the whole amount is current
// support: an IWO whose only amount is a per-pay line orders support
// and iwo gives it the highest priority rather than the lowest.
func (p PerPay) restate(total Cents) PerPay {
	parts := []*Cents{&p.CurrentSupport, &p.PastDueSupport, &p.CurrentMedical, &p.PastDueMedical, &p.CurrentSpousal, &p.PastDueSpousal, &p.Other}
	var sum Cents
	for _, c := range parts {
		sum += *c
	}
	if sum <= 0 {
		for _, c := range parts {
			*c = 0
		}
		p.CurrentSupport = total
		return p.sum()
	}
	rem := make([]uint64, len(parts))
	var given Cents
	for i, c := range parts {
		q, r := mulDiv(uint64(total), uint64(*c), uint64(sum))
		*c, rem[i] = Cents(q), r
		given += Cents(q)
	}
	idx := make([]int, len(parts))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rem[idx[a]] > rem[idx[b]] })
	for k := 0; given < total; k++ {
		*parts[idx[k]]++
		given++
	}
	return p.sum()
}
