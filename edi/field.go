package edi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// problem is an Error before it knows its file, line and record.
type problem struct {
	element string
	reason  string
	kind    error
}

func formatProblem(el, format string, args ...any) problem {
	return problem{el, fmt.Sprintf(format, args...), ErrFormat}
}

func ruleProblem(el, format string, args ...any) problem {
	return problem{el, fmt.Sprintf(format, args...), ErrRule}
}

// badSet marks the elements (by layout index) that failed their format
// check, so cross-element rules do not report them a second time.
type badSet [3]uint64

func (b *badSet) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b *badSet) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func isDigit(c byte) bool        { return c >= '0' && c <= '9' }
func isLetter(c byte) bool       { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
func isPrintable(c byte) bool    { return c >= 0x20 && c <= 0x7e }
func isBlank(s string) bool      { return strings.TrimLeft(s, " ") == "" }
func trimRight(s string) string  { return strings.TrimRight(s, " ") }
func startsAlnum(s string) bool  { return s != "" && (isDigit(s[0]) || isLetter(s[0])) }

// allDigits reports whether s is one or more ASCII digits. A loop, not
// strings.TrimLeft, which builds its set of characters on every call:
// half a second of send-iwos's 23 CPU s at 300,000 IWOs (docs/scaling.md).
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
func quoteValue(e *Element, s string) string {
	if e.Mask {
		return "(masked)"
	}
	return strconv.Quote(s)
}

// checkElements applies each element's type check to line, which must be
// exactly l.Len bytes. It returns the problems and marks the bad elements.
func checkElements(l *Layout, line string, ps []problem, bad *badSet) []problem {
	for i := range l.Elements {
		e := &l.Elements[i]
		raw := line[e.Start-1 : e.End()]
		if reason := checkElement(e, raw); reason != "" {
			ps = append(ps, problem{e.Name, reason, ErrFormat})
			bad.set(i)
		}
	}
	return ps
}

// checkElement returns why raw is not a valid value of e, or "".
func checkElement(e *Element, raw string) string {
	for j := 0; j < len(raw); j++ {
		if !isPrintable(raw[j]) {
			return fmt.Sprintf("byte 0x%02x at column %d is not printable ASCII", raw[j], e.Start+j)
		}
	}
	blank := isBlank(raw)
	if blank {
		if e.Required && e.Type != TypeFiller {
			return "required element is blank"
		}
		if e.Type != TypeAmount {
			return ""
		}
	}
	switch e.Type {
	case TypeFiller:
		return fmt.Sprintf("reserved; must be spaces, got %s", quoteValue(e, raw))
	case TypeA:
		for j := 0; j < len(raw); j++ {
			if !isLetter(raw[j]) && raw[j] != ' ' {
				return fmt.Sprintf("%s: letters only", quoteValue(e, raw))
			}
		}
	case TypeN, TypeAmount:
		if !allDigits(raw) {
			return fmt.Sprintf("%s: want %d digits", quoteValue(e, raw), e.Len)
		}
	case TypeDate:
		if _, ok := parseDate(raw); !ok {
			return fmt.Sprintf("%s: not a real CCYYMMDD date", quoteValue(e, raw))
		}
	case TypeTime:
		if !validTime(raw) {
			return fmt.Sprintf("%s: not a valid HHMMSS time", quoteValue(e, raw))
		}
	case TypeCode:
		v := trimRight(raw)
		for _, c := range e.Codes {
			if c == v {
				return ""
			}
		}
		return fmt.Sprintf("%s: not one of %s", quoteValue(e, raw), strings.Join(e.Codes, ", "))
	}
	return ""
}

func parseDate(s string) (withholding.Date, bool) {
	if len(s) != 8 || !allDigits(s) {
		return withholding.Date{}, false
	}
	y, _ := strconv.Atoi(s[:4])
	m, _ := strconv.Atoi(s[4:6])
	d, _ := strconv.Atoi(s[6:])
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return withholding.Date{}, false
	}
	return withholding.Date{Year: y, Month: time.Month(m), Day: d}, true
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func validTime(s string) bool {
	if len(s) != 6 || !allDigits(s) {
		return false
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[2:4])
	sec, _ := strconv.Atoi(s[4:])
	return h < 24 && m < 60 && sec < 60
}

func formatDate(d withholding.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// visitor walks a typed record's values in layout order. The encoder writes
// them into a line, the decoder reads them out of one; a record type lists
// its fields once, in its visit method, and both directions follow.
type visitor interface {
	text(name string, p *string)   // A, AN, code: left-justified, space-filled
	digits(name string, p *string) // N identifier: blank or exactly Len digits
	number(name string, p *int)    // N count: right-justified, zero-filled
	amount(name string, p *withholding.Cents)
	date(name string, p *withholding.Date)
	datetime(dateName, timeName string, p *time.Time)
	freq(name string, p *withholding.Frequency)
	flag(name string, p *bool) // Y or N
	more() bool                // the layout has elements left to visit
}

// cursor walks a layout's elements in order, skipping filler, and checks
// that the visit method names them in table order.
type cursor struct {
	l *Layout
	i int
}

func (c *cursor) next(name string) (*Element, int) {
	for c.i < len(c.l.Elements) && c.l.Elements[c.i].Type == TypeFiller {
		c.i++
	}
	if c.i >= len(c.l.Elements) || c.l.Elements[c.i].Name != name {
		panic(fmt.Sprintf("edi: visit of %s names %q out of table order", c.l.Name, name))
	}
	c.i++
	return &c.l.Elements[c.i-1], c.i - 1
}

func (c *cursor) more() bool {
	for j := c.i; j < len(c.l.Elements); j++ {
		if c.l.Elements[j].Type != TypeFiller {
			return true
		}
	}
	return false
}

func (c *cursor) done() {
	if c.more() {
		panic(fmt.Sprintf("edi: visit of %s stops before element %q", c.l.Name, c.l.Elements[c.i].Name))
	}
}

// encoder formats values into a record. Values that cannot be written
// (too long, negative money, unknown frequency) become problems.
type encoder struct {
	cursor
	buf []byte
	ps  []problem
}

func newEncoder(l *Layout, buf []byte) *encoder {
	buf = buf[:0]
	for len(buf) < l.Len {
		buf = append(buf, ' ')
	}
	return &encoder{cursor: cursor{l: l}, buf: buf}
}

// put is the one place values are padded: numbers and amounts
// right-justified and zero-filled, everything else left-justified and
// space-filled.
func (w *encoder) put(e *Element, v string) {
	if len(v) > e.Len {
		w.ps = append(w.ps, formatProblem(e.Name, "%d characters, at most %d fit", len(v), e.Len))
		return
	}
	for j := 0; j < len(v); j++ {
		if !isPrintable(v[j]) {
			w.ps = append(w.ps, formatProblem(e.Name, "only printable ASCII can be written"))
			return
		}
	}
	f := w.buf[e.Start-1 : e.End()]
	if e.Type == TypeN || e.Type == TypeAmount {
		pad := e.Len - len(v)
		for j := range pad {
			f[j] = '0'
		}
		copy(f[pad:], v)
		return
	}
	copy(f, v)
}

func (w *encoder) text(name string, p *string) {
	e, _ := w.next(name)
	w.put(e, *p)
}

func (w *encoder) digits(name string, p *string) {
	e, _ := w.next(name)
	if *p == "" {
		return
	}
	if len(*p) != e.Len || !allDigits(*p) {
		w.ps = append(w.ps, formatProblem(e.Name, "%s: want %d digits", quoteValue(e, *p), e.Len))
		return
	}
	w.put(e, *p)
}

// putUint writes n right-justified and zero-filled (the N rule of put)
// without building a string, and reports whether it fits.
func (w *encoder) putUint(e *Element, n int64) bool {
	if n < 0 {
		return false
	}
	f := w.buf[e.Start-1 : e.End()]
	for j := len(f) - 1; j >= 0; j-- {
		f[j] = byte('0' + n%10)
		n /= 10
	}
	return n == 0
}

func (w *encoder) number(name string, p *int) {
	e, _ := w.next(name)
	if !w.putUint(e, int64(*p)) {
		w.ps = append(w.ps, formatProblem(e.Name, "%d does not fit in %d digits", *p, e.Len))
	}
}

func (w *encoder) amount(name string, p *withholding.Cents) {
	e, _ := w.next(name)
	if !w.putUint(e, int64(*p)) {
		w.ps = append(w.ps, formatProblem(e.Name, "amount %s does not fit in %d digits", *p, e.Len))
	}
}

func (w *encoder) date(name string, p *withholding.Date) {
	e, _ := w.next(name)
	if !p.IsZero() && (p.Year < 0 || p.Year > 9999) {
		w.ps = append(w.ps, formatProblem(e.Name, "year %d cannot be written", p.Year))
		return
	}
	w.put(e, formatDate(*p))
}

func (w *encoder) datetime(dateName, timeName string, p *time.Time) {
	de, _ := w.next(dateName)
	te, _ := w.next(timeName)
	// Always written, even for the zero time (00010101 000000): creation
	// date and time are required, and reading them back must give p.
	if p.Year() < 0 || p.Year() > 9999 {
		w.ps = append(w.ps, formatProblem(de.Name, "year %d cannot be written", p.Year()))
		return
	}
	w.put(de, p.Format("20060102"))
	w.put(te, p.Format("150405"))
}

func (w *encoder) freq(name string, p *withholding.Frequency) {
	e, _ := w.next(name)
	c, ok := FrequencyCode(*p)
	if !ok {
		w.ps = append(w.ps, formatProblem(e.Name, "frequency %q has no e-IWO code", *p))
		return
	}
	w.put(e, c)
}

func (w *encoder) flag(name string, p *bool) {
	e, _ := w.next(name)
	if *p {
		w.put(e, "Y")
	} else {
		w.put(e, "N")
	}
}

// decoder reads values out of a record whose elements were checked;
// elements that failed their check read as zero values.
type decoder struct {
	cursor
	line string
}

func (d *decoder) raw(name string) string {
	e, _ := d.next(name)
	return d.line[e.Start-1 : e.End()]
}

func (d *decoder) text(name string, p *string)   { *p = trimRight(d.raw(name)) }
func (d *decoder) digits(name string, p *string) { *p = trimRight(d.raw(name)) }

func (d *decoder) number(name string, p *int) {
	n, err := strconv.Atoi(d.raw(name))
	if err != nil {
		n = 0
	}
	*p = n
}

func (d *decoder) amount(name string, p *withholding.Cents) {
	n, err := strconv.ParseInt(d.raw(name), 10, 64)
	if err != nil || n < 0 {
		n = 0
	}
	*p = withholding.Cents(n)
}

func (d *decoder) date(name string, p *withholding.Date) {
	*p, _ = parseDate(d.raw(name))
}

func (d *decoder) datetime(dateName, timeName string, p *time.Time) {
	ds, ts := d.raw(dateName), d.raw(timeName)
	t, err := time.Parse("20060102150405", ds+ts)
	if err != nil {
		t = time.Time{}
	}
	*p = t
}

func (d *decoder) freq(name string, p *withholding.Frequency) {
	*p, _ = ParseFrequencyCode(trimRight(d.raw(name)))
}

func (d *decoder) flag(name string, p *bool) { *p = d.raw(name) == "Y" }
