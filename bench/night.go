package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	neturl "net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/calendar"
	"github.com/iwoproject/iwo/withholding/reconcile"
	"github.com/iwoproject/iwo/withholding/synth"
)

// Options size the bench. The zero value of a field means its default.
type Options struct {
	// Orders is how many orders the agency has (DefaultOrders).
	Orders int
	// Employers is how many employers (DefaultEmployers).
	Employers int
	// Payments is how many payments the typical night's bank files carry
	// (DefaultPayments), in Files ACH files (DefaultFiles).
	Payments, Files int
	// Changes is how many orders the typical night's re-import creates or
	// changes; Acks how many IWOs of the first night employers answer on
	// the typical night. Both default to Orders/60 (20,000 of 1,200,000),
	// at least one.
	Changes, Acks int
	// DB is the store URL; "" is sqlite:Dir/iwo.db.
	DB string
	// Dir is the workspace: CSV files, partners' directories, DATA_DIR,
	// the store and bench.log. It must be empty or not exist; "" makes a
	// fresh temporary directory (kept, and printed).
	Dir string
	// Seed makes the agency reproducible.
	Seed uint64
	// CPUProfile, when set, is where a CPU profile of the whole run goes.
	CPUProfile string
	// Instances is how many iwo instances run the typical night's inbound
	// jobs (pull-acks, pull-remittances) together, each with its own store
	// handle, data directory and scheduler, claiming files as "iwo serve"
	// instances sharing a database do. 0 or 1 is one instance; more needs
	// PostgreSQL (EINVALID on SQLite, where writers take turns).
	Instances int
	// Statements is the report job's rule for nightly employer statements
	// (the agency's report.statements; "" is jobs.StatementsActivity).
	Statements jobs.StatementRule
	// PayUnacknowledged leaves out the week between the nights in which
	// the employers accept the IWOs of the orders they then pay (steps
	// between.*): every payment of the typical night is then on an order
	// no employer has answered, and nearly each is also an exception
	// (payment_on_inactive_order). The worst case for exceptions, and what
	// the bench measured until December 2026 (docs/scaling.md).
	PayUnacknowledged bool
}

// The defaults: a large state.
const (
	DefaultOrders    = 1_200_000
	DefaultEmployers = 20_000
	DefaultPayments  = 250_000
	DefaultFiles     = 2_000
)

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Orders, DefaultOrders)
	def(&o.Employers, DefaultEmployers)
	def(&o.Payments, DefaultPayments)
	def(&o.Files, DefaultFiles)
	def(&o.Changes, max(1, o.Orders/60))
	def(&o.Acks, max(1, o.Orders/60))
	o.Changes = min(o.Changes, o.Orders)
	if o.Seed == 0 {
		o.Seed = 1
	}
	o.Instances = max(o.Instances, 1)
	return o
}

// isPostgres reports whether url names a PostgreSQL database.
func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// The simulated nights: the first on the synthetic agency's Monday
// (synth's Today, 2026-11-02) at 02:00 UTC, the typical one a week later.
// Employers answer on the Thursday and pay on the Friday in between; the
// bank credits the payments on the Monday.
var (
	initialNight = time.Date(2026, time.November, 2, 2, 0, 0, 0, time.UTC)
	typicalNight = initialNight.AddDate(0, 0, 7)
	ackCreated   = initialNight.AddDate(0, 0, 3)
	payDate      = withholding.DateOf(initialNight.AddDate(0, 0, 4))
	effective    = withholding.DateOf(typicalNight.AddDate(0, 0, -1))
)

// Night builds the agency described by opt and plays its two nights,
// printing a line per step to out (see the package documentation). It
// fails when a job fails or when the typical night's books do not balance:
// the money the reconcile job records as received must be what the bank
// files credited.
func Night(ctx context.Context, opt Options, out io.Writer) (err error) {
	opt = opt.withDefaults()
	if opt.Instances > 1 && !isPostgres(opt.DB) {
		return withholding.Errorf(withholding.EINVALID, "--instances %d needs a PostgreSQL database (--db postgres://…): SQLite takes one writer at a time", opt.Instances)
	}
	if opt.Dir, err = workspace(opt.Dir); err != nil {
		return err
	}
	if isPostgres(opt.DB) {
		url, drop, err := freshSchema(ctx, opt.DB)
		if err != nil {
			return err
		}
		defer drop()
		opt.DB = url
	}
	if opt.CPUProfile != "" {
		f, err := os.Create(opt.CPUProfile)
		if err != nil {
			return fmt.Errorf("create cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	logf, err := os.OpenFile(filepath.Join(opt.Dir, "bench.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("create bench log: %w", err)
	}
	defer logf.Close()
	b, err := newBench(ctx, opt, out, logf)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := b.close(); err == nil {
			err = cerr
		}
	}()
	return b.run(ctx)
}

// freshSchema makes a new schema in the PostgreSQL database at url for one
// run, so that a run never meets another's agency, and returns url with its
// search_path and a function that drops the schema.
func freshSchema(ctx context.Context, url string) (string, func(), error) {
	admin, err := sql.Open("pgx", url)
	if err != nil {
		return "", nil, fmt.Errorf("open database: %w", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "iwo_bench_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema for the bench: %w", err)
	}
	u, err := neturl.Parse(url)
	if err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("database URL: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	}
	return u.String(), drop, nil
}

// workspace returns dir as an absolute path, created if need be, or a
// new temporary directory when dir is "". A directory with anything in it
// is EINVALID: the bench's files must not mix with others.
func workspace(dir string) (string, error) {
	if dir == "" {
		d, err := os.MkdirTemp("", "iwo-bench-")
		if err != nil {
			return "", fmt.Errorf("create workspace: %w", err)
		}
		return d, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create workspace: %w", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		return "", withholding.Errorf(withholding.EINVALID, "workspace %s is not empty: give an empty directory (or none)", dir)
	}
	return filepath.Abs(dir)
}

// bench is one run: the store, the partners, the clock and the scheduler.
type bench struct {
	ctx      context.Context
	opt      Options
	out      io.Writer
	db       *store.DB
	clock    *clock
	sched    *jobs.Scheduler
	partners map[string]*transfer.Partner
	gen      *synth.Generator
	agency   agency
	// others are the instances besides this one that run the inbound jobs
	// with it (Options.Instances).
	others []*instance
	// peak is the highest resident set of any step so far: once resetPeak
	// has run, getrusage's maxrss is the last step's alone.
	peak int64
}

// instance is another iwo instance on the same database: its own store
// handle (connection pool), data directory and scheduler, with the inbound
// jobs.
type instance struct {
	db    *store.DB
	sched *jobs.Scheduler
}

// close closes every instance's store.
func (b *bench) close() error {
	var errs []error
	for _, o := range b.others {
		errs = append(errs, o.db.Close())
	}
	return errors.Join(append(errs, b.db.Close())...)
}

// exchange is an instance's view of the partners, with its own data
// directory under the workspace; files are claimed in db.
func (b *bench) exchange(partners []*transfer.Partner, db *store.DB, data string, env jobs.Env) *jobs.Exchange {
	return &jobs.Exchange{
		Partners: partners,
		Connect: func(ctx context.Context, p *transfer.Partner) (transfer.Remote, error) {
			return transfer.Open(ctx, p, transfer.Backoff{})
		},
		Dir: filepath.Join(b.opt.Dir, data), Claims: db, Env: env,
	}
}

// inbound returns the inbound jobs of an instance.
func inbound(x *jobs.Exchange, db *store.DB, env jobs.Env) []jobs.Job {
	return []jobs.Job{
		&jobs.PullAcks{Exchange: x, Files: db, Orders: db, Documents: db, Env: env},
		&jobs.PullRemittances{Exchange: x, Files: db},
	}
}

// addOthers opens the other instances of Options.Instances.
func (b *bench) addOthers(ctx context.Context, url string, partners []*transfer.Partner, env jobs.Env) error {
	for i := 2; i <= b.opt.Instances; i++ {
		db, err := store.Open(ctx, url)
		if err != nil {
			return err
		}
		db.Now = b.clock.now
		name := fmt.Sprintf("bench-%d", i)
		o := &instance{db: db, sched: jobs.NewScheduler(jobs.SchedulerConfig{
			Runs: db, Calendar: calendar.US(), Env: env, Instance: name,
		})}
		b.others = append(b.others, o)
		for _, j := range inbound(b.exchange(partners, db, "data-"+strconv.Itoa(i), env), db, env) {
			if err := o.sched.Add(j, "", jobs.AnyDay); err != nil {
				return err
			}
		}
	}
	return nil
}

// clock is the simulated time: the night's start plus the real time
// elapsed since the night began, so every job of a night sees its own
// later instant.
type clock struct {
	base, start time.Time
}

func (c *clock) set(t time.Time) { c.base, c.start = t, time.Now() }

func (c *clock) now() time.Time { return c.base.Add(time.Since(c.start)) }

func newBench(ctx context.Context, opt Options, out, logOut io.Writer) (*bench, error) {
	b := &bench{ctx: ctx, opt: opt, out: out, clock: &clock{}, gen: synth.New(opt.Seed), partners: map[string]*transfer.Partner{}}
	b.clock.set(initialNight)
	kinds := func(k withholding.FileKind, globs ...string) map[withholding.FileKind][]string {
		return map[withholding.FileKind][]string{k: globs}
	}
	var partners []*transfer.Partner
	for _, p := range []*transfer.Partner{
		{Name: "portal", Role: transfer.RolePortal, Patterns: kinds(withholding.KindAckFile, "*.ack")},
		{Name: employerPartner, Role: transfer.RoleEmployer, Patterns: kinds(withholding.KindAckFile, "*.ack")},
		{Name: "bank", Role: transfer.RoleBank, Patterns: kinds(withholding.KindACHFile, "*.ach")},
		{Name: "operations", Role: transfer.RoleOperations},
	} {
		p.Local = filepath.Join(opt.Dir, "partners", p.Name)
		p.Inbox, p.Outbox, p.Archive, p.Quarantine = "/inbox", "/outbox", "/archive", "/quarantine"
		for _, d := range []string{p.Inbox, p.Outbox, p.Archive, p.Quarantine} {
			if err := os.MkdirAll(filepath.Join(p.Local, d), 0o700); err != nil {
				return nil, fmt.Errorf("create partner directory: %w", err)
			}
		}
		b.partners[p.Name] = p
		partners = append(partners, p)
	}
	url := opt.DB
	if url == "" {
		url = "sqlite:" + filepath.Join(opt.Dir, "iwo.db")
	}
	db, err := store.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	db.Now = b.clock.now
	b.db = db

	log := slog.New(withholding.NewMaskingHandler(slog.NewTextHandler(logOut, nil)))
	env := jobs.Env{Clock: b.clock.now, Location: time.UTC, Logger: log}
	x := b.exchange(partners, db, "data", env)
	b.sched = jobs.NewScheduler(jobs.SchedulerConfig{
		Runs: db, Calendar: calendar.US(), Env: env, Instance: "bench",
	})
	rec := &jobs.Reconcile{
		Books: jobs.Books{
			Orders: db, Employers: db, Documents: db, Payments: db, Files: db, Exceptions: db, Postings: db, Runs: db,
		},
		Settings: reconcile.Settings{}, Calendar: calendar.US(), Env: env,
	}
	a := b.gen.Agency
	all := []jobs.Job{&jobs.SendIWOs{Exchange: x, Files: db, Orders: db, Employers: db, Issuer: edisynth.Issuer(a), StateFIPS: a.StateFIPS, Env: env}}
	all = append(all, inbound(x, db, env)...)
	all = append(all, rec,
		&jobs.Report{Reconcile: rec, Exchange: x, Reports: report.Writer{}, Title: "BENCH AGENCY", Agency: a.State + " STATE DISBURSEMENT UNIT", Contact: "PO BOX 989067",
			Statements: opt.Statements})
	for _, j := range all {
		if err := b.sched.Add(j, "", jobs.AnyDay); err != nil {
			b.close()
			return nil, err
		}
	}
	if err := b.addOthers(ctx, url, partners, env); err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// step measures one step and prints its line.
func (b *bench) step(name string, f func() (rows int64, err error)) (time.Duration, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, fmt.Errorf("%s: %w", name, err) // interrupted: stop after the step that ran
	}
	cpu0, _ := usage()
	reset := resetPeak()
	start := time.Now()
	var rows int64
	var err error
	// The step's name labels its CPU samples (go tool pprof -tagfocus step=NAME);
	// goroutines the step starts inherit the label.
	pprof.Do(context.Background(), pprof.Labels("step", name), func(context.Context) { rows, err = f() })
	wall := time.Since(start)
	if err != nil {
		return wall, fmt.Errorf("%s: %w", name, err)
	}
	cpu1, _ := usage()
	rss, _ := currentRSS()
	fmt.Fprintf(b.out, "step=%s wall_s=%.2f rows=%d rss_mb=%d cpu_s=%.2f", name, wall.Seconds(), rows, rss>>20, (cpu1 - cpu0).Seconds())
	if peak, ok := stepPeak(); ok && reset {
		fmt.Fprintf(b.out, " peak_mb=%d", peak>>20)
		b.peak = max(b.peak, peak)
	}
	fmt.Fprintln(b.out)
	return wall, nil
}

// rowsOf is the count each job's line reports as rows.
var rowsOf = map[string]string{
	jobs.JobSendIWOs:        "iwos",
	jobs.JobPullAcks:        "acks",
	jobs.JobPullRemittances: "payments",
	jobs.JobReconcile:       "payments",
	jobs.JobReport:          "statements",
}

// job runs one job now, as "iwo run JOB" does; an inbound job on every
// instance at once (Options.Instances), its rows those of all of them.
func (b *bench) job(night, name string) (time.Duration, error) {
	return b.step(night+"."+name, func() (int64, error) {
		scheds := []*jobs.Scheduler{b.sched}
		for _, o := range b.others {
			if o.sched.Has(name) {
				scheds = append(scheds, o.sched)
			}
		}
		runs := make([]*withholding.JobRun, len(scheds))
		errs := make([]error, len(scheds))
		var wg sync.WaitGroup
		for i, s := range scheds {
			wg.Go(func() { runs[i], errs[i] = s.RunNow(context.Background(), name) })
		}
		wg.Wait()
		var rows int64
		for i, run := range runs {
			if run == nil {
				return 0, errs[i]
			}
			switch run.Status {
			case withholding.RunSucceeded:
			case withholding.RunPartial:
				fmt.Fprintf(b.out, "# %s.%s partial on %s: %s\n", night, name, run.Instance, withholding.MaskDigitRuns(run.Error))
			default:
				return 0, fmt.Errorf("%s on %s: %s", run.Status, run.Instance, run.Error)
			}
			rows += run.Counts[rowsOf[name]]
			if len(runs) > 1 {
				fmt.Fprintf(b.out, "# %s.%s on %s: files=%d rows=%d claimed_elsewhere=%d gone=%d\n", night, name, run.Instance,
					run.Files, run.Counts[rowsOf[name]], run.Counts["claimed_elsewhere"], run.Counts["gone"])
			}
		}
		return rows, nil
	})
}

func (b *bench) run(ctx context.Context) error {
	opt := b.opt
	fmt.Fprintf(b.out, "# bench night: %d orders, %d employers, %d payments in %d files, %d changes, %d acks, %d instance(s); workspace %s; rss_mb is VmRSS after the step, peak_mb the highest during it\n",
		opt.Orders, opt.Employers, opt.Payments, opt.Files, opt.Changes, opt.Acks, opt.Instances, opt.Dir)
	empCSV := filepath.Join(opt.Dir, "employers.csv")
	ordCSV := filepath.Join(opt.Dir, "orders.csv")
	chgCSV := filepath.Join(opt.Dir, "orders-changed.csv")
	a := &b.agency
	steps := []struct {
		name string
		f    func() (int64, error)
	}{
		{"gen.employers", func() (int64, error) {
			emps, err := writeEmployers(b.gen, empCSV, opt.Employers)
			a.employers = emps
			a.names = map[withholding.FEIN]string{}
			for _, e := range emps {
				a.names[e.FEIN] = e.Name
			}
			return int64(len(emps)), err
		}},
		{"gen.orders", func() (int64, error) {
			return int64(opt.Orders), writeOrders(b.gen, ordCSV, a, opt.Orders, opt.Changes, opt.Payments)
		}},
		{"import.employers", func() (int64, error) { return b.importFile(ctx, empCSV, b.db.ImportEmployers) }},
		{"import.orders", func() (int64, error) { return b.importFile(ctx, ordCSV, b.db.ImportOrders) }},
	}
	for _, s := range steps {
		if _, err := b.step(s.name, s.f); err != nil {
			return err
		}
	}
	for _, name := range jobs.NightOrder {
		if _, err := b.job("initial", name); err != nil {
			return err
		}
	}
	// The IWO files of the first night, which the employers answer.
	var sent []iwoFile
	for _, name := range []string{"portal", employerPartner} {
		p := b.partners[name]
		files, err := filepath.Glob(filepath.Join(p.Local, p.Outbox, "IWO_*.txt"))
		if err != nil {
			return err
		}
		slices.Sort(files)
		for _, f := range files {
			sent = append(sent, iwoFile{path: f, inbox: filepath.Join(p.Local, p.Inbox)})
		}
	}

	// The week between: the employers accept the IWOs of the orders they
	// will pay (those the typical night's acknowledgments leave), as they
	// withhold on orders they have accepted. Timed, but part of neither
	// night.
	if !opt.PayUnacknowledged {
		b.clock.set(ackCreated.Add(2 * time.Hour))
		if _, err := b.step("between.gen.acks", func() (int64, error) {
			n, err := writeEarlierAcks(sent, opt.Acks, a.paying(), ackCreated.Add(-time.Hour), opt.Seed)
			return int64(n), err
		}); err != nil {
			return err
		}
		if _, err := b.job("between", jobs.JobPullAcks); err != nil {
			return err
		}
	}

	b.clock.set(typicalNight)
	var total time.Duration
	var credited withholding.Cents
	timed := func(d time.Duration, err error) error {
		total += d
		return err
	}
	if err := timed(b.step("typical.import.orders", func() (int64, error) {
		if _, err := writeChanges(b.gen, chgCSV, a, withholding.DateOf(typicalNight).AddDays(30)); err != nil {
			return 0, err
		}
		return b.importFile(ctx, chgCSV, b.db.ImportOrders)
	})); err != nil {
		return err
	}
	if err := timed(b.job("typical", jobs.JobSendIWOs)); err != nil {
		return err
	}
	if _, err := b.step("typical.gen.acks", func() (int64, error) {
		n, err := writeAcks(sent, opt.Acks, ackCreated, opt.Seed)
		return int64(n), err
	}); err != nil {
		return err
	}
	if _, err := b.step("typical.gen.payments", func() (int64, error) {
		bank := b.partners["bank"]
		c, err := writeRemittances(filepath.Join(bank.Local, bank.Inbox), a.payers, opt.Files, a.names, payDate, effective, typicalNight.Add(-20*time.Hour))
		credited = c
		return int64(len(a.payers)), err
	}); err != nil {
		return err
	}
	for _, name := range jobs.NightOrder[1:] {
		if err := timed(b.job("typical", name)); err != nil {
			return err
		}
	}
	_, peak := usage()
	fmt.Fprintf(b.out, "night_total_s=%.2f\npeak_rss_mb=%d\n", total.Seconds(), max(peak, b.peak)>>20)

	t, err := b.db.NightTotals(ctx, withholding.DateOf(b.clock.now()))
	if err != nil {
		return fmt.Errorf("books: %w", err)
	}
	fmt.Fprintf(b.out, "books received=%d/%s credited=%d/%s posted=%d held=%d\n",
		t.Received.Count, t.Received.Amount.Dollars(), len(a.payers), credited.Dollars(), t.Posted.Count, t.Held.Count)
	if t.Received.Amount != credited || t.Received.Count != len(a.payers) {
		return withholding.Errorf(withholding.EINTERNAL, "books do not balance: received %d payments, %s; the bank files credited %d, %s",
			t.Received.Count, t.Received.Amount.Dollars(), len(a.payers), credited.Dollars())
	}
	return nil
}

// importFile imports the CSV file at path with imp, as "iwo import" does,
// and returns the rows read.
func (b *bench) importFile(ctx context.Context, path string, imp func(context.Context, string, io.Reader, bool) (store.ImportResult, error)) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	res, err := imp(ctx, path, f, false)
	return int64(res.Created + res.Updated + res.Amended + res.Terminated + res.Unchanged), err
}
