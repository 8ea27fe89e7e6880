package reconcile_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current code")

// randomNight builds a night from seed where identifiers collide on
// purpose (case IDs reused across employers, obligors with several orders,
// a handful of surnames and counties) and payments take every path through
// the rules: each match rule and the narrowing, duplicates against tonight
// and history, CTX entries, returns, NOCs, prenotes, problems, late,
// short, over, medical changes, payments without store IDs. The same seed
// gives the same night.
func randomNight(seed uint64, nOrders, nPayments int) reconcile.Input {
	r := rand.New(rand.NewPCG(seed, 7))
	runDate := day("2026-11-20")
	freqs := []withholding.Frequency{withholding.Weekly, withholding.Biweekly, withholding.Semimonthly, withholding.Monthly, ""}
	emps := make([]*withholding.Employer, 12)
	for i := range emps {
		emps[i] = &withholding.Employer{
			FEIN: withholding.FEIN(fmt.Sprintf("9%08d", i)), Name: fmt.Sprintf("EMPLOYER %d", i),
			PayFrequency: freqs[i%len(freqs)], PayAnchor: day("2026-11-13").AddDays(-r.IntN(14)),
		}
	}
	lasts := []string{"SMITH", "LEE", "CASTELLANO", "O'BRIEN", "NGUYEN", ""}
	firsts := []string{"JOHN", "SAM", "MARIA", "JO"}
	fips := []string{"0603700", "0607300", "06037", "0603800", "4801", ""}
	statuses := []withholding.OrderStatus{withholding.StatusAccepted, withholding.StatusAccepted, withholding.StatusAccepted,
		withholding.StatusSent, withholding.StatusPending, withholding.StatusRejected, withholding.StatusTerminated}
	orders := make([]*withholding.Order, nOrders)
	for i := range orders {
		e := emps[r.IntN(len(emps))]
		o := &withholding.Order{
			ID: int64(i + 1), CaseID: withholding.CaseID(fmt.Sprintf("C%03d", r.IntN(nOrders*2/3+1))),
			EmployerFEIN: e.FEIN,
			Obligor: withholding.Person{Last: lasts[r.IntN(len(lasts))], First: firsts[r.IntN(len(firsts))],
				SSN: withholding.SSN(fmt.Sprintf("90011%04d", r.IntN(nOrders*3/4+1)))},
			PayeeFIPS: fips[r.IntN(len(fips))],
			Amounts:   withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: withholding.Cents(10000 * (1 + r.IntN(3))), Frequency: withholding.Biweekly}},
			StartDate: runDate.AddDays(-r.IntN(90)),
			Status:    statuses[r.IntN(len(statuses))],
		}
		if r.IntN(5) > 0 {
			o.RemittanceID = withholding.RemittanceID(fmt.Sprintf("R%03d", r.IntN(nOrders)))
		}
		if r.IntN(20) == 0 {
			o.Obligor.SSN = ""
		}
		if o.Status == withholding.StatusTerminated && r.IntN(2) == 0 {
			o.EndDate = runDate.AddDays(-r.IntN(30))
		}
		orders[i] = o
	}
	mkPay := func(id int64, o *withholding.Order, late bool) *withholding.Payment {
		pay := runDate.AddDays(-r.IntN(50))
		eff := pay.AddDays(1 + r.IntN(3))
		if late {
			eff = pay.AddDays(10 + r.IntN(10))
		}
		p := &withholding.Payment{
			ID: id, FileID: int64(1 + r.IntN(3)), Line: int(id) * 2, Batch: 1 + r.IntN(2),
			Trace: withholding.TraceNumber(fmt.Sprintf("%015d", r.IntN(nPayments))), SEC: "CCD",
			CompanyID: "1" + string(o.EmployerFEIN), EffectiveDate: eff, EntryAmount: 20000, RemittanceID: withholding.RemittanceID(o.CaseID),
			PayDate: pay, Amount: o.PerPay(withholding.Biweekly).Total, SSN: o.Obligor.SSN, Medical: []string{"N", "Y", "W", ""}[r.IntN(4)],
			Name: reconcile.NameCode(o.Obligor.Last, o.Obligor.First), FIPS: o.PayeeFIPS, Kind: withholding.KindPayment, FEIN: o.EmployerFEIN,
		}
		if o.RemittanceID != "" && r.IntN(2) == 0 {
			p.RemittanceID = o.RemittanceID
		}
		credit(p)
		return p
	}
	var history, tonight []*withholding.Payment
	for i := range nPayments / 2 {
		p := mkPay(int64(100000+i), orders[r.IntN(nOrders)], r.IntN(8) == 0)
		if i > 0 && r.IntN(10) == 0 { // sent twice: a later repeat names the first
			q := *history[len(history)-1]
			p = &q
			p.ID = int64(100000 + i)
		}
		history = append(history, p)
	}
	for i := range nPayments {
		o := orders[r.IntN(nOrders)]
		p := mkPay(int64(i+1), o, r.IntN(8) == 0)
		switch r.IntN(24) {
		case 0: // repeats a history or tonight payment
			all := append(slices.Clone(history), tonight...)
			q := *all[r.IntN(len(all))]
			q.ID, q.Line = p.ID, p.Line
			p = &q
		case 1:
			p.RemittanceID = "UNKNOWN"
		case 2:
			p.RemittanceID = ""
		case 3:
			p.RemittanceID, p.SSN = "", "000000000"
		case 4:
			p.SSN = withholding.SSN(fmt.Sprintf("90011%04d", r.IntN(nOrders)))
		case 5:
			p.FEIN = emps[r.IntN(len(emps))].FEIN
		case 6:
			p.FEIN = ""
		case 7:
			p.Amount -= 5000
		case 8:
			p.Amount += 5000
		case 9:
			p.Termination = true
		case 10:
			p.Termination, p.Amount = r.IntN(2) == 0, 0
		case 11:
			p.Problems = []string{"DED04: not numeric"}
		case 12:
			p.Kind, p.ReturnCode = withholding.KindReturn, "R03"
		case 13:
			p.Kind, p.ReturnCode, p.Raw = withholding.KindNOC, "C01", " 0123 "
		case 14:
			p.Kind, p.Amount = withholding.KindPrenote, 0
		case 15:
			p.Kind = withholding.KindOther
		case 16:
			p.ID = 0
		case 17, 18, 19:
			p.SEC, p.Trace, p.Batch = "CTX", withholding.TraceNumber(fmt.Sprintf("CTX%02d", r.IntN(8))), 1
		case 20:
			p.Name = strings.ToLower(p.Name) + " "
			p.RemittanceID = ""
		case 21:
			p.PayDate = withholding.Date{}
		}
		credit(p)
		tonight = append(tonight, p)
	}
	var docs []*withholding.Document
	for i := range nOrders / 10 {
		o := orders[r.IntN(nOrders)]
		d := &withholding.Document{
			ID: int64(i + 1), TrackingID: withholding.TrackingID(fmt.Sprintf("T%04d", i)), CaseID: o.CaseID, FEIN: o.EmployerFEIN,
			Action: withholding.ActionOriginal, SentAt: time.Date(2026, 11, 1+r.IntN(18), 12, 0, 0, 0, time.UTC),
			Status: []withholding.Disposition{"", "", withholding.DispAccepted, withholding.DispRejected, withholding.DispPortalError}[r.IntN(5)],
			Reason: "U",
		}
		if r.IntN(3) > 0 {
			d.OrderRef = o.ID
		}
		docs = append(docs, d)
		// Draws that once made an acknowledgment for each document (its
		// disposition, EMP or not, FEIN or not): acknowledgments left the
		// input, and keeping the draws keeps the documents the same.
		r.IntN(6)
		r.IntN(3)
		r.IntN(4)
	}
	return reconcile.Input{
		RunDate: runDate, Location: time.UTC, Calendar: testCalendar,
		Orders: seq(orders...), Employers: emps,
		History: seq(history...), Payments: seq(tonight...),
		Documents: seq(docs...),
	}
}

// dump writes everything a run decided, exceptions sorted by key (their
// order is not part of the contract), matches and cleared keys in order.
func dump(t testing.TB, res *reconcile.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "stats %+v\n", res.Stats)
	es := exceptionsOf(t, res)
	slices.SortFunc(es, func(a, b *withholding.Exception) int { return strings.Compare(a.Key, b.Key) })
	for _, e := range es {
		fmt.Fprintf(&b, "exception %s %s %s case=%s order=%d fein=%s ssn=%s pays=%v file=%d amount=%d expected=%d due=%s opened=%s\n\t%s\n\t%s\n",
			e.Key, e.Type, e.Severity, e.CaseID, e.OrderRef, e.FEIN, e.SSN, e.PaymentIDs, e.FileID, e.Amount, e.Expected, e.DueDate, e.OpenedOn, e.Message, e.SuggestedAction)
	}
	for _, m := range res.Matches {
		fmt.Fprintf(&b, "match %+v\n", m)
	}
	for _, k := range res.Cleared {
		fmt.Fprintf(&b, "cleared %s\n", k)
	}
	return b.String()
}

// TestRun_Golden reconciles random nights and compares everything the run
// decided with what the code decided when the golden files were written, so
// that a change to how the run indexes or remembers things cannot change
// its findings unnoticed. Rewrite with -update only for intended changes.
func TestRun_Golden(t *testing.T) {
	for _, tt := range []struct {
		name  string
		seed  uint64
		match []reconcile.MatchRule
		tol   withholding.Cents
	}{
		{"default", 1, nil, 0},
		{"name-first", 2, []reconcile.MatchRule{reconcile.MatchNameFIPS, reconcile.MatchSSN, reconcile.MatchCase}, 100},
		{"ssn-only", 3, []reconcile.MatchRule{reconcile.MatchSSN}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := randomNight(tt.seed, 300, 600)
			in.Settings.Match, in.Settings.Tolerance = tt.match, tt.tol
			got := dump(t, MustRun(t, in))
			path := filepath.Join("testdata", "night-"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("%s: line %d differs:\ngot:  %s\nwant: %s", path, i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("%s: %d lines, want %d", path, len(gl), len(wl))
			}
		})
	}
}

// TestRun_OrdersStreamedIntoOneValue reads every order of a random night
// through one reused Order, as a store may stream them, and checks that the
// run decides exactly what it decides from separate orders: it must copy
// what it keeps of an order, not point into it.
func TestRun_OrdersStreamedIntoOneValue(t *testing.T) {
	want := dump(t, MustRun(t, randomNight(1, 300, 600)))
	in := randomNight(1, 300, 600)
	orders := in.Orders
	in.Orders = func(yield func(*withholding.Order, error) bool) {
		var reused withholding.Order
		for o, err := range orders {
			reused = *o
			if !yield(&reused, err) {
				return
			}
			reused = withholding.Order{CaseID: "OVERWRITTEN", Obligor: withholding.Person{SSN: "999999999"}}
		}
	}
	if got := dump(t, MustRun(t, in)); got != want {
		t.Error("a run over one reused Order decided differently from a run over separate orders")
	}
}

// TestRun_OrdersInTwoHalves reads a random night's orders in two halves
// (Input.MoreOrders, read beside Orders) and checks that the run decides
// exactly what it decides from one listing: each half keeps its own
// employers and statuses until they are joined. Without some employers,
// FEINs and statuses come up in a different order in each half. An error
// from either half is the run's.
func TestRun_OrdersInTwoHalves(t *testing.T) {
	for _, drop := range []int{0, 4} {
		t.Run(fmt.Sprintf("without %d employers", drop), func(t *testing.T) {
			night := func() reconcile.Input {
				in := randomNight(1, 300, 600)
				in.Employers = in.Employers[:len(in.Employers)-drop]
				return in
			}
			want := dump(t, MustRun(t, night()))
			in := night()
			orders := all(in.Orders)
			in.Orders, in.MoreOrders = seq(orders[:140]...), seq(orders[140:]...)
			if got := dump(t, MustRun(t, in)); got != want {
				t.Error("a run over two halves of the orders decided differently from a run over one listing")
			}
		})
	}
	boom := errors.New("read failed")
	for name, edit := range map[string]func(in *reconcile.Input){
		"lower": func(in *reconcile.Input) { in.Orders = failing(in.Orders, boom) },
		"upper": func(in *reconcile.Input) { in.MoreOrders = failing(in.MoreOrders, boom) },
	} {
		in := randomNight(1, 300, 600)
		orders := all(in.Orders)
		in.Orders, in.MoreOrders = seq(orders[:140]...), seq(orders[140:]...)
		edit(&in)
		if _, err := reconcile.Run(context.Background(), in); !errors.Is(err, boom) {
			t.Errorf("%s half fails: run error %v, want %v", name, err, boom)
		}
	}
}

// failing yields s's first ten values, then err.
func failing[T any](s iter.Seq2[T, error], err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		n := 0
		for v, e := range s {
			if n++; n > 10 {
				var zero T
				yield(zero, err)
				return
			}
			if !yield(v, e) {
				return
			}
		}
	}
}
