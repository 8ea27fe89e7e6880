package store_test

import (
	"bufio"
	"fmt"
	"iter"
	"os"
	"path/filepath"
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

// writeBenchOrders writes an orders file of n rows over employers (each
// already stored) to a temporary file and returns its path. The rows are
// like the bench night's: every column the agency export fills, two
// children, three amounts.
func writeBenchOrders(b *testing.B, n int, employers []string) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "orders.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("case_id,order_id,remittance_id,employer_fein,obligor_last,obligor_first,obligor_middle,obligor_suffix,obligor_ssn,obligor_birth_date,obligee_last,obligee_first,children,issuing_state,issuing_jurisdiction,issuing_tribunal,payee_fips,current_support,current_support_freq,past_due_support,past_due_support_freq,current_medical,current_medical_freq,arrears_over_12_weeks,start_date,end_date\n")
	for i := range n {
		// SSNs 078-05-1121 on: area 078 and group 05 are assignable, the
		// serial never 0000.
		fmt.Fprintf(w, "KS%013d,SN2019DM%06d,KS%013d,%s,HALVERSON,MARCUS,J,,%03d-%02d-%04d,1984-03-17,HALVERSON,BRIANNA,HALVERSON|TESSA|2014-08-02;HALVERSON|OWEN|2017-11-23,KANSAS,SALINE,DISTRICT COURT,2000003,%d.%02d,monthly,50.00,monthly,35.00,monthly,Y,2026-01-01,\n",
			i, i, i, employers[i%len(employers)], 100+i/(99*9999)%500, 1+i/9999%99, 1+i%9999, 100+i%900, i%100)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkImportOrders100KSQLite imports a file of 100,000 new orders
// into an empty SQLite store, as "iwo import orders" does with the first
// export of an agency (the import.orders step of "iwo bench night"), and
// reports rows per second. Each iteration starts from an empty store.
func BenchmarkImportOrders100KSQLite(b *testing.B) {
	const rows = 100_000
	employers := make([]string, 200)
	for i := range employers {
		employers[i] = fmt.Sprintf("4800%05d", i+1)
	}
	path := writeBenchOrders(b, rows, employers)
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		db := MustOpenSQLite(b)
		for _, fein := range employers {
			if err := db.UpsertEmployer(ctx, sampleEmployer(fein)); err != nil {
				b.Fatal(err)
			}
		}
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		res, err := db.ImportOrders(ctx, path, f, false)
		elapsed += time.Since(start)
		b.StopTimer()
		f.Close()
		if err != nil || res.Created != rows {
			b.Fatalf("import: %+v, %v", res, err)
		}
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/elapsed.Seconds(), "rows/s")
}
