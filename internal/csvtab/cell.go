package csvtab

import (
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// cell returns the cell of col, recording "required" when it is empty and
// req is set.
func (t *Table) cell(col string, req bool) string {
	v := t.Get(col)
	if v == "" && req {
		t.Failf(col, "required")
	}
	return v
}

// Required returns the cell of col, recording a problem when it is empty.
func (t *Table) Required(col string) string { return t.cell(col, true) }

// Text returns the cell of col, which may be at most max bytes long.
func (t *Table) Text(col string, max int, req bool) string {
	v := t.cell(col, req)
	if len(v) > max {
		t.Failf(col, "longer than %d characters", max)
	}
	return v
}

// Digits returns the cell of col, which must be exactly n ASCII digits.
func (t *Table) Digits(col string, n int, req bool) string {
	v := t.cell(col, req)
	if v != "" && (len(v) != n || strings.Trim(v, "0123456789") != "") {
		t.Failf(col, "%q: want %d digits", v, n)
	}
	return v
}

// Phone returns the ten digits of a phone number in col; punctuation and
// spaces are ignored.
func (t *Table) Phone(col string, req bool) string {
	v := t.cell(col, req)
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	if v != "" && len(d) != 10 {
		t.Failf(col, "%q: want a 10-digit phone number", v)
	}
	return d
}

// SSN returns the SSN in col: nine digits, dashes and spaces allowed. A bad
// value is never repeated in the problem.
func (t *Table) SSN(col string, req bool) withholding.SSN {
	return parseCell(t, col, req, withholding.NewSSN, func(error) string { return "want 9 digits (dashes allowed)" })
}

// FEIN returns the FEIN in col without its dashes (12-3456789 and
// 123456789 are the same FEIN).
func (t *Table) FEIN(col string, req bool) withholding.FEIN {
	v := t.cell(col, req)
	f := withholding.FEIN(strings.ReplaceAll(v, "-", ""))
	if v != "" && !f.Valid() {
		t.Failf(col, "%q: want 9 digits (dashes allowed)", v)
		return ""
	}
	return f
}

// Date returns the date in col, in one of the Format's DateLayouts.
func (t *Table) Date(col string, req bool) withholding.Date {
	v := t.cell(col, req)
	if v == "" {
		return withholding.Date{}
	}
	for _, l := range t.f.DateLayouts {
		if d, err := withholding.ParseDate(l, v); err == nil {
			return d
		}
	}
	names := make([]string, len(t.f.DateLayouts))
	for i, l := range t.f.DateLayouts {
		names[i] = LayoutName(l)
	}
	t.Failf(col, "%q is not a date; want %s", v, orList(names))
	return withholding.Date{}
}

// layoutNames spells time.Parse layouts the way a clerk reads them.
var layoutNames = strings.NewReplacer("2006", "YYYY", "01", "MM", "02", "DD", "1", "M", "2", "D")

// LayoutName returns a date layout as people write it: "2006-01-02" is
// YYYY-MM-DD, "1/2/2006" is M/D/YYYY.
func LayoutName(layout string) string { return layoutNames.Replace(layout) }

// orList returns "a", "a or b", "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// Money returns the dollars-and-cents amount in col ("1,234.50", "$12");
// a negative amount is a problem.
func (t *Table) Money(col string, req bool) withholding.Cents {
	c := parseCell(t, col, req, withholding.ParseDollars, withholding.ErrorMessage)
	if c < 0 {
		t.Failf(col, "%q: must not be negative", t.Get(col))
	}
	return c
}

// Frequency returns the pay or payment frequency in col (weekly …
// annually).
func (t *Table) Frequency(col string, req bool) withholding.Frequency {
	return parseCell(t, col, req, withholding.ParseFrequency, withholding.ErrorMessage)
}

// parseCell returns the cell of col read by parse, or the zero T for an
// empty cell or one parse rejects; the problem is what why makes of
// parse's error.
func parseCell[T any](t *Table, col string, req bool, parse func(string) (T, error), why func(error) string) T {
	var zero T
	v := t.cell(col, req)
	if v == "" {
		return zero
	}
	x, err := parse(v)
	if err != nil {
		t.Failf(col, "%s", why(err))
		return zero
	}
	return x
}

// Flag returns the yes/no cell of col: Y, yes, true or 1; N, no, false, 0
// or empty (any case).
func (t *Table) Flag(col string) bool {
	switch v := t.Get(col); strings.ToLower(v) {
	case "", "n", "no", "false", "0":
		return false
	case "y", "yes", "true", "1":
		return true
	default:
		t.Failf(col, "%q: want Y or N", v)
		return false
	}
}
