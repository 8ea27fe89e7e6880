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
