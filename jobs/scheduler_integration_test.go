//go:build integration

package jobs_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// mustPostgresStores opens n stores on one fresh schema of the database
// $IWO_TEST_POSTGRES names, each with its own connection pool, as n iwo
// processes would. It fails when the variable is not set.
func mustPostgresStores(t *testing.T, n int) []*store.DB {
	t.Helper()
	base := os.Getenv("IWO_TEST_POSTGRES")
	if base == "" {
		t.Fatal("IWO_TEST_POSTGRES is not set; run `make integration` (it starts PostgreSQL with .ci/deps)")
	}
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	schema := "jobs_it_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	var dbs []*store.DB
	for range n {
		db, err := store.Open(ctx, u.String())
		if err != nil {
			t.Fatalf("open store: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return dbs
}

func TestIntegrationTwoSchedulersOnePostgresRunAJobOnce(t *testing.T) {
	ctx := context.Background()
	dbs := mustPostgresStores(t, 2)
	var calls atomic.Int32
	job := jobs.Func("pull-remittances", func(context.Context) (jobs.Result, error) {
		calls.Add(1)
		return jobs.Result{Files: 1}, nil
	})
	// The instances' clocks read the slot being fired, as in production
	// (a slot fires at its time): a run of the slot is then recognised by
	// when it started, not only kept out by the lock while it runs.
	var clock atomic.Int64
	now := func(c *jobs.SchedulerConfig) { c.Clock = func() time.Time { return time.Unix(0, clock.Load()).UTC() } }
	a := MustScheduler(t, dbs[0], "host-a/1", now)
	b := MustScheduler(t, dbs[1], "host-b/1", now)
	MustAdd(t, a, job, "30 1 * * *", jobs.AnyDay)
	MustAdd(t, b, job, "30 1 * * *", jobs.AnyDay)

	// Both instances fire for the same five nights at the same moment.
	night := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	for i := range 5 {
		slot := night.AddDate(0, 0, i)
		clock.Store(slot.UnixNano())
		var wg sync.WaitGroup
		for _, s := range []*jobs.Scheduler{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.RunScheduled(ctx, "pull-remittances", slot); err != nil {
					t.Errorf("%s: %v", slot, err)
				}
			}()
		}
		wg.Wait()
		if got := calls.Load(); got != int32(i+1) {
			t.Fatalf("after night %d the job ran %d times, want %d", i+1, got, i+1)
		}
	}
	runs := runsOf(t, dbs[0], "pull-remittances")
	if got := statuses(runs); got[withholding.RunSucceeded] != 5 || got[withholding.RunSkipped] != 5 {
		t.Errorf("recorded %v, want 5 succeeded and 5 skipped", got)
	}
}

func TestIntegrationLockHeldByOtherInstance(t *testing.T) {
	ctx := context.Background()
	dbs := mustPostgresStores(t, 2)
	var calls atomic.Int32
	started, release := make(chan struct{}, 2), make(chan struct{})
	a := MustScheduler(t, dbs[0], "host-a/1")
	b := MustScheduler(t, dbs[1], "host-b/1")
	MustAdd(t, a, blockingJob("send-iwos", started, release, &calls), "", jobs.AnyDay)
	MustAdd(t, b, blockingJob("send-iwos", started, release, &calls), "", jobs.AnyDay)
	done := make(chan error)
	go func() { _, err := a.RunNow(ctx, "send-iwos"); done <- err }()
	<-started
	run, err := b.RunNow(ctx, "send-iwos")
	if err != nil || run.Status != withholding.RunSkipped {
		t.Errorf("b while a runs: %+v %v, want skipped", run, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if run, err := b.RunNow(ctx, "send-iwos"); err != nil || run.Status != withholding.RunSucceeded {
		t.Errorf("b after a released the lock: %+v %v", run, err)
	}
	if calls.Load() != 2 {
		t.Errorf("job ran %d times, want 2 (a, then b)", calls.Load())
	}
}

func TestIntegrationCronOnTwoInstancesRunsEachSecondOnce(t *testing.T) {
	dbs := mustPostgresStores(t, 2)
	var mu sync.Mutex
	seconds := map[int64]int{}
	job := jobs.Func("tick", func(context.Context) (jobs.Result, error) {
		mu.Lock()
		seconds[time.Now().Unix()]++
		mu.Unlock()
		return jobs.Result{}, nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var scheds []*jobs.Scheduler
	for i, db := range dbs {
		s := MustScheduler(t, db, []string{"host-a/1", "host-b/1"}[i])
		MustAdd(t, s, job, "* * * * * *", jobs.AnyDay)
		s.Start(ctx)
		scheds = append(scheds, s)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(seconds)
		mu.Unlock()
		if n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the every-second job ran in only %d seconds within a minute", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, s := range scheds {
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		if res, err := s.Shutdown(sctx, nil); err != nil || len(res.Cancelled) != 0 {
			t.Errorf("shutdown: %+v %v, want every run finished", res, err)
		}
		scancel()
	}
	mu.Lock()
	defer mu.Unlock()
	for sec, n := range seconds {
		if n != 1 {
			t.Errorf("second %s: the job ran %d times across two instances, want 1", time.Unix(sec, 0).UTC().Format(time.TimeOnly), n)
		}
	}
}

// On PostgreSQL the server releases a killed process's advisory lock when
// its session ends, but its run stays recorded running: the next run of the
// job, on any instance, and the next scheduler start record it killed.
func TestIntegrationPostgresRunOfKilledProcessRecordedKilled(t *testing.T) {
	ctx := context.Background()
	dbs := mustPostgresStores(t, 2)
	dead, db := dbs[0], dbs[1]
	stale := map[string]*withholding.JobRun{}
	for _, job := range []string{"pull", "send"} {
		unlock, ok, err := dead.TryLock(ctx, jobs.LockName(job))
		if err != nil || !ok {
			t.Fatalf("lock %s: %v %v", job, ok, err)
		}
		stale[job] = &withholding.JobRun{Job: job, Instance: "host-a/1"}
		if err := dead.CreateJobRun(ctx, stale[job]); err != nil {
			t.Fatal(err)
		}
		unlock() // what the server does when the killed process's session ends
	}
	s := MustScheduler(t, db, "host-b/1")
	MustAdd(t, s, okJob("pull"), "", jobs.AnyDay)
	MustAdd(t, s, okJob("send"), "", jobs.AnyDay)
	if run, err := s.RunNow(ctx, "pull"); err != nil || run.Status != withholding.RunSucceeded {
		t.Fatalf("next run: %+v %v", run, err)
	}
	checkKilled(t, db, stale["pull"])
	s.Start(ctx)
	defer s.Shutdown(ctx, nil)
	checkKilled(t, db, stale["send"])
}
