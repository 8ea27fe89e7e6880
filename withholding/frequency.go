package withholding

import "strings"

// Frequency is how often an amount is owed or an employee is paid.
type Frequency string

// The pay frequencies the IWO form restates amounts for (items 13a–13d), plus
// the others an order may be written in.
const (
	Weekly      Frequency = "weekly"
	Biweekly    Frequency = "biweekly"
	Semimonthly Frequency = "semimonthly"
	Monthly     Frequency = "monthly"
	Quarterly   Frequency = "quarterly"
	Annually    Frequency = "annually"
)

// Frequencies lists every known Frequency, most frequent first.
var Frequencies = []Frequency{Weekly, Biweekly, Semimonthly, Monthly, Quarterly, Annually}

// PeriodsPerYear returns how many periods of f make a year (52, 26, 24, 12, 4,
// 1), or 0 for an unknown frequency. These are the annualising factors of the
// spec (withholding-rules.md §2.2).
func (f Frequency) PeriodsPerYear() int {
	switch f {
	case Weekly:
		return 52
	case Biweekly:
		return 26
	case Semimonthly:
		return 24
	case Monthly:
		return 12
	case Quarterly:
		return 4
	case Annually:
		return 1
	}
	return 0
}

// Valid reports whether f is a known frequency.
func (f Frequency) Valid() bool { return f.PeriodsPerYear() > 0 }

// ParseFrequency reads a frequency name, case-insensitively.
func ParseFrequency(s string) (Frequency, error) {
	f := Frequency(strings.ToLower(strings.TrimSpace(s)))
	if !f.Valid() {
		return "", Errorf(EINVALID, "unknown frequency %q (want weekly, biweekly, semimonthly, monthly, quarterly or annually)", s)
	}
	return f, nil
}
