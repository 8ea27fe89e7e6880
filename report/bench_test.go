package report_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/internal/memtest"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
)

// benchExceptions returns n open exceptions opened over 100 days, of four
// types, with messages of a realistic length.
func benchExceptions(n int) []*withholding.Exception {
	types := []withholding.ExceptionType{withholding.ExShortPayment, withholding.ExMissingPayment, withholding.ExUnidentified, withholding.ExLatePayment}
	exs := make([]*withholding.Exception, n)
	start := day("2026-08-01")
	for i := range exs {
		exs[i] = &withholding.Exception{
			ID: int64(i + 1), Type: types[i%len(types)], Severity: withholding.SeverityMedium, Status: withholding.ExceptionOpen,
			Key: fmt.Sprintf("short_payment|p%d", i), CaseID: withholding.CaseID(fmt.Sprintf("C%09d", i)),
			FEIN: withholding.FEIN(fmt.Sprintf("9%08d", i%1000)), SSN: withholding.SSN(fmt.Sprintf("9%08d", i)),
			PaymentIDs: []int64{int64(i)}, Amount: 15000, Expected: 20000, DueDate: start.AddDays(i % 100), OpenedOn: start.AddDays(i % 100),
			Message:         "Payment of $150.00 for case R000000001 (pay date 2026-11-13) from ACME PAYROLL is $50.00 short of the $200.00 the order requires per biweekly pay.",
			SuggestedAction: "Check with the employer whether the withholding limit (CCPA) reduced it or payroll has the wrong amount; send an amended IWO if the amounts on file are wrong.",
		}
	}
	return exs
}

// benchPayments returns n payments of one file.
func benchPayments(n int) []*withholding.Payment {
	pays := make([]*withholding.Payment, n)
	for i := range pays {
		pays[i] = &withholding.Payment{ID: int64(i + 1), FileID: 1, Trace: withholding.TraceNumber(fmt.Sprintf("%015d", i)), SEC: "CCD",
			EffectiveDate: day("2026-11-20"), RemittanceID: withholding.RemittanceID(fmt.Sprintf("R%09d", i)), PayDate: day("2026-11-13"),
			Amount: 20000, SSN: withholding.SSN(fmt.Sprintf("9%08d", i)), Kind: withholding.KindPayment, FEIN: withholding.FEIN(fmt.Sprintf("9%08d", i%1000))}
	}
	return pays
}

// BenchmarkWriteOperations writes an operations workbook with 100,000 open
// exceptions and 100,000 payments, and reports the peak heap (inputs
// included), the heap added by writing, and the file size.
func BenchmarkWriteOperations(b *testing.B) {
	const n = 100_000
	exs, pays := benchExceptions(n), benchPayments(n)
	dir := b.TempDir()
	path := filepath.Join(dir, "ops.xlsx")
	runtime.GC()
	base := memtest.HeapBytes()
	var peak uint64
	b.ResetTimer()
	for b.Loop() {
		peak = max(peak, memtest.HighWater(func() {
			if _, err := report.WriteOperations(path, report.OperationsInput{
				RunDate: day("2026-11-20"), Exceptions: report.Exceptions(exs, day("2026-11-20")), Payments: report.Payments(pays), TmpDir: dir,
			}); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.StopTimer()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak-base)/(1<<20), "write-heap-MB")
	b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
}

// benchOpen writes an operations workbook of the open exceptions exs b.N
// times and returns its path. It reports the wall time and the CPU time
// (all threads, the collector's included) per 100,000 rows: on a shared
// machine the CPU time is the steadier of the two.
func benchOpen(b *testing.B, exs []*withholding.Exception) string {
	dir := b.TempDir()
	path := filepath.Join(dir, "ops.xlsx")
	runtime.GC()
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := report.WriteOperations(path, report.OperationsInput{
			RunDate: day("2026-11-20"), Exceptions: report.Exceptions(exs, day("2026-11-20")), TmpDir: dir,
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	per := float64(b.N) * float64(len(exs)) / 100_000
	b.ReportMetric(b.Elapsed().Seconds()/per, "s/100k-rows")
	b.ReportMetric((cpuTime(b)-cpu0).Seconds()/per, "cpu-s/100k-rows")
	return path
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkWriteOperations_Open writes operations workbooks of 100,000,
// 200,000 and 400,000 open exceptions (and no payments) and reports the time
// per 100,000 rows, which stays flat when writing is linear in the rows.
// Profile one size with
//
//	go test -run '^$' -bench 'WriteOperations_Open/n=400000' -benchtime 1x -cpuprofile cpu.out ./report/
func BenchmarkWriteOperations_Open(b *testing.B) {
	for _, n := range []int{100_000, 200_000, 400_000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			benchOpen(b, benchExceptions(n))
		})
	}
}

// BenchmarkWriteOperations_RowLimit writes one open exception more than an
// Excel sheet holds below its header (1,048,576 in all) and checks that the
// workbook has a second part, "Exceptions (2)".
func BenchmarkWriteOperations_RowLimit(b *testing.B) {
	path := benchOpen(b, benchExceptions(excelize.TotalRows))
	z, err := zip.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer z.Close()
	wb, err := fs.ReadFile(z, "xl/workbook.xml")
	if err != nil {
		b.Fatal(err)
	}
	if !bytes.Contains(wb, []byte(`name="`+report.PartName(report.SheetExceptions, 2)+`"`)) {
		b.Errorf("workbook.xml has no second part of the exceptions: %.600s", wb)
	}
}
