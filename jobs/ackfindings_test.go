package jobs_test

import (
	"bytes"
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// findingBooks are ackBooks with a second order of the same employee with
// ACME (case CASE2, IWO t2) and an order of another employee (case CASE3,
// IWO t3), the portal's result files arriving under RESULT*, and the
// reconcile job over the same store.
type findingBooks struct {
	*ackBooks
	t2, t3 withholding.TrackingID
	case3  *withholding.Order
	rec    *jobs.Reconcile
}

func newFindingBooks(t *testing.T) *findingBooks {
	t.Helper()
	ctx := context.Background()
	b := &findingBooks{ackBooks: newAckBooks(t), t2: edi.TrackingIDFor("06", 1000002), t3: edi.TrackingIDFor("06", 1000003)}
	b.addPartner("portal", transfer.RolePortal, map[withholding.FileKind][]string{withholding.KindIWOResult: {"RESULT*"}})
	case2 := *b.order
	case2.ID, case2.CaseID, case2.OrderID, case2.RemittanceID = 0, "CASE2", "ORD2", "R2"
	b.case3 = &withholding.Order{}
	*b.case3 = case2
	b.case3.CaseID, b.case3.OrderID, b.case3.RemittanceID = "CASE3", "ORD3", "R3"
	b.case3.Obligor = withholding.Person{Last: "DOE", First: "JANE", SSN: "900334444"}
	var docs []*withholding.Document
	for _, sent := range []struct {
		o  *withholding.Order
		tr withholding.TrackingID
	}{{&case2, b.t2}, {b.case3, b.t3}} {
		if err := b.db.CreateOrder(ctx, sent.o); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, &withholding.Document{TrackingID: sent.tr, OrderRef: sent.o.ID, CaseID: sent.o.CaseID, FEIN: acmeFEIN, Action: withholding.ActionOriginal})
	}
	out := &withholding.File{Direction: withholding.Outbound, Partner: "acme", Kind: withholding.KindIWOFile, RemoteName: "IWO2", State: withholding.FileParsed,
		SHA256: strings.Repeat("1", 64)}
	if err := b.db.CreateFile(ctx, out); err != nil {
		t.Fatal(err)
	}
	if err := b.db.RecordSent(ctx, out.ID, slices.Values(docs)); err != nil {
		t.Fatal(err)
	}
	b.rec, _ = addBooksJobs(t, b.fixture, &clock{t: time.Now()})
	return b
}

// notice is an EMP notice from ACME about the employee of o.
func notice(tb testing.TB, o *withholding.Order, status withholding.Disposition) *edi.Ack {
	tb.Helper()
	a := &edi.Ack{
		Action: withholding.ActionEmployer, CaseID: o.CaseID, EmployerEIN: acmeFEIN, OrderID: o.OrderID,
		Employee: withholding.Person{Last: o.Obligor.Last, First: o.Obligor.First, SSN: o.Obligor.SSN}, Status: status,
	}
	switch status {
	case withholding.DispTerminated:
		a.TerminationDate, a.FinalPaymentDate, a.FinalPayment = day(tb, "2026-11-10"), day(tb, "2026-11-20"), 20000
	case withholding.DispLumpSum:
		a.LumpSumDate, a.LumpSum, a.LumpSumType = day(tb, "2026-12-15"), 500000, "BONUS"
	}
	return a
}

// resultFile is the portal's result for the IWO of o under tracking,
// flagging the employee's SSN.
func resultFile(t *testing.T, name string, o *withholding.Order, tracking withholding.TrackingID) []byte {
	t.Helper()
	emp := &withholding.Employer{FEIN: acmeFEIN, Name: "ACME PAYROLL", PayFrequency: withholding.Biweekly}
	d := edi.NewIWO(o, emp, withholding.ActionOriginal, tracking, day(t, "2026-11-02"),
		edi.Issuer{GoverningState: "CALIFORNIA", BeginWithinDays: 14, StartInstructions: "RECEIPT", SendPaymentWithinDays: 7, CCPAPercent: 50, PayeeName: "CA SDU"})
	d.IssuingState, d.IssuingTribunal = "CALIFORNIA", "SUPERIOR COURT"
	d.EmployerAddress = withholding.Address{Line1: "1 MAIN ST", City: "SACRAMENTO", State: "CA", ZIP: "95814"}
	d.Obligee = withholding.Person{Last: "DOE", First: "ANN"}
	d.Children[0] = withholding.Person{Last: "DOE", First: "SAM", BirthDate: day(t, "2015-03-01")}
	d.ErrorField1 = "EMPLOYEE SSN"
	var buf bytes.Buffer
	w := edi.NewWriter(&buf, edi.WriterOptions{Kind: edi.KindIWOResult, FIPS: "06000", EIN: acmeFEIN, Created: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Sequence: 41, File: name})
	if err := w.Write(d); err != nil {
		t.Fatalf("write IWO result %s: %v", name, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close %s: %v", name, err)
	}
	return buf.Bytes()
}

// ackTypes are the exceptions acknowledgments raise; the reconcile job
// finds others (missing payments of the accepted order) on its own.
var ackTypes = []withholding.ExceptionType{withholding.ExIWORejected, withholding.ExPortalError, withholding.ExEmployerNotice, withholding.ExAckUnmatched}

// ackKeys are the keys of the stored acknowledgment findings, sorted.
func (b *findingBooks) ackKeys() []string {
	b.t.Helper()
	var keys []string
	for key, e := range b.exceptions() {
		if slices.Contains(ackTypes, e.Type) {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

// findings counts the stored acknowledgment findings by type, and the
// employer notices by case and disposition (the key's second part).
func (b *findingBooks) findings() (byType map[withholding.ExceptionType]int, notices map[string]int) {
	b.t.Helper()
	byType, notices = map[withholding.ExceptionType]int{}, map[string]int{}
	for key, e := range b.exceptions() {
		if !slices.Contains(ackTypes, e.Type) {
			continue
		}
		byType[e.Type]++
		if e.Type == withholding.ExEmployerNotice {
			notices[string(e.CaseID)+" "+strings.Split(key, "|")[1]]++
		}
	}
	return byType, notices
}

func (b *findingBooks) reconcile() {
	b.t.Helper()
	if _, err := b.rec.Run(context.Background()); err != nil {
		b.t.Fatalf("reconcile: %v", err)
	}
}

// TestPullAcksAndReconcileRecordEachFindingOnce applies an ACK file with a
// rejection, an acceptance and EMP notices, and a portal result with a
// portal error, then runs reconcile and pull-acks again in different
// orders: each finding is one exception in the store, whichever job runs
// when, and reconcile adds none of them.
func TestPullAcksAndReconcileRecordEachFindingOnce(t *testing.T) {
	type step func(b *findingBooks)
	first := func(b *findingBooks) {
		b.drop("acme", "inbox", "ACK1", ackFile(t, "ACK1",
			b.answer(b.sent, withholding.ActionOriginal, withholding.DispRejected, "U"),
			b.answer(b.t2, withholding.ActionOriginal, withholding.DispAccepted, ""),
			notice(t, b.order, withholding.DispTerminated), // CASE1 and CASE2: both the employee's orders with ACME
			notice(t, b.case3, withholding.DispLumpSum)))
		b.drop("portal", "inbox", "RESULT1", resultFile(t, "RESULT1", b.case3, b.t3))
		b.pull1()
	}
	second := func(b *findingBooks) {
		b.drop("acme", "inbox", "ACK2", ackFile(t, "ACK2",
			b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, ""), // a second answer: refused
			notice(t, b.case3, withholding.DispSuspended)))
		b.pull1()
	}
	pullNothing := func(b *findingBooks) { b.pull1() }
	reconcile := func(b *findingBooks) {
		before := b.ackKeys()
		b.reconcile()
		if after := b.ackKeys(); !slices.Equal(after, before) {
			t.Errorf("reconcile changed the acknowledgment findings from %v to %v, want them left as pull-acks recorded them", before, after)
		}
	}
	afterFirst := map[withholding.ExceptionType]int{withholding.ExIWORejected: 1, withholding.ExPortalError: 1, withholding.ExEmployerNotice: 2}
	afterSecond := map[withholding.ExceptionType]int{withholding.ExIWORejected: 1, withholding.ExPortalError: 1, withholding.ExEmployerNotice: 3, withholding.ExAckUnmatched: 1}
	for _, tt := range []struct {
		name  string
		steps []step
		want  map[withholding.ExceptionType]int
	}{
		{"PullThenReconcile", []step{first, reconcile, reconcile}, afterFirst},
		{"ReconcileFirst", []step{reconcile, first, reconcile}, afterFirst},
		{"PullReconcilePullReconcile", []step{first, reconcile, second, reconcile, pullNothing, reconcile}, afterSecond},
		{"PullPullReconcile", []step{first, second, pullNothing, reconcile, reconcile}, afterSecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newFindingBooks(t)
			for _, s := range tt.steps {
				s(b)
			}
			byType, notices := b.findings()
			if !maps.Equal(byType, tt.want) {
				t.Errorf("exceptions by type %v, want %v (keys %v)", byType, tt.want, b.ackKeys())
			}
			for k, n := range notices {
				if n != 1 {
					t.Errorf("%d employer notices for %s, want 1", n, k)
				}
			}
			// The termination concerns CASE1 and CASE2: one exception, on
			// CASE1, naming both.
			for _, k := range []string{"CASE1 T", "CASE3 L"} {
				if notices[k] != 1 {
					t.Errorf("no employer notice for %s (notices %v)", k, notices)
				}
			}
			for _, e := range b.exceptions() {
				if e.Type == withholding.ExEmployerNotice && e.CaseID == "CASE1" && !strings.Contains(e.Message, "CASE2") {
					t.Errorf("the termination notice does not name CASE2, which it also concerns: %q", e.Message)
				}
			}
			exs := b.exceptions()
			if e := exs["iwo_rejected|"+string(b.sent)]; e == nil || e.OrderRef != b.order.ID || !strings.Contains(e.Message, "never employed") || e.OpenedOn.IsZero() {
				t.Errorf("rejection of %s: %+v, want it on order %d, reason U explained, with an opening day", b.sent, e, b.order.ID)
			}
			if e := exs["portal_error|"+string(b.t3)]; e == nil || e.OrderRef != b.case3.ID || !strings.Contains(e.Message, "EMPLOYEE SSN") {
				t.Errorf("portal error of %s: %+v, want it on order %d naming the field", b.t3, e, b.case3.ID)
			}
		})
	}
}

// pull1 runs pull-acks, failing the test on an error.
func (b *findingBooks) pull1() {
	b.t.Helper()
	if _, err := b.job.Run(context.Background()); err != nil {
		b.t.Fatalf("pull-acks: %v", err)
	}
}
