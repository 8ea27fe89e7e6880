package jobs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// ResolvedBy is who resolves the missing-payment exceptions that a late
// payment satisfied.
const ResolvedBy = "reconcile"

// Books are the parts of the store reconciliation and the reports read and
// write. *store.DB provides all of them.
type Books struct {
	Orders     withholding.OrderService
	Employers  withholding.EmployerService
	Documents  withholding.DocumentService
	Payments   withholding.PaymentService
	Files      withholding.FileService
	Exceptions withholding.ExceptionService
	// Postings records what reconciliation did with each payment, in the
	// exceptions' transaction.
	Postings withholding.PostingService
	// Runs is the run history: it tells where the previous night's window
	// ended and what the previous night's totals were.
	Runs withholding.JobRunService
}

// Reconcile is the "reconcile" job: it matches tonight's payments to
// orders with withholding/reconcile, records the exceptions it finds and
// each payment's posting (posted to an order, or held) in one transaction
// (PostingService.RecordReconciliation keeps one exception per Key and the
// first posting per payment, so a re-run of the same day adds nothing) and
// resolves the missing-payment exceptions that
// tonight's late payments satisfied.
//
// Tonight's payments are those of the inbound ACH files applied since the
// previous run of an earlier day ended (see the package documentation in
// docs/jobs.md): every payment is reconciled on the night its file is
// applied, whatever its effective date. Payments of earlier files whose
// effective dates fall in the last Settings.Lookback days (plus slack) are
// the history: duplicates, missing payments and medical changes.
type Reconcile struct {
	Books
	Settings reconcile.Settings
	// Calendar tells business days (withholding/calendar.US()); nil is
	// Monday to Friday.
	Calendar withholding.Calendar
	// Env is the clock, the agency's time zone (the run date is its
	// calendar day) and the logger (one line per run).
	Env
}

// Name implements Job.
func (j *Reconcile) Name() string { return JobReconcile }

// Run implements Job. Counts: "payments" reconciled tonight and the
// money credited for them ("payment_cents"), "posted" and "held" (with
// their cents), "zero" (zero-dollar remittances), "exceptions" found,
// "created" (new ones), "resolved", "type:TYPE" per type found. The night
// itself (its window) is recorded in the store with the findings: the next
// night and the report job read it there, not from these counts.
func (j *Reconcile) Run(ctx context.Context) (Result, error) {
	var res Result
	n, err := j.load(ctx)
	if err != nil {
		return res, err
	}
	out, err := reconcile.Run(ctx, n.input)
	if err != nil {
		return res, fmt.Errorf("reconcile %s: %w", n.day, err)
	}
	night := &withholding.Night{Date: n.day, WindowStart: n.since, WindowEnd: n.until}
	created, _, err := j.Postings.RecordReconciliation(ctx, night, out.Exceptions.All(), out.Postings(n.day))
	if err != nil {
		return res, fmt.Errorf("record exceptions and postings: %w", err)
	}
	resolved, err := j.resolve(ctx, out.Cleared)
	res.Add("payments", int64(out.Stats.Payments))
	res.Add("payment_cents", int64(out.Stats.Amount))
	res.Add("posted", int64(out.Stats.Posted))
	res.Add("posted_cents", int64(out.Stats.PostedAmount))
	res.Add("held", int64(out.Stats.Held))
	res.Add("held_cents", int64(out.Stats.HeldAmount))
	res.Add("zero", int64(out.Stats.Zero))
	res.Add("returns", int64(out.Stats.Returns))
	res.Add("nocs", int64(out.Stats.NOCs))
	res.Add("exceptions", int64(out.Exceptions.Len()))
	res.Add("created", int64(created))
	res.Add("resolved", int64(resolved))
	for t, n := range out.Exceptions.Types() {
		res.Add("type:"+string(t), int64(n))
	}
	j.Log().Info("reconciled", "job", JobReconcile, "date", n.day.String(), "files", len(n.files),
		"payments", out.Stats.Payments, "posted", out.Stats.Posted, "held", out.Stats.Held,
		"exceptions", out.Exceptions.Len(), "created", created, "resolved", resolved)
	if err != nil {
		res.Partial = true // the findings are recorded; only some resolutions failed
		return res, err
	}
	return res, nil
}

// resolve marks the open exceptions with the given keys resolved. It looks
// each key up (a few a night) rather than listing every open missing
// payment, which grows with the backlog.
func (j *Reconcile) resolve(ctx context.Context, keys []string) (int, error) {
	if len(keys) == 0 {
		return 0, nil
	}
	open := withholding.ExceptionOpen
	var ids []int64
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		exs, _, err := j.Exceptions.FindExceptions(ctx, withholding.ExceptionFilter{Key: &k, Status: &open, Limit: 1})
		if err != nil {
			return 0, fmt.Errorf("find open missing payment %s: %w", k, err)
		}
		for _, e := range exs {
			ids = append(ids, e.ID)
		}
	}
	resolved := withholding.ExceptionResolved
	note := "a late payment for this pay date arrived"
	var errs []error
	n := 0
	for _, id := range ids {
		if _, err := j.Exceptions.UpdateException(ctx, id, withholding.ExceptionUpdate{Status: &resolved, By: ResolvedBy, Note: &note}); err != nil {
			errs = append(errs, fmt.Errorf("resolve exception %d: %w", id, err))
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// night is what one night's reconciliation reads.
type night struct {
	day   withholding.Date
	since time.Time // the window: files applied after since
	until time.Time // the run's clock
	files []*withholding.File
	input reconcile.Input
}

// load reads the store for tonight's reconciliation.
func (j *Reconcile) load(ctx context.Context) (*night, error) {
	now := j.Now()
	loc := j.Loc()
	n := &night{day: withholding.DateOf(now.In(loc)), until: now}
	set := j.Settings
	lookback := set.Lookback
	if lookback <= 0 {
		lookback = reconcile.DefaultLookback
	}
	since, err := j.windowStart(ctx, n.day, lookback)
	if err != nil {
		return nil, err
	}
	n.since = since

	employers, err := collect(pages(func(off, limit int) ([]*withholding.Employer, int, error) {
		return j.Employers.FindEmployers(ctx, withholding.EmployerFilter{Offset: off, Limit: limit})
	}))
	if err != nil {
		return nil, fmt.Errorf("load employers: %w", err)
	}

	// Tonight's files: applied since the window started. A file applied
	// on an earlier day but moved later is looked at again; its findings
	// have the same keys.
	files, err := collect(pages(func(off, limit int) ([]*withholding.File, int, error) {
		in := withholding.Inbound
		return j.Files.FindFiles(ctx, withholding.FileFilter{Direction: &in, Since: since.AddDate(0, 0, -lookback), Offset: off, Limit: limit})
	}))
	if err != nil {
		return nil, fmt.Errorf("load tonight's files: %w", err)
	}
	var achFiles []int64
	tonight := map[int64]bool{}
	for _, f := range slices.Backward(files) { // oldest first
		if !f.UpdatedAt.After(since) || (f.State != withholding.FileApplied && f.State != withholding.FileArchived) {
			continue
		}
		switch f.Kind {
		case withholding.KindACHFile:
			achFiles = append(achFiles, f.ID)
			tonight[f.ID] = true
		case withholding.KindAckFile, withholding.KindIWOResult:
			// Listed for the report; pull-acks recorded their findings as
			// it applied them, so they are not reconciled again.
		default:
			continue
		}
		n.files = append(n.files, f)
	}

	slack := set.PayDateSlack
	if slack < 0 {
		slack = 0
	} else if slack == 0 {
		slack = reconcile.DefaultPayDateSlack
	}
	histSince := n.day.AddDays(-lookback - slack)
	n.input = reconcile.Input{
		RunDate:  n.day,
		Location: loc,
		Calendar: j.Calendar,
		Settings: set,
		// Orders and documents are streamed: the run keeps a few fields of
		// each order, and of the documents only the exceptions they make.
		// A state's 1,200,000 orders and their IWOs, loaded whole, took 5 GB.
		Employers: employers,
		Payments:  j.filePayments(ctx, achFiles),
		History:   j.history(ctx, histSince, tonight),
		Documents: j.openDocuments(ctx, n.day, now),
	}
	if n.input.Orders, n.input.MoreOrders, err = j.orderHalves(ctx); err != nil {
		return nil, err
	}
	if n.input.Served, err = j.served(ctx, n.day, lookback, loc); err != nil {
		return nil, err
	}
	return n, nil
}

// splitOrders is the fewest orders whose brief listing orderHalves splits
// in two.
var splitOrders = 50_000

// orderHalves returns the brief listing of every order, in two halves by
// ID for reconcile.Input's Orders and MoreOrders: a state's 1.2 million
// orders took 11 s of one core to read through the driver, most of
// reconciliation's night (docs/scaling.md, fix 25). An order added after
// the split is in the upper half, which has no end.
func (j *Reconcile) orderHalves(ctx context.Context) (lower, upper iter.Seq2[*withholding.Order, error], err error) {
	_, n, err := j.Orders.FindOrders(ctx, withholding.OrderFilter{Limit: 1})
	if err != nil {
		return nil, nil, fmt.Errorf("count orders: %w", err)
	}
	all := j.Orders.EachOrder(ctx, withholding.OrderFilter{Brief: true})
	if n < splitOrders {
		return all, nil, nil
	}
	// The middle order without counting the orders a second time.
	var at int64
	for o, err := range j.Orders.EachOrder(ctx, withholding.OrderFilter{Brief: true, Offset: n / 2, Limit: 1}) {
		if err != nil {
			return nil, nil, fmt.Errorf("find the middle order: %w", err)
		}
		at = o.ID
	}
	if at == 0 { // orders removed since they were counted
		return all, nil, nil
	}
	return j.Orders.EachOrder(ctx, withholding.OrderFilter{Brief: true, IDThrough: at}),
		j.Orders.EachOrder(ctx, withholding.OrderFilter{Brief: true, IDAfter: at}), nil
}

// served returns the day each order's accepted IWO was sent, for the IWOs
// sent recently enough to excuse a missing payment (reconcile.Input.Served):
// the accepted ORGs sent since reconcile.ServedSince, a few nights' IWOs.
func (j *Reconcile) served(ctx context.Context, day withholding.Date, lookback int, loc *time.Location) (map[int64]withholding.Date, error) {
	f := withholding.DocumentFilter{Statuses: []withholding.Disposition{withholding.DispAccepted}, SentSince: reconcile.ServedSince(day, lookback, loc)}
	out := map[int64]withholding.Date{}
	for d, err := range j.Documents.EachDocument(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("load the IWOs served: %w", err)
		}
		if d.Action != withholding.ActionOriginal || d.OrderRef == 0 || d.SentAt.IsZero() {
			continue
		}
		sent := withholding.DateOf(d.SentAt.In(loc))
		if s, ok := out[d.OrderRef]; !ok || sent.Before(s) {
			out[d.OrderRef] = sent
		}
	}
	return out, nil
}

// openDocuments streams the documents that reconciliation looks at: the
// recent ones rejected or flagged by the portal, and those not answered
// past their acknowledgment deadline (reconcile.AckOverdueBefore).
// Accepted IWOs raise nothing, nor do those still within their deadline:
// read, they were a state's million IWOs a night in its first weeks
// (docs/scaling.md, fix 24).
func (j *Reconcile) openDocuments(ctx context.Context, day withholding.Date, now time.Time) iter.Seq2[*withholding.Document, error] {
	recent := j.recent(now)
	filters := []withholding.DocumentFilter{
		{Statuses: []withholding.Disposition{withholding.DispRejected, withholding.DispPortalError}},
		{Statuses: []withholding.Disposition{""}, SentBefore: reconcile.AckOverdueBefore(day, j.Settings, j.Loc())},
	}
	return func(yield func(*withholding.Document, error) bool) {
		for _, f := range filters {
			for d, err := range j.Documents.EachDocument(ctx, f) {
				if err != nil {
					yield(nil, fmt.Errorf("load IWO documents: %w", err))
					return
				}
				if recent(d) && !yield(d, nil) {
					return
				}
			}
		}
	}
}

// recent tells the documents reconciliation still looks at: not answered,
// or sent or answered in the last lookback days before now.
func (j *Reconcile) recent(now time.Time) func(d *withholding.Document) bool {
	lookback := j.Settings.Lookback
	if lookback <= 0 {
		lookback = reconcile.DefaultLookback
	}
	since := now.AddDate(0, 0, -lookback)
	return func(d *withholding.Document) bool {
		return d.Status == "" || d.AcknowledgedAt.After(since) || d.SentAt.After(since)
	}
}

// windowStart is where tonight's window begins: where the newest night
// recorded before today ended, or, on the first night, lookback days
// before the run date. A re-run of today keeps today's start.
func (j *Reconcile) windowStart(ctx context.Context, day withholding.Date, lookback int) (time.Time, error) {
	if today, err := j.Postings.FindNight(ctx, day); err == nil {
		return today.WindowStart, nil
	} else if withholding.ErrorCode(err) != withholding.ENOTFOUND {
		return time.Time{}, fmt.Errorf("find tonight's reconciliation: %w", err)
	}
	prev, err := j.Postings.PreviousNight(ctx, day)
	switch {
	case err == nil:
		return prev.WindowEnd, nil
	case withholding.ErrorCode(err) == withholding.ENOTFOUND:
		return day.AddDays(-lookback).Time(j.Loc()), nil
	}
	return time.Time{}, fmt.Errorf("find the previous reconciliation: %w", err)
}

// filePayments streams the payments of the given files, file by file.
func (j *Reconcile) filePayments(ctx context.Context, files []int64) iter.Seq2[*withholding.Payment, error] {
	return func(yield func(*withholding.Payment, error) bool) {
		for _, id := range files {
			for p, err := range j.Payments.EachPayment(ctx, withholding.PaymentFilter{FileID: &id}) {
				if !yield(p, err) || err != nil {
					return
				}
			}
		}
	}
}

// history streams the payments effective since the given day, leaving out
// tonight's files (a payment must not be its own duplicate).
func (j *Reconcile) history(ctx context.Context, since withholding.Date, tonight map[int64]bool) iter.Seq2[*withholding.Payment, error] {
	return func(yield func(*withholding.Payment, error) bool) {
		for p, err := range j.Payments.EachPayment(ctx, withholding.PaymentFilter{Since: since}) {
			if err != nil {
				yield(nil, err)
				return
			}
			if tonight[p.FileID] {
				continue
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// pages reads a store listing to the end, in one query (limit 0: every
// match). Paging by OFFSET counted every match again and skipped the rows
// before each page, so a listing took time in the square of its length:
// with 1,200,000 orders, minutes of the night (iwo bench night,
// docs/scaling.md). Every caller keeps the rows (or most of them) anyway.
func pages[T any](find func(offset, limit int) ([]T, int, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		all, _, err := find(0, 0)
		if err != nil {
			var zero T
			yield(zero, err)
			return
		}
		for _, v := range all {
			if !yield(v, nil) {
				return
			}
		}
	}
}

// collect gathers a sequence into a slice, stopping at the first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
