package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/iwoproject/iwo/withholding"
)

// Books is the agency's store as the demo uses it: loaded with the
// synthetic agency before the first night, read for the summary after the
// last.
type Books interface {
	Store
	UpsertEmployer(ctx context.Context, e *withholding.Employer) error
	CreateOrder(ctx context.Context, o *withholding.Order) error
}

// NightFunc runs the agency's night job now (in iwo, the real scheduler's
// run-now of the night job) and returns its run record. A run with a
// failed step is returned with an error; a nil run means the night did not
// run at all.
type NightFunc func(ctx context.Context) (*withholding.JobRun, error)

// Load puts the synthetic agency's employers and orders into books.
func (w *World) Load(ctx context.Context, books Books) error {
	for i := range w.Employers {
		if err := books.UpsertEmployer(ctx, &w.Employers[i]); err != nil {
			return fmt.Errorf("load employers: %w", err)
		}
	}
	for i := range w.Orders {
		if err := books.CreateOrder(ctx, &w.Orders[i]); err != nil {
			return fmt.Errorf("load orders: %w", err)
		}
	}
	return nil
}

// Play plays the given number of nights: each night the employers' side
// first (Day), then the agency's night, with one line of progress per
// night on out. A night whose run fails part-way goes on to the next; one
// that does not run at all ends the demo. Then it prints the Summary read
// from books on out and writes it to summary.json in the workspace.
func (w *World) Play(ctx context.Context, nights int, night NightFunc, books Books, out io.Writer) (*Summary, error) {
	for n := 1; n <= nights; n++ {
		if err := w.Day(ctx, n); err != nil {
			return nil, fmt.Errorf("night %d, employers' side: %w", n, err)
		}
		run, err := night(ctx)
		fmt.Fprintln(out, nightLine(n, w.Today(), run))
		if err != nil && run == nil {
			return nil, fmt.Errorf("night %d: %w", n, err)
		}
	}
	sum, err := Summarize(ctx, books, w, nights)
	if err != nil {
		return nil, err
	}
	sum.Print(out)
	b, _ := json.MarshalIndent(sum, "", "  ")
	if err := os.WriteFile(filepath.Join(w.Opt.Dir, "summary.json"), b, 0o644); err != nil {
		return nil, fmt.Errorf("write summary: %w", err)
	}
	return sum, nil
}

// nightLine is the progress line of night n, from the counts of its run
// (nil when it did not run).
func nightLine(n int, day withholding.Date, run *withholding.JobRun) string {
	line := fmt.Sprintf("Night %d (%s): ", n, day)
	if run == nil {
		return line
	}
	c := run.Counts
	return line + fmt.Sprintf("%d IWOs sent, %d acknowledgments, %d payments (%s), %d duplicate, %d quarantined; %s",
		c["send-iwos.iwos"], c["pull-acks.acks"], c["pull-remittances.payments"],
		withholding.Cents(c["pull-remittances.payment_cents"]).Dollars(),
		c["pull-acks.duplicates"]+c["pull-remittances.duplicates"],
		c["pull-acks.quarantined"]+c["pull-remittances.quarantined"], run.Status)
}
