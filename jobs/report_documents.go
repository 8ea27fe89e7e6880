package jobs

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// reportDocuments streams the IWOs the operations workbook lists — those
// still waiting for an answer, or sent or answered in the last lookback
// days before now (as reconciliation looks back) — newest sent first, the
// sheet's order. The store sorts them, so the report holds one at a time:
// read whole and sorted here, the IWOs of a state's first night (1.2
// million) were most of the report job's memory (docs/scaling.md).
func (j *Reconcile) reportDocuments(ctx context.Context, now time.Time) iter.Seq2[*withholding.Document, error] {
	lookback := j.Settings.Lookback
	if lookback <= 0 {
		lookback = reconcile.DefaultLookback
	}
	f := withholding.DocumentFilter{RecentSince: now.AddDate(0, 0, -lookback), NewestFirst: true}
	return func(yield func(*withholding.Document, error) bool) {
		for d, err := range j.Documents.EachDocument(ctx, f) {
			if err != nil {
				yield(nil, fmt.Errorf("load IWO documents: %w", err))
				return
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

// reportIWOs is the report's one read of the IWOs for two uses: the
// operations workbook lists them (all), and the statements' rule needs
// the employers with an IWO sent or answered in tonight's window
// (employers). The workbook's read notes those employers as the IWOs pass,
// so a million IWOs are neither held nor read twice; only when the
// workbook did not read them all (it failed, or a Reports implementation
// leaves them) does employers read them again.
type reportIWOs struct {
	docs  iter.Seq2[*withholding.Document, error]
	night *withholding.Night
	feins map[withholding.FEIN]bool
	read  bool // feins has every IWO's employer
}

func (j *Reconcile) reportIWOs(ctx context.Context, night *withholding.Night) *reportIWOs {
	return &reportIWOs{docs: j.reportDocuments(ctx, j.Now()), night: night}
}

// all streams the IWOs, noting the employers active in the window.
func (r *reportIWOs) all() iter.Seq2[*withholding.Document, error] {
	return func(yield func(*withholding.Document, error) bool) {
		r.feins, r.read = map[withholding.FEIN]bool{}, false
		for d, err := range r.docs {
			if err != nil {
				yield(nil, err)
				return
			}
			r.note(d)
			if !yield(d, nil) {
				return
			}
		}
		r.read = true
	}
}

// note counts d's employer when d was sent or answered in the window.
func (r *reportIWOs) note(d *withholding.Document) {
	in := func(t time.Time) bool { return t.After(r.night.WindowStart) && !t.After(r.night.WindowEnd) }
	if in(d.SentAt) || in(d.AcknowledgedAt) {
		r.feins[d.FEIN] = true
	}
}

// employers returns the employers with an IWO sent or answered in
// tonight's window.
func (r *reportIWOs) employers() (map[withholding.FEIN]bool, error) {
	if !r.read {
		for _, err := range r.all() {
			if err != nil {
				return nil, err
			}
		}
	}
	return r.feins, nil
}
