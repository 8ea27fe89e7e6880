package withholding

import (
	"fmt"
	"strconv"
	"strings"
)

// Cents is an amount of money in US cents. All money in iwo is Cents; floating
// point never holds money.
type Cents int64

// String formats c as dollars with two decimals and no grouping, e.g. "-12.05".
func (c Cents) String() string {
	sign := ""
	v := int64(c)
	if v < 0 {
		sign = "-"
		v = -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Dollars formats c for people: "$1,234.56".
func (c Cents) Dollars() string {
	s := c.String()
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := "$" + b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}

// ParseDollars reads an amount written in dollars ("1234.56", "$1,234.5",
// "12") into Cents. More than two decimals is an error: iwo never rounds money
// it was given.
func ParseDollars(s string) (Cents, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(t, "$")
	t = strings.ReplaceAll(t, ",", "")
	neg := false
	if strings.HasPrefix(t, "-") {
		neg = true
		t = t[1:]
	}
	if t == "" {
		return 0, Errorf(EINVALID, "amount %q: empty", s)
	}
	whole, frac, hasFrac := strings.Cut(t, ".")
	if whole == "" {
		whole = "0"
	}
	if hasFrac && (len(frac) == 0 || len(frac) > 2) {
		return 0, Errorf(EINVALID, "amount %q: want at most two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, Errorf(EINVALID, "amount %q: not a number", s)
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 90_000_000_000_000 {
		return 0, Errorf(EINVALID, "amount %q: out of range", s)
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := Cents(w*100 + f)
	if neg {
		v = -v
	}
	return v, nil
}
