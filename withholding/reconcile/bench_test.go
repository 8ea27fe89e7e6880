package reconcile_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/iwoproject/iwo/internal/memtest"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// allocBytes reads how many heap bytes the program has allocated so far.
func allocBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// benchNight builds n orders over n/100 employers (biweekly, staggered
// Fridays) and returns a sequence of n payments for them: most clean, one in
// fifty short, one in a hundred with an unknown case, one in two hundred a
// duplicate, and the rest of the usual kinds now and then.
func benchNight(n int) (reconcile.Input, func(func(*withholding.Payment, error) bool)) {
	runDate := day("2026-11-20")
	nEmp := max(n/100, 1)
	emps := make([]*withholding.Employer, nEmp)
	for i := range emps {
		emps[i] = &withholding.Employer{
			FEIN: withholding.FEIN(fmt.Sprintf("9%08d", i)), Name: fmt.Sprintf("EMPLOYER %d", i),
			PayFrequency: withholding.Biweekly, PayAnchor: day("2026-11-13").AddDays(-7 * (i % 2)),
		}
	}
	// Orders are made as they are read, as a store streams them, so that
	// the heap figures show what the run keeps of them.
	order := func(i int) *withholding.Order {
		return &withholding.Order{
			ID: int64(i + 1), CaseID: withholding.CaseID(fmt.Sprintf("C%09d", i)), RemittanceID: withholding.RemittanceID(fmt.Sprintf("R%09d", i)),
			EmployerFEIN: emps[i%nEmp].FEIN,
			Obligor:      withholding.Person{Last: "DOE", First: "J", SSN: withholding.SSN(fmt.Sprintf("9%08d", i))},
			PayeeFIPS:    "0603700",
			Amounts:      withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 20000, Frequency: withholding.Biweekly}},
			StartDate:    runDate.AddDays(-14),
			Status:       withholding.StatusAccepted,
		}
	}
	orders := func(yield func(*withholding.Order, error) bool) {
		for i := range n {
			if !yield(order(i), nil) {
				return
			}
		}
	}
	in := reconcile.Input{RunDate: runDate, Calendar: testCalendar, Orders: orders, Employers: emps}
	payments := func(yield func(*withholding.Payment, error) bool) {
		for i := 0; i < n; i++ {
			o := order(i)
			pay := emps[i%nEmp].PayAnchor
			p := &withholding.Payment{
				ID: int64(i + 1), FileID: 1, Line: i + 2, Trace: withholding.TraceNumber(fmt.Sprintf("%015d", i)), SEC: "CCD",
				EffectiveDate: pay.AddDays(3), EntryAmount: 20000, Credited: 20000, RemittanceID: o.RemittanceID, PayDate: pay,
				Amount: 20000, SSN: o.Obligor.SSN, Medical: "N", Kind: withholding.KindPayment, FEIN: o.EmployerFEIN,
			}
			switch {
			case i%200 == 7 && i > 0:
				q := order(i - 1)
				p.RemittanceID, p.SSN, p.FEIN = q.RemittanceID, q.Obligor.SSN, q.EmployerFEIN
			case i%100 == 3:
				p.RemittanceID, p.SSN = "UNKNOWN", "999999999"
			case i%50 == 1:
				p.Amount, p.EntryAmount = 15000, 15000
			case i%1000 == 9:
				p.Kind, p.ReturnCode = withholding.KindReturn, "R03"
			case i%1000 == 11:
				p.Problems = []string{"DED04: not numeric"}
			}
			if !yield(p, nil) {
				return
			}
		}
	}
	return in, payments
}

// BenchmarkRun reconciles 1,000,000 payments against 1,000,000 orders and
// reports the time per run, the peak heap (inputs included) and the heap the
// run itself added on top of its inputs. The peak includes garbage the
// collector has not yet reclaimed, most of it the payments the sequence
// makes (as a store's would), so two more figures isolate the run:
// run-alloc-MB, what it allocated beyond generating the payments, and
// result-MB, what stays reachable from its Result after a collection.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("orders=%d/payments=%d", n, n), func(b *testing.B) {
			in, pays := benchNight(n)
			a := allocBytes()
			for range pays {
			}
			for range in.Orders {
			}
			gen := allocBytes() - a
			runtime.GC()
			base := memtest.HeapBytes()
			var peak, alloc uint64
			var res *reconcile.Result
			b.ResetTimer()
			for b.Loop() {
				in.Payments = pays
				a := allocBytes()
				peak = max(peak, memtest.HighWater(func() {
					var err error
					res, err = reconcile.Run(context.Background(), in)
					if err != nil {
						b.Fatal(err)
					}
				}))
				alloc = max(alloc, allocBytes()-a-gen)
			}
			b.StopTimer()
			runtime.GC()
			kept := memtest.HeapBytes() - base
			runtime.KeepAlive(in) // the orders are part of base
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "payments/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(peak-base)/(1<<20), "run-heap-MB")
			b.ReportMetric(float64(alloc)/(1<<20), "run-alloc-MB")
			b.ReportMetric(float64(kept)/(1<<20), "result-MB")
			b.ReportMetric(float64(res.Exceptions.Len()), "exceptions")
		})
	}
}
