package jobs_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/withholding"
)

// errNoRoom stands for a statement that cannot be written.
var errNoRoom = errors.New("no room left on the device")

// pairedReports writes statements through Reports, each only once another
// is being written at the same time (or after pairWait, when none comes),
// and fails the statement of fail. It records the most written at once.
type pairedReports struct {
	jobs.Reports
	fail withholding.FEIN
	meet chan struct{}

	mu             sync.Mutex
	inFlight, most int
}

// pairWait bounds how long a statement waits for a second one: long
// enough for a loaded machine to start the other worker, short enough
// that a job writing one at a time fails the test rather than hangs it.
const pairWait = 10 * time.Second

func (r *pairedReports) WriteEmployerStatement(path string, in withholding.EmployerStatement) error {
	r.mu.Lock()
	r.inFlight++
	r.most = max(r.most, r.inFlight)
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.inFlight--
		r.mu.Unlock()
	}()
	select {
	case r.meet <- struct{}{}:
	case <-r.meet:
	case <-time.After(pairWait):
	}
	if in.Employer.FEIN == r.fail {
		return errNoRoom
	}
	return r.Reports.WriteEmployerStatement(path, in)
}

// TestReportStatementsOnWorkers writes the four statements of
// statementNight with two workers, one of which fails: two are written at
// once, the failed one makes the run partial without stopping the others,
// and the ledger records what was pushed as when written one by one.
func TestReportStatementsOnWorkers(t *testing.T) {
	paired := &pairedReports{fail: newIWOFEIN, meet: make(chan struct{})}
	b, run, got, _ := statementNightWith(t, jobs.StatementsActivity, withholding.RunPartial, func(j *jobs.Report) {
		paired.Reports = j.Reports
		j.Reports, j.Workers = paired, 2
	})
	if paired.most != 2 {
		t.Errorf("at most %d statements written at once, want 2", paired.most)
	}
	if want := []withholding.FEIN{acmeFEIN, noOrdersFEIN, freshExFEIN}; !slices.Equal(got, want) {
		t.Errorf("statements written for %v, want %v", got, want)
	}
	if run.Counts["statements"] != 3 || run.Counts["delivered"] != 3 || run.Counts["not_delivered"] != 0 {
		t.Errorf("counts %v, want 3 statements and 3 files delivered", run.Counts)
	}
	checkPushedTonight(t, b)
}

// errOrdersLost stands for a store that cannot be read.
var errOrdersLost = errors.New("orders table unreadable")

// unreadableOrders fails every read of orders.
type unreadableOrders struct{ withholding.OrderService }

func (unreadableOrders) FindOrders(context.Context, withholding.OrderFilter) ([]*withholding.Order, int, error) {
	return nil, 0, errOrdersLost
}

func (unreadableOrders) EachOrder(context.Context, withholding.OrderFilter) iter.Seq2[*withholding.Order, error] {
	return func(yield func(*withholding.Order, error) bool) { yield(nil, errOrdersLost) }
}

// TestReportStatementsOrdersUnreadable: when the employers' orders cannot
// be read no statement is written, the run is partial, and the workbook
// and CSV still go to operations.
func TestReportStatementsOrdersUnreadable(t *testing.T) {
	_, run, got, _ := statementNightWith(t, jobs.StatementsActivity, withholding.RunPartial, func(j *jobs.Report) {
		j.Reconcile.Orders = unreadableOrders{j.Reconcile.Orders}
	})
	if len(got) != 0 || run.Counts["statements"] != 0 {
		t.Errorf("statements written for %v (counts %v), want none", got, run.Counts)
	}
	if run.Files != 2 || run.Counts["delivered"] != 2 {
		t.Errorf("files %d counts %v, want the workbook and CSV delivered", run.Files, run.Counts)
	}
}
