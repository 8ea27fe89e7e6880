package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iwoproject/iwo/demo"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

var demoUsage = usage{
	short: "play several nights of a synthetic agency end to end and print a summary",
	long: `Builds a whole agency in a workspace and plays its nights through the real
jobs, with nothing to install or configure:

  - a synthetic agency (a few hundred employers, a few thousand orders,
    reproducible from --seed) in an SQLite store;
  - an SFTP server on a loopback port standing in for the federal e-IWO
    portal and the SDU's bank, with a generated host key that the generated
    partners configuration (iwo.yml in the workspace) pins;
  - simulated employers that answer the IWOs and pay by CCD+ with the
    employer mode ('iwo employer'), with a few percent of problems:
    rejections, terminations, lump sums, short and late payments,
    mistyped cases, a duplicate bank file and a malformed acknowledgment
    file that gets quarantined.

Each demo night is one week of payroll. Every night the agency runs the
night job: send IWOs, pull acknowledgments, pull remittances (and
reconcile and report when they are configured). The summary at the end
comes from the store, and is also written to summary.json.

With --serve, iwo then serves the help-line console over the demo's store
and prints its URL and a demo login (user demo, a password made up for the
run), until interrupted.

Example:
  iwo demo                      # a fresh temporary workspace
  iwo demo --dir /tmp/iwo-demo --seed 7 --nights 6`,
}

// demoCommand is "iwo demo".
type demoCommand struct {
	base
	dir, listen, cpuProfile     string
	serve                       bool
	seed                        uint64
	nights, nEmployers, nOrders int
}

func (c *demoCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "dir", "", "workspace `directory` (default: a fresh temporary directory)")
	fs.BoolVar(&c.serve, "serve", false, "then serve the help-line console on the demo store")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:0", "`address` for --serve")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed: the same seed plays the same demo")
	fs.IntVar(&c.nights, "nights", 4, "number of nights to play (each a week of payroll)")
	fs.IntVar(&c.nEmployers, "employers", 300, "number of synthetic employers")
	fs.IntVar(&c.nOrders, "orders", 3000, "number of synthetic orders")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole demo to `file` (for measuring; see go tool pprof)")
}

// Run makes the workspace and plays the demo in it.
func (c *demoCommand) Run(ctx context.Context) error {
	if len(c.args) > 0 {
		return usageError("unexpected argument %q", c.args[0])
	}
	if c.nights < 2 || c.nEmployers < 1 || c.nOrders < 1 {
		return usageError("want --nights of at least 2 and at least one employer and one order")
	}
	d := c.dir
	if d == "" {
		t, err := os.MkdirTemp("", "iwo-demo-")
		if err != nil {
			return fmt.Errorf("create workspace: %w", err)
		}
		d = t
	} else if err := os.MkdirAll(d, 0o700); err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	d, _ = filepath.Abs(d)
	if c.cpuProfile != "" {
		stop, err := startCPUProfile(c.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	return runDemo(ctx, c.env, demo.Options{Dir: d, Seed: c.seed, Employers: c.nEmployers, Orders: c.nOrders}, c.nights, c.serve, c.listen)
}

func runDemo(ctx context.Context, e *env, opt demo.Options, nights int, serve bool, listen string) error {
	started := time.Now()
	fmt.Fprintf(e.stdout, "Workspace: %s\n", opt.Dir)
	if entries, _ := os.ReadDir(opt.Dir); len(entries) > 0 {
		return fmt.Errorf("workspace %s is not empty: give an empty --dir (or none for a temporary one)", opt.Dir)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := demo.Start(ctx, opt)
	if err != nil {
		return err
	}
	defer w.Close()
	if err := w.WriteRosters(); err != nil {
		return err
	}
	cfgPath := filepath.Join(opt.Dir, "iwo.yml")
	if err := os.WriteFile(cfgPath, []byte(w.ConfigYAML()), 0o600); err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	cfg, err := loadConfig(cfgPath, e)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "SFTP server (portal and SDU bank): %s, host key pinned in %s\n", w.Addr(), cfgPath)

	db, err := store.Open(ctx, cfg.DatabaseURL())
	if err != nil {
		return err
	}
	defer db.Close()
	db.Now = w.Now
	if err := w.Load(ctx, db); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Agency: %d employers, %d orders (seed %d) in %s\n", len(w.Employers), len(w.Orders), opt.Seed, cfg.DatabaseURL())

	// The jobs' log goes to iwo.log in the workspace (the demo prints its
	// own progress), masked like every iwo log and readable by its owner
	// only.
	logFile, err := os.OpenFile(filepath.Join(opt.Dir, "iwo.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("create demo log: %w", err)
	}
	defer logFile.Close()
	reg := prometheus.NewRegistry()
	sched, err := demoScheduler(cfg, db, w, cfg.Logger(logFile), jobs.NewMetrics(reg))
	if err != nil {
		return err
	}
	night := func(ctx context.Context) (*withholding.JobRun, error) { return sched.RunNow(ctx, jobs.JobNight) }
	if _, err := w.Play(ctx, nights, night, db, e.stdout); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nDone in %s. Agency configuration: %s\n", time.Since(started).Round(100*time.Millisecond), cfgPath)
	if !serve {
		return nil
	}
	return serveDemo(ctx, e, listen, cfg, db)
}

// demoScheduler is the real scheduler (buildScheduler) on the demo's
// simulated clock, in UTC, with the synthetic agency's IWO statements,
// logging to log.
func demoScheduler(cfg *Config, db *store.DB, w *demo.World, log *slog.Logger, m *jobs.Metrics) (*jobs.Scheduler, error) {
	issuer := edisynth.Issuer(w.Agency)
	return buildScheduler(cfg, db, log, m, schedulerOptions{now: w.Now, location: time.UTC, issuer: &issuer, instance: "demo"})
}

// serveDemo serves the help-line console over the demo's store, with a
// demo user whose password is made up now and printed.
func serveDemo(ctx context.Context, e *env, listen string, cfg *Config, db *store.DB) error {
	var pw [9]byte
	if _, err := rand.Read(pw[:]); err != nil {
		return fmt.Errorf("make demo password: %w", err)
	}
	password := base64.RawURLEncoding.EncodeToString(pw[:])
	hash, err := web.HashPassword(password)
	if err != nil {
		return err
	}
	cfg.Console.Users = []ConsoleUser{{Name: "demo", Role: string(web.RoleSupervisor), PasswordHash: hash}}
	srv, err := newConsole(cfg, db, e)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	fmt.Fprintf(e.stdout, "\nConsole: http://%s/\nLogin:   demo / %s\nCtrl-C to stop.\n", ln.Addr(), password)
	return serveHTTP(ctx, ln, srv.Handler())
}

// startCPUProfile writes a CPU profile to path until the returned function
// is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
