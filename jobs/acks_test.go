package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/jobs/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// ackBooks is a fixture with one employer, one order and one ORG IWO sent
// to it under tracking ID sent, and the pull-acks job reading the
// employer's ACK* files.
type ackBooks struct {
	*fixture
	order *withholding.Order
	sent  withholding.TrackingID
	job   *jobs.PullAcks
}

func newAckBooks(t *testing.T) *ackBooks {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("acme", transfer.RoleEmployer, map[withholding.FileKind][]string{withholding.KindAckFile: {"ACK*"}})
	emp := &withholding.Employer{FEIN: acmeFEIN, Name: "ACME PAYROLL", PayFrequency: withholding.Biweekly, PayAnchor: day(t, "2026-11-13"), EIWO: true, Partner: "acme"}
	if err := f.db.UpsertEmployer(ctx, emp); err != nil {
		t.Fatal(err)
	}
	o := &withholding.Order{
		CaseID: "CASE1", OrderID: "ORD1", RemittanceID: "R1", EmployerFEIN: acmeFEIN,
		Obligor:   withholding.Person{Last: "SMITH", First: "JOHN", SSN: "900112222"},
		PayeeFIPS: "0603700",
		Amounts:   withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 20000, Frequency: withholding.Biweekly}},
		StartDate: day(t, "2026-10-01"),
		Status:    withholding.StatusSent,
	}
	if err := f.db.CreateOrder(ctx, o); err != nil {
		t.Fatal(err)
	}
	out := &withholding.File{Direction: withholding.Outbound, Partner: "acme", Kind: withholding.KindIWOFile, RemoteName: "IWO1", State: withholding.FileParsed,
		SHA256: strings.Repeat("0", 64)}
	if err := f.db.CreateFile(ctx, out); err != nil {
		t.Fatal(err)
	}
	b := &ackBooks{fixture: f, sent: edi.TrackingIDFor("06", 1000001)}
	doc := &withholding.Document{TrackingID: b.sent, OrderRef: o.ID, CaseID: o.CaseID, FEIN: acmeFEIN, Action: withholding.ActionOriginal}
	if err := f.db.RecordSent(ctx, out.ID, []*withholding.Document{doc}); err != nil {
		t.Fatal(err)
	}
	if b.order, _ = f.db.FindOrderByID(ctx, o.ID); b.order == nil {
		t.Fatal("order not found after RecordSent")
	}
	b.job = &jobs.PullAcks{Exchange: f.x, Files: f.db, Orders: f.db, Documents: f.db, Location: time.UTC}
	return b
}

// answer is the employer's answer to IWO tracking: action, status, reason.
func (b *ackBooks) answer(tracking withholding.TrackingID, action withholding.Action, status withholding.Disposition, reason string) *edi.Ack {
	return &edi.Ack{
		Action: action, CaseID: b.order.CaseID, EmployerEIN: acmeFEIN, OrderID: b.order.OrderID,
		Employee:   withholding.Person{Last: "SMITH", First: "JOHN", SSN: "900112222"},
		TrackingID: tracking, Status: status, Reason: reason,
	}
}

// ackFile writes a valid acknowledgment file of the ACKs.
func ackFile(tb testing.TB, name string, acks ...*edi.Ack) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := edi.NewWriter(&buf, edi.WriterOptions{Kind: edi.KindAck, FIPS: "06000", EIN: acmeFEIN, Created: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Sequence: 1, File: name})
	for _, a := range acks {
		if err := w.Write(a); err != nil {
			tb.Fatalf("write ACK to %s: %v", name, err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatalf("close %s: %v", name, err)
	}
	return buf.Bytes()
}

// pull drops the file in the employer's inbox and runs pull-acks.
func (b *ackBooks) pull(name string, data []byte) jobs.Result {
	b.t.Helper()
	b.drop("acme", "inbox", name, data)
	res, err := b.job.Run(context.Background())
	if err != nil {
		b.t.Fatalf("pull-acks with %s: %v", name, err)
	}
	return res
}

// exceptions returns every stored exception, by key.
func (b *ackBooks) exceptions() map[string]*withholding.Exception {
	b.t.Helper()
	exs, _, err := b.db.FindExceptions(context.Background(), withholding.ExceptionFilter{Limit: 1000})
	if err != nil {
		b.t.Fatal(err)
	}
	m := map[string]*withholding.Exception{}
	for _, e := range exs {
		m[e.Key] = e
	}
	return m
}

func (b *ackBooks) orderNow() *withholding.Order {
	b.t.Helper()
	o, err := b.db.FindOrderByID(context.Background(), b.order.ID)
	if err != nil {
		b.t.Fatal(err)
	}
	return o
}

func (b *ackBooks) ackCount() int {
	b.t.Helper()
	_, n, err := b.db.FindAcknowledgments(context.Background(), 0, nil, 0, 1)
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// onlyException checks that exs holds exactly one exception, of type
// ack_unmatched with key, whose message names every string of want.
func onlyException(t *testing.T, exs map[string]*withholding.Exception, key string, want ...string) {
	t.Helper()
	if len(exs) != 1 || exs[key] == nil {
		t.Fatalf("exceptions %v, want only %s", slices.Sorted(maps.Keys(exs)), key)
	}
	e := exs[key]
	if e.Type != withholding.ExAckUnmatched || e.SuggestedAction == "" {
		t.Errorf("exception %s: type %s, suggested action %q; want ack_unmatched with an action", key, e.Type, e.SuggestedAction)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("exception %s message %q does not name %q", key, e.Message, w)
		}
	}
}

func TestPullAcksUnknownTrackingID(t *testing.T) {
	b := newAckBooks(t)
	other := edi.TrackingIDFor("06", 9000001)
	res := b.pull("ACK1", ackFile(t, "ACK1", b.answer(other, withholding.ActionOriginal, withholding.DispRejected, "U")))

	if res.Counts["unknown_tracking"] != 1 {
		t.Errorf("counts %v, want unknown_tracking 1", res.Counts)
	}
	if got := b.ackCount(); got != 1 {
		t.Errorf("stored %d acknowledgments, want the unknown one stored", got)
	}
	if o := b.orderNow(); o.Status != withholding.StatusSent {
		t.Errorf("order status %s after an ACK for another tracking ID, want sent", o.Status)
	}
	fileID := b.ledger()[0].ID
	onlyException(t, b.exceptions(), "ack_unmatched|"+string(other)+"|"+itoa(fileID)+"|3", "ACK1", "line 3", string(other))
}

func TestPullAcksDuplicateAcrossFiles(t *testing.T) {
	b := newAckBooks(t)
	b.pull("ACK1", ackFile(t, "ACK1", b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, "")))
	res := b.pull("ACK2", ackFile(t, "ACK2", b.answer(b.sent, withholding.ActionOriginal, withholding.DispRejected, "N")))

	if res.Counts["duplicate_acks"] != 1 {
		t.Errorf("counts %v, want duplicate_acks 1", res.Counts)
	}
	if o := b.orderNow(); o.Status != withholding.StatusAccepted {
		t.Errorf("order status %s, want accepted (the first answer stands)", o.Status)
	}
	if got := b.ackCount(); got != 2 {
		t.Errorf("stored %d acknowledgments, want both", got)
	}
	b.wantDocument(t, withholding.DispAccepted, "")
	second := b.ledger()[1].ID
	onlyException(t, b.exceptions(), "ack_unmatched|duplicate|"+string(b.sent)+"|"+itoa(second)+"|3", "ACK2", "line 3", "duplicate acknowledgment", string(b.sent))
}

func TestPullAcksDuplicateInOneFile(t *testing.T) {
	b := newAckBooks(t)
	b.pull("ACK1", ackFile(t, "ACK1",
		b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, ""),
		b.answer(b.sent, withholding.ActionOriginal, withholding.DispRejected, "N")))

	if o := b.orderNow(); o.Status != withholding.StatusAccepted {
		t.Errorf("order status %s, want accepted (the first answer stands)", o.Status)
	}
	docs, _, err := b.db.FindDocuments(context.Background(), b.order.ID, 0, 10)
	if err != nil || len(docs) != 1 || docs[0].Status != withholding.DispAccepted {
		t.Errorf("documents %v (%v), want the one IWO answered A", docs, err)
	}
	fileID := b.ledger()[0].ID
	onlyException(t, b.exceptions(), "ack_unmatched|duplicate|"+string(b.sent)+"|"+itoa(fileID)+"|4", "ACK1", "line 4", "line 3 of this file")
}

func TestPullAcksActionMismatch(t *testing.T) {
	b := newAckBooks(t)
	res := b.pull("ACK1", ackFile(t, "ACK1", b.answer(b.sent, withholding.ActionAmend, withholding.DispRejected, "N")))

	if res.Counts["action_mismatch"] != 1 {
		t.Errorf("counts %v, want action_mismatch 1", res.Counts)
	}
	if o := b.orderNow(); o.Status != withholding.StatusSent {
		t.Errorf("order status %s after an AMD answer to an ORG, want sent", o.Status)
	}
	// The IWO still has no answer, so the acknowledgment deadline still runs.
	b.wantDocument(t, "", "")
	fileID := b.ledger()[0].ID
	onlyException(t, b.exceptions(), "ack_unmatched|action|"+string(b.sent)+"|"+itoa(fileID)+"|3", "ACK1", "line 3", "AMD", "ORG")
}

// TestPullAcksRerunAddsNothing: the same file again (under another name)
// is a duplicate by SHA-256 and adds no exception.
func TestPullAcksRerunAddsNothing(t *testing.T) {
	b := newAckBooks(t)
	data := ackFile(t, "ACK1", b.answer(edi.TrackingIDFor("06", 9000001), withholding.ActionOriginal, withholding.DispAccepted, ""))
	b.pull("ACK1", data)
	b.pull("ACK1B", data)
	if got := len(b.exceptions()); got != 1 {
		t.Errorf("%d exceptions after pulling one file twice, want 1", got)
	}
}

// TestPullAcksBadReasonQuarantines: an accepted answer with reason D
// (spec 6.1) makes the reader refuse the file, which is quarantined whole.
func TestPullAcksBadReasonQuarantines(t *testing.T) {
	b := newAckBooks(t)
	data := ackFile(t, "ACK1", b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, ""))
	data = setElement(t, data, "Disposition Reason Code", "D")
	b.drop("acme", "inbox", "ACK1", data)

	res, err := b.job.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "ACK1") || res.Counts["quarantined"] != 1 {
		t.Fatalf("run error %v counts %v, want ACK1 quarantined", err, res.Counts)
	}
	if got := b.ls("acme", "quarantine"); !slices.Equal(got, []string{"ACK1"}) {
		t.Errorf("remote quarantine %v, want ACK1", got)
	}
	if lf := b.ledger()[0]; lf.State != withholding.FileQuarantined || !strings.Contains(lf.Error, "Disposition Reason Code") {
		t.Errorf("ledger entry %s %q, want quarantined naming the reason code", lf.State, lf.Error)
	}
	if o := b.orderNow(); o.Status != withholding.StatusSent || b.ackCount() != 0 {
		t.Errorf("order %s, %d acknowledgments stored; want nothing applied", o.Status, b.ackCount())
	}
}

// setElement overwrites the named element of the first ACK record.
func setElement(t *testing.T, data []byte, name, value string) []byte {
	t.Helper()
	rd := edi.NewReader(bytes.NewReader(data), "in")
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			t.Fatal("no ACK record")
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rec.(*edi.Ack); !ok {
			continue
		}
		l := rd.Layout()
		e := l.Elements[l.Index(name)]
		lines := bytes.Split(data, []byte("\n"))
		raw := lines[rd.Line()-1]
		copy(raw[e.Start-1:e.End()], []byte(value+strings.Repeat(" ", e.Len-len(value))))
		return bytes.Join(lines, []byte("\n"))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// wantDocument checks the disposition recorded on the one IWO sent: a
// refused acknowledgment must leave it as it was.
func (b *ackBooks) wantDocument(t *testing.T, status withholding.Disposition, reason string) {
	t.Helper()
	docs, _, err := b.db.FindDocuments(context.Background(), b.order.ID, 0, 10)
	if err != nil || len(docs) != 1 {
		t.Fatalf("documents %v (%v), want the one IWO", docs, err)
	}
	if docs[0].Status != status || docs[0].Reason != reason {
		t.Errorf("IWO document answered %q %q, want %q %q", docs[0].Status, docs[0].Reason, status, reason)
	}
}
