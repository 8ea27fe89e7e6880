package ach_test

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/ach/achsynth"
	"github.com/iwoproject/iwo/withholding"
)

// sequentialPayments reads data the slow, obvious way: every entry from
// Entries (sequential, each a copy), then EntryPayments.
func sequentialPayments(t *testing.T, data []byte) []withholding.Payment {
	t.Helper()
	r := ach.NewReader(bytes.NewReader(data), ach.Options{Name: "t.ach"})
	var out []withholding.Payment
	for e, err := range r.Entries() {
		if err != nil {
			t.Fatalf("entries: %v", err)
		}
		ach.EntryPayments(e, ach.DefaultProfile, func(p *withholding.Payment) bool {
			out = append(out, *p)
			return true
		})
	}
	return out
}

// pipelinePayments reads data with Payments, copying each payment.
func pipelinePayments(t *testing.T, data []byte, reuse bool) ([]withholding.Payment, ach.Summary) {
	t.Helper()
	r := ach.NewReader(bytes.NewReader(data), ach.Options{Name: "t.ach", ReusePayment: reuse})
	var out []withholding.Payment
	var prev *withholding.Payment
	for p, err := range r.Payments() {
		if err != nil {
			t.Fatalf("payments: %v", err)
		}
		if reuse && prev != nil && p != prev {
			t.Fatalf("ReusePayment: a new payment at line %d", p.Line)
		}
		if !reuse && p == prev {
			t.Fatalf("the same payment twice without ReusePayment")
		}
		prev = p
		out = append(out, *p)
	}
	return out, r.Summary()
}

// The pipeline (chunks of entries handed between goroutines, recycled)
// must give exactly what the sequential reader gives, across many chunk
// boundaries, with and without payment reuse.
func TestPipelineAgreesWithSequential(t *testing.T) {
	for _, o := range []achsynth.Options{
		{Count: 5000, Seed: 21},           // ~20 chunks, bad DEDs, prenotes, returns, NOCs
		{Count: 700, Seed: 22, CTX: true}, // several DEDs per entry
	} {
		var b bytes.Buffer
		if _, err := achsynth.Generate(&b, o); err != nil {
			t.Fatal(err)
		}
		want := sequentialPayments(t, b.Bytes())
		for _, reuse := range []bool{false, true} {
			got, sum := pipelinePayments(t, b.Bytes(), reuse)
			if len(got) != len(want) {
				t.Fatalf("%+v reuse=%v: %d payments, want %d", o, reuse, len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("%+v reuse=%v: payment %d\n got %+v\nwant %+v", o, reuse, i, got[i], want[i])
				}
			}
			if sum.Payments != len(want) || sum.Entries != o.Count || !sum.Valid() {
				t.Errorf("%+v reuse=%v: summary %+v", o, reuse, sum)
			}
		}
	}
}

// A kept payment must not change when the reader moves on: nothing in it
// may point into the reader's recycled buffers. The return code once did.
func TestKeptPaymentsDoNotChange(t *testing.T) {
	var b bytes.Buffer
	if _, err := achsynth.Generate(&b, achsynth.Options{Count: 3000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	r := ach.NewReader(bytes.NewReader(b.Bytes()), ach.Options{})
	var kept []*withholding.Payment
	var copies []withholding.Payment
	for p, err := range r.Payments() {
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, p)
		copies = append(copies, *p)
	}
	returns := 0
	for i, p := range kept {
		if !reflect.DeepEqual(*p, copies[i]) {
			t.Fatalf("payment %d changed after it was yielded:\n now %+v\n was %+v", i, *p, copies[i])
		}
		if p.Kind == withholding.KindReturn || p.Kind == withholding.KindNOC {
			returns++
			if len(p.ReturnCode) != 3 || (p.ReturnCode[0] != 'R' && p.ReturnCode[0] != 'C') {
				t.Errorf("payment %d: return code %q", i, p.ReturnCode)
			}
		}
	}
	if returns == 0 {
		t.Fatal("the generated file has no returns or NOCs to check")
	}
}

// One CTX entry larger than a chunk's record buffer (1,500 DEDs in about
// 1,100 addenda, 100 KB) between ordinary entries.
func TestPipelineHugeCTXEntry(t *testing.T) {
	items := make([]ach.Item, 1500)
	var total withholding.Cents
	for i := range items {
		items[i] = ach.Item{CaseID: withholding.RemittanceID(fmt.Sprintf("CASE%07d", i)), PayDate: date(2025, 3, 14),
			Amount: withholding.Cents(1000 + i), SSN: withholding.SSN(fmt.Sprintf("9%08d", i)), Medical: "N", Name: "DOE,J"}
		total += items[i].Amount
	}
	data := MustRemittance(t, true, items...)
	if len(data) < 100<<10 {
		t.Fatalf("file is %d bytes; the test needs an entry larger than a chunk", len(data))
	}
	for _, reuse := range []bool{false, true} {
		got, sum := pipelinePayments(t, data, reuse)
		if len(got) != len(items) || sum.PaymentCents != total || sum.WithProblems != 0 {
			t.Fatalf("reuse=%v: %d payments, %s, %d with problems; want %d, %s, 0", reuse, len(got), sum.PaymentCents, sum.WithProblems, len(items), total)
		}
		for i, p := range got {
			if p.RemittanceID != items[i].CaseID || p.Amount != items[i].Amount || p.SSN != items[i].SSN {
				t.Fatalf("reuse=%v: payment %d is %s %s %s, want %s %s %s", reuse, i, p.RemittanceID, p.Amount, p.SSN.Masked(), items[i].CaseID, items[i].Amount, items[i].SSN.Masked())
			}
		}
	}
}

// Breaking out of Payments early ends the scanning goroutine.
func TestPaymentsStopEarlyEndsScanner(t *testing.T) {
	var b bytes.Buffer
	if _, err := achsynth.Generate(&b, achsynth.Options{Count: 20000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for range 20 {
		r := ach.NewReader(bytes.NewReader(b.Bytes()), ach.Options{})
		n := 0
		for range r.Payments() {
			if n++; n == 300 { // after the first chunk
				break
			}
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after 20 early stops, %d before", n, before)
	}
}

// panicReader panics on its second read.
type panicReader struct {
	r     *bytes.Reader
	reads int
}

func (p *panicReader) Read(b []byte) (int, error) {
	if p.reads++; p.reads == 2 {
		panic("disk on fire")
	}
	return p.r.Read(b[:min(len(b), 4096)])
}

// A panic while scanning (on the scanning goroutine) reaches the caller of
// Payments, where it can be recovered, instead of killing the process.
func TestPaymentsPanicReachesCaller(t *testing.T) {
	var b bytes.Buffer
	if _, err := achsynth.Generate(&b, achsynth.Options{Count: 2000, Seed: 6}); err != nil {
		t.Fatal(err)
	}
	got := func() (v any) {
		defer func() { v = recover() }()
		r := ach.NewReader(&panicReader{r: bytes.NewReader(b.Bytes())}, ach.Options{})
		for range r.Payments() {
		}
		return nil
	}()
	if s, ok := got.(string); !ok || !strings.Contains(s, "disk on fire") {
		t.Errorf("recovered %v, want the scanner's panic", got)
	}
}
