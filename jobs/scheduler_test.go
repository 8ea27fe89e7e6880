package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/calendar"
)

func TestRunNowRecordsEveryOutcome(t *testing.T) {
	ctx := context.Background()
	db := MustOpenStore(t)
	s := MustScheduler(t, db, "test")
	boom := errors.New("partner x down")
	for _, tc := range []struct {
		job        jobs.Job
		wantStatus withholding.RunStatus
		wantErr    error  // the kind of error RunNow returns
		wantText   string // what the run's record says
	}{
		{jobs.Func("ok", func(context.Context) (jobs.Result, error) {
			return jobs.Result{Files: 2, Counts: map[string]int64{"payments": 7}}, nil
		}), withholding.RunSucceeded, nil, ""},
		{jobs.Func("partial", func(context.Context) (jobs.Result, error) {
			return jobs.Result{Files: 1, Partial: true}, boom
		}), withholding.RunPartial, boom, "partner x down"},
		{jobs.Func("failed", func(context.Context) (jobs.Result, error) {
			return jobs.Result{}, boom
		}), withholding.RunFailed, boom, "partner x down"},
		{jobs.Func("panics", func(context.Context) (jobs.Result, error) {
			panic("index out of range")
		}), withholding.RunFailed, jobs.ErrPanicked, "panicked: index out of range"},
	} {
		name := tc.job.Name()
		MustAdd(t, s, tc.job, "", jobs.AnyDay)
		run, err := s.RunNow(ctx, name)
		if (err != nil) != (tc.wantErr != nil) || !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: error %v, want %v", name, err, tc.wantErr)
		}
		rs := runsOf(t, db, name)
		if len(rs) != 1 {
			t.Fatalf("%s: %d runs recorded, want 1", name, len(rs))
		}
		got := rs[0]
		if got.Status != tc.wantStatus || got.ID != run.ID || got.Instance != "test" || got.Ended.Before(got.Started) {
			t.Errorf("%s: recorded %+v, want status %s", name, got, tc.wantStatus)
		}
		// The record is what the console shows: its text is the contract.
		if tc.wantText != "" && !strings.Contains(got.Error, tc.wantText) {
			t.Errorf("%s: recorded error %q, want %q", name, got.Error, tc.wantText)
		}
	}
	if rs := runsOf(t, db, "ok"); rs[0].Files != 2 || rs[0].Counts["payments"] != 7 {
		t.Errorf("ok: recorded files %d counts %v, want 2 and payments 7", rs[0].Files, rs[0].Counts)
	}
	// A panic does not break the scheduler: the next run goes through.
	if _, err := s.RunNow(ctx, "ok"); err != nil {
		t.Errorf("run after a panic: %v", err)
	}
}

func TestRunNowUnknownJob(t *testing.T) {
	s := MustScheduler(t, MustOpenStore(t), "test")
	if _, err := s.RunNow(context.Background(), "nope"); !errors.Is(err, jobs.ErrUnknownJob) {
		t.Errorf("RunNow(nope) = %v, want ErrUnknownJob", err)
	}
}

func TestAddRejectsBadSpecsAndDuplicates(t *testing.T) {
	s := MustScheduler(t, MustOpenStore(t), "test")
	nop := jobs.Func("j", func(context.Context) (jobs.Result, error) { return jobs.Result{}, nil })
	if err := s.Add(nop, "61 * * * *", jobs.AnyDay); withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("bad spec: %v, want EINVALID", err)
	}
	if err := s.Add(nop, "0 2 * * *", "weekly"); withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("bad day rule: %v, want EINVALID", err)
	}
	MustAdd(t, s, nop, "0 2 * * *", jobs.BusinessDays)
	if err := s.Add(nop, "", jobs.AnyDay); withholding.ErrorCode(err) != withholding.ECONFLICT {
		t.Errorf("second add: %v, want ECONFLICT", err)
	}
}

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		spec string
		ok   bool
	}{
		{"0 2 * * *", true},
		{"30 0 2 * * *", true}, // seconds first
		{"CRON_TZ=America/Chicago 0 2 * * 1-5", true},
		{"@daily", true},
		{"@every 15m", true},
		{"", false},
		{"61 * * * *", false},
		{"0 2 * *", false},
		{"CRON_TZ=Nowhere/Town 0 2 * * *", false},
	} {
		_, err := jobs.ParseSpec(tc.spec)
		if (err == nil) != tc.ok {
			t.Errorf("ParseSpec(%q) error %v, want ok=%v", tc.spec, err, tc.ok)
		}
	}
}

func TestDayRules(t *testing.T) {
	us := calendar.US()
	thanksgiving := withholding.NewDate(2026, 11, 26) // Thursday
	saturday := withholding.NewDate(2026, 11, 28)
	monday := withholding.NewDate(2026, 11, 30)
	for _, tc := range []struct {
		rule jobs.DayRule
		cal  withholding.Calendar
		day  withholding.Date
		want bool
	}{
		{jobs.AnyDay, us, thanksgiving, true},
		{jobs.AnyDay, us, saturday, true},
		{jobs.BusinessDays, us, thanksgiving, false},
		{jobs.BusinessDays, us, saturday, false},
		{jobs.BusinessDays, us, monday, true},
		{jobs.SkipHolidays, us, thanksgiving, false},
		{jobs.SkipHolidays, us, saturday, true},
		{jobs.SkipHolidays, us, monday, true},
		{jobs.BusinessDays, nil, saturday, false}, // nil: weekdays, no holidays
		{jobs.BusinessDays, nil, thanksgiving, true},
		{jobs.SkipHolidays, nil, thanksgiving, true},
	} {
		got, why := tc.rule.Allows(tc.cal, tc.day)
		if got != tc.want || got == (why != "") {
			t.Errorf("%s on %s (%s, calendar %T) = %v %q, want %v", tc.rule, tc.day, tc.day.Weekday(), tc.cal, got, why, tc.want)
		}
	}
}

func TestScheduledRunKeepsDayRuleByHandDoesNot(t *testing.T) {
	ctx := context.Background()
	db := MustOpenStore(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	s := MustScheduler(t, db, "test", func(c *jobs.SchedulerConfig) { c.Calendar = calendar.US(); c.Location = ny })
	var calls atomic.Int32
	MustAdd(t, s, jobs.Func("bank", func(context.Context) (jobs.Result, error) { calls.Add(1); return jobs.Result{}, nil }), "0 2 * * *", jobs.BusinessDays)

	// 02:00 in New York on Thanksgiving is still Thursday there (07:00 UTC).
	holiday := time.Date(2026, 11, 26, 2, 0, 0, 0, ny)
	run, err := s.RunScheduled(ctx, "bank", holiday)
	if err != nil || run.Status != withholding.RunSkipped || !strings.Contains(run.Error, "holiday") || calls.Load() != 0 {
		t.Fatalf("scheduled on Thanksgiving: run %+v err %v calls %d, want skipped for the holiday", run, err, calls.Load())
	}
	run, err = s.RunNow(ctx, "bank")
	if err != nil || run.Status != withholding.RunSucceeded || calls.Load() != 1 {
		t.Fatalf("by hand on the holiday: run %+v err %v calls %d, want it to run", run, err, calls.Load())
	}
	// The day is taken in the agency's zone: 2026-11-27 03:00 UTC is
	// still Thanksgiving evening in New York.
	if run, _ := s.RunScheduled(ctx, "bank", time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)); run.Status != withholding.RunSkipped {
		t.Errorf("03:00 UTC the day after: status %s, want skipped (Thanksgiving in New York)", run.Status)
	}
	if run, _ := s.RunScheduled(ctx, "bank", time.Date(2026, 11, 27, 2, 0, 0, 0, ny)); run.Status != withholding.RunSucceeded {
		t.Errorf("Friday after Thanksgiving: status %s (%s), want succeeded", run.Status, run.Error)
	}
	if got := statuses(runsOf(t, db, "bank")); got[withholding.RunSkipped] != 2 || got[withholding.RunSucceeded] != 2 {
		t.Errorf("recorded %v, want 2 skipped and 2 succeeded", got)
	}
}

// blockingJob runs until release is closed, signalling started first.
func blockingJob(name string, started chan<- struct{}, release <-chan struct{}, calls *atomic.Int32) jobs.Job {
	return jobs.Func(name, func(ctx context.Context) (jobs.Result, error) {
		calls.Add(1)
		started <- struct{}{}
		<-release
		return jobs.Result{}, nil
	})
}

func TestSkipWhileRunningHereAndElsewhere(t *testing.T) {
	ctx := context.Background()
	db := MustOpenStore(t)
	a := MustScheduler(t, db, "a")
	b := MustScheduler(t, db, "b")
	var calls atomic.Int32
	started, release := make(chan struct{}, 2), make(chan struct{})
	MustAdd(t, a, blockingJob("pull", started, release, &calls), "", jobs.AnyDay)
	MustAdd(t, b, blockingJob("pull", started, release, &calls), "", jobs.AnyDay)

	done := make(chan error)
	go func() { _, err := a.RunNow(ctx, "pull"); done <- err }()
	<-started

	here, err := a.RunNow(ctx, "pull")
	if err != nil || here.Status != withholding.RunSkipped || !strings.Contains(here.Error, "still running") {
		t.Errorf("second run on a: %+v %v, want skipped as still running", here, err)
	}
	there, err := b.RunNow(ctx, "pull")
	if err != nil || there.Status != withholding.RunSkipped || !strings.Contains(there.Error, "another instance") {
		t.Errorf("run on b: %+v %v, want skipped as running on another instance", there, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("first run: %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("job ran %d times, want 1", calls.Load())
	}
	// Once it is done, b may run it.
	if run, err := b.RunNow(ctx, "pull"); err != nil || run.Status != withholding.RunSucceeded {
		t.Errorf("run on b after a finished: %+v %v", run, err)
	}
}

func TestScheduledSlotRunsOnceAcrossInstances(t *testing.T) {
	ctx := context.Background()
	db := MustOpenStore(t)
	var calls atomic.Int32
	job := jobs.Func("send-iwos", func(context.Context) (jobs.Result, error) { calls.Add(1); return jobs.Result{}, nil })
	var scheds []*jobs.Scheduler
	for _, name := range []string{"a", "b", "c"} {
		s := MustScheduler(t, db, name)
		MustAdd(t, s, job, "0 2 * * *", jobs.AnyDay)
		scheds = append(scheds, s)
	}
	slot := time.Now().Truncate(time.Second)
	var wg sync.WaitGroup
	for _, s := range scheds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.RunScheduled(ctx, "send-iwos", slot); err != nil {
				t.Errorf("RunScheduled: %v", err)
			}
		}()
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("three instances firing for one slot ran the job %d times, want 1", calls.Load())
	}
	if got := statuses(runsOf(t, db, "send-iwos")); got[withholding.RunSucceeded] != 1 || got[withholding.RunSkipped] != 2 {
		t.Errorf("recorded %v, want 1 succeeded and 2 skipped", got)
	}
	// The next slot runs again.
	if run, err := scheds[1].RunScheduled(ctx, "send-iwos", slot.Add(24*time.Hour)); err != nil || run.Status != withholding.RunSucceeded {
		t.Errorf("next slot: %+v %v, want succeeded", run, err)
	}
}

func TestCronFiresInAgencyZone(t *testing.T) {
	db := MustOpenStore(t)
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	s := MustScheduler(t, db, "test", func(c *jobs.SchedulerConfig) { c.Location = chicago; c.Metrics = jobs.NewMetrics(reg) })
	fired := make(chan struct{}, 10)
	MustAdd(t, s, jobs.Func("tick", func(context.Context) (jobs.Result, error) {
		fired <- struct{}{}
		return jobs.Result{}, nil
	}), "* * * * * *", jobs.AnyDay)
	MustAdd(t, s, jobs.Func("nightly", func(context.Context) (jobs.Result, error) { return jobs.Result{}, nil }), "30 1 * * *", jobs.AnyDay)
	MustAdd(t, s, jobs.Func("manual", func(context.Context) (jobs.Result, error) { return jobs.Result{}, nil }), "", jobs.AnyDay)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.Start(ctx)
	select {
	case <-fired:
	case <-time.After(30 * time.Second):
		t.Fatal("an every-second job did not fire within 30s")
	}
	stopCtx, stopCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer stopCancel()
	if res, err := s.Shutdown(stopCtx, nil); err != nil || len(res.Cancelled) != 0 {
		t.Fatalf("shutdown: %+v %v, want every run finished", res, err)
	}
	for _, info := range s.Jobs() {
		switch info.Name {
		case "nightly":
			if n := info.Next.In(chicago); n.Hour() != 1 || n.Minute() != 30 {
				t.Errorf("nightly next run %v, want 01:30 in Chicago", info.Next)
			}
		case "manual":
			if !info.Next.IsZero() || info.Spec != "" {
				t.Errorf("manual job has schedule %q next %v, want none", info.Spec, info.Next)
			}
		}
	}
	// Every firing was recorded and counted.
	if rs := runsOf(t, db, "tick"); len(rs) == 0 || rs[len(rs)-1].Status != withholding.RunSucceeded {
		t.Errorf("tick runs recorded: %v", statuses(rs))
	}
	if v := counterValue(t, reg, "iwo_job_runs_total", "tick"); v < 1 {
		t.Errorf("iwo_job_runs_total{job=tick} = %v, want at least 1", v)
	}
}

// TestJobEndedLogsAReadableDuration: the "job ended" line gives the run's
// duration to the millisecond. At the nanosecond, a run of 35.123459723 s
// showed nine fractional digits, which the log's SSN masking turned into
// "35.***-**-9723s".
func TestJobEndedLogsAReadableDuration(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var out strings.Builder
	logger := slog.New(withholding.NewMaskingHandler(slog.NewTextHandler(&out, nil)))
	s := MustScheduler(t, MustOpenStore(t), "test", func(c *jobs.SchedulerConfig) {
		c.Clock, c.Logger = clock, logger
	})
	MustAdd(t, s, jobs.Func("slow", func(context.Context) (jobs.Result, error) {
		mu.Lock()
		now = now.Add(35*time.Second + 123459723*time.Nanosecond)
		mu.Unlock()
		return jobs.Result{}, nil
	}), "", jobs.AnyDay)
	if _, err := s.RunNow(context.Background(), "slow"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "duration=35.123s") {
		t.Errorf("log %q: want duration=35.123s on the job ended line", out.String())
	}
}
