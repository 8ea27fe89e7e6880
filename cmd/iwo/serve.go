package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/iwoproject/iwo/jobs"
)

// cancelWait is how long "iwo serve" waits, after jobs.shutdown_grace, for
// the jobs it cancelled to roll back and record their end.
const cancelWait = 20 * time.Second

// exitJobsCancelled is the exit status of "iwo serve" when it had to cancel
// running jobs to stop.
const exitJobsCancelled = 3

var serveUsage = usage{
	short: "Run the nightly jobs on their schedules, with /metrics and /healthz",
	long: `Runs every enabled job on its cron schedule (jobs.NAME.schedule in the
configuration, in agency.time_zone unless the spec starts with CRON_TZ=),
keeping each job's day rule (any, business_days, skip_holidays) on the US
Federal Reserve holiday calendar, and serves Prometheus metrics on /metrics and
a liveness check on /healthz at metrics.listen. A configuration file is
required (--config or $IWO_CONFIG); one naming no partners is logged as such.

Several "iwo serve" instances may share one PostgreSQL database: each job
takes a database lock, so every scheduled run happens on exactly one of them.

Stop with SIGINT or SIGTERM (systemctl stop): no new run starts; running jobs
may finish for jobs.shutdown_grace (60s by default); those still running then
are cancelled (their transactions roll back, files stay in the inboxes) and
waited for up to 20s more. A second signal cancels them at once. The log
names every job waited for and every job cancelled. Exit status: 0 when every
running job finished, 3 when some had to be cancelled, 2 without a
configuration, 1 on other errors.

` + jobHelp,
}

// serveCommand is "iwo serve".
type serveCommand struct {
	base
	config, db, listen string
}

func (c *serveCommand) flags(fs *flag.FlagSet) {
	serviceConfigFlag(fs, &c.config)
	dbFlag(fs, &c.db)
	fs.StringVar(&c.listen, "listen", "", "`host:port` for /metrics and /healthz (default metrics.listen; \"off\" serves none)")
}

// Run runs the scheduler and the metrics server until ctx ends, then
// shuts them down.
func (c *serveCommand) Run(ctx context.Context) error {
	if len(c.args) != 0 {
		return usageError("serve takes no arguments")
	}
	cfg, err := loadServiceConfig(c.config, c.env, "serve")
	if err != nil {
		return err
	}
	log := cfg.Logger(c.stderr)
	db, err := openStoreConfig(ctx, c.env, c.db, cfg)
	if err != nil {
		return err
	}
	defer db.Close()

	reg := prometheus.NewRegistry()
	m := jobs.NewMetrics(reg)
	s, err := buildScheduler(cfg, db, log, m, schedulerOptions{scheduled: true})
	if err != nil {
		return err
	}
	listen := c.listen
	if listen == "" {
		listen = cfg.Metrics.Listen
	}
	srv, srvErr, err := serveMetrics(listen, reg, log)
	if err != nil {
		return err
	}

	// Runs are stopped by Shutdown below, not by the signal.
	s.Start(context.WithoutCancel(ctx))
	for _, j := range s.Jobs() {
		if j.Spec != "" {
			log.Info("job scheduled", "job", j.Name, "schedule", j.Spec, "days", j.Days, "next", j.Next)
		}
	}
	var errs []error
	select {
	case <-ctx.Done():
	case err := <-srvErr:
		log.Error("metrics server failed", "err", err)
	}
	res, err := shutdown(s, log, cfg.Jobs.ShutdownGrace, c.halt)
	if err != nil {
		errs = append(errs, err)
	}
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("stop metrics server: %w", err))
		}
	}
	if len(res.Cancelled) > 0 {
		var names []string
		for _, r := range res.Cancelled {
			names = append(names, fmt.Sprintf("%s (run %d)", r.Job, r.Run))
		}
		log.Warn("stopped: running jobs had to be cancelled", "finished", len(res.Finished), "cancelled", len(res.Cancelled))
		errs = append(errs, fmt.Errorf("stopped after cancelling %s", strings.Join(names, ", ")))
		return exitCode(exitJobsCancelled, errors.Join(errs...))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("stopped: every running job finished", "finished", len(res.Finished))
	return nil
}

// serveMetrics serves /metrics from reg and /healthz on listen, unless
// listen is "" or "off" (then srv is nil). srvErr receives the server's
// error should it stop on its own.
func serveMetrics(listen string, reg *prometheus.Registry, log *slog.Logger) (srv *http.Server, srvErr chan error, err error) {
	srvErr = make(chan error, 1)
	if listen == "" || listen == "off" {
		return nil, srvErr, nil
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, nil, fmt.Errorf("listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { srvErr <- srv.Serve(ln) }()
	log.Info("serving metrics", "addr", ln.Addr().String())
	return srv, srvErr, nil
}

// shutdown stops the scheduler: no new runs, grace for the running ones to
// finish (cut short by halt), then cancellation and up to cancelWait for
// the cancelled ones to return.
func shutdown(s *jobs.Scheduler, log *slog.Logger, grace time.Duration, halt <-chan struct{}) (jobs.ShutdownResult, error) {
	running := s.Drain()
	log.Info("shutting down: no new runs", "running", len(running), "grace", grace.String())
	over, stopped := make(chan struct{}), make(chan struct{})
	defer close(stopped)
	go func() {
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-t.C:
		case <-halt:
			log.Warn("second signal: cancelling running jobs now")
		case <-stopped:
			return
		}
		close(over)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), grace+cancelWait)
	defer cancel()
	return s.Shutdown(ctx, over)
}
