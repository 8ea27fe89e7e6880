package main

import (
	"context"
	"flag"

	"github.com/iwoproject/iwo/bench"
	"github.com/iwoproject/iwo/jobs"
)

var benchNightUsage = usage{
	short: "measure a state-sized night: import, then two nights of the real jobs",
	long: `Builds a synthetic agency through the real import path (employers.csv and
orders.csv, then "iwo import"), and plays two nights of the real jobs with
local-directory partners (portal, employers, bank, operations) on a
simulated clock:

  initial   send-iwos (an ORG IWO for every order), pull-acks,
            pull-remittances, reconcile, report
  between   the week after: the employers accept the IWOs of the orders
            they will pay (pull-acks; part of neither night; left out
            with --pay-unacknowledged, the worst case for exceptions)
  typical   re-import of --changes new or changed orders (ORG, AMD, TRM),
            send-iwos, --acks acknowledgments of the first night's IWOs,
            --payments payments in --files CCD+/CTX files, pull-acks,
            pull-remittances, reconcile against every order, report

It prints one line per step:

  step=NAME wall_s=SECONDS rows=N rss_mb=MB cpu_s=SECONDS

(rss_mb is the resident set after the step, VmRSS; cpu_s user+system time
of the step), then night_total_s (the typical night: its import and jobs,
without the bench writing the partners' files, steps *.gen.*), peak_rss_mb
(getrusage maxrss) and the night's books. It fails when a job fails or the
money received is not what the bank files credited. Figures and what they
mean: docs/scaling.md.

With --db postgres://… each run makes a fresh schema in that database (and
drops it at the end). --instances N runs the typical night's pull-acks and
pull-remittances on N instances at once — each its own store connection
pool, data directory and scheduler, claiming files as "iwo serve"
instances sharing a database do — and prints each instance's share as a
comment line; it needs PostgreSQL.

Examples:
  iwo bench night --orders 20000 --employers 500 --payments 5000 --files 50
  iwo bench night --dir /var/tmp/bench --cpuprofile night.pprof
  iwo bench night --orders 120000 --db postgres://iwo@localhost/iwo --instances 2`,
}

// benchNightCommand is "iwo bench night".
type benchNightCommand struct {
	base
	orders, employers, payments, files, changes, acks int
	instances                                         int
	payUnacknowledged                                 bool
	db, dir, cpuProfile, statements                   string
	seed                                              uint64
}

func (c *benchNightCommand) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.orders, "orders", bench.DefaultOrders, "number of orders")
	fs.IntVar(&c.employers, "employers", bench.DefaultEmployers, "number of employers")
	fs.IntVar(&c.payments, "payments", bench.DefaultPayments, "payments in the typical night's bank files")
	fs.IntVar(&c.files, "files", bench.DefaultFiles, "number of ACH files carrying them")
	fs.IntVar(&c.changes, "changes", 0, "new or changed orders re-imported on the typical night (0: orders/60)")
	fs.IntVar(&c.acks, "acks", 0, "IWOs acknowledged on the typical night (0: orders/60)")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
	fs.StringVar(&c.db, "db", "", "store `URL` (default sqlite:DIR/iwo.db)")
	fs.StringVar(&c.dir, "dir", "", "workspace `directory`, empty or new (default: a fresh temporary directory, kept)")
	fs.IntVar(&c.instances, "instances", 1, "iwo instances running the typical night's pull-acks and pull-remittances together (PostgreSQL only)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to `file` (go tool pprof)")
	fs.BoolVar(&c.payUnacknowledged, "pay-unacknowledged", false, "pay on orders no employer has answered: no acknowledgments between the nights (the worst case for exceptions)")
	fs.StringVar(&c.statements, "statements", string(jobs.StatementsActivity), "which employers get a nightly statement: `activity`, all or none (report.statements)")
}

// Run builds the agency, plays the two nights and prints a line per step.
func (c *benchNightCommand) Run(ctx context.Context) error {
	if len(c.args) > 0 {
		return usageError("unexpected argument %q", c.args[0])
	}
	if c.orders < 1 || c.employers < 1 || c.payments < 1 || c.files < 1 || c.instances < 1 {
		return usageError("--orders, --employers, --payments, --files and --instances must be at least 1")
	}
	if !jobs.StatementRule(c.statements).Valid() {
		return usageError("--statements: %q is not activity, all or none", c.statements)
	}
	return bench.Night(ctx, bench.Options{
		Orders: c.orders, Employers: c.employers, Payments: c.payments, Files: c.files,
		Changes: c.changes, Acks: c.acks, Seed: c.seed, DB: c.db, Dir: c.dir, CPUProfile: c.cpuProfile,
		Instances:         c.instances,
		Statements:        jobs.StatementRule(c.statements),
		PayUnacknowledged: c.payUnacknowledged,
	}, c.stdout)
}
