package jobs_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// clock is a settable test clock shared by the store and the jobs.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

const acmeFEIN = withholding.FEIN("900000001")

// books is a fixture with one employer (ACME, paying biweekly on Fridays
// from 2026-11-13), one accepted $200.00 biweekly order, and the reconcile
// and report jobs on a scheduler, all on one clock.
type books struct {
	*fixture
	clk   *clock
	sched *jobs.Scheduler
	rec   *jobs.Reconcile
	rep   *jobs.Report
}

func newBooks(t *testing.T) *books {
	t.Helper()
	ctx := context.Background()
	b := &books{fixture: newFixture(t), clk: &clock{t: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}}
	b.db.Now = b.clk.Now
	b.x.Clock = b.clk.Now
	b.addPartner("ops", transfer.RoleOperations, nil)
	b.addPartner("acme", transfer.RoleEmployer, nil)
	emp := &withholding.Employer{FEIN: acmeFEIN, Name: "ACME PAYROLL", PayFrequency: withholding.Biweekly, PayAnchor: day(t, "2026-11-13"), EIWO: true, Partner: "acme"}
	if err := b.db.UpsertEmployer(ctx, emp); err != nil {
		t.Fatal(err)
	}
	o := &withholding.Order{
		CaseID: "CASE1", OrderID: "ORD1", RemittanceID: "R1", EmployerFEIN: acmeFEIN,
		Obligor:   withholding.Person{Last: "SMITH", First: "JOHN", SSN: "900112222"},
		PayeeFIPS: "0603700",
		Amounts:   withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 20000, Frequency: withholding.Biweekly}},
		StartDate: day(t, "2026-10-01"),
		Status:    withholding.StatusAccepted,
	}
	if err := b.db.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	b.rec, b.rep = addBooksJobs(t, b.fixture, b.clk)
	b.sched = MustScheduler(t, b.db, "test", func(c *jobs.SchedulerConfig) { c.Clock = b.clk.Now })
	MustAdd(t, b.sched, b.rec, "", jobs.AnyDay)
	MustAdd(t, b.sched, b.rep, "", jobs.AnyDay)
	return b
}

// addBooksJobs makes the reconcile and report jobs over f's store and
// partners.
// report.Writer is what cmd/ gives the report jobs.
var _ jobs.Reports = report.Writer{}

func addBooksJobs(t *testing.T, f *fixture, clk *clock) (*jobs.Reconcile, *jobs.Report) {
	t.Helper()
	rec := &jobs.Reconcile{
		Books: jobs.Books{
			Orders: f.db, Employers: f.db, Documents: f.db, Payments: f.db, Files: f.db, Exceptions: f.db, Postings: f.db, Runs: f.db,
		},
		Env: jobs.Env{Location: time.UTC, Clock: clk.Now, Logger: quietLogger()},
	}
	return rec, &jobs.Report{Reconcile: rec, Exchange: f.x, Reports: report.Writer{}, Title: "Test agency", Agency: "Test SDU", Contact: "555-0100"}
}

func day(tb testing.TB, s string) withholding.Date {
	tb.Helper()
	d, err := withholding.ParseDate("2006-01-02", s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// pay is ACME's $200.00 payment for the order, for pay date pd, settled
// on eff.
func pay(t *testing.T, pd, eff string) *withholding.Payment {
	return &withholding.Payment{
		SEC: "CCD", TransactionCode: 22, CompanyID: "1" + string(acmeFEIN), CompanyName: "ACME PAYROLL",
		EffectiveDate: day(t, eff), EntryAmount: 20000, Credited: 20000, ApplicationID: "CS", RemittanceID: "R1", PayDate: day(t, pd),
		Amount: 20000, SSN: "900112222", Medical: "N", Name: "SMITH,JOH", FIPS: "06037",
		Kind: withholding.KindPayment, FEIN: acmeFEIN,
	}
}

// apply stores an applied ACH file with the payments, as pull-remittances
// would, at the clock's time.
func (b *books) apply(name string, ps ...*withholding.Payment) {
	b.t.Helper()
	ctx := context.Background()
	f := &withholding.File{Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile, RemoteName: name, SHA256: name, State: withholding.FileReceived}
	if err := b.db.CreateFile(ctx, f); err != nil {
		b.t.Fatal(err)
	}
	for i, p := range ps {
		p.Line, p.Trace = i+2, withholding.TraceNumber("0910000100000"+string(rune('0'+i)))
	}
	if _, err := b.db.ApplyPayments(ctx, f.ID, func(yield func(*withholding.Payment, error) bool) {
		for _, p := range ps {
			if !yield(p, nil) {
				return
			}
		}
	}); err != nil {
		b.t.Fatalf("apply %s: %v", name, err)
	}
}

// case1 returns the fixture's one order.
func (b *books) case1() *withholding.Order {
	b.t.Helper()
	case1 := withholding.CaseID("CASE1")
	orders, _, err := b.db.FindOrders(context.Background(), withholding.OrderFilter{CaseID: &case1})
	if err != nil || len(orders) != 1 {
		b.t.Fatalf("find CASE1: %v %v", orders, err)
	}
	return orders[0]
}

// run runs a job now and fails the test unless it reached want.
func (b *books) run(job string, want withholding.RunStatus) *withholding.JobRun {
	b.t.Helper()
	run, err := b.sched.RunNow(context.Background(), job)
	if run == nil || run.Status != want {
		b.t.Fatalf("%s: run %+v, error %v; want %s", job, run, err, want)
	}
	return run
}

// exceptions returns every exception, by key.
func exceptionsByKey(tb testing.TB, svc withholding.ExceptionService) map[string]*withholding.Exception {
	tb.Helper()
	exs, _, err := svc.FindExceptions(context.Background(), withholding.ExceptionFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]*withholding.Exception{}
	for _, e := range exs {
		if m[e.Key] != nil {
			tb.Errorf("exception key %q stored twice", e.Key)
		}
		m[e.Key] = e
	}
	return m
}

const missingKey = "missing_payment|CASE1|900000001|2026-10-30"

func TestReconcileTwiceOnTheSameDayAddsNothing(t *testing.T) {
	b := newBooks(t)
	// The 2026-10-30 pay date is never paid; an unknown case arrives too.
	stray := pay(t, "2026-11-13", "2026-11-20")
	stray.RemittanceID, stray.SSN, stray.Name = "NOSUCHCASE", "900999999", "DOE,JAN"
	b.apply("day1.ach", pay(t, "2026-10-16", "2026-10-20"), pay(t, "2026-11-13", "2026-11-20"), stray)

	first := b.run(jobs.JobReconcile, withholding.RunSucceeded)
	if first.Counts["payments"] != 3 || first.Counts["posted"] != 2 || first.Counts["created"] != 2 {
		t.Errorf("first run counts %v, want 3 payments, 2 posted, 2 exceptions created", first.Counts)
	}
	if first.Counts["type:"+string(withholding.ExMissingPayment)] != 1 || first.Counts["type:"+string(withholding.ExUnidentified)] != 1 {
		t.Errorf("first run counts %v, want one missing and one unidentified payment", first.Counts)
	}
	before := exceptionsByKey(t, b.db)
	if before[missingKey] == nil || len(before) != 2 {
		t.Fatalf("exceptions after the first run: %v, want 2 with %s", slices.Collect(mapKeysOf(before)), missingKey)
	}

	b.clk.Set(b.clk.Now().Add(3 * time.Hour)) // later the same day
	second := b.run(jobs.JobReconcile, withholding.RunSucceeded)
	if second.Counts["created"] != 0 || second.Counts["exceptions"] != first.Counts["exceptions"] {
		t.Errorf("second run counts %v, want the same %d findings and none created", second.Counts, first.Counts["exceptions"])
	}
	if after := exceptionsByKey(t, b.db); len(after) != len(before) {
		t.Errorf("%d exceptions after the second run, want %d", len(after), len(before))
	}
}

func TestReconcileResolvesMissingPaymentWhenItArrivesLate(t *testing.T) {
	b := newBooks(t)
	b.apply("day1.ach", pay(t, "2026-10-16", "2026-10-20"), pay(t, "2026-11-13", "2026-11-20"))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	if e := exceptionsByKey(t, b.db)[missingKey]; e == nil || e.Status != withholding.ExceptionOpen {
		t.Fatalf("after night 1: missing exception %+v, want open", e)
	}

	// Next day the 2026-10-30 money arrives, late.
	b.clk.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	b.apply("day2.ach", pay(t, "2026-10-30", "2026-11-23"))
	run := b.run(jobs.JobReconcile, withholding.RunSucceeded)
	if run.Counts["payments"] != 1 || run.Counts["resolved"] != 1 || run.Counts["type:"+string(withholding.ExLatePayment)] != 1 {
		t.Errorf("night 2 counts %v, want only tonight's payment, late, resolving one exception", run.Counts)
	}
	if run.Counts["type:"+string(withholding.ExDuplicatePayment)] != 0 {
		t.Errorf("night 2 counts %v: a payment of an earlier night was reconciled again as a duplicate", run.Counts)
	}
	e := exceptionsByKey(t, b.db)[missingKey]
	if e == nil || e.Status != withholding.ExceptionResolved || e.ResolvedBy != jobs.ResolvedBy {
		t.Errorf("missing exception after the late payment: %+v, want resolved by %s", e, jobs.ResolvedBy)
	}
	if run := b.run(jobs.JobReconcile, withholding.RunSucceeded); run.Counts["resolved"] != 0 || run.Counts["created"] != 0 {
		t.Errorf("re-run of night 2: counts %v, want nothing created or resolved", run.Counts)
	}
}

func TestReportWritesPushesAndRecordsFiles(t *testing.T) {
	ctx := context.Background()
	b := newBooks(t)
	b.apply("day1.ach", pay(t, "2026-10-16", "2026-10-20"), pay(t, "2026-11-13", "2026-11-20"))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	first := b.run(jobs.JobReport, withholding.RunSucceeded)
	if c := first.Counts; c["received"] != 2 || c["received_cents"] != 40000 || c["exceptions"] != 1 {
		t.Errorf("night 1 counts %v, want 2 payments of $400.00 and 1 exception", c)
	}
	if got, err := b.db.NightTotals(ctx, day(t, "2026-11-20")); err != nil || got.Received != (withholding.Tally{Count: 2, Amount: 40000}) || len(got.OpenExceptions) != 1 {
		t.Errorf("night 1 totals in the store %+v (%v), want 2 payments of $400.00 and 1 exception", got, err)
	}

	b.clk.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	b.apply("day2.ach", pay(t, "2026-11-13", "2026-11-23")) // sent twice: a duplicate
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	run := b.run(jobs.JobReport, withholding.RunSucceeded)
	if run.Files != 3 || run.Counts["delivered"] != 3 || run.Counts["statements"] != 1 {
		t.Errorf("report run: files %d counts %v, want 3 files written and delivered, 1 statement", run.Files, run.Counts)
	}

	const d = "2026-11-23"
	dir := filepath.Join(b.x.Dir, "reports", d)
	var names []string
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		names = append(names, e.Name())
	}
	want := []string{"exceptions-" + d + ".csv", "operations-" + d + ".xlsx", "statement-900000001-" + d + ".xlsx"}
	if !slices.Equal(names, want) {
		t.Errorf("reports directory: %v, want %v", names, want)
	}
	open := withholding.ExceptionOpen
	exs, nOpen, err := b.db.FindExceptions(ctx, withholding.ExceptionFilter{Status: &open})
	if err != nil || nOpen != 2 {
		t.Fatalf("open exceptions: %d %v, want 2 (missing 10-30, duplicate)", nOpen, err)
	}

	wb, err := excelize.OpenFile(filepath.Join(dir, want[1]))
	if err != nil {
		t.Fatalf("open operations workbook: %v", err)
	}
	defer wb.Close()
	for _, s := range []string{report.SheetSummary, report.SheetExceptions, report.SheetPayments} {
		if idx, err := wb.GetSheetIndex(s); err != nil || idx < 0 {
			t.Errorf("operations workbook: no %s sheet", s)
		}
	}
	rows, err := wb.GetRows(report.SheetExceptions)
	if err != nil || len(rows) != nOpen+1 {
		t.Errorf("exceptions sheet: %d rows (%v), want a header and %d", len(rows), err, nOpen)
	}
	if rows, err := wb.GetRows(report.SheetPayments); err != nil || len(rows) != 2 {
		t.Errorf("payments sheet: %d rows (%v), want a header and tonight's one payment", len(rows), err)
	}
	st, err := excelize.OpenFile(filepath.Join(dir, want[2]))
	if err != nil {
		t.Fatalf("open statement: %v", err)
	}
	// Tonight's one payment is the duplicate: the employer is told it is
	// held and why.
	srows, err := st.GetRows(report.SheetPayments)
	st.Close()
	held := "Held (" + report.TypeLabel(withholding.ExDuplicatePayment) + "): see Action needed"
	if err != nil || len(srows) != 2 || !slices.Contains(srows[1], held) {
		t.Errorf("statement payments: %q (%v), want tonight's payment %q", srows, err, held)
	}

	fc, err := os.Open(filepath.Join(dir, want[0]))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(fc).ReadAll()
	fc.Close()
	if err != nil || len(recs) != len(exs)+1 || !slices.Equal(recs[0], report.CSVColumns) {
		t.Errorf("exceptions CSV: %d records (%v), want header and %d", len(recs), err, len(exs))
	}

	// Each night's files went out: night 1's and tonight's.
	if got := b.ls("ops", "outbox"); len(got) != 4 || !slices.Contains(got, want[0]) || !slices.Contains(got, want[1]) {
		t.Errorf("operations outbox: %v, want both nights' workbook and CSV", got)
	}
	if got := b.ls("acme", "outbox"); len(got) != 2 || !slices.Contains(got, want[2]) {
		t.Errorf("employer outbox: %v, want both nights' statements", got)
	}
	out, kind := withholding.Outbound, withholding.KindReportFile
	files, _, err := b.db.FindFiles(ctx, withholding.FileFilter{Direction: &out, Kind: &kind})
	if err != nil || len(files) != 6 {
		t.Fatalf("report ledger entries: %d (%v), want 3 per night", len(files), err)
	}
	for _, f := range files {
		if f.State != withholding.FileArchived || f.SHA256 == "" || f.Size == 0 || f.Partner == "" {
			t.Errorf("ledger entry %s: state %s partner %q size %d sha %q, want delivered with size and SHA-256", f.RemoteName, f.State, f.Partner, f.Size, f.SHA256)
		}
	}
}

func TestReportPartialWhenPartnerDown(t *testing.T) {
	ctx := context.Background()
	b := newBooks(t)
	b.apply("day1.ach", pay(t, "2026-11-13", "2026-11-20"))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	b.down["ops"] = true
	run, err := b.sched.RunNow(ctx, jobs.JobReport)
	if run == nil || run.Status != withholding.RunPartial || !errors.Is(err, transfer.ErrConnection) {
		t.Fatalf("report with the operations partner down: %+v, %v; want partial naming ops", run, err)
	}
	if run.Files != 3 || run.Counts["delivered"] != 1 || run.Counts["not_delivered"] != 2 {
		t.Errorf("counts %v files %d, want 3 written, the statement delivered, 2 not", run.Counts, run.Files)
	}
	if got := b.ls("acme", "outbox"); len(got) != 1 {
		t.Errorf("employer outbox: %v, want the statement", got)
	}
	out, sent := withholding.Outbound, withholding.FileSent
	files, _, err := b.db.FindFiles(ctx, withholding.FileFilter{Direction: &out, State: &sent})
	if err != nil || len(files) != 2 {
		t.Fatalf("undelivered reports in the ledger: %d (%v), want 2", len(files), err)
	}
	for _, f := range files {
		if f.Partner != "ops" || !strings.Contains(f.Error, "not delivered") {
			t.Errorf("ledger entry %s: partner %q error %q, want ops and why", f.RemoteName, f.Partner, f.Error)
		}
	}
}

// TestReportPartialWhenWorkbookFails makes the workbook impossible to
// write (a directory holds its name) and checks that the CSV and the
// statement are still written, recorded and delivered, and that the run is
// partial with the workbook's error in its record.
func TestReportPartialWhenWorkbookFails(t *testing.T) {
	ctx := context.Background()
	b := newBooks(t)
	b.apply("day1.ach", pay(t, "2026-11-13", "2026-11-20"))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	const d = "2026-11-20"
	dir := filepath.Join(b.x.Dir, "reports", d)
	if err := os.MkdirAll(filepath.Join(dir, "operations-"+d+".xlsx", "in-the-way"), 0o750); err != nil {
		t.Fatal(err)
	}
	run, err := b.sched.RunNow(ctx, jobs.JobReport)
	if run == nil || run.Status != withholding.RunPartial || err == nil || !strings.Contains(run.Error, "operations workbook") {
		t.Fatalf("report with the workbook unwritable: %+v, %v; want partial naming the workbook", run, err)
	}
	if run.Files != 2 || run.Counts["delivered"] != 2 || run.Counts["statements"] != 1 {
		t.Errorf("counts %v files %d, want the CSV and the statement written and delivered", run.Counts, run.Files)
	}
	if run.Counts["received"] != 1 || run.Counts["received_cents"] != 20000 {
		t.Errorf("counts %v, want tonight's payment of $200.00 from the store's figures", run.Counts)
	}
	for _, name := range []string{"exceptions-" + d + ".csv", "statement-900000001-" + d + ".xlsx"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	if got := b.ls("ops", "outbox"); !slices.Equal(got, []string{"exceptions-" + d + ".csv"}) {
		t.Errorf("operations outbox: %v, want the CSV", got)
	}
	if got := b.ls("acme", "outbox"); len(got) != 1 {
		t.Errorf("employer outbox: %v, want the statement", got)
	}
	out, kind := withholding.Outbound, withholding.KindReportFile
	files, _, err := b.db.FindFiles(ctx, withholding.FileFilter{Direction: &out, Kind: &kind})
	if err != nil || len(files) != 2 {
		t.Fatalf("report ledger entries: %d (%v), want the CSV and the statement", len(files), err)
	}
	for _, f := range files {
		if f.State != withholding.FileArchived || strings.HasPrefix(f.RemoteName, "operations-") {
			t.Errorf("ledger entry %s: state %s, want a delivered CSV or statement", f.RemoteName, f.State)
		}
	}
}

func TestReportLocalOnlyWithoutPartners(t *testing.T) {
	b := newBooks(t)
	b.x.Partners = nil // no operations partner, ACME's partner gone
	b.apply("day1.ach", pay(t, "2026-11-13", "2026-11-20"))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	run := b.run(jobs.JobReport, withholding.RunSucceeded)
	if run.Files != 0 || run.Counts["written"] != 3 || run.Counts["kept_local"] != 3 ||
		run.Counts["delivered"] != 0 || run.Counts["not_delivered"] != 0 {
		t.Errorf("counts %v files %d, want 3 files written and kept locally, none handed to a partner", run.Counts, run.Files)
	}
	// A copy in DATA_DIR went to no one: the ledger of files exchanged
	// does not list it.
	if files := b.outbound(withholding.KindReportFile); len(files) != 0 {
		t.Errorf("report ledger entries: %d, want none for files kept locally", len(files))
	}
}

func TestNightWithReconcileAndReportTwiceAddsNothing(t *testing.T) {
	a := newAgency(t, 12)
	clk := &clock{t: time.Now().UTC().Truncate(24 * time.Hour).Add(2 * time.Hour)}
	a.db.Now, a.x.Clock = clk.Now, clk.Now
	a.addPartner("ops", transfer.RoleOperations, nil)
	rec, rep := addBooksJobs(t, a.fixture, clk)
	rec.Settings = reconcile.Settings{}
	MustAdd(t, a.sched, rec, "", jobs.AnyDay)
	MustAdd(t, a.sched, rep, "", jobs.AnyDay)

	a.night() // sends the IWOs
	ackFile := a.answer("ACK_1.txt")
	achFile, st := MustACH(t, 5, 20)
	a.drop("bank", "inbox", "day1.ach", achFile)
	first := a.night()
	if first.Status != withholding.RunSucceeded || first.Counts["reconcile.payments"] == 0 || first.Counts["report.statements"] == 0 {
		t.Fatalf("first night: %s %q counts %v, want every step, %d payments reconciled, statements", first.Status, first.Error, first.Counts, st.Items)
	}
	before := exceptionsByKey(t, a.db)
	if len(before) == 0 {
		t.Fatal("no exceptions after a night of random payments")
	}

	a.drop("portal", "inbox", "ACK_1.txt", ackFile)
	a.drop("bank", "inbox", "day1.ach", achFile)
	clk.Set(clk.Now().Add(time.Hour))
	second := a.night()
	if second.Status != withholding.RunSucceeded {
		t.Fatalf("second night: %s %q", second.Status, second.Error)
	}
	if second.Counts["pull-remittances.payments"] != 0 || second.Counts["pull-acks.acks"] != 0 || second.Counts["reconcile.created"] != 0 {
		t.Errorf("second night counts %v, want nothing applied and no exception created", second.Counts)
	}
	if after := exceptionsByKey(t, a.db); len(after) != len(before) {
		t.Errorf("%d exceptions after the second night, want %d", len(after), len(before))
	}
	if second.Counts["steps.succeeded"] != 5 || second.Counts["report.delivered"] != 2 {
		t.Errorf("second night counts %v, want 5 steps succeeded and the workbook and CSV delivered", second.Counts)
	}
}

func mapKeysOf[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestReportRefusesAnUnreconciledNight(t *testing.T) {
	b := newBooks(t)
	b.apply("day1.ach", pay(t, "2026-11-13", "2026-11-20"))
	run, err := b.sched.RunNow(context.Background(), jobs.JobReport)
	if !errors.Is(err, jobs.ErrNotReconciled) || run == nil || run.Status != withholding.RunFailed {
		t.Fatalf("report before reconcile: %+v, %v; want failed with ErrNotReconciled", run, err)
	}
}

// TestReconcileNoMissingPaymentBeforeTheIWO: the IWO tells the employer to
// begin withholding within withholding.DefaultBeginWithinDays of it, so a
// pay date before then is no missing payment, whatever the order's start
// date (2026-10-01 here). ACME's IWO went out on 2026-10-20: its
// 2026-10-30 pay, unpaid, was not due yet; one sent on 2026-10-12 asked
// for it.
func TestReconcileNoMissingPaymentBeforeTheIWO(t *testing.T) {
	for _, tc := range []struct {
		sent    string
		missing int64
	}{{"2026-10-20T19:00:00Z", 0}, {"2026-10-12T19:00:00Z", 1}} {
		t.Run(tc.sent, func(t *testing.T) {
			ctx := context.Background()
			b := newBooks(t)
			o := b.case1()
			sent, err := time.Parse(time.RFC3339, tc.sent)
			if err != nil {
				t.Fatal(err)
			}
			iwo := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "IWO1",
				State: withholding.FileParsed, SHA256: strings.Repeat("1", 64), Size: 1}
			if err := b.db.CreateFile(ctx, iwo); err != nil {
				t.Fatal(err)
			}
			if err := b.db.RecordSent(ctx, iwo.ID, slices.Values([]*withholding.Document{{TrackingID: "100000000000000000000000000001", OrderRef: o.ID,
				CaseID: o.CaseID, FEIN: acmeFEIN, Action: withholding.ActionOriginal, SentAt: sent,
				Status: withholding.DispAccepted, AcknowledgedAt: sent.Add(48 * time.Hour)}})); err != nil {
				t.Fatal(err)
			}
			accepted := withholding.StatusAccepted
			if _, err := b.db.UpdateOrder(ctx, o.ID, withholding.OrderUpdate{Status: &accepted}); err != nil {
				t.Fatal(err)
			}
			b.apply("day1.ach", pay(t, "2026-10-16", "2026-10-20"), pay(t, "2026-11-13", "2026-11-20"))
			run := b.run(jobs.JobReconcile, withholding.RunSucceeded)
			if got := run.Counts["type:"+string(withholding.ExMissingPayment)]; got != tc.missing {
				t.Errorf("IWO sent %s: %d missing payments (counts %v), want %d", tc.sent, got, run.Counts, tc.missing)
			}
		})
	}
}

// TestNightIWOsAndOverdueAcknowledgments: the operations workbook's IWOs
// sheet is the night's IWO activity (sent or answered in its window, newest
// sent first), and reconciliation raises "IWO not acknowledged" for the
// unanswered IWOs past their deadline only (reconcile.AckOverdueBefore):
// it reads no others.
func TestNightIWOsAndOverdueAcknowledgments(t *testing.T) {
	ctx := context.Background()
	b := newBooks(t)
	o := b.case1()
	n := 0
	send := func(sent string, ack string) withholding.TrackingID {
		t.Helper()
		n++
		at, err := time.Parse(time.RFC3339, sent)
		if err != nil {
			t.Fatal(err)
		}
		d := &withholding.Document{TrackingID: withholding.TrackingID(fmt.Sprintf("1000000000000000000000000000%02d", n)), OrderRef: o.ID,
			CaseID: o.CaseID, FEIN: acmeFEIN, Action: withholding.ActionOriginal, SentAt: at}
		if ack != "" {
			if d.AcknowledgedAt, err = time.Parse(time.RFC3339, ack); err != nil {
				t.Fatal(err)
			}
			d.Status = withholding.DispAccepted
		}
		iwo := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: fmt.Sprintf("IWO%d", n),
			State: withholding.FileParsed, SHA256: strings.Repeat(fmt.Sprint(n%10), 64), Size: 1}
		if err := b.db.CreateFile(ctx, iwo); err != nil {
			t.Fatal(err)
		}
		if err := b.db.RecordSent(ctx, iwo.ID, slices.Values([]*withholding.Document{d})); err != nil {
			t.Fatal(err)
		}
		return d.TrackingID
	}
	// Night 1, 2026-11-20, with the default 10-day deadline.
	overdue := send("2026-11-05T19:00:00Z", "")          // deadline 11-15: overdue
	within := send("2026-11-10T19:00:00Z", "")           // deadline 11-20: not yet
	send("2026-11-09T19:00:00Z", "2026-11-10T08:00:00Z") // accepted
	run := b.run(jobs.JobReconcile, withholding.RunSucceeded)
	if got := run.Counts["type:"+string(withholding.ExIWONoAck)]; got != 1 {
		t.Errorf("night 1: %d IWOs not acknowledged (counts %v), want 1", got, run.Counts)
	}
	exs := exceptionsByKey(t, b.db)
	if exs["iwo_not_acknowledged|"+string(overdue)] == nil || exs["iwo_not_acknowledged|"+string(within)] != nil {
		t.Errorf("night 1 exceptions %v: want the IWO sent 11-05 not acknowledged, not the one sent 11-10", slices.Collect(mapKeysOf(exs)))
	}
	b.run(jobs.JobReport, withholding.RunSucceeded)

	// Night 2: one IWO sent today, one sent before the window and answered
	// in it. The IWOs still waiting from before are not tonight's.
	b.clk.Set(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	answered := send("2026-11-19T19:00:00Z", "2026-11-21T08:00:00Z")
	today := send("2026-11-21T09:00:00Z", "")
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	exs = exceptionsByKey(t, b.db)
	if exs["iwo_not_acknowledged|"+string(within)] == nil || exs["iwo_not_acknowledged|"+string(today)] != nil {
		t.Errorf("night 2 exceptions %v: want the IWO sent 11-10 not acknowledged (deadline 11-20), not today's", slices.Collect(mapKeysOf(exs)))
	}
	b.run(jobs.JobReport, withholding.RunSucceeded)
	wb, err := excelize.OpenFile(filepath.Join(b.x.Dir, "reports", "2026-11-21", "operations-2026-11-21.xlsx"))
	if err != nil {
		t.Fatalf("open operations workbook: %v", err)
	}
	defer wb.Close()
	rows, err := wb.GetRows(report.SheetIWOs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[1])
	}
	if want := []string{string(today), string(answered)}; !slices.Equal(got, want) {
		t.Errorf("night 2 IWOs sheet lists %v, want tonight's activity newest first %v", got, want)
	}
}
