package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/calendar"
)

// jobHelp is the list of jobs shown by "iwo run -h" and "iwo serve -h".
const jobHelp = `Jobs, in the order of the night:
  send-iwos          write e-IWO files for orders with a pending ORG, AMD, TRM or LUM
                     (one file per partner, one batch per employer) and push them
  pull-acks          fetch acknowledgment and portal result files, validate, apply
  pull-remittances   fetch ACH files from the bank, parse, post the payments
  reconcile          match tonight's payments to orders, record exceptions, resolve
                     missing payments that arrived late
  report             write the operations workbook, the exceptions CSV and employer
                     statements to DATA_DIR/reports/DATE/ and push them to partners
  night              all of the above, in that order; a failed step does not stop the rest`

// Exit codes of "iwo run".
const (
	exitRunFailed  = 1
	exitRunPartial = 3
	exitRunSkipped = 4
)

var runUsage = usage{
	args:  "JOB",
	short: "Run one nightly job now (or the whole night)",
	long: jobHelp + `

The run takes the job's lock and is recorded in the run history like a
scheduled run, so it is safe while "iwo serve" runs elsewhere: if the job is
running on another instance, this run is skipped. Day rules (business days,
holidays) apply to scheduled runs only.

On SIGINT or SIGTERM the run may finish (the night after its current step)
for jobs.shutdown_grace; then, or at a second signal, it is cancelled and
what it had not committed is rolled back.

A configuration file is required (--config or $IWO_CONFIG): on the built-in
defaults there are no partners and a night would succeed having exchanged
nothing. A configuration naming no partners runs, with a warning.

Exit status: 0 succeeded, 1 failed, 2 no configuration or bad usage, 3
partial (some partners or files failed; the rest went through), 4 skipped
(already running).

Examples:
  iwo run pull-remittances --config /etc/iwo/iwo.yml
  iwo run night`,
}

// runCommand is "iwo run".
type runCommand struct {
	base
	config, db string
}

func (c *runCommand) flags(fs *flag.FlagSet) {
	serviceConfigFlag(fs, &c.config)
	dbFlag(fs, &c.db)
}

// Run runs the job named by the one argument and prints its run.
func (c *runCommand) Run(ctx context.Context) error {
	e, args := c.env, c.args
	if len(args) != 1 {
		return usageError("run takes one job name; run 'iwo run -h' for the list")
	}
	cfg, err := loadServiceConfig(c.config, e, "run")
	if err != nil {
		return err
	}
	log := cfg.Logger(e.stderr)
	db, err := openStoreConfig(ctx, e, c.db, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := buildScheduler(cfg, db, log, nil, schedulerOptions{})
	if err != nil {
		return err
	}
	if !s.Has(args[0]) {
		var names []string
		for _, j := range s.Jobs() {
			names = append(names, j.Name)
		}
		return usageError("unknown job %q (jobs: %s)", args[0], strings.Join(names, ", "))
	}
	// A stop signal does not cut the run off: like "iwo serve", the run
	// may finish (a night ends after its current step) for
	// jobs.shutdown_grace, a second signal cancels it at once.
	type result struct {
		run *withholding.JobRun
		err error
	}
	done := make(chan result, 1)
	go func() {
		run, err := s.RunNow(context.WithoutCancel(ctx), args[0])
		done <- result{run, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		log.Info("signal: letting the run finish", "job", args[0], "grace", cfg.Jobs.ShutdownGrace.String())
		if _, err := shutdown(s, log, cfg.Jobs.ShutdownGrace, e.halt); err != nil {
			return exitCode(exitRunFailed, fmt.Errorf("stop %s: %w", args[0], err))
		}
		res = <-done
	}
	run, err := res.run, res.err
	if run == nil {
		return err
	}
	printRun(e.stdout, run)
	switch run.Status {
	case withholding.RunSucceeded:
		return nil
	case withholding.RunPartial:
		return exitCode(exitRunPartial, err)
	case withholding.RunSkipped:
		return exitCode(exitRunSkipped, nil)
	}
	return exitCode(exitRunFailed, err)
}

// printRun prints one line per run with its counts.
func printRun(w io.Writer, r *withholding.JobRun) {
	fmt.Fprintf(w, "%s: %s in %s, %d files", r.Job, r.Status, r.Ended.Sub(r.Started).Round(1e6), r.Files)
	keys := make([]string, 0, len(r.Counts))
	for k := range r.Counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, ", %s %d", k, r.Counts[k])
	}
	fmt.Fprintln(w)
	if r.Status == withholding.RunSkipped {
		fmt.Fprintf(w, "  skipped: %s\n", r.Error)
	}
}

// buildScheduler makes the scheduler with every job the configuration
// enables. With scheduled false (iwo run) the cron specs are left out:
// every job is registered, runnable by hand.
// schedulerOptions is what differs between the scheduler of a real install
// and the demo's, which runs every job on its simulated clock.
type schedulerOptions struct {
	scheduled bool             // add each job's cron spec from the configuration
	now       func() time.Time // the clock; nil means time.Now
	location  *time.Location   // nil means the configuration's agency.time_zone
	issuer    *edi.Issuer      // what every IWO says; nil means issuerFromConfig
	instance  string           // run records' instance name; "" means host/pid
}

func buildScheduler(cfg *Config, db *store.DB, log *slog.Logger, m *jobs.Metrics, opts schedulerOptions) (*jobs.Scheduler, error) {
	loc := opts.location
	if loc == nil {
		l, err := cfg.Location()
		if err != nil {
			return nil, err
		}
		loc = l
	}
	issuer := issuerFromConfig(cfg)
	if opts.issuer != nil {
		issuer = *opts.issuer
	}
	partners, err := cfg.TransferPartners()
	if err != nil {
		return nil, err
	}
	backoff := cfg.Backoff()
	// One clock, time zone and logger for the scheduler and every job.
	env := jobs.Env{Clock: opts.now, Location: loc, Logger: log}
	x := &jobs.Exchange{
		Partners: partners,
		Connect: func(ctx context.Context, p *transfer.Partner) (transfer.Remote, error) {
			return transfer.Open(ctx, p, backoff)
		},
		Dir:       cfg.DataDir,
		StableFor: cfg.Transfer.StableFor,
		// Each inbound file is claimed, so that instances sharing a
		// PostgreSQL database pull files together.
		Claims:  db,
		Metrics: m,
		Env:     env,
	}
	s := jobs.NewScheduler(jobs.SchedulerConfig{
		Runs: db, Calendar: calendar.US(), Env: env, Metrics: m, Instance: opts.instance,
	})
	rec := &jobs.Reconcile{
		Books:    storeBooks(db),
		Settings: cfg.ReconcileSettings(), Calendar: calendar.US(), Env: env,
	}
	all := []jobs.Job{
		&jobs.SendIWOs{
			Exchange: x, Files: db, Orders: db, Employers: db,
			Issuer: issuer, StateFIPS: cfg.Agency.FIPS, Env: env,
		},
		&jobs.PullAcks{Exchange: x, Files: db, Orders: db, Documents: db, Env: env},
		&jobs.PullRemittances{Exchange: x, Files: db, Profile: cfg.ACHProfile()},
		rec,
		&jobs.Report{Reconcile: rec, Exchange: x, Reports: report.Writer{}, Title: cfg.Agency.Name, Agency: cfg.Agency.Name, Contact: cfg.Agency.StatementContact(),
			Statements: cfg.Report.Statements},
		&jobs.Night{Runner: s},
	}
	var errs []error
	for _, j := range all {
		jc, ok := cfg.Jobs.Schedules[j.Name()]
		spec := ""
		if opts.scheduled && ok && jc.Enabled {
			spec = jc.Schedule
		}
		if err := s.Add(j, spec, jc.Days); err != nil {
			errs = append(errs, fmt.Errorf("jobs.%s: %w", j.Name(), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// issuerFromConfig is what the agency says on every IWO it sends: its
// state's name and the federal timeframes and CCPA statement
// (withholding.DefaultBeginWithinDays and the rest).
func issuerFromConfig(cfg *Config) edi.Issuer {
	a := cfg.Agency
	return edi.Issuer{
		GoverningState:        withholding.GoverningState(a.State),
		BeginWithinDays:       withholding.DefaultBeginWithinDays,
		StartInstructions:     withholding.DefaultStartInstructions,
		SendPaymentWithinDays: withholding.DefaultSendPaymentWithinDays,
		CCPAPercent:           withholding.DefaultCCPAPercent,
		PayeeName:             a.SDU.PayeeName,
		OfficialName:          a.Name,
	}
}
