package store_test

import (
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// benchPayments yields n payments, reusing one value so the benchmark
// measures the store, not the generator (the store keeps no references).
func benchPayments(n int) iter.Seq2[*withholding.Payment, error] {
	return func(yield func(*withholding.Payment, error) bool) {
		p := samplePayment(0)
		for i := range n {
			p.Line = 3 + 2*i
			p.Trace = withholding.TraceNumber(fmt.Sprintf("0910000%08d", i))
			p.Amount = withholding.Cents(10000 + i%50000)
			p.EntryAmount = p.Amount
			if !yield(p, nil) {
				return
			}
		}
	}
}

// benchApplyPayments applies files of one million payments, one per
// iteration, and reports rows per second.
func benchApplyPayments(b *testing.B, db *store.DB) {
	const rows = 1_000_000
	var elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		f := &withholding.File{Direction: withholding.Inbound, Kind: withholding.KindACHFile,
			RemoteName: fmt.Sprintf("bench-%d.ach", i), SHA256: fmt.Sprintf("%064x", time.Now().UnixNano()+int64(i))}
		if err := db.CreateFile(ctx, f); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		n, err := db.ApplyPayments(ctx, f.ID, benchPayments(rows))
		elapsed += time.Since(start)
		if err != nil || n != rows {
			b.Fatalf("apply: %d, %v", n, err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
}

func BenchmarkApplyPayments1MSQLite(b *testing.B) {
	benchApplyPayments(b, MustOpenSQLite(b))
}
