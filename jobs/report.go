package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// Reports writes the files of the report and statements jobs; report.Writer
// is the one cmd/ gives them. A workbook is written to path, replacing it
// atomically.
type Reports interface {
	// WriteOperations writes the nightly operations workbook and returns
	// tonight's totals.
	WriteOperations(path string, in withholding.OperationsReport) (withholding.NightTotals, error)
	// WriteEmployerStatement writes one employer's statement workbook.
	// EINVALID when in names no employer.
	WriteEmployerStatement(path string, in withholding.EmployerStatement) error
	// WriteExceptionsCSV writes the exceptions CSV to w, one row per
	// exception of exs in its order.
	WriteExceptionsCSV(w io.Writer, exs iter.Seq2[*withholding.Exception, error]) error
}

// Report is the "report" job: it writes the night's files into
// DATA_DIR/reports/YYYY-MM-DD/ (Exchange.Dir is DATA_DIR):
//
//   - operations-YYYY-MM-DD.xlsx, the operations workbook, compared with the
//     previous night the reconcile job recorded;
//   - exceptions-YYYY-MM-DD.csv, the open exceptions;
//   - statement-FEIN-YYYY-MM-DD.xlsx for the employers Statements selects
//     (by default those with activity in tonight's window).
//
// The workbook and the CSV are pushed to the outbox of the partner with
// role operations, and a statement to the outbox of the employer's own
// partner (role employer or payroll provider), when there is one. Only the
// files pushed are recorded in the file ledger (kind report, outbound, state
// sent, then archived once delivered): the ledger lists files exchanged
// with partners, and a copy kept in DATA_DIR went to no one. A partner that
// cannot be reached makes the run partial: its files are written and
// recorded (state sent, with the error) all the same. So does a file that
// cannot be written (a workbook past what the disk holds, say): the error is
// logged and returned, and the other files are still written, recorded and
// delivered.
//
// Report reconciles nothing: it reads the night the reconcile job recorded
// (withholding.Night: the window of files it took in) and each payment's
// stored posting, so the workbook, the statements, the console and the
// store tell one story. It fails when tonight was not reconciled.
type Report struct {
	// Reconcile gives the store and clock. Its Run is not called.
	Reconcile *Reconcile
	// Exchange gives the partners, DATA_DIR (Dir), logger and metrics.
	Exchange *Exchange
	// Reports writes the files.
	Reports Reports
	// Title heads the operations workbook (the agency's name); Agency and
	// Contact sign the employer statements.
	Title, Agency, Contact string
	// Statements says which employers get a statement tonight; ""
	// is StatementsActivity.
	Statements StatementRule
	// Workers is how many statements are written at once; 0 is
	// runtime.GOMAXPROCS, one per core.
	Workers int
}

// Name implements Job.
func (j *Report) Name() string { return JobReport }

// reportFile is one file the run wrote.
type reportFile struct {
	path    string
	partner *transfer.Partner // nil: kept locally
	ledger  *withholding.File
}

// ErrNotReconciled is returned by the report job when the reconcile job
// has not recorded tonight: a report would have no postings to show.
var ErrNotReconciled = withholding.Errorf(withholding.ECONFLICT, "tonight has not been reconciled: run the reconcile job first")

// Run implements Job. Counts: "received", "posted", "held", "returns"
// (each with "_cents"), "exceptions" (open), "statements" (written),
// "statements_skipped" (employers without one tonight), "written" (files,
// statements included), "kept_local" (written for no partner), "delivered"
// and "not_delivered" (pushed, and failed). Files is the number of files
// handed to partners, those the ledger records; counts are per kind, never
// per employer, so a run record stays small whatever the state's size.
func (j *Report) Run(ctx context.Context) (Result, error) {
	var res Result
	rj := j.Reconcile
	day := withholding.DateOf(rj.Now().In(rj.Loc()))
	night, err := rj.Postings.FindNight(ctx, day)
	if withholding.ErrorCode(err) == withholding.ENOTFOUND {
		return res, fmt.Errorf("report %s: %w", day, ErrNotReconciled)
	} else if err != nil {
		return res, fmt.Errorf("report %s: %w", day, err)
	}

	// The store's night totals count the exceptions open now, those the
	// files below list. The open exceptions are streamed from the store,
	// each file's read in its order (the workbook's and the CSV's), and
	// the statements read each batch of employers' own: held whole, a
	// state's backlog (half a million at the state-sized bench) was most
	// of the job's memory.
	if err := rj.Postings.RecordReport(ctx, day); err != nil {
		return res, fmt.Errorf("record the report: %w", err)
	}
	open := withholding.ExceptionOpen
	openCount, err := rj.Exceptions.CountExceptions(ctx, withholding.ExceptionFilter{Status: &open})
	if err != nil {
		return res, fmt.Errorf("count open exceptions: %w", err)
	}
	nOpen := 0
	for _, c := range openCount {
		nOpen += c.Count
	}
	ledger, err := j.ledger(ctx, night)
	if err != nil {
		return res, err
	}
	var prev *withholding.NightTotals
	if pn, err := rj.Postings.PreviousNight(ctx, day); err == nil {
		if prev, err = rj.Postings.NightTotals(ctx, pn.Date); err != nil {
			return res, fmt.Errorf("add up the previous night: %w", err)
		}
	} else if withholding.ErrorCode(err) != withholding.ENOTFOUND {
		return res, fmt.Errorf("find the previous night: %w", err)
	}
	employers, err := collect(pages(func(off, limit int) ([]*withholding.Employer, int, error) {
		return rj.Employers.FindEmployers(ctx, withholding.EmployerFilter{Offset: off, Limit: limit})
	}))
	if err != nil {
		return res, fmt.Errorf("load employers: %w", err)
	}

	dir := filepath.Join(j.Exchange.Dir, "reports", day.String())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("create reports directory: %w", err)
	}

	// The operations workbook and the exceptions CSV are written beside
	// the statements, which read what they need on their own: written
	// first, on one core, the workbook of a state's night (a million IWOs
	// on the first, half a million exceptions on the bench's typical) kept
	// the other core idle for a fifth of the job (docs/scaling.md). A file
	// that cannot be written is reported (the run is partial) and the
	// others are still written, recorded and delivered.
	var ops struct {
		written []*reportFile
		errs    []error
		tot     withholding.NightTotals
	}
	var wg sync.WaitGroup
	start := time.Now()
	wg.Go(func() {
		ops.written, ops.tot, ops.errs = j.operationsFiles(ctx, dir, night, ledger, employers, prev)
		j.Exchange.Log().Info("operations files written", "job", JobReport, "date", day.String(), "files", len(ops.written), "seconds", time.Since(start).Round(time.Millisecond).Seconds())
	})
	statements, skipped, err := j.statements(ctx, dir, night, employers, ledger)
	j.Exchange.Log().Info("statements written", "job", JobReport, "date", day.String(), "statements", len(statements), "seconds", time.Since(start).Round(time.Millisecond).Seconds())
	wg.Wait()
	written := append(ops.written, statements...)
	errs := ops.errs
	if err != nil {
		errs = append(errs, err)
	}
	tot := ops.tot

	res.AddTally("received", tot.Received)
	res.AddTally("posted", tot.Posted)
	res.AddTally("held", tot.Held)
	res.AddTally("returns", tot.Returns)
	res.Add("exceptions", int64(nOpen))
	res.Add("statements", int64(len(statements)))
	res.Add("statements_skipped", int64(skipped))
	var pushed []*reportFile
	for _, f := range written {
		if f.partner != nil {
			pushed = append(pushed, f)
		}
	}
	res.Add("written", int64(len(written)))
	res.Add("kept_local", int64(len(written)-len(pushed)))
	for _, f := range pushed {
		if err := j.record(ctx, f); err != nil {
			return res, err
		}
		res.Files++
	}
	delivered, err := j.deliver(ctx, pushed)
	if err != nil {
		errs = append(errs, err)
	}
	res.Add("delivered", int64(delivered))
	res.Add("not_delivered", int64(len(pushed)-delivered))
	j.Exchange.Log().Info("reports written", "job", JobReport, "date", day.String(), "dir", dir,
		"files", res.Counts["written"], "statements", len(statements), "statements_skipped", skipped,
		"delivered", delivered, "exceptions", nOpen)
	err = errors.Join(errs...)
	res.Partial = err != nil
	return res, err
}

// operationsFiles writes tonight's operations workbook and exceptions CSV
// to dir and returns those written, the night's totals and what failed.
// The workbook's totals are the store's figures; when it cannot be
// written they come from the store.
func (j *Report) operationsFiles(ctx context.Context, dir string, night *withholding.Night, ledger []*withholding.File, employers []*withholding.Employer, prev *withholding.NightTotals) ([]*reportFile, withholding.NightTotals, []error) {
	rj, day := j.Reconcile, night.Date
	ops := j.operationsPartner()
	open := withholding.ExceptionOpen
	var written []*reportFile
	var errs []error
	wb := filepath.Join(dir, "operations-"+day.String()+".xlsx")
	tot, err := j.Reports.WriteOperations(wb, withholding.OperationsReport{
		RunDate: day, Location: rj.Loc(), Title: j.Title,
		Exceptions: rj.Exceptions.EachException(ctx, withholding.ExceptionFilter{Status: &open, Sort: withholding.ExceptionsReport}),
		Payments:   j.tonight(ctx, day, ledger),
		Documents:  rj.reportDocuments(ctx, night.WindowStart), Files: ledger, Employers: employers,
		Previous: prev, TmpDir: dir,
	})
	if err == nil {
		written = append(written, &reportFile{path: wb, partner: ops})
	} else {
		err = fmt.Errorf("write operations workbook: %w", err)
		j.Exchange.Log().Error("operations workbook not written", "job", JobReport, "date", day.String(), "err", err)
		errs = append(errs, err)
		if t, terr := rj.Postings.NightTotals(ctx, day); terr == nil {
			tot = *t
		} else {
			errs = append(errs, fmt.Errorf("add up tonight: %w", terr))
		}
	}

	csvPath := filepath.Join(dir, "exceptions-"+day.String()+".csv")
	if err := writeCSV(j.Reports, csvPath, rj.Exceptions.EachException(ctx, withholding.ExceptionFilter{Status: &open})); err == nil {
		written = append(written, &reportFile{path: csvPath, partner: ops})
	} else {
		j.Exchange.Log().Error("exceptions csv not written", "job", JobReport, "date", day.String(), "err", err)
		errs = append(errs, err)
	}
	return written, tot, errs
}

// tonight streams the entries of the inbound ACH files in ledger (the
// night's window) with their postings: the payments reconciled tonight
// (a file that reappears in a later window is not counted twice), those
// not reconciled yet, and the other kinds (returns, NOCs, prenotes).
func (j *Report) tonight(ctx context.Context, day withholding.Date, ledger []*withholding.File) iter.Seq2[*withholding.Payment, error] {
	return j.tonightOf(ctx, day, ledger, false)
}

// tonightOf is tonight, the entries read brief (PaymentFilter.Brief)
// when brief.
func (j *Report) tonightOf(ctx context.Context, day withholding.Date, ledger []*withholding.File, brief bool) iter.Seq2[*withholding.Payment, error] {
	return func(yield func(*withholding.Payment, error) bool) {
		for _, f := range slices.Backward(ledger) { // oldest first
			if f.Direction != withholding.Inbound || f.Kind != withholding.KindACHFile ||
				(f.State != withholding.FileApplied && f.State != withholding.FileArchived) {
				continue
			}
			id := f.ID
			for p, err := range j.Reconcile.Payments.EachPayment(ctx, withholding.PaymentFilter{FileID: &id, WithPosting: true, Brief: brief}) {
				if err != nil {
					yield(nil, err)
					return
				}
				if p.Kind == withholding.KindPayment && p.Posting != nil && p.Posting.RunDate != day {
					continue
				}
				if !yield(p, nil) {
					return
				}
			}
		}
	}
}

// statementBatch is how many employers the report job reads at once for
// their statements (their orders, open exceptions and tonight's entries,
// a few queries a batch): 20,000 statements take 40 batches, and the
// orders held at once are those of 500 employers (30,000 at the
// state-sized bench's 60 an employer), not every order of the state.
const statementBatch = 500

// statements writes tonight's employer statements, one per employer that
// j.Statements selects (see StatementRule), and returns them and how many
// employers got none. A statement covers the window's payments from the
// employer (with their postings), all its orders and its open exceptions.
// One statement that cannot be written is reported and the others still go
// out.
func (j *Report) statements(ctx context.Context, dir string, night *withholding.Night, employers []*withholding.Employer, ledger []*withholding.File) ([]*reportFile, int, error) {
	rule := cmp.Or(j.Statements, StatementsActivity)
	if rule == StatementsNone {
		return nil, len(employers), nil
	}
	paid, err := j.tonightIDs(ctx, night.Date, ledger)
	if err != nil {
		return nil, 0, err
	}
	pick := employers
	if rule == StatementsActivity {
		act, err := j.active(ctx, night, paid)
		if err != nil {
			return nil, 0, err
		}
		pick = slices.DeleteFunc(slices.Clone(employers), func(e *withholding.Employer) bool { return !act[e.FEIN] })
	}
	skipped := len(employers) - len(pick)
	// By FEIN, the order orderBatches reads the orders in.
	pick = slices.SortedFunc(slices.Values(pick), func(a, b *withholding.Employer) int { return strings.Compare(string(a.FEIN), string(b.FEIN)) })
	from := withholding.DateOf(night.WindowStart.In(j.Reconcile.Loc()))
	var out []*reportFile
	var errs []error
	for b := range j.orderBatches(ctx, pick, len(pick)*streamShare >= len(employers), paid) {
		batch, orders, byFEIN, pays := b.employers, b.orders, b.exceptions, b.payments
		if b.err != nil {
			return out, skipped, errors.Join(append(errs, b.err)...)
		}
		// Statements are written on every core, each workbook whole by one
		// worker: they share nothing but their read-only inputs and touch
		// no store. They are collected in employer order, so the files,
		// errors and ledger records come out as when written one by one.
		paths := make([]string, len(batch))
		werrs := make([]error, len(batch))
		var g errgroup.Group
		g.SetLimit(cmp.Or(j.Workers, runtime.GOMAXPROCS(0)))
		for i, e := range batch {
			eo := orders[e.FEIN]
			// Every employer with orders, as before the rule existed; an
			// active employer without any (its money is held as
			// unidentified) still hears what became of it.
			if len(eo) == 0 && rule == StatementsAll {
				skipped++
				continue
			}
			paths[i] = filepath.Join(dir, "statement-"+string(e.FEIN)+"-"+night.Date.String()+".xlsx")
			in := withholding.EmployerStatement{
				Agency: j.Agency, Contact: j.Contact, RunDate: night.Date, From: from, To: night.Date,
				Employer: e, Orders: eo, Payments: pays[e.FEIN], Exceptions: byFEIN[e.FEIN],
			}
			g.Go(func() error {
				werrs[i] = j.Reports.WriteEmployerStatement(paths[i], in)
				return nil
			})
		}
		_ = g.Wait() // the workers report through werrs
		for i, e := range batch {
			switch {
			case paths[i] == "":
			case werrs[i] != nil:
				errs = append(errs, fmt.Errorf("write statement for %s: %w", e.FEIN, werrs[i]))
			default:
				out = append(out, &reportFile{path: paths[i], partner: j.employerPartner(e)})
			}
		}
	}
	return out, skipped, errors.Join(errs...)
}

// orderBatch is a batch of employers and their orders, open exceptions
// and share of tonight's entries.
type orderBatch struct {
	employers  []*withholding.Employer
	orders     map[withholding.FEIN][]*withholding.Order
	exceptions map[withholding.FEIN][]*withholding.Exception
	payments   map[withholding.FEIN][]*withholding.Payment
	err        error
}

// When at least one employer in streamShare gets a statement, the
// statements read every order in one listing by employer rather than
// each batch's through the employer index: at the state-sized bench's
// 1.2M orders, 4.4 s of SQLite for the one listing and 10.4 s through the
// index (docs/scaling.md, fix 29), which costs in proportion to the
// orders read.
var streamShare = 2

// orderBatches reads the orders, open exceptions and tonight's entries
// (paid: each employer's by ID, in tonight's order) of employers (by
// FEIN) statementBatch employers at a time, the next batch while the
// caller writes the statements of the one before: the workers would
// otherwise wait for each query. With all, the orders come from one
// listing of every order by employer, each batch taking its employers'
// from it. A batch that cannot be read ends the sequence with its error.
func (j *Report) orderBatches(ctx context.Context, employers []*withholding.Employer, all bool, paid map[withholding.FEIN][]int64) iter.Seq[orderBatch] {
	return func(yield func(orderBatch) bool) {
		ch, done, exited := make(chan orderBatch), make(chan struct{}), make(chan struct{})
		// A caller that stops early waits for the query under way, so that
		// nothing reads the store once the job has returned.
		defer func() { close(done); <-exited }()
		go func() {
			defer close(exited)
			defer close(ch)
			orders := j.batchOrders(ctx)
			if all {
				var stop func()
				orders, stop = j.everyOrder(ctx)
				defer stop()
			}
			for batch := range slices.Chunk(employers, statementBatch) {
				b := j.readBatch(ctx, batch, orders, paid)
				select {
				case ch <- b:
				case <-done:
					return
				}
				if b.err != nil {
					return
				}
			}
		}()
		for b := range ch {
			if !yield(b) {
				return
			}
		}
	}
}

// batchOrdersFunc yields the orders of a batch of employers (their FEINs,
// ascending), overwriting one Order as a brief listing does.
type batchOrdersFunc func(feins []withholding.FEIN) iter.Seq2[*withholding.Order, error]

// batchOrders reads each batch's orders through the employer index.
func (j *Report) batchOrders(ctx context.Context) batchOrdersFunc {
	return func(feins []withholding.FEIN) iter.Seq2[*withholding.Order, error] {
		return j.Reconcile.Orders.EachOrder(ctx, withholding.OrderFilter{EmployerFEINs: feins, Brief: true})
	}
}

// everyOrder lists every order by employer once and gives each batch,
// asked for in FEIN order, the orders up to its last FEIN that are its
// employers'; stop ends the listing.
func (j *Report) everyOrder(ctx context.Context) (batchOrdersFunc, func()) {
	next, stop := iter.Pull2(j.Reconcile.Orders.EachOrder(ctx, withholding.OrderFilter{Brief: true, ByEmployer: true}))
	var ahead *withholding.Order // read, of a later batch
	var failed error
	return func(feins []withholding.FEIN) iter.Seq2[*withholding.Order, error] {
		return func(yield func(*withholding.Order, error) bool) {
			if failed != nil {
				yield(nil, failed)
				return
			}
			last := feins[len(feins)-1]
			for {
				o := ahead
				if o == nil {
					var err error
					var ok bool
					if o, err, ok = next(); !ok {
						return
					} else if err != nil {
						failed = err
						yield(nil, err)
						return
					}
				}
				if o.EmployerFEIN > last {
					ahead = o // the listing's one Order, unchanged until next()
					return
				}
				ahead = nil
				if _, in := slices.BinarySearch(feins, o.EmployerFEIN); in && !yield(o, nil) {
					return
				}
			}
		}
	}, stop
}

// readBatch reads the orders (from orders), open exceptions and tonight's
// entries of one batch of employers; the first that cannot be read is the
// batch's err.
func (j *Report) readBatch(ctx context.Context, batch []*withholding.Employer, orders batchOrdersFunc, paid map[withholding.FEIN][]int64) orderBatch {
	b := orderBatch{employers: batch, orders: map[withholding.FEIN][]*withholding.Order{},
		exceptions: map[withholding.FEIN][]*withholding.Exception{}}
	feins := make([]withholding.FEIN, len(batch))
	for i, e := range batch {
		feins[i] = e.FEIN
	}
	// The brief listing has all a statement shows of an order
	// (identifiers, the obligor's name and SSN, amounts, status): read
	// whole, a night's million orders cost as much as writing the
	// statements (docs/scaling.md). Its rows share one Order, so each is
	// copied.
	for o, err := range orders(feins) {
		if err != nil {
			b.err = fmt.Errorf("load orders: %w", err)
			return b
		}
		c := *o
		b.orders[c.EmployerFEIN] = append(b.orders[c.EmployerFEIN], &c)
	}
	open := withholding.ExceptionOpen
	for e, err := range j.Reconcile.Exceptions.EachException(ctx, withholding.ExceptionFilter{FEINs: feins, Status: &open}) {
		if err != nil {
			b.err = fmt.Errorf("load open exceptions: %w", err)
			return b
		}
		b.exceptions[e.FEIN] = append(b.exceptions[e.FEIN], e)
	}
	var err error
	if b.payments, err = j.batchPayments(ctx, feins, paid); err != nil {
		b.err = fmt.Errorf("load tonight's payments: %w", err)
	}
	return b
}

// active returns the employers with activity in the night's window, those
// StatementsActivity writes a statement for: an ACH entry of tonight's
// files from the employer (a payment posted, held or not reconciled yet, a
// zero-dollar remittance, a return), an IWO sent to it or acknowledged by
// it in the window (the store's EmployersWithIWOs), or an open exception about it opened after the
// window's first day and by tonight (the window's first day is the
// previous night's, whose statements already showed what it opened).
// The open exceptions are streamed, only their employers kept.
func (j *Report) active(ctx context.Context, night *withholding.Night, paid map[withholding.FEIN][]int64) (map[withholding.FEIN]bool, error) {
	first := withholding.DateOf(night.WindowStart.In(j.Reconcile.Loc()))
	act := map[withholding.FEIN]bool{}
	for fein := range paid {
		act[fein] = true
	}
	// Only the window's exceptions: the store filters, rather than every
	// open exception (480,000 on the state-scale bench's night) being read
	// to keep a few.
	open := withholding.ExceptionOpen
	window := withholding.ExceptionFilter{Status: &open, OpenedAfter: first, OpenedBefore: night.Date.AddDays(1)}
	for e, err := range j.Reconcile.Exceptions.EachException(ctx, window) {
		if err != nil {
			return nil, fmt.Errorf("load open exceptions: %w", err)
		}
		act[e.FEIN] = true
	}
	sent, err := j.Reconcile.Documents.EmployersWithIWOs(ctx, night.WindowStart, night.WindowEnd)
	if err != nil {
		return nil, fmt.Errorf("load the employers with IWOs tonight: %w", err)
	}
	for _, fein := range sent {
		act[fein] = true
	}
	delete(act, "")
	return act, nil
}

// ledger returns the ledger entries the workbook lists: every file, in or
// out, that changed in the night's window, newest first.
func (j *Report) ledger(ctx context.Context, n *withholding.Night) ([]*withholding.File, error) {
	var out []*withholding.File
	for f, err := range pages(func(off, limit int) ([]*withholding.File, int, error) {
		return j.Reconcile.Files.FindFiles(ctx, withholding.FileFilter{Since: n.WindowStart.AddDate(0, 0, -reconcile.DefaultLookback), Offset: off, Limit: limit})
	}) {
		if err != nil {
			return nil, fmt.Errorf("load the file ledger: %w", err)
		}
		if f.UpdatedAt.After(n.WindowStart) && !f.UpdatedAt.After(n.WindowEnd) {
			out = append(out, f)
		}
	}
	return out, nil
}

// operationsPartner is the partner with role operations and an outbox.
func (j *Report) operationsPartner() *transfer.Partner {
	for _, p := range j.Exchange.Partners {
		if p.Role == transfer.RoleOperations && p.Outbox != "" {
			return p
		}
	}
	return nil
}

// employerPartner is the employer's own partner when it takes files in an
// outbox: an employer or a payroll provider, not the portal or the bank.
func (j *Report) employerPartner(e *withholding.Employer) *transfer.Partner {
	if e.Partner == "" {
		return nil
	}
	p := j.Exchange.Partner(e.Partner)
	if p == nil || p.Outbox == "" || (p.Role != transfer.RoleEmployer && p.Role != transfer.RolePayrollProvider) {
		return nil
	}
	return p
}

// record adds a file to be pushed to the ledger, state sent: the size and
// SHA-256 are what the partner is to receive. Files kept locally are not
// recorded (see Report).
func (j *Report) record(ctx context.Context, f *reportFile) error {
	size, sum, err := fileSum(f.path)
	if err != nil {
		return err
	}
	lf := &withholding.File{
		Direction: withholding.Outbound, Kind: withholding.KindReportFile, Partner: f.partner.Name,
		RemoteName: filepath.Base(f.path), LocalPath: f.path, Size: size, SHA256: sum,
		State: withholding.FileSent,
	}
	if err := j.Reconcile.Files.CreateFile(ctx, lf); err != nil {
		return fmt.Errorf("record report %s: %w", lf.RemoteName, err)
	}
	f.ledger = lf
	return nil
}

// deliver pushes the files that have a partner, one connection per
// partner, and returns how many arrived. A file that did not stays sent,
// with the error in the ledger.
func (j *Report) deliver(ctx context.Context, files []*reportFile) (int, error) {
	x := j.Exchange
	byPartner := map[string][]*reportFile{}
	for _, f := range files {
		if f.partner != nil {
			byPartner[f.partner.Name] = append(byPartner[f.partner.Name], f)
		}
	}
	n := 0
	var errs []error
	for _, name := range slices.Sorted(mapKeys(byPartner)) {
		fs := byPartner[name]
		p := fs[0].partner
		fail := func(f *reportFile, err error) {
			x.Metrics.file(withholding.Outbound, withholding.KindReportFile, "failed")
			_ = j.Reconcile.Files.SetFileState(context.WithoutCancel(ctx), f.ledger.ID, withholding.FileSent, "not delivered: "+err.Error())
		}
		rem, err := x.connect(ctx, p)
		if err != nil {
			x.Metrics.error(JobReport, "partner")
			for _, f := range fs {
				fail(f, err)
			}
			errs = append(errs, fmt.Errorf("partner %s: %w", name, err))
			continue
		}
		// Temporary uploads a crash left in the outbox go before these
		// are added: once for all of them (see push).
		x.cleanResidue(ctx, rem, p.Outbox, x.Log().With("partner", name))
		for _, f := range fs {
			got, err := x.push(ctx, rem, j.Reconcile.Files, f.ledger, p.Outbox)
			if err != nil {
				fail(f, err)
				errs = append(errs, fmt.Errorf("partner %s: push %s: %w", name, f.ledger.RemoteName, err))
				continue
			}
			note := ""
			if got != f.ledger.RemoteName {
				note = "delivered as " + got
			}
			if err := j.Reconcile.Files.SetFileState(ctx, f.ledger.ID, withholding.FileArchived, note); err != nil {
				errs = append(errs, fmt.Errorf("record %s delivered: %w", f.ledger.RemoteName, err))
				continue
			}
			x.Metrics.file(withholding.Outbound, withholding.KindReportFile, "sent")
			n++
		}
		rem.Close()
	}
	return n, errors.Join(errs...)
}

// writeCSV writes the exceptions CSV through a temporary file, so a reader
// never sees half of it.
func writeCSV(rw Reports, path string, exs iter.Seq2[*withholding.Exception, error]) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := rw.WriteExceptionsCSV(tmp, exs); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	return nil
}

// paymentIDsQuery is how many payments the report job reads by ID in one
// query: well under every backend's limit on a statement's parameters.
const paymentIDsQuery = 1000

// batchPayments reads back by ID the entries of tonight (paid, each
// employer's IDs in tonight's order) from the employers feins, each
// employer's in that order.
func (j *Report) batchPayments(ctx context.Context, feins []withholding.FEIN, paid map[withholding.FEIN][]int64) (map[withholding.FEIN][]*withholding.Payment, error) {
	var ids []int64
	for _, f := range feins {
		ids = append(ids, paid[f]...)
	}
	byID := make(map[int64]*withholding.Payment, len(ids))
	for chunk := range slices.Chunk(ids, paymentIDsQuery) {
		for p, err := range j.Reconcile.Payments.EachPayment(ctx, withholding.PaymentFilter{IDs: chunk, WithPosting: true}) {
			if err != nil {
				return nil, err
			}
			byID[p.ID] = p
		}
	}
	out := make(map[withholding.FEIN][]*withholding.Payment, len(feins))
	for _, f := range feins {
		for _, id := range paid[f] {
			if p := byID[id]; p != nil {
				out[f] = append(out[f], p)
			}
		}
	}
	return out, nil
}

// tonightIDs returns the IDs of each employer's entries tonight (see
// tonight), in tonight's order; entries without a FEIN are left out. The
// statements read the entries themselves a batch of employers at a time
// (batchPayments): held whole with their postings, tonight's entries were
// most of the job's memory (190 of 260 MB live at 250,000 payments).
func (j *Report) tonightIDs(ctx context.Context, day withholding.Date, ledger []*withholding.File) (map[withholding.FEIN][]int64, error) {
	ids := map[withholding.FEIN][]int64{}
	for p, err := range j.tonightOf(ctx, day, ledger, true) {
		if err != nil {
			return nil, fmt.Errorf("load tonight's payments: %w", err)
		}
		if p.FEIN != "" {
			ids[p.FEIN] = append(ids[p.FEIN], p.ID)
		}
	}
	return ids, nil
}
