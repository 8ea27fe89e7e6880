package store_test

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// testRecordSentManyBatches records a file of more documents than one
// statement stores, with an order sent twice in a row (the later
// document's tracking ID wins, as when each document was stored alone),
// then a file whose tracking ID clashes in the middle of a batch: refused
// whole.
func testRecordSentManyBatches(t *testing.T, db *store.DB) {
	const n = 300 // two full batches and a short one
	var orders []*withholding.Order
	for i := range n {
		o := sampleOrder(fmt.Sprintf("KS%05d", i), fmt.Sprintf("4800%05d", i%7))
		mustOK(t, db.CreateOrder(ctx, o), "create order")
		orders = append(orders, o)
	}
	out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo.txt", SHA256: sumOf("iwo.txt")}
	mustOK(t, db.CreateFile(ctx, out), "record outbound file")
	sent := time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC)
	var docs []*withholding.Document
	doc := func(o *withholding.Order, seq int) *withholding.Document {
		return &withholding.Document{TrackingID: withholding.TrackingID(fmt.Sprintf("2000000000000000000000%08d", seq)), OrderRef: o.ID, CaseID: o.CaseID,
			FEIN: o.EmployerFEIN, Action: withholding.ActionOriginal, FileControl: "F1", BatchControl: "B1", SentAt: sent}
	}
	for i, o := range orders {
		docs = append(docs, doc(o, 2*i))
		if i == 5 {
			docs = append(docs, doc(o, 2*i+1))
		}
	}
	mustOK(t, db.RecordSent(ctx, out.ID, slices.Values(docs)), "record sent")

	ids := map[int64]bool{}
	last := map[int64]withholding.TrackingID{}
	for _, d := range docs {
		if d.ID == 0 || ids[d.ID] || d.FileID != out.ID {
			t.Fatalf("document %s: ID %d, file %d after RecordSent, want a new ID and file %d", d.TrackingID, d.ID, d.FileID, out.ID)
		}
		ids[d.ID] = true
		last[d.OrderRef] = d.TrackingID
		got, err := db.FindDocumentByTrackingID(ctx, d.TrackingID)
		mustOK(t, err, "find document")
		if !reflect.DeepEqual(got, d) {
			t.Fatalf("document round trip:\n got %+v\nwant %+v", got, d)
		}
	}
	for _, o := range orders {
		got, err := db.FindOrderByID(ctx, o.ID)
		mustOK(t, err, "find order")
		if got.Status != withholding.StatusSent || got.PendingAction != "" || got.TrackingID != last[o.ID] {
			t.Errorf("order %s after send: status %q pending %q tracking %q, want sent, none, %s", o.CaseID, got.Status, got.PendingAction, got.TrackingID, last[o.ID])
		}
	}
	if f, _ := db.FindFileByID(ctx, out.ID); f.State != withholding.FileSent || f.Records != n+1 {
		t.Errorf("outbound file after send: %q with %d records, want sent with %d", f.State, f.Records, n+1)
	}

	// A second file: its 150th document repeats a recorded tracking ID.
	pending := withholding.ActionAmend
	for _, o := range orders {
		_, err := db.UpdateOrder(ctx, o.ID, withholding.OrderUpdate{PendingAction: &pending})
		mustOK(t, err, "set pending action")
	}
	out2 := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo2.txt", SHA256: sumOf("iwo2.txt")}
	mustOK(t, db.CreateFile(ctx, out2), "record second outbound file")
	var again []*withholding.Document
	for i, o := range orders[:200] {
		d := doc(o, 1000+i)
		if i == 150 {
			d.TrackingID = docs[0].TrackingID
		}
		d.FileControl = "F2"
		again = append(again, d)
	}
	mustCode(t, db.RecordSent(ctx, out2.ID, slices.Values(again)), withholding.ECONFLICT, "a tracking ID already recorded")
	if _, count, _ := db.FindDocuments(ctx, 0, 0, 0); count != n+1 {
		t.Errorf("%d documents after a refused file, want %d", count, n+1)
	}
	if got, _ := db.FindOrderByID(ctx, orders[0].ID); got.PendingAction != pending || got.TrackingID != last[orders[0].ID] {
		t.Errorf("order of a refused file: pending %q tracking %q, want it unchanged", got.PendingAction, got.TrackingID)
	}
	if f, _ := db.FindFileByID(ctx, out2.ID); f.Records != 0 || f.ControlNumber != "" {
		t.Errorf("refused file recorded with %d records and control number %q", f.Records, f.ControlNumber)
	}

	// A third file: its 140th document names an order that does not
	// exist (SQLite leaves that to the UPDATE of the orders, which comes
	// after every document is stored). Refused whole, as ENOTFOUND.
	out3 := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo3.txt", SHA256: sumOf("iwo3.txt")}
	mustOK(t, db.CreateFile(ctx, out3), "record third outbound file")
	var unknown []*withholding.Document
	for i, o := range orders[:200] {
		d := doc(o, 2000+i)
		if i == 140 {
			d.OrderRef = orders[n-1].ID + 1000
		}
		d.FileControl = "F3"
		unknown = append(unknown, d)
	}
	mustCode(t, db.RecordSent(ctx, out3.ID, slices.Values(unknown)), withholding.ENOTFOUND, "a document for an unknown order")
	if _, count, _ := db.FindDocuments(ctx, 0, 0, 0); count != n+1 {
		t.Errorf("%d documents after a file with an unknown order, want %d", count, n+1)
	}
	if got, _ := db.FindOrderByID(ctx, orders[0].ID); got.PendingAction != pending || got.TrackingID != last[orders[0].ID] {
		t.Errorf("order of a file with an unknown order: pending %q tracking %q, want it unchanged", got.PendingAction, got.TrackingID)
	}
	if f, _ := db.FindFileByID(ctx, out3.ID); f.Records != 0 || f.ControlNumber != "" {
		t.Errorf("file with an unknown order recorded with %d records and control number %q", f.Records, f.ControlNumber)
	}
}

// testDocumentsNewestFirst lists the recent documents newest sent first
// (DocumentFilter.RecentSince, NewestFirst), as the operations workbook
// shows them: the same documents, in the same order, as filtering and
// stably sorting the documents by ID in Go.
func testDocumentsNewestFirst(t *testing.T, db *store.DB) {
	o := sampleOrder("KS0300", "480123456")
	mustOK(t, db.CreateOrder(ctx, o), "create order")
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		mustOK(t, err, "time")
		return v
	}
	accepted, rejected := withholding.DispAccepted, withholding.DispRejected
	docs := []*withholding.Document{
		{SentAt: at("2026-10-01T09:00:00Z")}, // unanswered: listed
		{SentAt: at("2026-10-01T09:00:00Z"), Status: accepted, AcknowledgedAt: at("2026-10-02T09:00:00Z")}, // answered long ago: not
		{SentAt: at("2026-10-01T09:00:00Z"), Status: accepted, AcknowledgedAt: at("2026-11-05T09:00:00Z")}, // answered since
		{SentAt: at("2026-11-10T09:00:00.000001Z"), Status: accepted, AcknowledgedAt: at("2026-11-11T09:00:00Z")},
		{SentAt: at("2026-11-10T09:00:00.000001Z"), Status: rejected, Reason: "N", AcknowledgedAt: at("2026-11-11T09:00:00Z")},
		{SentAt: since, Status: accepted, AcknowledgedAt: since}, // at the instant, not after it: not listed
		{SentAt: at("2026-11-01T00:00:00.000001Z"), Status: accepted, AcknowledgedAt: since},
		{SentAt: at("2026-11-20T09:00:00Z")},
	}
	for i, d := range docs {
		out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile,
			RemoteName: fmt.Sprintf("iwo%d.txt", i), SHA256: sumOf(fmt.Sprintf("iwo%d.txt", i))}
		mustOK(t, db.CreateFile(ctx, out), "record outbound file")
		d.TrackingID = withholding.TrackingID(fmt.Sprintf("2000000000000000000000%08d", i))
		d.OrderRef, d.CaseID, d.FEIN, d.Action = o.ID, o.CaseID, o.EmployerFEIN, withholding.ActionOriginal
		mustOK(t, db.RecordSent(ctx, out.ID, slices.Values([]*withholding.Document{d})), "record sent")
	}
	var want []withholding.TrackingID
	recent := slices.DeleteFunc(slices.Clone(docs), func(d *withholding.Document) bool {
		return !(d.Status == "" || d.SentAt.After(since) || d.AcknowledgedAt.After(since))
	})
	slices.SortStableFunc(recent, func(a, b *withholding.Document) int { return cmp.Compare(b.SentAt.UnixMicro(), a.SentAt.UnixMicro()) })
	for _, d := range recent {
		want = append(want, d.TrackingID)
	}
	list, err := collectSeq(db.EachDocument(ctx, withholding.DocumentFilter{RecentSince: since, NewestFirst: true}))
	mustOK(t, err, "each recent document, newest first")
	var got []withholding.TrackingID
	for _, d := range list {
		got = append(got, d.TrackingID)
	}
	if len(want) != 6 || !slices.Equal(got, want) {
		t.Errorf("recent documents, newest first:\n got %v\nwant %v (6)", got, want)
	}
}
