package ach

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// Profile is how strictly DED segments are read (spec §10). The zero value is
// the lenient profile an SDU uses by default: it normalises what it can
// (case, padding, trailing empty elements, a missing terminator, a date of
// the other length) and records a warning. Strict turns each of those into a
// problem. Partner quirks are switched on per trading partner.
type Profile struct {
	// Strict makes every deviation from the convention a problem.
	Strict bool
	// SlashTerminator accepts "/" as the segment terminator as well as "\"
	// (a partner option: some senders use it).
	SlashTerminator bool
	// StripSSNDashes accepts DED05 written as 900-00-0005 (a partner option;
	// without it such an SSN is a problem).
	StripSSNDashes bool
	// PayDates is how far a pay date may be from the settlement date
	// without a warning.
	PayDates PayDateWindow
}

// DefaultProfile is the lenient profile.
var DefaultProfile = Profile{}

// StrictProfile rejects every deviation from the convention.
var StrictProfile = Profile{Strict: true}

// AppChildSupport is DED01 for an employer's income withholding (spec §3.4).
const AppChildSupport = withholding.ApplicationChildSupport

func knownApplication(id string) bool {
	_, ok := withholding.ApplicationLabel(id)
	return ok
}

// Element limits: the 80-character CCD+ field forces the convention's
// limits; inside a CTX 820 the X12 4010 maxima apply.
type limits struct {
	caseID, amount, name int
	dateLen              int // 6 for CCD+, 8 for CTX
}

var (
	ccdLimits = limits{caseID: 20, amount: 10, name: 10, dateLen: 6}
	ctxLimits = limits{caseID: 30, amount: 15, name: 60, dateLen: 8}
)

// DED is one parsed DED segment. Fields that could not be read are zero;
// Problems says why. Warnings are deviations the profile normalised; they do
// not block posting.
type DED struct {
	ApplicationID string                   // DED01
	CaseID        withholding.RemittanceID // DED02
	PayDate       withholding.Date         // DED03
	Amount        withholding.Cents        // DED04
	SSN           withholding.SSN          // DED05, only when it is 9 digits
	Medical       string                   // DED06: Y, N, W (or the raw value, with a warning)
	Name          string                   // DED07
	FIPS          string                   // DED08, only when it is 5 or 7 characters
	Termination   bool                     // DED09 = Y

	// Raw is the segment text through its terminator.
	Raw      string
	Problems []string
	Warnings []string
}

// OK reports whether the segment can be posted automatically.
func (d *DED) OK() bool { return len(d.Problems) == 0 }

func (d *DED) problem(s string) { d.Problems = append(d.Problems, s) }

// deviation records s as a warning (lenient) or a problem (strict).
func (d *DED) deviation(p Profile, s string) {
	if p.Strict {
		d.Problems = append(d.Problems, s)
	} else {
		d.Warnings = append(d.Warnings, s)
	}
}

// ParseDED parses the payment related information of a CCD+ addenda (the
// 80 characters at positions 4–83) as one DED segment.
func ParseDED(text string, p Profile) DED {
	var d DED
	seg := text
	term := strings.IndexByte(text, '\\')
	if p.SlashTerminator {
		if i := strings.IndexByte(text, '/'); i >= 0 && (term < 0 || i < term) {
			term = i
		}
	}
	if term >= 0 {
		seg = text[:term]
		d.Raw = trimSpace(text[:term+1])
		if rest := trimSpace(text[term+1:]); rest != "" {
			d.problem("DED: characters after the segment terminator: " + quoted(rest))
		}
	} else {
		seg = trimRight(text)
		d.Raw = trimSpace(seg)
		if strings.HasSuffix(seg, "/") {
			d.problem(`DED: segment ends with "/", which is a terminator only for partners with the slash option`)
			seg = seg[:len(seg)-1]
		} else if trimSpace(seg) != "" {
			d.deviation(p, `DED: no segment terminator "\"`)
		}
	}
	if t := trimSpace(seg); t != seg && strings.HasPrefix(seg, " ") {
		d.deviation(p, "DED: leading spaces before the segment")
		seg = t
	}
	if seg == "" {
		d.problem("DED: addenda is empty")
		return d
	}
	var buf [12]string
	elems, dirty := splitElements(seg, '*', buf[:0])
	parseElements(&d, elems, ccdLimits, p, dirty)
	return d
}

// splitElements splits s at sep into dst without allocating for up to
// cap(dst) elements. dirty reports whether s may hold a space, a lower-case
// letter or a byte outside ASCII (see parseElements); it is never false
// when s does. Eight bytes at a time are tested with word arithmetic.
func splitElements(s string, sep byte, dst []string) (elems []string, dirty bool) {
	const lo, hi, low = lo8, 0x80 * lo8, 0x7f * lo8
	if len(s) < 8 {
		start := 0
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == sep {
				dst = append(dst, s[start:i])
				start = i + 1
			} else if spaceOrLower[c] || c >= 0x80 {
				dirty = true
			}
		}
		return append(dst, s[start:]), dirty
	}
	start, i := 0, 0
	seps := uint64(sep) * lo
	for i < len(s) {
		var x, skip uint64
		if i+8 <= len(s) {
			x = le64(s[i:])
		} else {
			// The last bytes, in a word that overlaps the one before;
			// separators in its first bytes were already found.
			back := i - (len(s) - 8)
			i = len(s) - 8
			x = le64(s[i:])
			skip = 1<<(8*back) - 1
		}
		if !dirty {
			y := x & low
			lower := (y + 0x1f*lo) &^ (y + 0x05*lo) & hi // 0x61 ≤ byte ≤ 0x7a
			sp := x ^ (' ' * lo)
			space := (sp - lo) &^ sp & hi // some byte is a space
			dirty = (x&hi)|lower|space != 0
		}
		// The high bit of exactly the bytes equal to sep.
		t := x ^ seps
		m := ^((t&low + low) | t | low) &^ skip
		for m != 0 {
			j := i + bits.TrailingZeros64(m)/8
			dst = append(dst, s[start:j])
			start = j + 1
			m &= m - 1
		}
		i += 8
	}
	return append(dst, s[start:]), dirty
}

// spaceOrLower marks the bytes that make an element need trimming or
// upper-casing.
var spaceOrLower = func() (t [256]bool) {
	t[' '] = true
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	return t
}()

// parseElements reads a split DED segment: elems[0] is the segment ID.
// dirty says whether the segment may hold spaces or lower case (see
// splitElements); when false the elements are used as they are.
func parseElements(d *DED, elems []string, lim limits, p Profile, dirty bool) {
	id := elems[0]
	switch {
	case id == "DED":
	case strings.EqualFold(trimSpace(id), "DED"):
		// Reported with the other case/padding deviations below.
	default:
		d.problem("DED: no DED segment identifier (found " + quoted(clip(id, 20)) + ")")
		return
	}
	n := len(elems) - 1
	trailing := false
	for n > 0 && trimSpace(elems[n]) == "" {
		n--
		trailing = true
	}
	if trailing {
		d.deviation(p, "DED: trailing empty elements")
	}
	if n > 9 {
		d.problem("DED: " + strconv.Itoa(n) + " elements, at most 9 allowed")
		n = 9
	}
	padded, lower := false, false
	var el [10]string
	if !dirty {
		copy(el[:n+1], elems)
	} else {
		for i := 0; i <= n; i++ {
			v := elems[i]
			if t := trimSpace(v); t != v {
				padded = true
				v = t
			}
			if hasLower(v) {
				lower = true
				v = strings.ToUpper(v)
			}
			el[i] = v
		}
	}
	if padded {
		d.deviation(p, "DED: space-padded elements")
	}
	if lower {
		d.deviation(p, "DED: lower-case letters")
	}
	for i := n + 1; i <= 6; i++ {
		d.problem(elementName[i] + ": missing (mandatory)")
	}

	// DED01 application identifier.
	if n >= 1 {
		switch v := el[1]; {
		case v == "":
			d.problem("DED01 application identifier: empty (mandatory)")
		case knownApplication(v):
			// Every code of the convention is a receipt: interstate and
			// other collections post like CS, their code kept on the
			// payment and shown with it.
			d.ApplicationID = v
		default:
			d.ApplicationID = v
			d.problem("DED01 application identifier: unknown code " + quoted(clip(v, 10)))
		}
	}
	// DED02 case identifier.
	if n >= 2 {
		switch v := el[2]; {
		case v == "":
			d.problem("DED02 case identifier: empty (mandatory)")
		case len(v) > lim.caseID:
			d.problem("DED02 case identifier: " + strconv.Itoa(len(v)) + " characters, at most " + strconv.Itoa(lim.caseID))
		default:
			d.CaseID = withholding.RemittanceID(v)
		}
	}
	// DED03 pay date.
	if n >= 3 {
		v := el[3]
		var ok bool
		switch len(v) {
		case 6:
			d.PayDate, ok = yymmdd(v)
		case 8:
			d.PayDate, ok = ccyymmdd(v)
		}
		switch {
		case v == "":
			d.problem("DED03 pay date: empty (mandatory)")
		case !ok:
			d.problem("DED03 pay date: " + quoted(clip(v, 10)) + " is not a valid YYMMDD or CCYYMMDD date")
		case len(v) != lim.dateLen:
			if lim.dateLen == 6 {
				d.deviation(p, "DED03 pay date: CCYYMMDD in a CCD+ addenda, want YYMMDD")
			} else {
				d.deviation(p, "DED03 pay date: YYMMDD in a CTX 820, want CCYYMMDD")
			}
		}
	}
	// DED04 amount, implied cents.
	if n >= 4 {
		v := el[4]
		amt, ok := digits(v)
		switch {
		case v == "":
			d.problem("DED04 amount: empty (mandatory)")
		case !ok:
			d.problem("DED04 amount: " + quoted(clip(v, 16)) + " is not whole cents (digits only, no point, comma or sign)")
		case len(v) > lim.amount:
			d.problem("DED04 amount: " + strconv.Itoa(len(v)) + " digits, at most " + strconv.Itoa(lim.amount))
		default:
			d.Amount = withholding.Cents(amt)
		}
	}
	// DED05 SSN.
	if n >= 5 {
		v := el[5]
		switch {
		case v == "":
			d.problem("DED05 SSN: empty (mandatory)")
		case withholding.SSN(v).Valid():
			d.SSN = withholding.SSN(v)
		case p.StripSSNDashes && strings.Contains(v, "-") && withholding.SSN(strings.ReplaceAll(v, "-", "")).Valid():
			d.SSN = withholding.SSN(strings.ReplaceAll(v, "-", ""))
			d.Warnings = append(d.Warnings, "DED05 SSN: dashes removed")
		default:
			d.problem("DED05 SSN: must be 9 digits, got " + strconv.Itoa(len(v)) + " characters")
		}
	}
	// DED06 medical support indicator.
	if n >= 6 {
		switch v := el[6]; v {
		case "Y", "N", "W":
			d.Medical = v
		case "":
			d.problem("DED06 medical indicator: empty (mandatory)")
		default:
			d.Medical = withholding.MaskDigitRuns(clip(v, 10)) // a shifted SSN must not show
			d.deviation(p, "DED06 medical indicator: "+quoted(d.Medical)+", want Y, N or W")
		}
	}
	// DED07 name (informational).
	if n >= 7 {
		v := el[7]
		d.Name = v
		if len(v) > lim.name {
			d.deviation(p, "DED07 name: "+strconv.Itoa(len(v))+" characters, at most "+strconv.Itoa(lim.name))
		}
	}
	// DED08 FIPS.
	if n >= 8 {
		switch v := el[8]; {
		case v == "":
		case (len(v) == 5 || len(v) == 7) && isAlnum(v):
			d.FIPS = v
		default:
			d.deviation(p, "DED08 FIPS: "+quoted(clip(v, 10))+" is not 5 or 7 characters; ignored for routing")
		}
	}
	// DED09 termination.
	if n >= 9 {
		switch v := el[9]; v {
		case "Y":
			d.Termination = true
		case "N":
			d.deviation(p, "DED09 termination: N is not a convention value; treated as absent")
		default:
			d.problem("DED09 termination: " + quoted(clip(v, 10)) + ", want Y or nothing")
		}
	}
	if n >= 4 && d.Amount == 0 && !d.Termination && len(d.Problems) == 0 {
		d.Warnings = append(d.Warnings, "DED04 amount: zero without the termination indicator; nothing to post")
	}
}

var elementName = [10]string{"DED", "DED01 application identifier", "DED02 case identifier", "DED03 pay date", "DED04 amount", "DED05 SSN", "DED06 medical indicator", "DED07 name", "DED08 FIPS", "DED09 termination"}

func hasLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return true
		}
	}
	return false
}

// quoted quotes a sender's value for a message, with any run of nine or
// more digits masked to its last four: when elements are shifted, the value
// quoted may be the SSN, and messages reach reports and the console.
func quoted(v string) string { return strconv.Quote(withholding.MaskDigitRuns(v)) }

// clip shortens s for messages.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
