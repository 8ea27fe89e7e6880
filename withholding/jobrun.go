package withholding

import "time"

// RunStatus is the outcome of a job run.
type RunStatus string

// Run statuses.
const (
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"  // the step failed; Error says why
	RunPartial   RunStatus = "partial" // the step finished but some files or partners failed
	RunSkipped   RunStatus = "skipped" // holiday rule, or another instance holds the lock
	// RunKilled is a run whose process stopped without recording how the
	// run ended (SIGKILL, crash, power loss). The next holder of the job's
	// lock finds it still running and records it killed; Error says so.
	RunKilled RunStatus = "killed"
)

// JobRun records one run of one job.
type JobRun struct {
	ID       int64            `json:"id"`
	Job      string           `json:"job"`
	Instance string           `json:"instance"` // host/process that ran it
	Started  time.Time        `json:"started"`
	Ended    time.Time        `json:"ended"`
	Status   RunStatus        `json:"status"`
	Files    int              `json:"files"`
	Counts   map[string]int64 `json:"counts,omitempty"` // e.g. payments, cents, exceptions
	Error    string           `json:"error,omitempty"`
}
