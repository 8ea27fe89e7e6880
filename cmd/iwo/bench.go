package main

import (
	"context"
	"flag"

	"github.com/iwoproject/iwo/bench"
)

func init() {
	var (
		orders, employers, payments, files, changes, acks *int
		db, dir, cpuProfile                               *string
		seed                                              *uint64
	)
	register(&command{
		name:  "bench night",
		short: "measure a state-sized night: import, then two nights of the real jobs",
		long: `Builds a synthetic agency through the real import path (employers.csv and
orders.csv, then "iwo import"), and plays two nights of the real jobs with
local-directory partners (portal, employers, bank, operations) on a
simulated clock:

  initial   send-iwos (an ORG IWO for every order), pull-acks,
            pull-remittances, reconcile, report
  typical   re-import of --changes new or changed orders (ORG, AMD, TRM),
            send-iwos, --acks acknowledgments of the first night's IWOs,
            --payments payments in --files CCD+/CTX files, pull-acks,
            pull-remittances, reconcile against every order, report

It prints one line per step:

  step=NAME wall_s=SECONDS rows=N rss_mb=MB cpu_s=SECONDS

(rss_mb is the resident set after the step, VmRSS; cpu_s user+system time
of the step), then night_total_s (the typical night: its import and jobs,
without the bench writing the partners' files, steps gen.*), peak_rss_mb
(getrusage maxrss) and the night's books. It fails when a job fails or the
money received is not what the bank files credited. Figures and what they
mean: docs/scaling.md.

Examples:
  iwo bench night --orders 20000 --employers 500 --payments 5000 --files 50
  iwo bench night --dir /var/tmp/bench --cpuprofile night.pprof`,
		flags: func(fs *flag.FlagSet) {
			orders = fs.Int("orders", bench.DefaultOrders, "number of orders")
			employers = fs.Int("employers", bench.DefaultEmployers, "number of employers")
			payments = fs.Int("payments", bench.DefaultPayments, "payments in the typical night's bank files")
			files = fs.Int("files", bench.DefaultFiles, "number of ACH files carrying them")
			changes = fs.Int("changes", 0, "new or changed orders re-imported on the typical night (0: orders/60)")
			acks = fs.Int("acks", 0, "IWOs acknowledged on the typical night (0: orders/60)")
			seed = fs.Uint64("seed", 1, "random seed")
			db = fs.String("db", "", "store `URL` (default sqlite:DIR/iwo.db)")
			dir = fs.String("dir", "", "workspace `directory`, empty or new (default: a fresh temporary directory, kept)")
			cpuProfile = fs.String("cpuprofile", "", "write a CPU profile of the whole run to `file` (go tool pprof)")
		},
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usageError("unexpected argument %q", args[0])
			}
			if *orders < 1 || *employers < 1 || *payments < 1 || *files < 1 {
				return usageError("--orders, --employers, --payments and --files must be at least 1")
			}
			return bench.Night(ctx, bench.Options{
				Orders: *orders, Employers: *employers, Payments: *payments, Files: *files,
				Changes: *changes, Acks: *acks, Seed: *seed, DB: *db, Dir: *dir, CPUProfile: *cpuProfile,
			}, e.stdout)
		},
	})
}
