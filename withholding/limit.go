package withholding

import (
	"fmt"
	"strconv"
	"strings"
)

// Percent is a percentage in hundredths of a percent (basis points): 5500 is
// 55%, 5250 is 52.5%. Integers keep the limit exact; floating point never
// touches money.
type Percent int

// MaxPercent is 100%.
const MaxPercent Percent = 10000

// ParsePercent reads "55", "52.5", "52.25" or "55%" and checks 0 ≤ p ≤ 100.
// More than two decimals is an error.
func ParsePercent(s string) (Percent, error) {
	t := strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, hasFrac := strings.Cut(t, ".")
	if whole == "" || (hasFrac && (frac == "" || len(frac) > 2)) {
		return 0, Errorf(EINVALID, "percentage %q: want a number from 0 to 100 with at most two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, Errorf(EINVALID, "percentage %q: want a number from 0 to 100", s)
		}
	}
	w, err := strconv.Atoi(whole)
	if err != nil || w > 100 {
		return 0, Errorf(EINVALID, "percentage %q: must be between 0 and 100", s)
	}
	f, _ := strconv.Atoi(frac)
	p := Percent(w*100 + f)
	if p > MaxPercent {
		return 0, Errorf(EINVALID, "percentage %q: must be between 0 and 100", s)
	}
	return p, nil
}

// String formats p as "55%" or "52.5%".
func (p Percent) String() string {
	s := fmt.Sprintf("%d.%02d", int(p)/100, int(p)%100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "%"
}

// Valid reports whether 0 ≤ p ≤ 100%.
func (p Percent) Valid() bool { return p >= 0 && p <= MaxPercent }

// Of returns p of amount, rounded down to the cent. A limit is a maximum, so
// it never rounds up: 55% of $999.99 is $549.99 (549.9945).
func (p Percent) Of(amount Cents) Cents {
	if amount <= 0 || p <= 0 {
		return 0
	}
	q, _ := mulDiv(uint64(amount), uint64(p), uint64(MaxPercent))
	return Cents(q)
}

// OtherFamily says whether the obligor supports a spouse or dependent child
// not covered by the orders being withheld for (CCPA 15 U.S.C. 1673(b)(2)).
// Employers seldom know; the zero value is OtherFamilyUnknown.
type OtherFamily int8

// OtherFamily values.
const (
	OtherFamilyUnknown OtherFamily = iota
	OtherFamilyYes
	OtherFamilyNo
)

// String returns "unknown", "yes" or "no".
func (o OtherFamily) String() string {
	switch o {
	case OtherFamilyYes:
		return "yes"
	case OtherFamilyNo:
		return "no"
	}
	return "unknown"
}

// CapTable is a four-cell limit table: other family yes/no × arrears older
// than 12 weeks being collected or not.
type CapTable struct {
	OtherFamily        Percent `json:"other_family"`
	OtherFamilyArrears Percent `json:"other_family_arrears"`
	NoOtherFamily      Percent `json:"no_other_family"`
	NoOtherArrears     Percent `json:"no_other_family_arrears"`
}

// FederalCaps is the CCPA table, 15 U.S.C. 1673(b)(2) (spec §1.1):
// 50/55% when the obligor supports another family, 60/65% when not; the
// higher figure when arrears older than 12 weeks are being collected.
var FederalCaps = CapTable{OtherFamily: 5000, OtherFamilyArrears: 5500, NoOtherFamily: 6000, NoOtherArrears: 6500}

// FederalMax is the highest CCPA percentage (65%).
const FederalMax Percent = 6500

// IsZero reports whether no cell is set.
func (t CapTable) IsZero() bool { return t == CapTable{} }

// Lookup returns the cell for the facts. An unknown other-family answer
// takes the lower (other family) row, as the spec's precedence rule says
// (§1.3, step 3).
func (t CapTable) Lookup(other OtherFamily, arrears bool) Percent {
	switch {
	case other == OtherFamilyNo && arrears:
		return t.NoOtherArrears
	case other == OtherFamilyNo:
		return t.NoOtherFamily
	case arrears:
		return t.OtherFamilyArrears
	default:
		return t.OtherFamily
	}
}

// CapRule is the limit setting of the state of the employee's principal
// place of employment (the work state decides the limit, spec §3.1).
type CapRule struct {
	// Name labels the rule in explanations, e.g. "Texas".
	Name string `json:"name,omitempty"`
	// Flat, when positive, is one percentage for every case (Texas and
	// California use 50%).
	Flat Percent `json:"flat,omitempty"`
	// Table, when Flat is zero and Table is set, replaces the federal
	// percentages with a state's lower table.
	Table CapTable `json:"table"`
}

// Limit is everything that decides the share of disposable earnings that
// may be withheld for support in one pay.
type Limit struct {
	// IWOPercent is the percentage filled in on the IWO's remittance
	// section for the work state ("withhold ___% of disposable income for
	// all orders"). IWOStated says it is filled in, so that a stated 0% is
	// not mistaken for a blank.
	IWOPercent Percent `json:"iwo_percent"`
	IWOStated  bool    `json:"iwo_stated"`
	// IWOSource says, for explanations, who stated IWOPercent when it was
	// not read off an IWO (e.g. "given with --cap"); "" means the IWO.
	IWOSource string `json:"iwo_source,omitempty"`
	// State is the work state's own limit, if it has one.
	State CapRule `json:"state"`
	// OtherFamily is the agency's answer to the CCPA question.
	OtherFamily OtherFamily `json:"other_family"`
	// ArrearsOver12Weeks is the IWO's field 6c. Calculate also treats it as
	// set when any order being withheld for carries the flag.
	ArrearsOver12Weeks bool `json:"arrears_over_12_weeks"`
}

// Resolve picks the percentage and says why, following the precedence of
// spec §1.3 [convention]:
//
//  1. the percentage stated on the IWO for the work state, as stated (the
//     IWO is the legal instruction; a figure above the federal 65% is kept
//     but flagged in the basis text for staff to check);
//  2. otherwise the state's flat cap, but never more than the federal table
//     allows for the known facts;
//  3. otherwise the state's own table, again never above the federal one;
//  4. otherwise the federal table, with an unknown other-family answer
//     taking the lower (50/55%) row.
//
// It returns EINVALID when a configured percentage is outside 0–100%.
func (l Limit) Resolve() (Percent, string, error) {
	for _, p := range []Percent{l.IWOPercent, l.State.Flat} {
		if !p.Valid() {
			return 0, "", Errorf(EINVALID, "limit percentage %d basis points is outside 0–100%%", int(p))
		}
	}
	fed := FederalCaps.Lookup(l.OtherFamily, l.ArrearsOver12Weeks)
	family := l.OtherFamily.String()
	if l.OtherFamily == OtherFamilyUnknown {
		family = "unknown, so the lower figure"
	}
	facts := fmt.Sprintf("other family: %s; arrears over 12 weeks: %s", family, yesNo(l.ArrearsOver12Weeks))
	state := l.State.Name
	if state == "" {
		state = "work state"
	}
	switch {
	case l.IWOStated:
		src := l.IWOSource
		if src == "" {
			src = "stated on the IWO"
		}
		basis := fmt.Sprintf("%s %s", l.IWOPercent, src)
		if l.IWOPercent > FederalMax {
			basis += fmt.Sprintf(" (above the federal maximum of %s: check the IWO)", FederalMax)
		}
		return l.IWOPercent, basis, nil
	case l.State.Flat > 0:
		if l.State.Flat <= fed {
			return l.State.Flat, fmt.Sprintf("%s flat limit of %s", state, l.State.Flat), nil
		}
		return fed, fmt.Sprintf("federal CCPA limit %s (%s), lower than the %s limit of %s", fed, facts, state, l.State.Flat), nil
	case !l.State.Table.IsZero():
		p := l.State.Table.Lookup(l.OtherFamily, l.ArrearsOver12Weeks)
		if !p.Valid() {
			return 0, "", Errorf(EINVALID, "%s limit table: %d basis points is outside 0–100%%", state, int(p))
		}
		if p <= fed {
			return p, fmt.Sprintf("%s limit %s (%s)", state, p, facts), nil
		}
		return fed, fmt.Sprintf("federal CCPA limit %s (%s), lower than the %s limit", fed, facts, state), nil
	default:
		return fed, fmt.Sprintf("federal CCPA limit %s (%s)", fed, facts), nil
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
