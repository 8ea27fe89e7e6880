package ach

import (
	"fmt"
	"iter"
	"strconv"
	"strings"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/withholding"
)

// Payments yields one payment per CCD+ entry and one per DED segment of a
// CTX entry (at least one per entry), then, if the file is structurally
// invalid, (nil, *FileError) last. Nothing is dropped: entries that are not
// child support payments come out with their Kind, and payments that cannot
// be parsed come out with Problems and Raw.
//
// Each payment is new and may be kept, unless Options.ReusePayment is set.
// Call Summary after the iteration, not during it: the file is scanned and
// checked on a second goroutine while this one parses the DEDs (see
// pipeline.go).
func (r *Reader) Payments() iter.Seq2[*withholding.Payment, error] {
	return func(yield func(*withholding.Payment, error) bool) {
		if err := r.claim(); err != nil {
			yield(nil, err)
			return
		}
		if r.opts.ReusePayment {
			r.arena.reuse = new(withholding.Payment)
		}
		// Counted apart from r.sum, which the scanning goroutine writes,
		// and stored in it at the end.
		var counts PaymentCounts
		emit := func(p *withholding.Payment) bool {
			counts.count(p)
			return yield(p, nil)
		}
		ok := r.pipeline(func(e *Entry) bool {
			return entryPayments(e, r.opts.Profile, &r.arena, emit)
		})
		r.sum.PaymentCounts = counts
		if ok && r.sum.Err != nil {
			yield(nil, r.sum.Err)
		}
	}
}

func (s *PaymentCounts) count(p *withholding.Payment) {
	s.Payments++
	switch p.Kind {
	case withholding.KindPayment:
		s.Posted++
		s.PaymentCents += p.Credited
	case withholding.KindPrenote:
		s.Prenotes++
	case withholding.KindReturn:
		s.Returns++
	case withholding.KindNOC:
		s.NOCs++
	default:
		s.Other++
	}
	if len(p.Problems) > 0 {
		s.WithProblems++
	}
}

// Classify says what an entry is, and for returns and notifications of
// change the reason code.
func Classify(e *Entry) (kind withholding.PaymentKind, code string) {
	for i := range e.Addenda {
		switch a := &e.Addenda[i]; a.Type {
		case "99":
			return withholding.KindReturn, a.ReturnCode()
		case "98":
			return withholding.KindNOC, a.ReturnCode()
		}
	}
	tc := e.TransactionCode
	switch {
	case e.Batch.SEC == moov.COR:
		return withholding.KindNOC, ""
	case tc == moov.CheckingPrenoteCredit || tc == moov.SavingsPrenoteCredit:
		return withholding.KindPrenote, ""
	case e.Batch.SEC != moov.CCD && e.Batch.SEC != moov.CTX:
		return withholding.KindOther, ""
	case tc == moov.CheckingCredit || tc == moov.SavingsCredit ||
		tc == moov.CheckingZeroDollarRemittanceCredit || tc == moov.SavingsZeroDollarRemittanceCredit:
		if len(e.Addenda) == 0 {
			return withholding.KindOther, ""
		}
		return withholding.KindPayment, ""
	}
	return withholding.KindOther, ""
}

// otherReason explains why an entry is kind other.
func otherReason(e *Entry) string {
	tc := e.TransactionCode
	switch {
	case IsDebit(tc):
		return "debit entry (transaction code " + strconv.Itoa(tc) + "): not a remittance"
	case e.Batch.SEC != moov.CCD && e.Batch.SEC != moov.CTX:
		return "SEC " + e.Batch.SEC + " is not a child support remittance (CCD or CTX)"
	case len(e.Addenda) == 0:
		return "credit without remittance addenda: no DED to post"
	}
	return "transaction code " + strconv.Itoa(tc) + " is not a checking or savings credit"
}

// EntryPayments turns one entry into payments and passes each to yield; it
// returns false when yield does. A CCD+ entry gives one payment; a CTX entry
// gives one per DED segment, or one carrying the envelope's problems when it
// has none.
func EntryPayments(e *Entry, prof Profile, yield func(*withholding.Payment) bool) bool {
	return entryPayments(e, prof, nil, yield)
}

// arena hands out payments and strings from larger blocks, so the reader
// makes a few allocations per thousand entries instead of several per entry.
// A block stays alive while any payment or string in it is referenced.
type arena struct {
	pays []withholding.Payment
	buf  textBuf // never reset: the strings in payments point into it
	// reuse, when set (Options.ReusePayment), is the one payment handed
	// out every time.
	reuse *withholding.Payment
}

// payment returns a zeroed payment; a nil arena allocates it alone.
func (a *arena) payment() *withholding.Payment {
	if a == nil {
		return new(withholding.Payment)
	}
	if a.reuse != nil {
		*a.reuse = withholding.Payment{}
		return a.reuse
	}
	if len(a.pays) == 0 {
		// 64 payments (~27 KB) stay a small object: larger blocks go
		// through the page heap and are scavenged and faulted back in.
		a.pays = make([]withholding.Payment, 64)
	}
	p := &a.pays[0]
	a.pays = a.pays[1:]
	return p
}

// str copies s out of the reader's reusable buffers.
func (a *arena) str(s string) string {
	if a == nil || len(s) == 0 || len(s) > 4096 {
		return strings.Clone(s)
	}
	if a.buf.room() < len(s) {
		a.buf.grow(32 << 10) // a small object, like the payment blocks
	}
	return a.buf.addStrings(s, "")
}

// str2 copies s and t out of the reader's buffers into one string s+t.
func (a *arena) str2(s, t string) string {
	n := len(s) + len(t)
	if a == nil || n == 0 || n > 4096 {
		return s + t
	}
	if a.buf.room() < n {
		a.buf.grow(32 << 10) // a small object, like the payment blocks
	}
	return a.buf.addStrings(s, t)
}

// dedText returns a CCD+ addenda text without its trailing spaces. The
// usual text is a segment, its terminator and spaces: found with
// IndexByte and compared with spaces, which is quicker than walking back.
func dedText(text string) string {
	if i := strings.IndexByte(text, '\\'); i >= 0 && text[i+1:] == spaces94[:len(text)-i-1] {
		return text[:i+1]
	}
	return trimRight(text)
}

// setBase fills the entry-level fields of p (a zeroed payment) in place:
// building it on the stack and copying it would move ~420 bytes through
// write barriers for every payment.
func setBase(p *withholding.Payment, e *Entry, kind withholding.PaymentKind, code string, trace withholding.TraceNumber) {
	b := e.Batch
	p.Line = e.Line
	p.Batch = b.Number
	p.Trace = trace
	p.SEC = b.SEC
	p.TransactionCode = e.TransactionCode
	p.CompanyID = b.CompanyID
	p.CompanyName = b.CompanyName
	p.EffectiveDate = b.EffectiveDate
	p.EntryAmount = e.Amount
	p.Kind = kind
	// The code is a slice of the addenda record, in a buffer the reader
	// reuses.
	p.ReturnCode = strings.Clone(code)
	p.Problems = []string{}
	p.FEIN = b.fein()
}

func entryPayments(e *Entry, prof Profile, ar *arena, yield func(*withholding.Payment) bool) bool {
	if why := e.Batch.effectiveProblem; why != "" {
		inner := yield
		yield = func(p *withholding.Payment) bool {
			p.Problems = append(p.Problems, why)
			return inner(p)
		}
	}
	kind, code := Classify(e)
	var otherProblems []string
	if kind == withholding.KindOther {
		otherProblems = []string{otherReason(e)}
	}
	if e.Batch.SEC != moov.CTX && len(e.Addenda) > 0 && (kind == withholding.KindPayment || kind == withholding.KindPrenote) {
		// The hot path: one CCD+ entry, one DED. The trace and the addenda
		// text are copied out of the reader's buffers together, without
		// the trailing spaces (ParseDED ignores them).
		text := dedText(e.Addenda[0].Text)
		both := ar.str2(string(e.Trace), text)
		p := ar.payment()
		setBase(p, e, kind, code, withholding.TraceNumber(both[:len(e.Trace)]))
		d := ParseDED(both[len(e.Trace):], prof)
		setDED(p, &d)
		if kind == withholding.KindPayment && d.Amount != e.Amount && len(d.Problems) == 0 {
			d.problem("DED04 amount " + d.Amount.String() + " does not match the entry amount " + e.Amount.String())
			p.Problems = d.Problems
		}
		if kind == withholding.KindPrenote {
			// A prenote tests the account; its addenda is informational.
			p.Problems, p.Warnings = []string{}, nil
		} else {
			// What the bank credited, whatever the DED claims (a shifted
			// element can put a date or an SSN in DED04).
			p.Credited = e.Amount
			prof.PayDates.check(p)
		}
		return yield(p)
	}
	trace := withholding.TraceNumber(ar.str(string(e.Trace)))
	if kind != withholding.KindPayment && kind != withholding.KindPrenote || len(e.Addenda) == 0 {
		// Returns, NOCs and other entries are reported with their addenda
		// text and any DED it holds, not parsed for posting.
		p := ar.payment()
		setBase(p, e, kind, code, trace)
		if otherProblems != nil {
			p.Problems = otherProblems
		}
		p.Raw = ar.str(trimRight(e.PaymentText()))
		if kind == withholding.KindOther && len(e.Addenda) > 0 && e.Addenda[0].Type == "05" && e.Batch.SEC != moov.CTX {
			d := ParseDED(p.Raw, prof)
			if d.ApplicationID != "" {
				setDED(p, &d)
				p.Problems = otherProblems
				p.Warnings = nil
			}
		}
		return yield(p)
	}
	// CTX.
	text := e.PaymentText()
	if len(e.Addenda) == 1 {
		text = ar.str(text)
	}
	env := ParseCTX(text, e.Amount, prof)
	if len(env.DEDs) == 0 {
		p := ar.payment()
		setBase(p, e, kind, code, trace)
		p.Raw = trimRight(text)
		p.Problems = append(p.Problems, env.Problems...)
		p.Problems = append(p.Problems, "820: no DED segment")
		p.Warnings = env.Warnings
		if kind == withholding.KindPayment {
			p.Credited = e.Amount
		}
		return yield(p)
	}
	agree := DEDsAddUp(e.Amount, env.DEDs)
	for i := range env.DEDs {
		d := &env.DEDs[i]
		p := ar.payment()
		setBase(p, e, kind, code, trace)
		p.Problems = nil
		setDED(p, d)
		if kind == withholding.KindPayment {
			p.Credited = CTXShare(e.Amount, d.Amount, i, agree)
		}
		p.Problems = append(append(make([]string, 0, len(env.Problems)+len(d.Problems)), env.Problems...), d.Problems...)
		if len(env.Warnings) > 0 {
			p.Warnings = append(append([]string(nil), env.Warnings...), d.Warnings...)
		}
		if kind == withholding.KindPayment {
			prof.PayDates.check(p)
		}
		if !yield(p) {
			return false
		}
	}
	return true
}

// DEDsAddUp reports whether the DEDs of a CTX entry add up to its amount,
// none negative: then each DED stands for its own DED04 (see CTXShare).
func DEDsAddUp(entry withholding.Cents, deds []DED) bool {
	var sum withholding.Cents
	for i := range deds {
		if deds[i].Amount < 0 {
			return false
		}
		sum += deds[i].Amount
	}
	return sum == entry
}

// CTXShare is the part of a CTX entry's credited amount that its DED i
// (claiming amount) stands for; agree is DEDsAddUp for the entry. When the
// DEDs add up, each stands for its own DED04. When they do not, ParseCTX
// has flagged every DED of the entry, so none posts, and the whole entry
// amount is the first DED's share and the others' zero: the entry's money
// is accounted for exactly once, held on one payment, whatever the DEDs
// claim. (Our choice; the convention does not say. README decisions.)
func CTXShare(entry, amount withholding.Cents, i int, agree bool) withholding.Cents {
	switch {
	case agree:
		return amount
	case i == 0:
		return entry
	}
	return 0
}

// setDED copies the DED fields into p.
func setDED(p *withholding.Payment, d *DED) {
	p.ApplicationID = d.ApplicationID
	p.RemittanceID = d.CaseID
	p.PayDate = d.PayDate
	p.Amount = d.Amount
	p.SSN = d.SSN
	p.Medical = d.Medical
	p.Name = d.Name
	p.FIPS = d.FIPS
	p.Termination = d.Termination
	p.Raw = d.Raw
	if d.Problems != nil {
		p.Problems = d.Problems
	} else if p.Problems == nil {
		p.Problems = []string{}
	}
	p.Warnings = d.Warnings
}

// fein returns the FEIN in the batch's company ID; the reader works it out
// once per batch.
func (b *BatchHeader) fein() withholding.FEIN {
	if b.feinSet {
		return b.feinVal
	}
	return feinOf(b.CompanyID)
}

// feinOf returns the FEIN in a company ID written "1"+FEIN (or as nine
// digits), else "".
func feinOf(id string) withholding.FEIN {
	switch {
	case len(id) == 10 && id[0] == '1':
		if f := withholding.FEIN(id[1:]); f.Valid() {
			return f
		}
	case len(id) == 9:
		if f := withholding.FEIN(id); f.Valid() {
			return f
		}
	}
	return ""
}

// PayDateWindow is how far a DED03 pay date may lie from the entry's
// settlement date before the payment carries a warning: an employer remits
// within days of a payday (federal rules: seven business days), so a pay
// date years ahead is a typo (2062 for 2026) and one far behind a late or
// re-sent remittance, either worth a look. A warning holds nothing: the
// payment posts. The zero value is the default window.
type PayDateWindow struct {
	// Ahead and Behind are days after and before the settlement date;
	// zero means DefaultPayDateAhead and DefaultPayDateBehind.
	Ahead, Behind int
}

// The default pay-date window (a setting: remittances.pay_date_window in
// the configuration). A pay date somewhat after settlement happens when a
// payroll is funded before payday; a year back covers late remittances
// that are still plausible.
const (
	DefaultPayDateAhead  = 31
	DefaultPayDateBehind = 366
)

// check adds a warning to p when its pay date lies outside the window
// around its settlement (effective) date.
func (w PayDateWindow) check(p *withholding.Payment) {
	if p.PayDate.IsZero() || p.EffectiveDate.IsZero() {
		return
	}
	ahead, behind := w.Ahead, w.Behind
	if ahead == 0 {
		ahead = DefaultPayDateAhead
	}
	if behind == 0 {
		behind = DefaultPayDateBehind
	}
	switch n := p.EffectiveDate.DaysUntil(p.PayDate); {
	case n > ahead:
		p.Warnings = append(p.Warnings, fmt.Sprintf("DED03 pay date %s is %d days after the entry settled (%s): a typo, or a payday not yet come", p.PayDate, n, p.EffectiveDate))
	case -n > behind:
		p.Warnings = append(p.Warnings, fmt.Sprintf("DED03 pay date %s is %d days before the entry settled (%s): a late or re-sent remittance", p.PayDate, -n, p.EffectiveDate))
	}
}
