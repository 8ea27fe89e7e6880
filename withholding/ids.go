package withholding

import (
	"fmt"
	"log/slog"
	"strings"
)

// SSN is a Social Security number held as nine digits. It prints masked
// ("***-**-6789") through String, every fmt verb and slog, so it never reaches
// a log by accident. Digits returns the clear value for the few places that
// need it (files sent to partners, matching).
type SSN string

// NewSSN normalises s (dashes and spaces removed) and checks it has nine digits.
func NewSSN(s string) (SSN, error) {
	d := strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s))
	v := SSN(d)
	if !v.Valid() {
		return "", Errorf(EINVALID, "SSN must be 9 digits")
	}
	return v, nil
}

// Valid reports whether s is exactly nine ASCII digits.
func (s SSN) Valid() bool {
	if len(s) != 9 {
		return false
	}
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Assignable returns why the SSA could never have assigned s, or nil. The
// SSA never assigns area number (the first three digits) 000, 666 or
// 900–999, group number (the next two) 00, or serial number (the last
// four) 0000. Valid checks the format only, so that the 9xx numbers that
// tests, demos and partners' samples use stay well-formed; what a person
// keys in as a real obligor's SSN is checked with Assignable as well. The
// error is EINVALID and never repeats the digits.
func (s SSN) Assignable() error {
	switch {
	case !s.Valid():
		return Errorf(EINVALID, "SSN must be 9 digits")
	case s[:3] == "000" || s[:3] == "666" || s[0] == '9':
		return Errorf(EINVALID, "not an SSN: the SSA never assigns area numbers (first three digits) 000, 666 or 900-999")
	case s[3:5] == "00":
		return Errorf(EINVALID, "not an SSN: the SSA never assigns group number (digits 4-5) 00")
	case s[5:] == "0000":
		return Errorf(EINVALID, "not an SSN: the SSA never assigns serial number (last four digits) 0000")
	}
	return nil
}

// Digits returns the SSN in clear. Never log it.
func (s SSN) Digits() string { return string(s) }

// Last4 returns the last four characters, or "" when s is shorter.
func (s SSN) Last4() string {
	if len(s) < 4 {
		return ""
	}
	return string(s[len(s)-4:])
}

// Masked returns "***-**-1234", or "" for an empty SSN.
func (s SSN) Masked() string {
	if s == "" {
		return ""
	}
	return "***-**-" + s.Last4()
}

// String returns the masked form.
func (s SSN) String() string { return s.Masked() }

// Format makes every fmt verb (%v, %s, %q, %d…) print the masked form.
func (s SSN) Format(f fmt.State, verb rune) { fmt.Fprint(f, s.Masked()) }

// LogValue makes log/slog print the masked form.
func (s SSN) LogValue() slog.Value { return slog.StringValue(s.Masked()) }

// MaskDigitRuns returns s with every run of nine or more digits (dashes
// between digits allowed, as in 123-45-6789) masked to its last four
// digits the way SSN.Masked prints an SSN. Messages that quote a partner's
// data, such as a payment's Warnings quoting a misplaced DED element, go
// through it before they are shown: a shifted element can carry an SSN.
func MaskDigitRuns(s string) string {
	var b strings.Builder
	done := 0 // s[:done] is already in b
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		// The run is s[start:i]: it begins and ends with a digit, since a
		// dash is taken only with the digit after it.
		start, n := i, 0
		for i < len(s) {
			if isDigit(s[i]) {
				n++
				i++
			} else if s[i] == '-' && i+1 < len(s) && isDigit(s[i+1]) {
				i++
			} else {
				break
			}
		}
		if n < 9 {
			continue
		}
		digits := strings.ReplaceAll(s[start:i], "-", "")
		b.WriteString(s[done:start])
		b.WriteString(SSN(digits).Masked())
		done = i
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// FEIN is a federal employer identification number: nine digits, no dash.
type FEIN string

// Valid reports whether f is nine digits.
func (f FEIN) Valid() bool { return SSN(f).Valid() }

// CaseID is the IV-D case identifier as reported to the FCR (e-IWO Case
// Identifier, 15 characters). It is a string: leading zeros and letters matter.
type CaseID string

// OrderID is the support order identifier (e-IWO Order Identifier).
type OrderID string

// RemittanceID is the value an employer must send with each payment (the
// IWO's "Remittance ID"); it arrives as DED02 in the ACH addenda.
type RemittanceID string

// TrackingID is the e-IWO Document Tracking Identifier of one IWO document;
// acknowledgments echo it.
type TrackingID string

// TraceNumber is an ACH entry's 15-digit trace number.
type TraceNumber string
