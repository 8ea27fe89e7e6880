package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/iwoproject/iwo/withholding"
)

// StepRunner runs a registered job by name, with the locks and the record
// of a run by hand. *Scheduler is one.
type StepRunner interface {
	RunNow(ctx context.Context, name string) (*withholding.JobRun, error)
	Has(name string) bool
}

// Night is the "night" job: the night's steps in order (NightOrder by
// default), each run as its own job — own lock, own record — so a step that
// fails (a partner down, a bad file) is recorded as failed and the next
// step still runs. Steps that are not registered are left out. When the
// scheduler shuts down, the step under way may finish and the night stops
// there.
type Night struct {
	Runner StepRunner
	// Steps overrides NightOrder.
	Steps []string
}

// Name implements Job.
func (n *Night) Name() string { return JobNight }

// Run implements Job. Counts are the steps' counts prefixed with the step
// name ("pull-remittances.payments"); the night is partial when some step
// did not succeed and failed only when every step failed.
func (n *Night) Run(ctx context.Context) (Result, error) {
	steps := n.Steps
	if steps == nil {
		steps = NightOrder
	}
	var res Result
	var errs []error
	ran, ok := 0, 0
	for _, name := range steps {
		if !n.Runner.Has(name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("night stopped before %s: %w", name, err))
			break
		}
		run, err := n.Runner.RunNow(ctx, name)
		ran++
		if run != nil {
			res.Files += run.Files
			for k, v := range run.Counts {
				res.Add(name+"."+k, v)
			}
			res.Add("steps."+string(run.Status), 1)
			if run.Status == withholding.RunSucceeded || run.Status == withholding.RunPartial {
				ok++
			}
		}
		if errors.Is(err, ErrShuttingDown) {
			errs = append(errs, fmt.Errorf("night stopped before %s: %w", name, err))
			break
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("step %s: %w", name, err))
		}
	}
	err := errors.Join(errs...)
	res.Partial = err != nil && ok > 0
	return res, err
}
