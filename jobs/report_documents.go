package jobs

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// reportDocuments streams the IWOs the operations workbook lists: those
// sent or answered after since (the night's window start), newest sent
// first, the sheet's order. The sheet is the night's IWO activity, as the
// payments and files sheets are the night's; an IWO still waiting past
// its acknowledgment deadline is an open exception (IWO not acknowledged)
// on the exceptions sheet. Listing every IWO still waiting or answered in
// the last lookback days made a state's first weeks a sheet of a million
// rows a night (docs/scaling.md, fix 24; README, decisions). The store
// sorts them, so the report holds one at a time.
func (j *Reconcile) reportDocuments(ctx context.Context, since time.Time) iter.Seq2[*withholding.Document, error] {
	f := withholding.DocumentFilter{ActiveSince: since, NewestFirst: true}
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
