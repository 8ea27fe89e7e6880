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

// ssnSeparators are what NewSSN drops. One Replacer for all calls: building
// it took half the time of reading an SSN, once per row of an orders import.
var ssnSeparators = strings.NewReplacer("-", "", " ", "")

// NewSSN normalises s (dashes and spaces removed) and checks it has nine digits.
func NewSSN(s string) (SSN, error) {
	d := ssnSeparators.Replace(strings.TrimSpace(s))
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

// Assignable returns why s can be no person's number, or nil: the SSA
// never assigns area number (the first three digits) 000 or 666, group
// number (the next two) 00, or serial number (the last four) 0000.
// Choice: area numbers 900–999 are not refused. The SSA never assigns them
// as SSNs, but the IRS issues them as ITINs, which an agency may hold for
// an obligor without an SSN, and synthetic data (tests, the demo, partners'
// samples) uses them because no real SSN is 9xx (README decisions). Valid
// checks the format only; what a person keys in as an obligor's number is
// checked with Assignable as well. The error is EINVALID and never repeats
// the digits.
func (s SSN) Assignable() error {
	switch {
	case !s.Valid():
		return Errorf(EINVALID, "SSN must be 9 digits")
	case s[:3] == "000" || s[:3] == "666":
		return Errorf(EINVALID, "not an SSN: the SSA never assigns area numbers (first three digits) 000 or 666")
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

// MaskDigitRuns returns s with every SSN-like number masked to its last four
// digits the way SSN.Masked prints an SSN ("***-**-6789"). It is the one
// masking rule for text that may quote a partner's data: error texts (a
// shifted record can put the SSN into the field an error quotes), log lines,
// ledger and run errors, report cells and console pages.
//
// SSN-like is a run of exactly nine digits, or the dashed form NNN-NN-NNNN,
// not touching another digit on either side, and any run longer than
// MaxIdentifierDigits: no identifier iwo handles is that long, so such a run
// is numbers glued together (a fixed-width record read out of place), and
// one of them may be an SSN. Runs of 10 to MaxIdentifierDigits digits are
// kept: a 15-digit trace number, a 17-digit account number, a case
// identifier's digits and a 22-digit e-IWO control number are what an
// operator needs to find a record. Nine-digit numbers that are not SSNs (a
// routing number, an FEIN, an X12 interchange control number) are masked
// too: the rule cannot tell them apart, and a false positive costs less
// than a leak. Masking is idempotent.
func MaskDigitRuns(s string) string {
	var b strings.Builder
	done := 0 // s[:done] is already in b
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		start := i
		end, ok := ssnAt(s, i)
		if !ok {
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			continue
		}
		i = end
		b.WriteString(s[done:start])
		b.WriteString("***-**-")
		b.WriteString(s[end-4 : end])
		done = end
	}
	if done == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}

// MaxIdentifierDigits is the longest digit run MaskDigitRuns keeps: the 22
// digits of an e-IWO control number, the longest identifier iwo handles.
const MaxIdentifierDigits = 22

// ssnAt reports whether an SSN-like number (nine digits, NNN-NN-NNNN, or a
// run of more than MaxIdentifierDigits digits) starts at s[i], the first
// digit of a digit run, and where it ends.
func ssnAt(s string, i int) (end int, ok bool) {
	n := digitRun(s, i)
	if n == 9 || n > MaxIdentifierDigits {
		return i + n, true
	}
	// NNN-NN-NNNN: three digit runs of 3, 2 and 4 joined by single dashes.
	if n != 3 || i+4 > len(s) || s[i+3] != '-' || digitRun(s, i+4) != 2 ||
		i+7 > len(s) || s[i+6] != '-' || digitRun(s, i+7) != 4 {
		return 0, false
	}
	return i + 11, true
}

// digitRun returns the number of digits in the run starting at s[i].
func digitRun(s string, i int) int {
	n := 0
	for i+n < len(s) && isDigit(s[i+n]) {
		n++
	}
	return n
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

// NormalID is an identifier as matching compares it: letters upper-cased,
// and spaces, dashes, dots, slashes and every other character that is not
// a letter or a digit dropped, so that "08-5687-D", "085687d" and
// "08 5687 D" are one identifier (issue 17: senders and clerks write case
// and order numbers each their own way). It returns s itself, without
// allocating, when s is already in that form.
func NormalID(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r-'a'+'A'))
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b = append(b, byte(r))
		}
	}
	return string(b)
}
