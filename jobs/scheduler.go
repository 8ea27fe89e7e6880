package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/iwoproject/iwo/withholding"
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

// ErrShuttingDown is returned, with a skipped run, for a run asked for
// after the scheduler began to shut down (Drain).
var ErrShuttingDown = errors.New("iwo is shutting down")

// ErrCancelledAtShutdown is the cause given to the context of a run that
// Shutdown cancels when the grace period ends; the run's error wraps it and
// its record says it.
var ErrCancelledAtShutdown = errors.New("cancelled at shutdown")

// ErrPanicked is wrapped by the error of a run whose job panicked.
var ErrPanicked = errors.New("panicked")

// SchedulerConfig is what a Scheduler needs.
type SchedulerConfig struct {
	// Runs records runs and hands out the per-job lock. Required.
	Runs withholding.JobRunService
	// Calendar decides business days and holidays for day rules
	// (withholding/calendar.US() in production); nil means weekdays.
	Calendar withholding.Calendar
	// Env is the clock, the agency's time zone (specs without CRON_TZ=
	// and day rules use it; nil means time.Local here) and the logger (one
	// line per run): the same value the jobs are given.
	Env
	// Instance names this process in the run history; hostname/pid when
	// empty.
	Instance string
	// Metrics, when set, counts runs and their durations.
	Metrics *Metrics
}

// Scheduler runs jobs on their cron specs and by hand, through one path
// that keeps the rules: one run of a job at a time per process and per
// database (per process only for a job that claims its items, see
// ItemClaimer), the day rule, a record of every run, panic recovery.
type Scheduler struct {
	cfg  SchedulerConfig
	log  *slog.Logger
	cron *cron.Cron

	mu      sync.Mutex
	entries map[string]*entry
	names   []string // in the order added
	ctx     context.Context
	started bool

	// active are the runs in progress; once stopping is set no run is
	// added, and drained keeps those that were in progress then.
	active   map[*activeRun]struct{}
	tracked  uint64 // runs tracked so far, to order them
	stopping bool
	drained  []*activeRun
	cronDone context.Context // done when cron's own goroutines have returned
}

// activeRun is a run in progress, known to Drain and Shutdown.
type activeRun struct {
	seq     uint64
	job     string
	started time.Time
	cancel  context.CancelCauseFunc
	done    chan struct{} // closed when the run has returned, its end recorded

	// Guarded by Scheduler.mu.
	id     int64
	status withholding.RunStatus
}

// ActiveRun describes a run that was in progress when the scheduler began
// to shut down.
type ActiveRun struct {
	Job     string
	Run     int64 // the run record's ID; 0 before it was recorded
	Started time.Time
	// Status is how the run ended, "" while it runs (or when it ended
	// before it was recorded).
	Status withholding.RunStatus
}

// ShutdownResult says what Shutdown waited for.
type ShutdownResult struct {
	// Finished are the runs that ended on their own.
	Finished []ActiveRun
	// Cancelled are the runs still going when the grace period ended, whose
	// context Shutdown cancelled.
	Cancelled []ActiveRun
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
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Instance == "" {
		host, _ := os.Hostname()
		cfg.Instance = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	s := &Scheduler{cfg: cfg, log: cfg.Logger, entries: map[string]*entry{}, ctx: context.Background(), active: map[*activeRun]struct{}{}}
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

// Start begins running jobs on their schedules. Scheduled runs get a
// context derived from ctx, so cancelling ctx stops running jobs at once
// (their transactions roll back); Shutdown lets them finish first.
//
// Before the schedule starts, runs that a dead process left recorded
// running are recorded killed (see sweep).
func (s *Scheduler) Start(ctx context.Context) {
	s.sweep(ctx)
	s.mu.Lock()
	s.ctx = ctx
	s.started = true
	s.mu.Unlock()
	s.cron.Start()
}

// Drain stops starting runs: the schedule stops firing, and from now on
// RunNow and RunScheduled record a skipped run and return ErrShuttingDown.
// Runs in progress go on. Drain returns them, oldest first; calling it
// again returns the same runs, as they stand now.
func (s *Scheduler) Drain() []ActiveRun {
	runs, _ := s.drain()
	return s.describe(runs)
}

// drain does Drain's work and returns the runs that were in progress, and
// a context done when cron's goroutines have returned.
func (s *Scheduler) drain() ([]*activeRun, context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopping {
		s.stopping = true
		for a := range s.active {
			s.drained = append(s.drained, a)
		}
		slices.SortFunc(s.drained, func(a, b *activeRun) int { return cmp.Compare(a.seq, b.seq) })
		// cron.Stop does not wait for the firings it handed out (they
		// take s.mu in fire), and cron's loop never takes s.mu.
		s.cronDone = s.cron.Stop()
	}
	return slices.Clone(s.drained), s.cronDone
}

// Shutdown drains the scheduler (see Drain) and lets the runs that were in
// progress finish until grace is closed or ctx ends; a nil grace waits for
// as long as ctx allows. It then cancels the runs still going — their jobs
// see their context cancelled, their transactions roll back, and their
// records say they were cancelled at shutdown — and waits until they have
// returned and recorded their end, or ctx ends.
//
// It returns which runs finished and which it cancelled. The error is not
// nil only when ctx ended before the cancelled runs returned.
func (s *Scheduler) Shutdown(ctx context.Context, grace <-chan struct{}) (ShutdownResult, error) {
	runs, cronDone := s.drain()
	for _, r := range s.describe(runs) {
		s.log.Info("shutting down: waiting for job", "job", r.Job, "run", r.Run, "running_for", s.since(r.Started))
	}
wait:
	for _, r := range runs {
		select {
		case <-r.done:
		case <-grace:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	var cancelled []*activeRun
	for _, r := range runs {
		select {
		case <-r.done:
			continue
		default:
		}
		r.cancel(ErrCancelledAtShutdown)
		cancelled = append(cancelled, r)
	}
	var stuck []string
	for _, r := range cancelled {
		select {
		case <-r.done:
		case <-ctx.Done():
			stuck = append(stuck, r.job)
		}
	}
	var res ShutdownResult
	for i, info := range s.describe(runs) {
		if slices.Contains(cancelled, runs[i]) {
			res.Cancelled = append(res.Cancelled, info)
			s.log.Warn("shutting down: job cancelled", "job", info.Job, "run", info.Run, "status", info.Status, "ran_for", s.since(info.Started))
		} else {
			res.Finished = append(res.Finished, info)
			s.log.Info("shutting down: job finished", "job", info.Job, "run", info.Run, "status", info.Status)
		}
	}
	if len(stuck) > 0 {
		return res, fmt.Errorf("shut down: cancelled job %s still running: %w", strings.Join(stuck, ", "), ctx.Err())
	}
	select {
	case <-cronDone.Done():
	case <-ctx.Done():
		return res, fmt.Errorf("shut down: wait for the schedule's goroutines: %w", ctx.Err())
	}
	return res, nil
}

// describe returns what is known of runs now.
func (s *Scheduler) describe(runs []*activeRun) []ActiveRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ActiveRun, 0, len(runs))
	for _, r := range runs {
		out = append(out, ActiveRun{Job: r.job, Run: r.id, Started: r.started, Status: r.status})
	}
	return out
}

func (s *Scheduler) since(t time.Time) string {
	return s.cfg.Now().Sub(t).Round(time.Millisecond).String()
}

// track registers a run in progress and returns its context, which
// Shutdown may cancel; ok is false when the scheduler is shutting down.
func (s *Scheduler) track(ctx context.Context, job string) (context.Context, *activeRun, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return ctx, nil, false
	}
	ctx, cancel := context.WithCancelCause(ctx)
	s.tracked++
	a := &activeRun{seq: s.tracked, job: job, started: s.cfg.Now(), cancel: cancel, done: make(chan struct{})}
	s.active[a] = struct{}{}
	return ctx, a, true
}

// untrack removes a run that returned.
func (s *Scheduler) untrack(a *activeRun) {
	s.mu.Lock()
	delete(s.active, a)
	s.mu.Unlock()
	a.cancel(nil)
	close(a.done)
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

// InstanceLockName is the name of the database lock that the runs of a job
// claimed per item (ItemClaimer) hold on one instance: such runs go on on
// several instances at once, so each holds its own lock, and whoever takes
// a dead instance's lock knows that instance's runs recorded running are
// over.
func InstanceLockName(job, instance string) string { return LockName(job) + "@" + instance }

// ItemClaimer is implemented by jobs whose work is claimed item by item,
// such as the inbound jobs, which claim each file (Exchange.Claims) before
// they take it: two instances running such a job at once share its items
// and never take one twice. The scheduler keeps the rest of its rules for
// them — one run at a time per process, the day rule, a record of every
// run — but lets every instance run them together: their runs do not take
// the job's database lock (LockName) but their instance's
// (InstanceLockName), and a scheduled activation is run by every instance
// that fires it, not only the first. ClaimsItems reports whether the job,
// as configured, claims its items; when it does not, the job is run under
// the job's lock like any other.
type ItemClaimer interface {
	ClaimsItems() bool
}

// claimsItems reports whether job's runs may go on on several instances at
// once.
func claimsItems(job Job) bool {
	c, ok := job.(ItemClaimer)
	return ok && c.ClaimsItems()
}

// lock takes the database lock a run of job holds: the job's, or for a job
// claimed per item this instance's lock on it. why says what a lock held
// elsewhere means.
func (s *Scheduler) lock(ctx context.Context, job Job) (unlock func(), ok bool, why string, err error) {
	name := job.Name()
	if claimsItems(job) {
		unlock, ok, err = s.cfg.Runs.TryLock(ctx, InstanceLockName(name, s.cfg.Instance))
		why = fmt.Sprintf("running in another process with this instance's name (%s)", s.cfg.Instance)
	} else {
		unlock, ok, err = s.cfg.Runs.TryLock(ctx, LockName(name))
		why = "running on another instance"
	}
	if err != nil {
		s.cfg.Metrics.error(name, "lock")
		return nil, false, "", fmt.Errorf("lock job %s: %w", name, err)
	}
	return unlock, ok, why, nil
}

func (s *Scheduler) run(ctx context.Context, e *entry, scheduled bool, slot time.Time) (*withholding.JobRun, error) {
	name := e.job.Name()
	ctx, active, ok := s.track(ctx, name)
	if !ok {
		run, err := s.skip(ctx, name, ErrShuttingDown.Error())
		return run, errors.Join(fmt.Errorf("run job %s: %w", name, ErrShuttingDown), err)
	}
	defer s.untrack(active)
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
	unlock, ok, why, err := s.lock(ctx, e.job)
	if err != nil {
		return nil, err
	}
	if !ok {
		return s.skip(ctx, name, why)
	}
	defer unlock()
	s.markKilled(ctx, e.job)
	// A job claimed per item is run by every instance that fires the
	// activation: that is how they share its work.
	if scheduled && !claimsItems(e.job) {
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
	s.mu.Lock()
	active.id = run.ID
	s.mu.Unlock()
	log := s.log.With("job", name, "run", run.ID)
	log.Info("job started", "scheduled", scheduled)

	res, jobErr := s.call(ctx, log, e.job)
	if jobErr != nil && errors.Is(context.Cause(ctx), ErrCancelledAtShutdown) {
		jobErr = fmt.Errorf("%w: %w", ErrCancelledAtShutdown, jobErr)
	}
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
	s.mu.Lock()
	active.status = run.Status
	s.mu.Unlock()

	attrs := []any{"status", run.Status, "files", run.Files, "duration", run.Ended.Sub(run.Started).Round(time.Millisecond).String()}
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
			err = fmt.Errorf("job %s %w: %v", job.Name(), ErrPanicked, p)
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
		// A killed run did not finish the activation's work: it is done again.
		if r.Status != withholding.RunSkipped && r.Status != withholding.RunKilled && !r.Started.Before(from) && (until.IsZero() || r.Started.Before(until)) {
			return r, nil
		}
	}
	return nil, nil
}

// markKilled records as killed the runs of job still recorded running
// whose process died without recording their end — SIGKILL, a crash, a
// lost host; on SQLite its lease ran out or it was a process of this host
// that no longer runs, on PostgreSQL its session ended. The caller holds
// the lock its run holds (see lock). For a job run under the job's lock,
// that is every run recorded running. For a job claimed per item it is this
// instance's earlier runs and those of the instances whose lock on the job
// is free (taken here for the moment), while the runs of instances that
// hold theirs go on. A failure is logged and leaves them for the next
// holder.
func (s *Scheduler) markKilled(ctx context.Context, job Job) {
	name := job.Name()
	if !claimsItems(job) {
		s.markKilledOf(ctx, name, "")
		return
	}
	runs, err := s.cfg.Runs.RunningJobRuns(ctx, name)
	if err != nil {
		s.cfg.Metrics.error(name, "record")
		s.log.Error("could not look for runs of a dead process", "job", name, "err", err)
		return
	}
	seen := map[string]bool{}
	for _, r := range runs {
		if seen[r.Instance] {
			continue
		}
		seen[r.Instance] = true
		if r.Instance == s.cfg.Instance {
			s.markKilledOf(ctx, name, r.Instance)
			continue
		}
		unlock, ok, err := s.cfg.Runs.TryLock(ctx, InstanceLockName(name, r.Instance))
		if err != nil {
			s.cfg.Metrics.error(name, "lock")
			s.log.Error("could not look for runs of a dead process", "job", name, "err", err)
			continue
		}
		if ok {
			s.markKilledOf(ctx, name, r.Instance)
			unlock()
		}
	}
}

// markKilledOf marks killed the runs of job recorded running, those of
// instance only when it is not empty.
func (s *Scheduler) markKilledOf(ctx context.Context, job, instance string) {
	why := fmt.Sprintf("killed: the process that ran it stopped without recording how the run ended (found by %s, the next holder of the job's lock)", s.cfg.Instance)
	runs, err := s.cfg.Runs.MarkJobRunsKilled(ctx, job, instance, why)
	if err != nil {
		s.cfg.Metrics.error(job, "record")
		s.log.Error("could not record the runs of a dead process as killed", "job", job, "err", err)
		return
	}
	for _, r := range runs {
		s.cfg.Metrics.run(r)
		s.log.Warn("run of a process that is gone recorded killed", "job", job, "run", r.ID, "instance", r.Instance, "started", r.Started)
	}
}

// sweep records as killed, for every job whose lock is free, the runs that
// a dead process left running, so that the run history is true from the
// start rather than from each job's next run. A job whose lock is held is
// left to its holder.
func (s *Scheduler) sweep(ctx context.Context) {
	s.mu.Lock()
	names := slices.Clone(s.names)
	s.mu.Unlock()
	for _, name := range names {
		e, err := s.entry(name)
		if err != nil {
			continue
		}
		unlock, ok, _, err := s.lock(ctx, e.job)
		if err != nil {
			s.log.Error("could not look for runs of a dead process", "job", name, "err", err)
			continue
		}
		if !ok {
			continue
		}
		s.markKilled(ctx, e.job)
		unlock()
	}
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
