package store_test

import (
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
}
