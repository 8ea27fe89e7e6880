package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/iwoproject/iwo/jobs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// shutdownGrace is how long "iwo serve" waits for running jobs after a
// signal; their transactions roll back if they do not finish.
const shutdownGrace = 2 * time.Minute

func init() {
	register(&command{
		name:  "serve",
		short: "Run the nightly jobs on their schedules, with /metrics and /healthz",
		long: `Runs every enabled job on its cron schedule (jobs.NAME.schedule in the
configuration, in agency.time_zone unless the spec starts with CRON_TZ=),
keeping each job's day rule (any, business_days, skip_holidays) on the US
Federal Reserve holiday calendar, and serves Prometheus metrics on /metrics and
a liveness check on /healthz at metrics.listen.

Several "iwo serve" instances may share one PostgreSQL database: each job
takes a database lock, so every scheduled run happens on exactly one of them.
Stop with SIGINT or SIGTERM: no new runs start; running ones are cancelled
(their transactions roll back, files stay in the inboxes) and waited for.

` + jobHelp,
		flags: func(fs *flag.FlagSet) {
			configFlag(fs)
			addDBFlag(fs)
			fs.String("listen", "", "`host:port` for /metrics and /healthz (default metrics.listen; \"off\" serves none)")
		},
		run: serve,
	})
}

func serve(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) != 0 {
		return usageError("serve takes no arguments")
	}
	cfg, err := loadConfig(fs.Lookup("config").Value.String(), e)
	if err != nil {
		return err
	}
	log := cfg.Logger(e.stderr)
	db, err := openStoreConfig(ctx, e, fs.Lookup("db").Value.String(), cfg)
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

	listen := fs.Lookup("listen").Value.String()
	if listen == "" {
		listen = cfg.Metrics.Listen
	}
	var srv *http.Server
	srvErr := make(chan error, 1)
	if listen != "" && listen != "off" {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return fmt.Errorf("listen for metrics: %w", err)
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
	}

	s.Start(ctx)
	for _, j := range s.Jobs() {
		if j.Spec != "" {
			log.Info("job scheduled", "job", j.Name, "schedule", j.Spec, "days", j.Days, "next", j.Next)
		}
	}
	select {
	case <-ctx.Done():
	case err := <-srvErr:
		log.Error("metrics server failed", "err", err)
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	var errs []error
	if err := s.Stop(sctx); err != nil {
		errs = append(errs, err)
	}
	if srv != nil {
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("stop metrics server: %w", err))
		}
	}
	return errors.Join(errs...)
}
