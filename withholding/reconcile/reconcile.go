package reconcile

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// Input is everything one night's reconciliation looks at.
type Input struct {
	// RunDate is the business day being reconciled, as a calendar day in
	// the agency's time zone. Payments that settled on it are expected to
	// be among Payments.
	RunDate withholding.Date
	// Location is the agency's time zone, used to turn instants (when an
	// IWO was sent) into calendar days. nil means UTC.
	Location *time.Location
	// Calendar tells business days (nil = Monday to Friday, no holidays).
	Calendar withholding.Calendar
	Settings Settings

	// Orders are every order (any status), read once: the run keeps only
	// the few fields it needs of each and not the order itself, so the
	// sequence may reuse one Order for every row. Of an order it reads
	// the identifiers, the obligor's name and SSN, PayeeFIPS, Amounts,
	// StartDate, EndDate and Status (a withholding.OrderFilter.Brief
	// listing). Employers give pay schedules.
	Orders iter.Seq2[*withholding.Order, error]
	// MoreOrders, when not nil, are more orders, read beside Orders on a
	// goroutine of its own and kept after them: a listing of every order
	// split in two (by ID, the lower half in Orders), so that a state's
	// million orders are read through the database driver on two cores.
	MoreOrders iter.Seq2[*withholding.Order, error]
	Employers  []*withholding.Employer

	// Payments are the entries to reconcile tonight (all kinds: payments,
	// prenotes, returns, NOCs). They should already be stored, so that
	// their IDs are stable: exception keys are built from them.
	Payments iter.Seq2[*withholding.Payment, error]
	// History are payments from earlier nights, at least Settings.Lookback
	// days of them, for duplicates, missing payments and medical indicator
	// changes. They produce no exceptions themselves. nil means none.
	History iter.Seq2[*withholding.Payment, error]

	// Documents are the IWOs sent that were rejected or flagged by the
	// portal recently, and those still waiting for an answer; of these,
	// only the ones sent before AckOverdueBefore raise anything, and a
	// caller may leave the others out. Acknowledgments are not an input: the
	// pull-acks job records their findings as it applies their file
	// (withholding.AckFindings). Read once, at the end, and not kept; nil
	// means none.
	Documents iter.Seq2[*withholding.Document, error]

	// Served is the day each order's IWO was sent (its first, the ORG),
	// by Order.ID, for the accepted IWOs sent in the last Settings.Lookback
	// plus withholding.DefaultBeginWithinDays days: the IWO tells the
	// employer to begin withholding within that many days of it, so no
	// payment is missing for a pay date before then (see missing). An
	// order not in it is expected to pay from its StartDate. nil means
	// none.
	Served map[int64]withholding.Date
}

// ServedSince is the earliest IWO send time that can still move a missing
// payment check of a night on runDate (Input.Served): pay dates before the
// lookback are not checked, and an IWO sent DefaultBeginWithinDays
// (withholding) before them asks for all of them.
func ServedSince(runDate withholding.Date, lookback int, loc *time.Location) time.Time {
	if lookback <= 0 {
		lookback = DefaultLookback
	}
	return runDate.AddDays(-lookback - withholding.DefaultBeginWithinDays).Time(loc)
}

// AckOverdueBefore is the send time before which an IWO still not
// answered on runDate is past its acknowledgment deadline (set's
// AckDeadline calendar days after the day it was sent, in loc): the
// documents Input.Documents must hold unanswered, as Run raises
// ExIWONoAck for exactly those.
func AckOverdueBefore(runDate withholding.Date, set Settings, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return runDate.AddDays(-set.withDefaults().AckDeadline).Time(loc)
}

// Match records that a payment was posted to an order.
type Match struct {
	PaymentID int64              `json:"payment_id"`
	OrderRef  int64              `json:"order_ref"` // Order.ID
	CaseID    withholding.CaseID `json:"case_id"`
	Amount    withholding.Cents  `json:"amount_cents"`
	By        MatchRule          `json:"by"`
}

// Hold records that a payment was not posted, and the exception that holds
// it.
type Hold struct {
	PaymentID int64                     `json:"payment_id"`
	OrderRef  int64                     `json:"order_ref,omitempty"` // the order it matched, if any
	CaseID    withholding.CaseID        `json:"case_id,omitempty"`
	Type      withholding.ExceptionType `json:"type"`
	Key       string                    `json:"key"` // the exception's Key
}

// Stats count what a run saw.
type Stats struct {
	Payments int `json:"payments"` // child support payments reconciled
	// Amount is the money credited for them (Payment.Credited): Posted,
	// Held and Zero payments' amounts add up to it.
	Amount       withholding.Cents `json:"amount_cents"`
	Posted       int               `json:"posted"`
	PostedAmount withholding.Cents `json:"posted_cents"`
	Held         int               `json:"held"` // matched or not, not posted: they wait in an exception
	HeldAmount   withholding.Cents `json:"held_cents"`
	// Zero counts zero-dollar remittances without termination: nothing to
	// post (they are also in Ignored, as before).
	Zero     int `json:"zero"`
	Returns  int `json:"returns"`
	NOCs     int `json:"nocs"`
	Prenotes int `json:"prenotes"`
	Ignored  int `json:"ignored"` // zero-dollar entries without termination, non-child-support entries
}

// Result is what a run found.
type Result struct {
	// Exceptions are tonight's findings, each with a stable Key: the same
	// finding on a re-run has the same Key, so the store keeps one.
	// Status is open and OpenedOn the run date. They are kept compressed,
	// to be read once by the store.
	Exceptions *Exceptions
	// Matches are the payments posted to an order.
	Matches []Match
	// Held are tonight's payments not posted, one per payment, in the
	// order they were read.
	Held []Hold
	// Zero are tonight's zero-dollar remittances without termination
	// (payment IDs): nothing to post or hold.
	Zero []int64
	// Cleared lists keys of missing-payment exceptions that tonight's late
	// payments satisfied; the job may resolve them.
	Cleared []string
	Stats   Stats
}

// Postings returns what happened to each of tonight's payments, posted
// (Matches) or held (Held), as recorded on runDate: made one at a time as
// the store writes them, rather than a slice of a night's 250,000.
func (r *Result) Postings(runDate withholding.Date) iter.Seq[*withholding.Posting] {
	return func(yield func(*withholding.Posting) bool) {
		for _, m := range r.Matches {
			if !yield(&withholding.Posting{PaymentID: m.PaymentID, Status: withholding.PostingPosted, OrderRef: m.OrderRef, CaseID: m.CaseID, RunDate: runDate, MatchedBy: string(m.By)}) {
				return
			}
		}
		for _, h := range r.Held {
			if !yield(&withholding.Posting{PaymentID: h.PaymentID, Status: withholding.PostingHeld, OrderRef: h.OrderRef, CaseID: h.CaseID, Reason: h.Type, ExceptionKey: h.Key, RunDate: runDate}) {
				return
			}
		}
		for _, id := range r.Zero {
			if !yield(&withholding.Posting{PaymentID: id, Status: withholding.PostingZero, RunDate: runDate}) {
				return
			}
		}
	}
}

// Run reconciles one night. It streams Orders, Payments, History and
// Documents once each, so memory grows with the number of orders (about
// 200 bytes each with the indexes) and of matched payments, not with whole
// records. It returns early with ctx's error when ctx ends, and with the
// sequence's error when reading fails.
func Run(ctx context.Context, in Input) (*Result, error) {
	if err := in.Settings.Validate(); err != nil {
		return nil, err
	}
	if in.RunDate.IsZero() {
		return nil, withholding.Errorf(withholding.EINVALID, "reconcile: no run date")
	}
	r, err := newRun(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("reconcile orders: %w", err)
	}
	if in.History != nil {
		if err := r.each(ctx, in.History, false); err != nil {
			return nil, fmt.Errorf("reconcile history: %w", err)
		}
	}
	if in.Payments != nil {
		if err := r.each(ctx, in.Payments, true); err != nil {
			return nil, fmt.Errorf("reconcile payments: %w", err)
		}
	}
	r.partialCTX()
	if err := r.missing(ctx); err != nil {
		return nil, err
	}
	if err := r.documents(ctx); err != nil {
		return nil, fmt.Errorf("reconcile documents: %w", err)
	}
	// Return a copy: a pointer into the run would keep its indexes and
	// per-order state alive for as long as the caller keeps the result.
	r.res.Exceptions.close()
	if err := r.res.Exceptions.err; err != nil {
		return nil, err
	}
	res := r.res
	res.Matches = r.matches()
	return &res, nil
}

// each feeds a payment sequence through the rules.
func (r *run) each(ctx context.Context, seq iter.Seq2[*withholding.Payment, error], tonight bool) error {
	return each(ctx, seq, func(p *withholding.Payment) { r.payment(p, tonight) })
}

// each calls f for every value of seq, stopping at its first error or when
// ctx ends.
func each[T any](ctx context.Context, seq iter.Seq2[T, error], f func(T)) error {
	n := 0
	for v, err := range seq {
		if err != nil {
			return err
		}
		if n++; n&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		f(v)
	}
	return ctx.Err()
}

// ctxEntry tracks the DEDs of one CTX entry.
type ctxEntry struct {
	ids            []int64
	posted, failed int
	unposted       withholding.Cents
	entry          withholding.Cents
	fein           withholding.FEIN
	fileID         int64
	trace          withholding.TraceNumber
}

type ctxKey struct {
	file  int64
	trace withholding.TraceNumber
	batch int
}

type run struct {
	in  Input
	set Settings
	cal withholding.Calendar
	loc *time.Location
	idx *index
	// orders are Input.Orders as the run keeps them; an order's place in
	// it is its place in st and in the index.
	orders *orderList
	st     []orderState
	ctx    map[ctxKey]*ctxEntry
	seen   map[string]bool
	dues   map[withholding.Date]withholding.Date
	res    Result

	receipts chunks[receipt]
	postings chunks[posting]
	senders  map[string]int32
}

func newRun(ctx context.Context, in Input) (*run, error) {
	r := &run{
		in:   in,
		set:  in.Settings.withDefaults(),
		loc:  in.Location,
		ctx:  map[ctxKey]*ctxEntry{},
		seen: map[string]bool{},
		dues: map[withholding.Date]withholding.Date{},

		senders: map[string]int32{},
	}
	r.res.Exceptions = &Exceptions{}
	if r.loc == nil {
		r.loc = time.UTC
	}
	var c withholding.Calendar = withholding.Weekdays{}
	if in.Calendar != nil {
		c = in.Calendar
	}
	r.cal = &memoCalendar{c: c, m: map[withholding.Date]bool{}}
	r.orders = newOrderList(in.Employers)
	if err := readOrders(ctx, in, r.orders); err != nil {
		return nil, err
	}
	r.idx = newIndex(r.orders, r.set.Match, r.set.IDOrder)
	r.st = make([]orderState, r.orders.len())
	return r, nil
}

// readOrders reads in.Orders into l, and in.MoreOrders at the same time
// into a list of their own, added after. The first read that fails stops
// the other and is the error.
func readOrders(ctx context.Context, in Input, l *orderList) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// read reads seq into into; a failure stops the other read, which
	// then ends with the failure as its context's cause.
	read := func(seq iter.Seq2[*withholding.Order, error], into *orderList) error {
		if seq == nil {
			return nil
		}
		err := each(ctx, seq, into.add)
		if err != nil {
			cancel(err)
		}
		return err
	}
	var (
		more    *orderList
		moreErr error
		wg      sync.WaitGroup
	)
	if in.MoreOrders != nil {
		more = newOrderList(in.Employers)
		wg.Go(func() { moreErr = read(in.MoreOrders, more) })
	}
	err := read(in.Orders, l)
	wg.Wait()
	if err = cmp.Or(err, moreErr); err != nil {
		return cmp.Or(context.Cause(ctx), err)
	}
	if more != nil {
		l.append(more)
	}
	return nil
}

// due returns the remittance deadline of a pay date, remembered: a night's
// payments share a few dozen pay dates.
func (r *run) due(pd withholding.Date) withholding.Date {
	d, ok := r.dues[pd]
	if !ok {
		d = withholding.AddBusinessDays(r.cal, pd, r.set.RemitWindow)
		r.dues[pd] = d
	}
	return d
}

// memoCalendar remembers a calendar's answers: a night asks about the same
// few hundred days millions of times.
type memoCalendar struct {
	c withholding.Calendar
	m map[withholding.Date]bool
}

func (m *memoCalendar) IsBusinessDay(d withholding.Date) bool {
	v, ok := m.m[d]
	if !ok {
		v = m.c.IsBusinessDay(d)
		m.m[d] = v
	}
	return v
}

// add records an exception unless one with its key was already added. e
// is encoded as it is: nothing may change it afterwards.
func (r *run) add(e *withholding.Exception) {
	if r.seen[e.Key] {
		return
	}
	r.seen[e.Key] = true
	e.Status = withholding.ExceptionOpen
	e.OpenedOn = r.in.RunDate
	r.res.Exceptions.add(e)
}

// payKey identifies a payment in exception keys: its store ID, or where it
// sits in its file when it has none.
func payKey(p *withholding.Payment) string {
	if p.ID != 0 {
		return "p" + strconv.FormatInt(p.ID, 10)
	}
	return fmt.Sprintf("f%d:l%d:%s:%s", p.FileID, p.Line, p.Trace, p.RemittanceID)
}

func key(parts ...string) string { return strings.Join(parts, "|") }

// dayNumber numbers calendar days (days since 1970-01-01).
func dayNumber(d withholding.Date) int32 {
	return int32(d.Time(time.UTC).Unix() / 86400)
}

// payException starts an exception about payment p.
func payException(t withholding.ExceptionType, sev withholding.Severity, p *withholding.Payment) *withholding.Exception {
	e := &withholding.Exception{
		Type:     t,
		Severity: sev,
		Key:      key(string(t), payKey(p)),
		FEIN:     p.FEIN,
		SSN:      p.SSN,
		FileID:   p.FileID,
		Amount:   p.Credited,
		DueDate:  p.PayDate,
	}
	if p.ID != 0 {
		e.PaymentIDs = []int64{p.ID}
	}
	return e
}

// describe names a payment for messages: amount, case, pay date, file.
func describe(p *withholding.Payment) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Payment of %s", p.Amount.Dollars())
	if p.RemittanceID != "" {
		fmt.Fprintf(&b, " for case %s", p.RemittanceID)
	}
	if !p.PayDate.IsZero() {
		fmt.Fprintf(&b, " (pay date %s)", p.PayDate)
	}
	if p.CompanyName != "" {
		fmt.Fprintf(&b, " from %s", strings.TrimSpace(p.CompanyName))
	} else if p.FEIN != "" {
		fmt.Fprintf(&b, " from FEIN %s", p.FEIN)
	}
	fmt.Fprintf(&b, ", trace %s in file %d", p.Trace, p.FileID)
	return b.String()
}

// payment applies the payment rules to p. History payments (tonight false)
// only teach the run what was received before.
func (r *run) payment(p *withholding.Payment, tonight bool) {
	switch p.Kind {
	case withholding.KindReturn:
		if tonight {
			r.res.Stats.Returns++
			r.returned(p)
		}
		return
	case withholding.KindNOC:
		if tonight {
			r.res.Stats.NOCs++
			r.noc(p)
		}
		return
	case withholding.KindPrenote:
		if tonight {
			r.res.Stats.Prenotes++
		}
		return
	case withholding.KindPayment:
	default:
		if tonight {
			r.res.Stats.Ignored++
		}
		return
	}
	if tonight {
		r.res.Stats.Payments++
		r.res.Stats.Amount += p.Credited
	}
	if len(p.Problems) > 0 {
		if tonight {
			e := payException(withholding.ExBadPayment, withholding.SeverityHigh, p)
			e.Message = fmt.Sprintf("%s could not be read: %s.", describe(p), strings.Join(p.Problems, "; "))
			e.SuggestedAction = "Hold the money in suspense. Read the raw addenda on the payment, identify the case by hand if possible, and contact the employer to fix its DED format."
			r.add(e)
			r.hold(p, e)
		}
		return
	}
	if p.Amount == 0 && !p.Termination {
		// A zero-dollar entry without termination carries nothing to post
		// (ded-remittance.md §9 #15).
		if tonight {
			r.res.Stats.Ignored++
			if p.Credited == 0 && p.ID != 0 {
				r.res.Stats.Zero++
				r.res.Zero = append(r.res.Zero, p.ID)
			}
		}
		return
	}

	oi, by, why := r.idx.match(p)
	if oi < 0 {
		if tonight {
			e := payException(withholding.ExUnidentified, withholding.SeverityHigh, p)
			e.CaseID = withholding.CaseID(p.RemittanceID)
			e.Message = fmt.Sprintf("%s matches no order: %s.", describe(p), why)
			e.SuggestedAction = "Hold the money in suspense. Research the case by SSN, name and FIPS; contact the employer for the remittance ID; return the payment (R23 or refund) only after the research period."
			r.add(e)
			r.hold(p, e)
		}
		return
	}
	o := r.orders.at(int32(oi))
	st := &r.st[oi]
	day := dayNumber(p.PayDate)
	from := r.sender(p)
	rc := receipt{day: day, amount: p.Amount, id: p.ID, from: from}

	if !tonight {
		r.receive(oi, rc)
		if m := medicalByte(p.Medical); m != 0 && day >= st.medicalDay {
			st.medical, st.medicalDay = m, day
		}
		return
	}

	base := func(t withholding.ExceptionType, sev withholding.Severity) *withholding.Exception {
		e := payException(t, sev, p)
		e.CaseID, e.OrderRef = o.CaseID, o.ID
		if e.FEIN == "" {
			e.FEIN = o.EmployerFEIN
		}
		return e
	}

	// Duplicate: same order, pay date and amount from the same employer as
	// a payment already received (tonight or before).
	if !p.PayDate.IsZero() {
		var dup *receipt
		r.eachReceipt(oi, func(rc *receipt) bool {
			if rc.day == day && rc.amount == p.Amount && rc.from == from {
				dup = rc
			}
			return dup == nil
		})
		if dup != nil {
			e := base(withholding.ExDuplicatePayment, withholding.SeverityHigh)
			e.Key = key(string(withholding.ExDuplicatePayment), string(o.CaseID), p.PayDate.String(), p.Amount.String(), payKey(p))
			if dup.id != 0 && p.ID != 0 {
				e.PaymentIDs = []int64{dup.id, p.ID}
			}
			e.Message = fmt.Sprintf("%s repeats payment %d: same case, pay date and amount from the same employer.", describe(p), dup.id)
			e.SuggestedAction = "Hold the second payment. Confirm with the employer whether it was sent twice; refund it or apply it as a prepayment per state policy."
			r.add(e)
			r.hold(p, e)
			return
		}
	}
	r.receive(oi, rc)

	// Conflicting identifiers: do not post (two identifiers must agree).
	if by != MatchSSN && p.SSN.Valid() && o.SSN.Valid() && p.SSN != o.SSN {
		e := base(withholding.ExSSNMismatch, withholding.SeverityHigh)
		e.Message = fmt.Sprintf("%s matched case %s by %s, but the SSN sent (%s) is not the obligor's (%s).", describe(p), o.CaseID, by, p.SSN, o.SSN)
		e.SuggestedAction = "Hold the money in suspense. Verify the employee with the employer; post to the case only once the case and SSN agree, or move it to the right case."
		r.add(e)
		r.hold(p, e)
		return
	}

	switch o.Status {
	case withholding.StatusTerminated, withholding.StatusRejected:
		e := base(withholding.ExPaymentOnClosed, withholding.SeverityHigh)
		e.Message = fmt.Sprintf("%s is for an order that is %s.", describe(p), o.Status)
		e.SuggestedAction = "Hold the money. Check whether the order should be reopened (employee back at work, new IWO); otherwise refund the employer and tell it to stop withholding."
		r.add(e)
		r.hold(p, e)
		return
	case withholding.StatusSent, withholding.StatusPending:
		e := base(withholding.ExPaymentOnClosed, withholding.SeverityMedium)
		e.Message = fmt.Sprintf("%s was posted to an order whose IWO the employer never acknowledged (status %s).", describe(p), o.Status)
		e.SuggestedAction = "The payment was posted. Ask the employer to send the acknowledgment for the IWO so the order's status is right."
		r.add(e)
	}

	r.post(p, oi, by)
	if by != MatchCase {
		r.caseIDCorrected(p, &o, by, base)
	}

	emp := o.employer
	if p.FEIN != "" && o.EmployerFEIN != "" && p.FEIN != o.EmployerFEIN {
		e := base(withholding.ExEmployerMismatch, withholding.SeverityMedium)
		e.Message = fmt.Sprintf("%s came from FEIN %s, but the order is with FEIN %s.", describe(p), p.FEIN, o.EmployerFEIN)
		e.SuggestedAction = "The payment was posted. Confirm where the obligor works now; send an IWO to the new employer and end the old one if the employee moved."
		r.add(e)
	} else if emp != nil && emp.PayFrequency.Valid() && p.Amount > 0 {
		r.amount(p, &o, emp, base)
	}

	if !p.PayDate.IsZero() && !p.EffectiveDate.IsZero() {
		due := r.due(p.PayDate)
		if p.EffectiveDate.After(due) {
			e := base(withholding.ExLatePayment, withholding.SeverityLow)
			e.DueDate = due
			e.Message = fmt.Sprintf("%s arrived %s, after its due date %s (%d business days after the pay date).", describe(p), p.EffectiveDate, due, r.set.RemitWindow)
			e.SuggestedAction = "Record it for employer compliance follow-up; remind the employer of the remittance deadline if it repeats."
			r.add(e)
			if emp != nil {
				for _, pd := range withholding.PayDates(emp.PayFrequency, emp.PayAnchor, p.PayDate.AddDays(-r.set.PayDateSlack), p.PayDate.AddDays(r.set.PayDateSlack)) {
					r.res.Cleared = append(r.res.Cleared, missingKey(&o, pd))
				}
			}
		}
	}

	if p.Termination {
		e := base(withholding.ExTerminationFlag, withholding.SeverityHigh)
		e.Message = fmt.Sprintf("%s carries the termination indicator (DED09 = Y): the employer says the employee left.", describe(p))
		e.SuggestedAction = "Alert the caseworker: ask the employer for the written termination notice, end the IWO with this employer (send TRM), and start a locate for a new employer."
		r.add(e)
	}

	if m := medicalByte(p.Medical); m != 0 {
		if st.medical != 0 && st.medical != m {
			e := base(withholding.ExMedicalChange, withholding.SeverityMedium)
			e.Message = fmt.Sprintf("%s changes the medical indicator (DED06) from %c to %c.", describe(p), st.medical, m)
			e.SuggestedAction = "Alert the caseworker to check the child's health coverage: send or enforce a National Medical Support Notice if coverage was dropped."
			r.add(e)
		}
		if day >= st.medicalDay {
			st.medical, st.medicalDay = m, day
		}
	}
}

func medicalByte(s string) byte {
	if len(s) == 1 && (s[0] == 'Y' || s[0] == 'N' || s[0] == 'W') {
		return s[0]
	}
	return 0
}

// amount compares a payment with the order's per-pay amount for the
// employer's pay frequency.
func (r *run) amount(p *withholding.Payment, o *order, emp *withholding.Employer, base func(withholding.ExceptionType, withholding.Severity) *withholding.Exception) {
	want := o.perPay
	if want <= 0 {
		return
	}
	diff := p.Amount - want
	switch {
	case diff < -r.set.Tolerance:
		if p.Termination {
			return // a final payment may cover part of a period
		}
		e := base(withholding.ExShortPayment, withholding.SeverityMedium)
		e.Expected = want
		e.Message = fmt.Sprintf("%s is %s short of the %s the order requires per %s pay.", describe(p), (-diff).Dollars(), want.Dollars(), emp.PayFrequency)
		e.SuggestedAction = "Check with the employer whether the withholding limit (CCPA) reduced it or payroll has the wrong amount; send an amended IWO if the amounts on file are wrong."
		r.add(e)
	case diff > r.set.Tolerance:
		e := base(withholding.ExOverPayment, withholding.SeverityMedium)
		e.Expected = want
		e.Message = fmt.Sprintf("%s is %s more than the %s the order requires per %s pay.", describe(p), diff.Dollars(), want.Dollars(), emp.PayFrequency)
		e.SuggestedAction = "Post the ordered amount and hold the excess; ask the employer to correct payroll, and refund or apply the excess per state policy."
		r.add(e)
	}
}

// caseIDCorrected tells staff, and the employer on its statement, that a
// payment matched by a fallback rule (SSN, name and FIPS) carried a case
// identifier that is not its order's: without it the employer would keep
// sending the wrong one, and the payment would post silently each time.
// One exception per employer, identifier sent and order, so a payroll that
// repeats the mistake every pay is one item until it is fixed.
func (r *run) caseIDCorrected(p *withholding.Payment, o *order, by MatchRule, base func(withholding.ExceptionType, withholding.Severity) *withholding.Exception) {
	want := o.RemittanceID
	if want == "" {
		want = withholding.RemittanceID(o.CaseID)
	}
	if p.RemittanceID == want || withholding.CaseID(p.RemittanceID) == o.CaseID {
		return
	}
	e := base(withholding.ExCaseIDCorrected, withholding.SeverityLow)
	e.Key = key(string(withholding.ExCaseIDCorrected), string(e.FEIN), string(p.RemittanceID), string(o.CaseID))
	sent := strconv.Quote(string(p.RemittanceID))
	if p.RemittanceID == "" {
		sent = "no case identifier"
	}
	e.Message = fmt.Sprintf("%s was posted to case %s by %s, but the employer sent %s instead of the order's remittance ID %s.", describe(p), o.CaseID, ruleText(by), sent, want)
	e.SuggestedAction = fmt.Sprintf("The payment was posted. Ask the employer to send remittance ID %s in DED02 for this employee; resolve once its payments carry it.", want)
	r.add(e)
}

// ruleText says how a match was made, for messages.
func ruleText(by MatchRule) string {
	switch by {
	case MatchSSN:
		return "the employee's SSN"
	case MatchNameFIPS:
		return "the employee's name and FIPS code"
	}
	return string(by)
}

// post records a match, and a posted DED of a CTX entry.
func (r *run) post(p *withholding.Payment, oi int, by MatchRule) {
	r.postings.add(posting{payment: p.ID, amount: p.Credited, order: int32(oi), rule: uint8(slices.Index(r.idx.rules, by))})
	r.res.Stats.Posted++
	r.res.Stats.PostedAmount += p.Credited
	if c := r.ctxEntry(p); c != nil {
		c.posted++
	}
}

// hold records a payment that was not posted, held by exception e.
func (r *run) hold(p *withholding.Payment, e *withholding.Exception) {
	r.res.Stats.Held++
	r.res.Stats.HeldAmount += p.Credited
	h := Hold{PaymentID: p.ID, Type: e.Type, Key: e.Key}
	if e.OrderRef != 0 {
		h.OrderRef, h.CaseID = e.OrderRef, e.CaseID
	}
	r.res.Held = append(r.res.Held, h)
	if c := r.ctxEntry(p); c != nil {
		c.failed++
		c.unposted += p.Credited
	}
}

func (r *run) ctxEntry(p *withholding.Payment) *ctxEntry {
	if p.SEC != "CTX" {
		return nil
	}
	k := ctxKey{p.FileID, p.Trace, p.Batch}
	c := r.ctx[k]
	if c == nil {
		c = &ctxEntry{entry: p.EntryAmount, fein: p.FEIN, fileID: p.FileID, trace: p.Trace}
		r.ctx[k] = c
	}
	if p.ID != 0 {
		c.ids = append(c.ids, p.ID)
	}
	return c
}

// partialCTX reports CTX entries of which some DEDs posted and others did not
// (ded-remittance.md §9 #18: post the good ones, suspense the rest).
func (r *run) partialCTX() {
	for k, c := range r.ctx {
		if c.posted == 0 || c.failed == 0 {
			continue
		}
		r.add(&withholding.Exception{
			Type:            withholding.ExPartialCTX,
			Severity:        withholding.SeverityHigh,
			Key:             key(string(withholding.ExPartialCTX), strconv.FormatInt(k.file, 10), strconv.Itoa(k.batch), string(k.trace)),
			FEIN:            c.fein,
			FileID:          c.fileID,
			PaymentIDs:      c.ids,
			Amount:          c.unposted,
			Expected:        c.entry,
			Message:         fmt.Sprintf("CTX entry %s in file %d (%s): %d of %d remittances posted; %s was not posted.", c.trace, c.fileID, c.entry.Dollars(), c.posted, c.posted+c.failed, c.unposted.Dollars()),
			SuggestedAction: "Leave the posted remittances; work the unposted ones individually from their own exceptions and keep their money in suspense.",
		})
	}
}

func missingKey(o *order, pd withholding.Date) string {
	return key(string(withholding.ExMissingPayment), string(o.CaseID), string(o.EmployerFEIN), pd.String())
}

// missing reports scheduled payments whose due date has passed with nothing
// received for their pay date. Only orders the employer accepted (and
// terminated orders up to their end date) are checked: an IWO never
// acknowledged is reported as such instead.
func (r *run) missing(ctx context.Context) error {
	from := r.in.RunDate.AddDays(-r.set.Lookback)
	slack := int32(r.set.PayDateSlack)
	// Pay dates are worked out once per employer and the expected payments
	// of each order go in one reused slice: per order, they came to a
	// quarter of a gigabyte of garbage on a state's night.
	schedules := map[*withholding.Employer][]withholding.Date{}
	var expected []withholding.Expected
	var full withholding.Order // what AppendExpected reads, for one order at a time
	for i := range int32(r.orders.len()) {
		if i&4095 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		o := r.orders.at(i)
		if o.Status != withholding.StatusAccepted && !(o.Status == withholding.StatusTerminated && !o.EndDate.IsZero()) {
			continue
		}
		emp := o.employer
		if emp == nil {
			continue
		}
		dates, ok := schedules[emp]
		if !ok {
			dates = withholding.PayDates(emp.PayFrequency, emp.PayAnchor, from, r.in.RunDate)
			schedules[emp] = dates
		}
		o.expecting(&full)
		// An employer begins withholding within BeginWithinDays of the
		// IWO (the IWO says so, withholding.DefaultBeginWithinDays): a pay
		// date before then is not a missing payment, whatever the
		// order's start date. README, decisions.
		if served, ok := r.in.Served[o.ID]; ok {
			if begin := served.AddDays(withholding.DefaultBeginWithinDays); begin.After(full.StartDate) {
				full.StartDate = begin
			}
		}
		expected = withholding.AppendExpected(expected[:0], &full, emp, dates, r.due)
		for _, x := range expected {
			if x.Due.After(r.in.RunDate) {
				continue
			}
			d := dayNumber(x.PayDate)
			found := false
			r.eachReceipt(int(i), func(rc *receipt) bool {
				found = rc.day >= d-slack && rc.day <= d+slack
				return !found
			})
			if found {
				continue
			}
			r.add(&withholding.Exception{
				Type:            withholding.ExMissingPayment,
				Severity:        withholding.SeverityHigh,
				Key:             missingKey(&o, x.PayDate),
				CaseID:          o.CaseID,
				OrderRef:        o.ID,
				FEIN:            o.EmployerFEIN,
				SSN:             o.SSN,
				Expected:        x.Amount,
				DueDate:         x.Due,
				Message:         fmt.Sprintf("No payment for case %s from %s for pay date %s: %s was due by %s.", o.CaseID, employerName(emp), x.PayDate, x.Amount.Dollars(), x.Due),
				SuggestedAction: "Contact the employer: ask whether the employee was paid on that date, whether the employee still works there, and when the payment will be sent.",
			})
		}
	}
	return nil
}

func employerName(e *withholding.Employer) string {
	if e.Name != "" {
		return e.Name + " (FEIN " + string(e.FEIN) + ")"
	}
	return "FEIN " + string(e.FEIN)
}

func (r *run) returned(p *withholding.Payment) {
	e := payException(withholding.ExReturn, withholding.SeverityHigh, p)
	e.Amount = p.EntryAmount
	e.CaseID = withholding.CaseID(p.RemittanceID)
	e.Message = fmt.Sprintf("ACH return %s for trace %s (%s) in file %d.", p.ReturnCode, p.Trace, p.EntryAmount.Dollars(), p.FileID)
	e.SuggestedAction = returnAction(p.ReturnCode)
	r.add(e)
}

func (r *run) noc(p *withholding.Payment) {
	e := payException(withholding.ExNOC, withholding.SeverityMedium, p)
	e.Amount = 0
	e.Message = fmt.Sprintf("Notification of change %s for trace %s in file %d: %s", p.ReturnCode, p.Trace, p.FileID, strings.TrimSpace(p.Raw))
	e.SuggestedAction = nocAction(p.ReturnCode)
	r.add(e)
}

// attachOrder fills OrderRef and SSN from the order with e's case and FEIN.
func (r *run) attachOrder(e *withholding.Exception) {
	r.idx.byCase.each(e.CaseID, func(i int32) bool {
		if e.FEIN == "" || r.orders.fein(i) == e.FEIN {
			o := r.orders.at(i)
			e.OrderRef, e.SSN = o.ID, o.SSN
			return false
		}
		return true
	})
}

// documents reports IWOs rejected or flagged and IWOs not acknowledged in
// time. A rejection or portal error has the key pull-acks gave it when it
// recorded the answer (withholding.DocumentFinding), so the store keeps
// that one and this pass only catches answers recorded some other way.
func (r *run) documents(ctx context.Context) error {
	if r.in.Documents == nil {
		return nil
	}
	// Exceptions for documents that name their order get the obligor's SSN
	// from the order, found by ID (byID) before the exception is added: it
	// is encoded as it is added, and a state's first week has a million
	// unanswered IWOs, too many to hold until a pass over the orders.
	var ids *orderIDs
	attach := func(e *withholding.Exception, ref int64) {
		if ref == 0 {
			r.attachOrder(e)
			return
		}
		if ids == nil {
			ids = newOrderIDs(r.orders)
		}
		if i, ok := ids.find(ref); ok {
			e.SSN = r.orders.ssn(i)
		}
	}
	return each(ctx, r.in.Documents, func(d *withholding.Document) {
		switch d.Status {
		case withholding.DispRejected, withholding.DispPortalError:
			e := withholding.DocumentFinding(d)
			attach(e, d.OrderRef)
			r.add(e)
		case "":
			if d.SentAt.IsZero() {
				return
			}
			// The same rule as AckOverdueBefore, by day.
			sent := withholding.DateOf(d.SentAt.In(r.loc))
			deadline := sent.AddDays(r.set.AckDeadline)
			if !r.in.RunDate.After(deadline) {
				return
			}
			e := &withholding.Exception{
				Type:     withholding.ExIWONoAck,
				Severity: withholding.SeverityMedium,
				Key:      key(string(withholding.ExIWONoAck), string(d.TrackingID)),
				CaseID:   d.CaseID,
				OrderRef: d.OrderRef,
				FEIN:     d.FEIN,
				FileID:   d.FileID,
				DueDate:  deadline,
				Message: fmt.Sprintf("%s IWO %s for case %s sent to FEIN %s on %s has no acknowledgment %d days later (deadline %s).",
					d.Action, d.TrackingID, d.CaseID, d.FEIN, sent, sent.DaysUntil(r.in.RunDate), deadline),
				SuggestedAction: "Contact the employer to confirm it received the IWO and ask for the acknowledgment; resend the IWO if it was not received.",
			}
			attach(e, d.OrderRef)
			r.add(e)
		}
	})
}
