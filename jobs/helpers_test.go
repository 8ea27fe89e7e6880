package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// MustOpenStore opens a fresh in-memory SQLite store.
func MustOpenStore(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), "sqlite::memory:")
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// quietLogger discards logs; tests that check logs use their own.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// MustScheduler returns a scheduler over runs with a quiet logger.
func MustScheduler(tb testing.TB, runs withholding.JobRunService, instance string, cfg ...func(*jobs.SchedulerConfig)) *jobs.Scheduler {
	tb.Helper()
	c := jobs.SchedulerConfig{Runs: runs, Instance: instance, Env: jobs.Env{Logger: quietLogger()}}
	for _, f := range cfg {
		f(&c)
	}
	return jobs.NewScheduler(c)
}

// MustAdd adds a job or fails the test.
func MustAdd(tb testing.TB, s *jobs.Scheduler, j jobs.Job, spec string, days jobs.DayRule) {
	tb.Helper()
	if err := s.Add(j, spec, days); err != nil {
		tb.Fatalf("add %s: %v", j.Name(), err)
	}
}

// runsOf returns every recorded run of job, newest first.
func runsOf(tb testing.TB, runs withholding.JobRunService, job string) []*withholding.JobRun {
	tb.Helper()
	rs, _, err := runs.FindJobRuns(context.Background(), job, 0, 1000)
	if err != nil {
		tb.Fatalf("find runs of %s: %v", job, err)
	}
	return rs
}

// statuses counts runs by status.
func statuses(rs []*withholding.JobRun) map[withholding.RunStatus]int {
	m := map[withholding.RunStatus]int{}
	for _, r := range rs {
		m[r.Status]++
	}
	return m
}

// counterValue sums the counter name over the series whose job label (or
// kind label, for file counters) is label.
func counterValue(tb testing.TB, reg *prometheus.Registry, name, label string) float64 {
	tb.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		tb.Fatalf("gather metrics: %v", err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if (l.GetName() == "job" || l.GetName() == "outcome") && l.GetValue() == label {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}
