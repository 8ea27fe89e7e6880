package jobs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// held is a job that signals started when it runs and then waits: for
// release, or, when cancellable, for its context to end as well.
type held struct {
	started chan struct{}
	release chan struct{}
}

// heldScheduler returns a store, a scheduler over it, and a held job's
// controls.
func heldScheduler(t *testing.T) (*store.DB, *jobs.Scheduler, *held) {
	t.Helper()
	db := MustOpenStore(t)
	return db, MustScheduler(t, db, "test"), &held{started: make(chan struct{}, 1), release: make(chan struct{})}
}

// job returns a job called name that waits for release; it fails when its
// context was cancelled, as a job whose transaction rolled back does.
func (h *held) job(name string) jobs.Job {
	return jobs.Func(name, func(ctx context.Context) (jobs.Result, error) {
		h.started <- struct{}{}
		select {
		case <-h.release:
		case <-ctx.Done():
		}
		return jobs.Result{Files: 1}, ctx.Err()
	})
}

// stubborn returns a job called name that waits for release whatever
// happens to its context.
func (h *held) stubborn(name string) jobs.Job {
	return jobs.Func(name, func(ctx context.Context) (jobs.Result, error) {
		h.started <- struct{}{}
		<-h.release
		return jobs.Result{}, nil
	})
}

// runIn runs fn in a goroutine and returns a channel with its error.
func runIn(fn func() (*withholding.JobRun, error)) <-chan error {
	done := make(chan error, 1)
	go func() { _, err := fn(); done <- err }()
	return done
}

func TestShutdownLetsRunningJobFinishWithinGrace(t *testing.T) {
	ctx := context.Background()
	db, s, h := heldScheduler(t)
	MustAdd(t, s, h.job("pull"), "0 2 * * *", jobs.AnyDay)
	MustAdd(t, s, jobs.Func("other", func(context.Context) (jobs.Result, error) { return jobs.Result{}, nil }), "", jobs.AnyDay)
	slot := time.Now().Truncate(time.Second)
	done := runIn(func() (*withholding.JobRun, error) { return s.RunScheduled(ctx, "pull", slot) })
	<-h.started

	running := s.Drain()
	if len(running) != 1 || running[0].Job != "pull" || running[0].Run == 0 || running[0].Status != "" {
		t.Fatalf("Drain = %+v, want the pull run in progress", running)
	}
	// No run starts once shutdown began.
	if run, err := s.RunNow(ctx, "other"); !errors.Is(err, jobs.ErrShuttingDown) || run == nil || run.Status != withholding.RunSkipped {
		t.Errorf("RunNow during shutdown: %+v %v, want a skipped run and ErrShuttingDown", run, err)
	}

	grace := make(chan struct{}) // the grace period does not end in this test
	type result struct {
		res jobs.ShutdownResult
		err error
	}
	shut := make(chan result, 1)
	go func() { res, err := s.Shutdown(ctx, grace); shut <- result{res, err} }()
	close(h.release) // the job finishes while Shutdown waits
	got := <-shut
	if got.err != nil || len(got.res.Cancelled) != 0 || len(got.res.Finished) != 1 || got.res.Finished[0].Status != withholding.RunSucceeded {
		t.Errorf("Shutdown = %+v %v, want the pull run finished, succeeded", got.res, got.err)
	}
	if err := <-done; err != nil {
		t.Errorf("the run: %v", err)
	}
	rs := runsOf(t, db, "pull")
	if len(rs) != 1 || rs[0].Status != withholding.RunSucceeded || rs[0].Files != 1 || rs[0].Error != "" {
		t.Errorf("pull runs recorded: %+v, want one succeeded", rs)
	}
	if rs := runsOf(t, db, "other"); len(rs) != 1 || rs[0].Status != withholding.RunSkipped || !strings.Contains(rs[0].Error, "shutting down") {
		t.Errorf("other runs recorded: %+v, want one skipped while shutting down", rs)
	}
}

func TestShutdownCancelsJobPastGrace(t *testing.T) {
	ctx := context.Background()
	db, s, h := heldScheduler(t) // h never released: the job ends only when cancelled
	MustAdd(t, s, h.job("pull"), "", jobs.AnyDay)
	done := runIn(func() (*withholding.JobRun, error) { return s.RunNow(ctx, "pull") })
	<-h.started

	grace := make(chan struct{})
	close(grace) // the grace period is over before the job is
	res, err := s.Shutdown(ctx, grace)
	if err != nil || len(res.Finished) != 0 || len(res.Cancelled) != 1 || res.Cancelled[0].Job != "pull" || res.Cancelled[0].Status != withholding.RunFailed {
		t.Fatalf("Shutdown = %+v %v, want the pull run cancelled and failed", res, err)
	}
	if err := <-done; !errors.Is(err, jobs.ErrCancelledAtShutdown) {
		t.Errorf("the run: %v, want cancelled at shutdown", err)
	}
	rs := runsOf(t, db, "pull")
	if len(rs) != 1 || rs[0].Status != withholding.RunFailed || !strings.Contains(rs[0].Error, "cancelled at shutdown") || rs[0].Ended.IsZero() {
		t.Errorf("pull runs recorded: %+v, want one failed, cancelled at shutdown, with its end", rs)
	}
}

// TestShutdownReportsJobThatIgnoresCancel: a job that does not return
// when cancelled is named in Shutdown's error once ctx ends.
func TestShutdownReportsJobThatIgnoresCancel(t *testing.T) {
	_, s, h := heldScheduler(t)
	MustAdd(t, s, h.stubborn("stuck"), "", jobs.AnyDay)
	done := runIn(func() (*withholding.JobRun, error) { return s.RunNow(context.Background(), "stuck") })
	<-h.started

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time left to wait
	res, err := s.Shutdown(ctx, nil)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stuck") || len(res.Cancelled) != 1 {
		t.Errorf("Shutdown = %+v %v, want the stuck run cancelled and named", res, err)
	}
	close(h.release)
	if err := <-done; err != nil {
		t.Errorf("the run: %v", err)
	}
}

// TestNightStopsAtShutdown: the step under way finishes, the night starts
// no other step and records why.
func TestNightStopsAtShutdown(t *testing.T) {
	ctx := context.Background()
	db, s, h := heldScheduler(t)
	MustAdd(t, s, h.job("a"), "", jobs.AnyDay)
	MustAdd(t, s, jobs.Func("b", func(context.Context) (jobs.Result, error) {
		t.Error("step b ran after shutdown began")
		return jobs.Result{}, nil
	}), "", jobs.AnyDay)
	MustAdd(t, s, &jobs.Night{Runner: s, Steps: []string{"a", "b"}}, "", jobs.AnyDay)
	done := runIn(func() (*withholding.JobRun, error) { return s.RunNow(ctx, jobs.JobNight) })
	<-h.started

	if running := s.Drain(); len(running) != 2 || running[0].Job != jobs.JobNight || running[1].Job != "a" {
		t.Fatalf("Drain = %+v, want the night and its step a", running)
	}
	close(h.release)
	res, err := s.Shutdown(ctx, nil)
	if err != nil || len(res.Finished) != 2 || len(res.Cancelled) != 0 {
		t.Errorf("Shutdown = %+v %v, want the night and step a finished", res, err)
	}
	if err := <-done; !errors.Is(err, jobs.ErrShuttingDown) {
		t.Errorf("the night: %v, want ErrShuttingDown", err)
	}
	night := runsOf(t, db, jobs.JobNight)
	if len(night) != 1 || night[0].Status != withholding.RunPartial || !strings.Contains(night[0].Error, "night stopped before b") {
		t.Errorf("night runs: %+v, want one partial, stopped before b", night)
	}
	if rs := runsOf(t, db, "a"); len(rs) != 1 || rs[0].Status != withholding.RunSucceeded {
		t.Errorf("step a runs: %+v, want one succeeded", rs)
	}
}
