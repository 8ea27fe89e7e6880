package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

var portalPatterns = map[withholding.FileKind][]string{
	withholding.KindAckFile:   {"ACK*"},
	withholding.KindIWOResult: {"RESULT*"},
}

// agency is a fixture with an agency's orders, the portal and the bank,
// and the night's jobs on a scheduler.
type agency struct {
	*fixture
	sched  *jobs.Scheduler
	orders []withholding.Order
}

func newAgency(t *testing.T, nOrders int) *agency {
	t.Helper()
	f := newFixture(t)
	f.addPartner("portal", transfer.RolePortal, portalPatterns)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	a := &agency{fixture: f, orders: seedOrders(t, f, nOrders)}
	a.sched = MustScheduler(t, f.db, "test")
	MustAdd(t, a.sched, sendJob(f), "", jobs.AnyDay)
	MustAdd(t, a.sched, &jobs.PullAcks{Exchange: f.x, Files: f.db, Orders: f.db, Documents: f.db, Env: f.x.Env}, "", jobs.AnyDay)
	MustAdd(t, a.sched, &jobs.PullRemittances{Exchange: f.x, Files: f.db}, "", jobs.AnyDay)
	MustAdd(t, a.sched, &jobs.Night{Runner: a.sched}, "", jobs.AnyDay)
	return a
}

// seedOrders stores five e-IWO employers without a partner of their own
// (their IWOs go to the portal) and n orders waiting for an original IWO.
func seedOrders(t *testing.T, f *fixture, n int) []withholding.Order {
	t.Helper()
	ctx := context.Background()
	g := synth.New(7)
	emps := g.Employers(5)
	for i := range emps {
		emps[i].EIWO = true
		if err := f.db.UpsertEmployer(ctx, &emps[i]); err != nil {
			t.Fatal(err)
		}
	}
	orders := g.Orders(emps, n)
	for i := range orders {
		if err := f.db.CreateOrder(ctx, &orders[i]); err != nil {
			t.Fatal(err)
		}
	}
	return orders
}

// sendJob is the send-iwos job over f's store and partners.
func sendJob(f *fixture) *jobs.SendIWOs {
	return &jobs.SendIWOs{
		Exchange: f.x, Env: f.x.Env, Files: f.db, Orders: f.db, Employers: f.db, StateFIPS: "06",
		Issuer: edi.Issuer{GoverningState: "CALIFORNIA", BeginWithinDays: 14, StartInstructions: "RECEIPT", SendPaymentWithinDays: 7, CCPAPercent: 50, PayeeName: "CA SDU"},
	}
}

// night runs the night and returns the steps' runs.
func (a *agency) night() *withholding.JobRun {
	a.t.Helper()
	run, err := a.sched.RunNow(context.Background(), jobs.JobNight)
	if run == nil {
		a.t.Fatalf("night not run: %v", err)
	}
	if (err != nil) != (run.Error != "") {
		a.t.Errorf("night returned error %v but recorded %q", err, run.Error)
	}
	return run
}

// answer plays the employers: it reads every IWO file in the portal's
// outbox and writes one acknowledgment file answering all of them.
func (a *agency) answer(name string) []byte {
	a.t.Helper()
	resp := edisynth.NewResponder(1)
	var acks []*edi.Ack
	for _, n := range a.ls("portal", "outbox") {
		data, err := os.ReadFile(filepath.Join(a.root, "portal", "outbox", n))
		if err != nil {
			a.t.Fatal(err)
		}
		rd := edi.NewReader(bytes.NewReader(data), n)
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				a.t.Fatalf("read sent IWO file %s: %v", n, err)
			}
			if d, ok := rec.(*edi.IWO); ok {
				acks = append(acks, resp.Answer(d, resp.Decide(d), withholding.DateOf(time.Now())))
			}
		}
	}
	edi.SortAcks(acks)
	var b bytes.Buffer
	w := edi.NewWriter(&b, edi.WriterOptions{Kind: edi.KindAck, FIPS: "06000", Created: time.Now(), Sequence: 1, File: name})
	for _, ack := range acks {
		if err := w.Write(ack); err != nil {
			a.t.Fatalf("write ACK: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		a.t.Fatal(err)
	}
	a.drop("portal", "inbox", name, b.Bytes())
	return b.Bytes()
}

func (a *agency) orderStatuses() map[withholding.OrderStatus]int {
	a.t.Helper()
	os, _, err := a.db.FindOrders(context.Background(), withholding.OrderFilter{Limit: 10000})
	if err != nil {
		a.t.Fatal(err)
	}
	m := map[withholding.OrderStatus]int{}
	for _, o := range os {
		m[o.Status]++
	}
	return m
}

func TestNightSendsThenAppliesAnswersAndMoney(t *testing.T) {
	a := newAgency(t, 30)
	run := a.night()
	if run.Status != withholding.RunSucceeded || run.Counts["send-iwos.iwos"] != 30 {
		t.Fatalf("first night: %s %q counts %v, want 30 IWOs sent", run.Status, run.Error, run.Counts)
	}
	if got := a.orderStatuses(); got[withholding.StatusSent] != 30 {
		t.Errorf("after sending: %v, want 30 sent", got)
	}
	sent := a.ls("portal", "outbox")
	if len(sent) != 1 {
		t.Fatalf("portal outbox: %v, want one IWO file", sent)
	}
	// Every order went out with a tracking ID recorded against the file.
	docs, n, err := a.db.FindDocuments(context.Background(), 0, 0, 1000)
	if err != nil || n != 30 || docs[0].FileControl == "" || docs[0].BatchControl == "" || docs[0].TrackingID == "" {
		t.Fatalf("documents: %d %v (first %+v)", n, err, docs[0])
	}

	a.answer("ACK_1.txt")
	ach, st := MustACH(t, 5, 20)
	a.drop("bank", "inbox", "day1.ach", ach)
	run = a.night()
	if run.Status != withholding.RunSucceeded {
		t.Fatalf("second night: %s %q", run.Status, run.Error)
	}
	if run.Counts["pull-acks.acks"] != 30 || run.Counts["pull-remittances.payments"] != int64(st.Items) || run.Counts["send-iwos.iwos"] != 0 {
		t.Errorf("second night counts %v, want 30 acks, %d payments, no IWOs", run.Counts, st.Items)
	}
	got := a.orderStatuses()
	if got[withholding.StatusSent] != 0 || got[withholding.StatusAccepted]+got[withholding.StatusRejected] != 30 {
		t.Errorf("after the answers: %v, want every order accepted or rejected", got)
	}
	if got[withholding.StatusRejected] > 0 {
		rej := withholding.ExIWORejected
		_, n, err := a.db.FindExceptions(context.Background(), withholding.ExceptionFilter{Type: &rej, Limit: 1})
		if err != nil || n != got[withholding.StatusRejected] {
			t.Errorf("%d rejection exceptions (%v), want one per rejected order (%d)", n, err, got[withholding.StatusRejected])
		}
	}
}

func TestNightTwiceOverSameInboxAppliesNothingNew(t *testing.T) {
	ctx := context.Background()
	a := newAgency(t, 12)
	a.night() // sends the IWOs
	ackFile := a.answer("ACK_1.txt")
	achFile, st := MustACH(t, 5, 20)
	a.drop("bank", "inbox", "day1.ach", achFile)

	first := a.night()
	if first.Status != withholding.RunSucceeded || first.Files != 2 {
		t.Fatalf("first night over the inbox: %s %q files %d, want 2 files applied", first.Status, first.Error, first.Files)
	}
	statuses := a.orderStatuses()
	_, exceptions, _ := a.db.FindExceptions(ctx, withholding.ExceptionFilter{Limit: 1})

	// The partners put the very same files in the inbox again.
	a.drop("portal", "inbox", "ACK_1.txt", ackFile)
	a.drop("bank", "inbox", "day1.ach", achFile)
	second := a.night()
	if second.Status != withholding.RunSucceeded {
		t.Fatalf("second night: %s %q", second.Status, second.Error)
	}
	if second.Files != 0 || second.Counts["pull-acks.duplicates"] != 1 || second.Counts["pull-remittances.duplicates"] != 1 {
		t.Errorf("second night: files %d counts %v, want nothing applied and 2 duplicates", second.Files, second.Counts)
	}
	for k, v := range second.Counts {
		if strings.HasSuffix(k, ".payments") || strings.HasSuffix(k, ".acks") || strings.HasSuffix(k, ".iwos") {
			if v != 0 {
				t.Errorf("second night applied %s = %d", k, v)
			}
		}
	}
	if got := a.payments(); got != st.Items {
		t.Errorf("%d payments stored, want still %d", got, st.Items)
	}
	if got := a.orderStatuses(); !mapsEqual(got, statuses) {
		t.Errorf("order statuses changed: %v, was %v", got, statuses)
	}
	if _, n, _ := a.db.FindExceptions(ctx, withholding.ExceptionFilter{Limit: 1}); n != exceptions {
		t.Errorf("%d exceptions, was %d", n, exceptions)
	}
	if got := a.ls("portal", "inbox"); len(got) != 0 {
		t.Errorf("portal inbox after the second night: %v, want the duplicate archived", got)
	}
	// Each step was recorded as its own run, twice per night.
	for _, step := range []string{jobs.JobSendIWOs, jobs.JobPullAcks, jobs.JobPullRemittances} {
		if rs := runsOf(t, a.db, step); len(rs) != 3 {
			t.Errorf("%s recorded %d runs over three nights, want 3", step, len(rs))
		}
	}
}

func TestNightGoesOnWhenAPartnerIsDown(t *testing.T) {
	a := newAgency(t, 5)
	achFile, st := MustACH(t, 5, 20)
	a.drop("bank", "inbox", "day1.ach", achFile)
	a.down["portal"] = true
	run := a.night()
	if run.Status != withholding.RunPartial {
		t.Fatalf("night with the portal down: %s, want partial", run.Status)
	}
	if !strings.Contains(run.Error, "portal") {
		t.Errorf("night error %q does not name the portal", run.Error)
	}
	if got := a.payments(); got != st.Items {
		t.Errorf("%d payments, want the bank's %d despite the portal", got, st.Items)
	}
	for _, step := range []string{jobs.JobSendIWOs, jobs.JobPullAcks} {
		if rs := runsOf(t, a.db, step); len(rs) != 1 || rs[0].Status != withholding.RunFailed {
			t.Errorf("%s: %v, want one failed run", step, statuses(rs))
		}
	}
	// The IWO file was committed but not delivered; when the portal is
	// back, the next night delivers it and sends nothing twice.
	a.down["portal"] = false
	run = a.night()
	if run.Status != withholding.RunSucceeded || run.Counts["send-iwos.redelivered"] != 1 || run.Counts["send-iwos.iwos"] != 0 {
		t.Errorf("night after the portal came back: %s %q %v, want the file redelivered", run.Status, run.Error, run.Counts)
	}
	if got := a.ls("portal", "outbox"); len(got) != 1 || !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "IWO_") }) {
		t.Errorf("portal outbox: %v, want the one IWO file", got)
	}
}
