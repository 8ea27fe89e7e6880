package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iwoproject/iwo/withholding"
	"github.com/robfig/cron/v3"
)

// specParser reads cron specs: five fields, or six with seconds first,
// descriptors such as @daily, and an optional CRON_TZ=Area/City prefix.
var specParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSpec checks a cron spec. Specs without CRON_TZ= are read in the
// scheduler's location (the agency's time zone).
func ParseSpec(spec string) (cron.Schedule, error) {
	s, err := specParser.Parse(spec)
	if err != nil {
		return nil, withholding.Errorf(withholding.EINVALID, "cron spec %q: %v", spec, err)
	}
	return s, nil
}

// ErrUnknownJob is returned for a job name that was never added.
var ErrUnknownJob = errors.New("unknown job")

// SchedulerConfig is what a Scheduler needs.
type SchedulerConfig struct {
	// Runs records runs and hands out the per-job lock. Required.
	Runs withholding.JobRunService
	// Calendar decides business days and holidays for day rules
	// (withholding/calendar.US() in production); nil means weekdays.
	Calendar withholding.Calendar
	// Location is the agency's time zone: specs without CRON_TZ= and day
	// rules use it. Nil means time.Local.
	Location *time.Location
	// Instance names this process in the run history; hostname/pid when
	// empty.
	Instance string
	// Logger receives one line per run; slog.Default when nil.
	Logger *slog.Logger
	// Metrics, when set, counts runs and their durations.
	Metrics *Metrics
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Scheduler runs jobs on their cron specs and by hand, through one path
// that keeps the rules: one run of a job at a time per process and per
// database, the day rule, a record of every run, panic recovery.
type Scheduler struct {
	cfg  SchedulerConfig
	log  *slog.Logger
	cron *cron.Cron

	mu      sync.Mutex
	entries map[string]*entry
	names   []string // in the order added
	ctx     context.Context
	started bool
}

type entry struct {
	job     Job
	spec    string
	sched   cron.Schedule // nil: by hand only
	days    DayRule
	id      cron.EntryID
	running atomic.Bool
}

// NewScheduler returns a scheduler with no jobs.
func NewScheduler(cfg SchedulerConfig) *Scheduler {
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Instance == "" {
		host, _ := os.Hostname()
		cfg.Instance = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	s := &Scheduler{cfg: cfg, log: cfg.Logger, entries: map[string]*entry{}, ctx: context.Background()}
	s.cron = cron.New(cron.WithParser(specParser), cron.WithLocation(cfg.Location), cron.WithLogger(cronLogger{s.log}))
	return s
}

// Add registers job under job.Name(). An empty spec makes it runnable by
// hand (and as a step of the night) but never on its own schedule. It
// returns EINVALID for a bad spec or day rule and ECONFLICT for a name
// added twice.
func (s *Scheduler) Add(job Job, spec string, days DayRule) error {
	name := job.Name()
	if days == "" {
		days = AnyDay
	}
	if _, err := ParseDayRule(string(days)); err != nil {
		return fmt.Errorf("add job %s: %w", name, err)
	}
	e := &entry{job: job, spec: spec, days: days}
	if spec != "" {
		sched, err := ParseSpec(spec)
		if err != nil {
			return fmt.Errorf("add job %s: %w", name, err)
		}
		e.sched = sched
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.entries[name]; dup {
		return fmt.Errorf("add job %s: %w", name, withholding.Errorf(withholding.ECONFLICT, "job %q added twice", name))
	}
	s.entries[name] = e
	s.names = append(s.names, name)
	if e.sched != nil {
		e.id = s.cron.Schedule(e.sched, cron.FuncJob(func() { s.fire(e) }))
	}
	return nil
}

// JobInfo describes a registered job.
type JobInfo struct {
	Name string
	Spec string // "" when the job runs by hand only
	Days DayRule
	Next time.Time // next scheduled start; zero before Start or without a spec
}

// Jobs lists the registered jobs in the order they were added.
func (s *Scheduler) Jobs() []JobInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]JobInfo, 0, len(s.names))
	for _, n := range s.names {
		e := s.entries[n]
		info := JobInfo{Name: n, Spec: e.spec, Days: e.days}
		if e.sched != nil && s.started {
			info.Next = s.cron.Entry(e.id).Next
		}
		out = append(out, info)
	}
	return out
}

// Has reports whether a job of that name was added.
func (s *Scheduler) Has(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.entries[name]
	return ok
}

// Start begins running jobs on their schedules. Scheduled runs get ctx (or
// a context derived from it), so cancelling ctx asks running jobs to stop;
// their transactions roll back.
func (s *Scheduler) Start(ctx context.Context) {
	s.mu.Lock()
	s.ctx = ctx
	s.started = true
	s.mu.Unlock()
	s.cron.Start()
}

// Stop stops scheduling new runs and waits until running scheduled runs
// return or ctx ends.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop()
	select {
	case <-done.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for running jobs: %w", ctx.Err())
	}
}

// fire is what cron calls: it works out which activation this is and runs
// the job as scheduled.
func (s *Scheduler) fire(e *entry) {
	s.mu.Lock()
	ctx := s.ctx
	s.mu.Unlock()
	slot := lastActivation(e.sched, s.cfg.Now().In(s.cfg.Location))
	if _, err := s.RunScheduled(ctx, e.job.Name(), slot); err != nil {
		// RunScheduled has logged the run; this is for errors of recording.
		s.log.Debug("scheduled run ended with an error", "job", e.job.Name(), "err", err)
	}
}

// lastActivation returns the latest activation of sched at or before now,
// looking back at most a day; when none is found it returns now to the
// second. cron fires a little after the activation time, so every instance
// that fires for one activation computes the same slot.
func lastActivation(sched cron.Schedule, now time.Time) time.Time {
	t := sched.Next(now.Add(-24 * time.Hour))
	if t.IsZero() || t.After(now) {
		return now.Truncate(time.Second)
	}
	for {
		n := sched.Next(t)
		if n.IsZero() || n.After(now) {
			return t
		}
		t = n
	}
}

// RunNow runs the named job once, by hand: the day rule does not apply,
// the locks and the record do. It returns the run record (status skipped
// when the job is already running here or on another instance) and the
// job's error.
func (s *Scheduler) RunNow(ctx context.Context, name string) (*withholding.JobRun, error) {
	e, err := s.entry(name)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, e, false, time.Time{})
}

// RunScheduled runs the named job as its schedule does for the activation
// at slot: the day rule applies to slot's day in the agency's time zone,
// and a job that some instance already started between slot and the next
// activation is not run again. This is the path every cron activation takes.
func (s *Scheduler) RunScheduled(ctx context.Context, name string, slot time.Time) (*withholding.JobRun, error) {
	e, err := s.entry(name)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, e, true, slot)
}

func (s *Scheduler) entry(name string) (*entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[name]
	if !ok {
		return nil, fmt.Errorf("run job %q: %w", name, ErrUnknownJob)
	}
	return e, nil
}

// LockName is the name of the database lock a job's runs hold.
func LockName(job string) string { return "iwo.job." + job }

func (s *Scheduler) run(ctx context.Context, e *entry, scheduled bool, slot time.Time) (*withholding.JobRun, error) {
	name := e.job.Name()
	if !e.running.CompareAndSwap(false, true) {
		return s.skip(ctx, name, "still running in this instance")
	}
	defer e.running.Store(false)

	if scheduled {
		day := withholding.DateOf(slot.In(s.cfg.Location))
		if ok, why := e.days.Allows(s.cfg.Calendar, day); !ok {
			return s.skip(ctx, name, fmt.Sprintf("day rule %s: %s", e.days, why))
		}
	}
	unlock, ok, err := s.cfg.Runs.TryLock(ctx, LockName(name))
	if err != nil {
		s.cfg.Metrics.error(name, "lock")
		return nil, fmt.Errorf("lock job %s: %w", name, err)
	}
	if !ok {
		return s.skip(ctx, name, "running on another instance")
	}
	defer unlock()
	if scheduled {
		var until time.Time
		if e.sched != nil {
			until = e.sched.Next(slot)
		}
		prev, err := s.startedBetween(ctx, name, slot, until)
		if err != nil {
			return nil, err
		}
		if prev != nil {
			return s.skip(ctx, name, fmt.Sprintf("already run for %s by %s", slot.Format(time.RFC3339), prev.Instance))
		}
	}

	run := &withholding.JobRun{Job: name, Instance: s.cfg.Instance, Started: s.cfg.Now(), Status: withholding.RunRunning}
	if err := s.cfg.Runs.CreateJobRun(ctx, run); err != nil {
		s.cfg.Metrics.error(name, "record")
		return nil, fmt.Errorf("record start of job %s: %w", name, err)
	}
	log := s.log.With("job", name, "run", run.ID)
	log.Info("job started", "scheduled", scheduled)

	res, jobErr := s.call(ctx, log, e.job)
	run.Ended = s.cfg.Now()
	run.Files = res.Files
	run.Counts = res.Counts
	switch {
	case jobErr == nil:
		run.Status = withholding.RunSucceeded
	case res.Partial:
		run.Status = withholding.RunPartial
	default:
		run.Status = withholding.RunFailed
	}
	if jobErr != nil {
		run.Error = jobErr.Error()
		s.cfg.Metrics.error(name, "step")
	}
	// Record the end even when ctx was cancelled: the record is what
	// operators look at after a shutdown.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	ferr := s.cfg.Runs.FinishJobRun(fctx, run)
	if ferr != nil {
		ferr = fmt.Errorf("record end of job %s: %w", name, ferr)
	}
	s.cfg.Metrics.run(run)

	attrs := []any{"status", run.Status, "files", run.Files, "duration", run.Ended.Sub(run.Started).String()}
	for _, k := range sortedKeys(run.Counts) {
		attrs = append(attrs, k, run.Counts[k])
	}
	if jobErr != nil {
		log.Error("job ended", append(attrs, "err", jobErr)...)
	} else {
		log.Info("job ended", attrs...)
	}
	return run, errors.Join(jobErr, ferr)
}

// call runs the job and turns a panic into an error, so one bad step does
// not take the scheduler (and the night's other steps) down.
func (s *Scheduler) call(ctx context.Context, log *slog.Logger, job Job) (res Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("job panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = Result{}
			err = fmt.Errorf("job %s panicked: %v", job.Name(), p)
		}
	}()
	return job.Run(ctx)
}

// startedBetween returns a run of job that was not skipped and started in
// [from, until) — at or after an activation and before the next one — or
// nil. A zero until means no upper bound.
func (s *Scheduler) startedBetween(ctx context.Context, job string, from, until time.Time) (*withholding.JobRun, error) {
	const look = 20
	runs, _, err := s.cfg.Runs.FindJobRuns(ctx, job, 0, look)
	if err != nil {
		return nil, fmt.Errorf("find runs of job %s: %w", job, err)
	}
	for _, r := range runs {
		if r.Status != withholding.RunSkipped && !r.Started.Before(from) && (until.IsZero() || r.Started.Before(until)) {
			return r, nil
		}
	}
	return nil, nil
}

// skip records a run that did not happen and why.
func (s *Scheduler) skip(ctx context.Context, job, why string) (*withholding.JobRun, error) {
	now := s.cfg.Now()
	run := &withholding.JobRun{Job: job, Instance: s.cfg.Instance, Started: now, Ended: now, Status: withholding.RunSkipped, Error: why}
	s.log.Info("job skipped", "job", job, "reason", why)
	s.cfg.Metrics.run(run)
	if err := s.cfg.Runs.CreateJobRun(ctx, run); err != nil {
		return run, fmt.Errorf("record skipped run of job %s: %w", job, err)
	}
	return run, nil
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// cronLogger sends cron's own messages to slog: errors at error level,
// the rest (every wake-up) at debug level.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
