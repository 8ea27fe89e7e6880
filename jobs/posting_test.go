package jobs_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/withholding"
)

// postingsByPayment returns every stored posting, by payment ID.
func postingsByPayment(tb testing.TB, svc withholding.PostingService) map[int64]withholding.Posting {
	tb.Helper()
	ps, err := svc.FindPostings(context.Background(), withholding.PaymentFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	m := map[int64]withholding.Posting{}
	for _, p := range ps {
		m[p.PaymentID] = *p
	}
	return m
}

// paymentsOf returns the payments of the applied file name, in the order
// they were stored.
func (b *books) paymentsOf(name string) []*withholding.Payment {
	b.t.Helper()
	var out []*withholding.Payment
	for p, err := range b.db.EachPayment(context.Background(), withholding.PaymentFilter{}) {
		if err != nil {
			b.t.Fatal(err)
		}
		f, err := b.db.FindFileByID(context.Background(), p.FileID)
		if err != nil {
			b.t.Fatal(err)
		}
		if f.RemoteName == name {
			out = append(out, p)
		}
	}
	return out
}

func TestReconcileRecordsPostingsOfTwoNights(t *testing.T) {
	b := newBooks(t)
	stray := pay(t, "2026-11-13", "2026-11-20")
	stray.RemittanceID, stray.SSN, stray.Name = "NOSUCHCASE", "900999999", "DOE,JAN"
	b.apply("day1.ach", pay(t, "2026-11-13", "2026-11-20"), stray)
	b.run(jobs.JobReconcile, withholding.RunSucceeded)

	b.clk.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	b.apply("day2.ach", pay(t, "2026-11-13", "2026-11-23")) // sent twice: a duplicate, held
	b.run(jobs.JobReconcile, withholding.RunSucceeded)

	orders, _, err := b.db.FindOrders(context.Background(), withholding.OrderFilter{})
	if err != nil || len(orders) != 1 {
		t.Fatalf("orders: %d %v", len(orders), err)
	}
	order := orders[0]
	d1, d2 := b.paymentsOf("day1.ach"), b.paymentsOf("day2.ach")
	if len(d1) != 2 || len(d2) != 1 {
		t.Fatalf("stored payments: %d on day 1, %d on day 2; want 2 and 1", len(d1), len(d2))
	}
	exs := exceptionsByKey(t, b.db)
	keyOf := func(typ withholding.ExceptionType) string {
		for k, e := range exs {
			if e.Type == typ {
				return k
			}
		}
		t.Fatalf("no %s exception among %v", typ, exs)
		return ""
	}
	want := map[int64]withholding.Posting{
		d1[0].ID: {PaymentID: d1[0].ID, Status: withholding.PostingPosted, OrderRef: order.ID, CaseID: "CASE1", RunDate: day(t, "2026-11-20"), MatchedBy: "case"},
		d1[1].ID: {PaymentID: d1[1].ID, Status: withholding.PostingHeld, Reason: withholding.ExUnidentified, ExceptionKey: keyOf(withholding.ExUnidentified), RunDate: day(t, "2026-11-20")},
		d2[0].ID: {PaymentID: d2[0].ID, Status: withholding.PostingHeld, OrderRef: order.ID, CaseID: "CASE1", Reason: withholding.ExDuplicatePayment, ExceptionKey: keyOf(withholding.ExDuplicatePayment), RunDate: day(t, "2026-11-23")},
	}
	got := postingsByPayment(t, b.db)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("postings after two nights:\n got %+v\nwant %+v", got, want)
	}

	// Re-running the second night later the same day changes nothing.
	b.clk.Set(b.clk.Now().Add(5 * time.Hour))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	if again := postingsByPayment(t, b.db); !reflect.DeepEqual(again, want) {
		t.Errorf("postings after re-running night 2:\n got %+v\nwant %+v", again, want)
	}
}
