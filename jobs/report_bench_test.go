package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// BenchmarkLoadOpenExceptions loads n open exceptions from an in-memory
// SQLite store the two ways a job can: in pages of 5,000 by offset (each
// page counts the matches and skips the rows before it, so the work grows
// with the square of n) and in one query. It reports the time per
// 100,000 exceptions.
func BenchmarkLoadOpenExceptions(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{100_000, 200_000, 400_000} {
		db := MustOpenStore(b)
		exs := make([]*withholding.Exception, n)
		for i := range exs {
			exs[i] = &withholding.Exception{Type: withholding.ExShortPayment, Severity: withholding.SeverityMedium,
				Key: fmt.Sprintf("short_payment|p%d", i), CaseID: withholding.CaseID(fmt.Sprintf("C%09d", i)),
				OpenedOn: withholding.DateOf(time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)).AddDays(i % 100),
				Message:  "Payment of $150.00 for case R000000001 is $50.00 short of the $200.00 the order requires per biweekly pay."}
		}
		night := &withholding.Night{Date: withholding.DateOf(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)),
			WindowStart: time.Date(2026, 11, 19, 10, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
		if _, _, err := db.RecordReconciliation(ctx, night, withholding.ExceptionSeq(exs...), nil); err != nil {
			b.Fatal(err)
		}
		open := withholding.ExceptionOpen
		load := map[string]func() int{
			"paged": func() int {
				got := 0
				for off := 0; ; {
					page, total, err := db.FindExceptions(ctx, withholding.ExceptionFilter{Status: &open, Offset: off, Limit: 5000})
					if err != nil {
						b.Fatal(err)
					}
					got += len(page)
					off += len(page)
					if len(page) == 0 || off >= total {
						return got
					}
				}
			},
			"one-query": func() int {
				page, _, err := db.FindExceptions(ctx, withholding.ExceptionFilter{Status: &open})
				if err != nil {
					b.Fatal(err)
				}
				return len(page)
			},
		}
		for _, how := range []string{"paged", "one-query"} {
			b.Run(fmt.Sprintf("%s/n=%d", how, n), func(b *testing.B) {
				for b.Loop() {
					if got := load[how](); got != n {
						b.Fatalf("loaded %d, want %d", got, n)
					}
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(float64(n)/100_000), "s/100k-rows")
			})
		}
	}
}
