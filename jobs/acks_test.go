package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"hash/crc32"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
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
	if err := f.db.RecordSent(ctx, out.ID, slices.Values([]*withholding.Document{doc})); err != nil {
		t.Fatal(err)
	}
	if b.order, _ = f.db.FindOrderByID(ctx, o.ID); b.order == nil {
		t.Fatal("order not found after RecordSent")
	}
	b.job = &jobs.PullAcks{Exchange: f.x, Files: f.db, Orders: f.db, Documents: f.db, Env: f.x.Env}
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

// ackFile writes a valid acknowledgment file of the ACKs from ACME, with
// a control number of its own for each file name.
func ackFile(tb testing.TB, name string, acks ...*edi.Ack) []byte {
	tb.Helper()
	return ackFileWith(tb, name, acmeFEIN, uint64(crc32.ChecksumIEEE([]byte(name))%10_000_000), acks...)
}

// ackFileWith writes a valid acknowledgment file of the ACKs whose file
// header carries ein and whose control numbers derive from seq.
func ackFileWith(tb testing.TB, name string, ein withholding.FEIN, seq uint64, acks ...*edi.Ack) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := edi.NewWriter(&buf, edi.WriterOptions{Kind: edi.KindAck, FIPS: "06000", EIN: ein, Created: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Sequence: seq, File: name})
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
	// The kind says it was refused as invalid; the name, for the
	// operator, says which file.
	if !isInvalidFile(err) || !strings.Contains(err.Error(), "ACK1") || res.Counts["quarantined"] != 1 {
		t.Fatalf("run error %v counts %v, want ACK1 quarantined", err, res.Counts)
	}
	// Its only file set aside and reported: the run is partial, not failed.
	if !res.Partial {
		t.Errorf("run with its only file quarantined: not partial (it would be recorded failed)")
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

// controlNumber is the file control number ackFileWith gives seq.
func controlNumber(t *testing.T, seq uint64) string {
	t.Helper()
	cn, err := edi.ControlNumber("06000", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), seq, 0)
	if err != nil {
		t.Fatal(err)
	}
	return cn
}

// TestPullAcksReusedControlNumberQuarantines: a second file from the same
// sender with a control number already applied and other bytes (here a
// changed answer) is quarantined whole, the run goes on with the next file,
// and the first file stays applied once.
func TestPullAcksReusedControlNumberQuarantines(t *testing.T) {
	b := newAckBooks(t)
	b.pull("ACK1", ackFileWith(t, "ACK1", acmeFEIN, 7, b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, "")))
	first := b.ledger()[0]

	b.drop("acme", "inbox", "ACK2", ackFileWith(t, "ACK2", acmeFEIN, 7, b.answer(b.sent, withholding.ActionOriginal, withholding.DispRejected, "N")))
	other := edi.TrackingIDFor("06", 9000001)
	b.drop("acme", "inbox", "ACK3", ackFileWith(t, "ACK3", acmeFEIN, 8, b.answer(other, withholding.ActionOriginal, withholding.DispAccepted, "")))
	res, err := b.job.Run(context.Background())

	cn := controlNumber(t, 7)
	received := first.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	if err == nil || res.Counts["quarantined"] != 1 || res.Files != 1 {
		t.Fatalf("run error %v, %d files, counts %v; want ACK2 quarantined and ACK3 applied", err, res.Files, res.Counts)
	}
	for _, want := range []string{"/inbox/ACK2", "control number " + cn, "/inbox/ACK1 (ledger " + itoa(first.ID) + ", received " + received + ")", "partner acme, FHA FIPS 06000 EIN " + string(acmeFEIN)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("run error %q does not name %q", err, want)
		}
	}
	var cne *withholding.ControlNumberError
	if !errors.As(err, &cne) || cne.First.ID != first.ID || withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("run error %v: want a ControlNumberError (invalid) naming ledger entry %d", err, first.ID)
	}

	ledger := b.ledger()
	if len(ledger) != 3 {
		t.Fatalf("%d ledger entries, want 3", len(ledger))
	}
	if lf := ledger[0]; lf.State != withholding.FileArchived || lf.Records != 1 || lf.ControlNumber != cn {
		t.Errorf("ACK1: %s, %d records, control %q; want archived with 1 record and %s", lf.State, lf.Records, lf.ControlNumber, cn)
	}
	if lf := ledger[1]; lf.State != withholding.FileQuarantined || lf.ControlNumber != cn || !strings.Contains(lf.Error, "already received in file /inbox/ACK1") {
		t.Errorf("ACK2: %s, control %q, error %q; want quarantined with its control number and the reason", lf.State, lf.ControlNumber, lf.Error)
	}
	if lf := ledger[2]; lf.State != withholding.FileArchived || lf.ControlNumber != controlNumber(t, 8) {
		t.Errorf("ACK3: %s, control %q; want archived (applied)", lf.State, lf.ControlNumber)
	}
	if got := b.ls("acme", "quarantine"); !slices.Equal(got, []string{"ACK2"}) {
		t.Errorf("remote quarantine %v, want ACK2", got)
	}
	if _, err := os.Stat(filepath.Join(b.x.Dir, "quarantine", "acme", "ACK2")); err != nil {
		t.Errorf("local quarantine copy: %v", err)
	}
	if got := b.ls("acme", "archive"); !slices.Equal(got, []string{"ACK1", "ACK3"}) {
		t.Errorf("remote archive %v, want ACK1 and ACK3", got)
	}

	// Nothing of ACK2: no acknowledgment stored (ACK1's and ACK3's only),
	// no exception for its second answer, the first answer stands.
	for _, lf := range ledger {
		_, n, err := b.db.FindAcknowledgments(context.Background(), lf.ID, nil, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int64]int{ledger[0].ID: 1, ledger[2].ID: 1}[lf.ID]; n != want {
			t.Errorf("%s: %d acknowledgments stored, want %d", lf.RemoteName, n, want)
		}
	}
	for key, e := range b.exceptions() {
		if e.FileID != ledger[2].ID {
			t.Errorf("exception %s from file %d, want only ACK3's", key, e.FileID)
		}
	}
	if o := b.orderNow(); o.Status != withholding.StatusAccepted {
		t.Errorf("order status %s, want accepted (ACK1's answer)", o.Status)
	}
	b.wantDocument(t, withholding.DispAccepted, "")
}

// TestPullAcksSameControlNumberOtherSender: the same control number from
// another sender (another header EIN, or another partner) is no reuse.
func TestPullAcksSameControlNumberOtherSender(t *testing.T) {
	for _, tc := range []struct {
		name    string
		partner string
		ein     withholding.FEIN
	}{
		{"OtherHeaderEIN", "acme", "900000002"},
		{"OtherPartner", "payco", acmeFEIN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newAckBooks(t)
			if tc.partner != "acme" {
				b.addPartner(tc.partner, transfer.RolePayrollProvider, map[withholding.FileKind][]string{withholding.KindAckFile: {"ACK*"}})
			}
			b.pull("ACK1", ackFileWith(t, "ACK1", acmeFEIN, 7, b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, "")))
			b.drop(tc.partner, "inbox", "ACK2", ackFileWith(t, "ACK2", tc.ein, 7, b.answer(edi.TrackingIDFor("06", 9000001), withholding.ActionOriginal, withholding.DispAccepted, "")))
			res, err := b.job.Run(context.Background())
			if err != nil || res.Files != 1 {
				t.Fatalf("second file: error %v, %d files applied; want it applied", err, res.Files)
			}
			ledger := b.ledger()
			if len(ledger) != 2 || ledger[0].ControlNumber != ledger[1].ControlNumber || ledger[0].Sender == ledger[1].Sender {
				t.Fatalf("ledger %+v, want two entries with one control number and two senders", ledger)
			}
			for _, lf := range ledger {
				if lf.State != withholding.FileArchived || lf.Records != 1 {
					t.Errorf("%s from %s: %s with %d records, want applied and archived", lf.RemoteName, lf.Partner, lf.State, lf.Records)
				}
			}
			if got := b.ackCount(); got != 2 {
				t.Errorf("%d acknowledgments stored, want both files'", got)
			}
		})
	}
}

// TestPullAcksSameBytesTwiceIsDuplicate: the same bytes again (another
// name, so the same control number too) are a duplicate: archived, not
// quarantined, nothing applied twice.
func TestPullAcksSameBytesTwiceIsDuplicate(t *testing.T) {
	b := newAckBooks(t)
	data := ackFileWith(t, "ACK1", acmeFEIN, 7, b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, ""))
	b.pull("ACK1", data)
	res := b.pull("ACK1-again", data)
	if res.Counts["duplicates"] != 1 || res.Counts["quarantined"] != 0 {
		t.Errorf("counts %v, want one duplicate and nothing quarantined", res.Counts)
	}
	if lf := b.ledger()[1]; lf.State != withholding.FileArchived || !strings.Contains(lf.Error, "duplicate") {
		t.Errorf("second entry %s %q, want archived as a duplicate", lf.State, lf.Error)
	}
	if got := b.ls("acme", "archive"); !slices.Equal(got, []string{"ACK1", "ACK1-again"}) {
		t.Errorf("remote archive %v, want both", got)
	}
	if got := b.ls("acme", "quarantine"); len(got) != 0 {
		t.Errorf("remote quarantine %v, want empty", got)
	}
	if got := b.ackCount(); got != 1 || len(b.exceptions()) != 0 {
		t.Errorf("%d acknowledgments, %d exceptions; want the one answer applied once", got, len(b.exceptions()))
	}
}

// TestPullAcksControlNumberOfQuarantinedFileIsFree: a control number only
// a quarantined file carried was never applied, so the corrected file may
// carry it.
func TestPullAcksControlNumberOfQuarantinedFileIsFree(t *testing.T) {
	b := newAckBooks(t)
	bad := setElement(t, ackFileWith(t, "ACK1", acmeFEIN, 7, b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, "")), "Disposition Reason Code", "D")
	b.drop("acme", "inbox", "ACK1", bad)
	if _, err := b.job.Run(context.Background()); err == nil {
		t.Fatal("ACK1 with reason D applied, want it quarantined")
	}
	if lf := b.ledger()[0]; lf.State != withholding.FileQuarantined || lf.ControlNumber != controlNumber(t, 7) {
		t.Errorf("ACK1: %s, control %q; want quarantined with its control number recorded", lf.State, lf.ControlNumber)
	}
	res := b.pull("ACK2", ackFileWith(t, "ACK2", acmeFEIN, 7, b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, "")))
	if res.Files != 1 || b.orderNow().Status != withholding.StatusAccepted {
		t.Errorf("corrected file: %d applied, order %s; want it applied", res.Files, b.orderNow().Status)
	}
}

// lookups counts pull-acks' reads of IWOs and orders.
type lookups struct {
	withholding.DocumentService
	withholding.OrderService
	byTracking, eachDocument, byID, eachOrder int
}

func (l *lookups) FindDocumentByTrackingID(ctx context.Context, id withholding.TrackingID) (*withholding.Document, error) {
	l.byTracking++
	return l.DocumentService.FindDocumentByTrackingID(ctx, id)
}

func (l *lookups) EachDocument(ctx context.Context, f withholding.DocumentFilter) iter.Seq2[*withholding.Document, error] {
	l.eachDocument++
	return l.DocumentService.EachDocument(ctx, f)
}

func (l *lookups) FindOrderByID(ctx context.Context, id int64) (*withholding.Order, error) {
	l.byID++
	return l.OrderService.FindOrderByID(ctx, id)
}

func (l *lookups) EachOrder(ctx context.Context, f withholding.OrderFilter) iter.Seq2[*withholding.Order, error] {
	l.eachOrder++
	return l.OrderService.EachOrder(ctx, f)
}

// TestPullAcksReadsIWOsInBatches: a file of 1,201 answers reads its IWOs
// and their orders a batch at a time, not one query an answer, and applies
// every answer as before.
func TestPullAcksReadsIWOsInBatches(t *testing.T) {
	ctx := context.Background()
	b := newAckBooks(t)
	const more = 1200
	out := &withholding.File{Direction: withholding.Outbound, Partner: "acme", Kind: withholding.KindIWOFile, RemoteName: "IWO2", State: withholding.FileParsed,
		SHA256: strings.Repeat("2", 64)}
	if err := b.db.CreateFile(ctx, out); err != nil {
		t.Fatal(err)
	}
	answers := []*edi.Ack{b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, "")}
	var docs []*withholding.Document
	for i := range more {
		id := edi.TrackingIDFor("06", uint64(2000001+i))
		docs = append(docs, &withholding.Document{TrackingID: id, OrderRef: b.order.ID, CaseID: b.order.CaseID, FEIN: acmeFEIN, Action: withholding.ActionAmend})
		answers = append(answers, b.answer(id, withholding.ActionAmend, withholding.DispAccepted, ""))
	}
	if err := b.db.RecordSent(ctx, out.ID, slices.Values(docs)); err != nil {
		t.Fatal(err)
	}
	count := &lookups{DocumentService: b.db, OrderService: b.db}
	b.job.Documents, b.job.Orders = count, count
	res := b.pull("ACK1", ackFile(t, "ACK1", answers...))
	if res.Counts["acks.A"] != more+1 || res.Counts["duplicate_acks"] != 0 || res.Counts["unknown_tracking"] != 0 {
		t.Errorf("counts %v, want %d accepted answers", res.Counts, more+1)
	}
	if count.byTracking != 0 || count.eachDocument != 3 || count.byID != 0 || count.eachOrder != 1 {
		t.Errorf("read IWOs by tracking ID %d times and in %d lists, orders by ID %d times and in %d lists; want 0, 3 (500 a list), 0, 1",
			count.byTracking, count.eachDocument, count.byID, count.eachOrder)
	}
	if o := b.orderNow(); o.Status != withholding.StatusAccepted {
		t.Errorf("order status %s, want accepted", o.Status)
	}
}
