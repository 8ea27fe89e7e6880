package jobs

import (
	"context"
	"iter"
	"maps"

	"github.com/iwoproject/iwo/withholding"
)

// Job is one step of the night. Run does the work once and returns what it
// did; a Job does not record itself, lock, or check the calendar: the
// [Scheduler] does that for every path that runs a job.
type Job interface {
	// Name is the job's name in configuration, logs and the run history,
	// e.g. "pull-remittances".
	Name() string
	// Run does the work. A nil error means everything succeeded. When
	// some partners or files failed and the rest went through, Run returns
	// their joined errors with Result.Partial set.
	Run(ctx context.Context) (Result, error)
}

// Result is what a run did.
type Result struct {
	// Files counts the files the run sent or applied.
	Files int
	// Counts holds named totals, e.g. "payments", "payment_cents",
	// "duplicates", "quarantined". Zero counts may be left out.
	Counts map[string]int64
	// Partial reports that the run finished but some of its work failed;
	// the error returned with it says what.
	Partial bool
}

// Add adds n to the named count.
func (r *Result) Add(name string, n int64) {
	if r.Counts == nil {
		r.Counts = map[string]int64{}
	}
	r.Counts[name] += n
}

// AddTally adds a count as name and its amount as name_cents.
func (r *Result) AddTally(name string, t withholding.Tally) {
	r.Add(name, int64(t.Count))
	r.Add(name+"_cents", int64(t.Amount))
}

// merge adds o's files and counts to r.
func (r *Result) merge(o Result) {
	r.Files += o.Files
	for k, v := range o.Counts {
		r.Add(k, v)
	}
	r.Partial = r.Partial || o.Partial
}

// Func makes a Job of a name and a function, for small steps and tests.
func Func(name string, run func(ctx context.Context) (Result, error)) Job {
	return funcJob{name: name, run: run}
}

type funcJob struct {
	name string
	run  func(ctx context.Context) (Result, error)
}

func (f funcJob) Name() string                            { return f.name }
func (f funcJob) Run(ctx context.Context) (Result, error) { return f.run(ctx) }

// Names of the standard jobs.
const (
	JobSendIWOs        = "send-iwos"
	JobPullAcks        = "pull-acks"
	JobPullRemittances = "pull-remittances"
	JobReconcile       = "reconcile"
	JobReport          = "report"
	JobNight           = "night"
)

// NightOrder is the order of the night's steps. Steps that are not
// registered (reconcile and report before they are configured) are left
// out.
var NightOrder = []string{JobSendIWOs, JobPullAcks, JobPullRemittances, JobReconcile, JobReport}

func mapKeys[K comparable, V any](m map[K]V) iter.Seq[K] { return maps.Keys(m) }
