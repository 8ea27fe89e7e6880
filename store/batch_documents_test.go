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

	pending := withholding.ActionAmend
	for _, o := range orders {
		_, err := db.UpdateOrder(ctx, o.ID, withholding.OrderUpdate{PendingAction: &pending})
		mustOK(t, err, "set pending action")
	}
	// refused records a file of 200 documents for the first orders, the
	// one at place bad spoilt, and checks it is refused whole with code:
	// no document stored, no order changed, the file not recorded sent.
	refused := func(name string, first, bad int, spoil func(*withholding.Document), code, what string) {
		t.Helper()
		out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: name, SHA256: sumOf(name)}
		mustOK(t, db.CreateFile(ctx, out), "record outbound file "+name)
		var docs []*withholding.Document
		for i, o := range orders[:200] {
			d := doc(o, first+i)
			if i == bad {
				spoil(d)
			}
			d.FileControl = name
			docs = append(docs, d)
		}
		mustCode(t, db.RecordSent(ctx, out.ID, slices.Values(docs)), code, what)
		if _, count, _ := db.FindDocuments(ctx, 0, 0, 0); count != n+1 {
			t.Errorf("%s: %d documents after, want %d", what, count, n+1)
		}
		if got, _ := db.FindOrderByID(ctx, orders[0].ID); got.PendingAction != pending || got.TrackingID != last[orders[0].ID] {
			t.Errorf("%s: an order of the file has pending %q tracking %q, want it unchanged", what, got.PendingAction, got.TrackingID)
		}
		if f, _ := db.FindFileByID(ctx, out.ID); f.Records != 0 || f.ControlNumber != "" {
			t.Errorf("%s: file recorded with %d records and control number %q", what, f.Records, f.ControlNumber)
		}
	}
	// A second file: its 150th document repeats a recorded tracking ID.
	refused("iwo2.txt", 1000, 150, func(d *withholding.Document) { d.TrackingID = docs[0].TrackingID },
		withholding.ECONFLICT, "a tracking ID already recorded")
	// A third: its 140th document names an order that does not exist
	// (SQLite leaves that to the UPDATE of the orders, which comes after
	// every document is stored).
	refused("iwo3.txt", 2000, 140, func(d *withholding.Document) { d.OrderRef = orders[n-1].ID + 1000 },
		withholding.ENOTFOUND, "a document for an unknown order")
}

// testDocumentsNewestFirst lists a night's documents newest sent first
// (DocumentFilter.ActiveSince, NewestFirst), as the operations workbook
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
		{SentAt: at("2026-10-01T09:00:00Z")}, // unanswered, sent long ago: not listed
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
		return !(d.SentAt.After(since) || d.AcknowledgedAt.After(since))
	})
	slices.SortStableFunc(recent, func(a, b *withholding.Document) int { return cmp.Compare(b.SentAt.UnixMicro(), a.SentAt.UnixMicro()) })
	for _, d := range recent {
		want = append(want, d.TrackingID)
	}
	list, err := collectSeq(db.EachDocument(ctx, withholding.DocumentFilter{ActiveSince: since, NewestFirst: true}))
	mustOK(t, err, "each document active since, newest first")
	var got []withholding.TrackingID
	for _, d := range list {
		got = append(got, d.TrackingID)
	}
	if len(want) != 5 || !slices.Equal(got, want) {
		t.Errorf("documents active since %s, newest first:\n got %v\nwant %v (5)", since, got, want)
	}

	// SentSince keeps those sent after the instant, answered or not.
	list, err = collectSeq(db.EachDocument(ctx, withholding.DocumentFilter{SentSince: since}))
	mustOK(t, err, "each document sent since")
	got, want = nil, nil
	for _, d := range list {
		got = append(got, d.TrackingID)
	}
	for _, d := range docs {
		if d.SentAt.After(since) {
			want = append(want, d.TrackingID)
		}
	}
	if len(want) != 4 || !slices.Equal(got, want) {
		t.Errorf("documents sent since %s:\n got %v\nwant %v (4)", since, got, want)
	}

	// TrackingIDs keeps the documents with those tracking IDs (an unknown
	// one finds nothing).
	list, err = collectSeq(db.EachDocument(ctx, withholding.DocumentFilter{TrackingIDs: []withholding.TrackingID{docs[6].TrackingID, docs[2].TrackingID, "20000000000000000000000000009999"}}))
	mustOK(t, err, "each document by tracking ID")
	got = nil
	for _, d := range list {
		got = append(got, d.TrackingID)
	}
	if want := []withholding.TrackingID{docs[2].TrackingID, docs[6].TrackingID}; !slices.Equal(got, want) {
		t.Errorf("documents by tracking ID: %v, want %v", got, want)
	}

	// SentBefore with the unanswered status: the IWOs past an
	// acknowledgment deadline, as reconciliation reads them. The instant
	// itself is not before it.
	waiting := []withholding.Disposition{""}
	list, err = collectSeq(db.EachDocument(ctx, withholding.DocumentFilter{Statuses: waiting, SentBefore: at("2026-11-20T09:00:00Z")}))
	mustOK(t, err, "each unanswered document sent before")
	got, want = nil, []withholding.TrackingID{docs[0].TrackingID}
	for _, d := range list {
		got = append(got, d.TrackingID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("unanswered documents sent before:\n got %v\nwant %v", got, want)
	}
	list, err = collectSeq(db.EachDocument(ctx, withholding.DocumentFilter{Statuses: waiting, SentBefore: at("2026-11-20T09:00:00.000001Z")}))
	mustOK(t, err, "each unanswered document sent before")
	if len(list) != 2 {
		t.Errorf("unanswered documents sent before a microsecond later: %d, want 2", len(list))
	}
}

// testEmployersWithIWOs finds the employers with an IWO sent or answered
// in a night's window, after its start and by its end, each once: the
// employers the report job's statements rule takes from the IWOs.
func testEmployersWithIWOs(t *testing.T, db *store.DB) {
	o := sampleOrder("KS0310", "480123457")
	mustOK(t, db.CreateOrder(ctx, o), "create order")
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		mustOK(t, err, "time")
		return v
	}
	start, end := at("2026-11-22T12:00:00Z"), at("2026-11-23T12:00:00Z")
	accepted := withholding.DispAccepted
	docs := []*withholding.Document{
		{FEIN: "900000001", SentAt: at("2026-11-22T19:00:00Z")},                                                               // sent in the window
		{FEIN: "900000001", SentAt: at("2026-11-22T20:00:00Z")},                                                               // again: listed once
		{FEIN: "900000002", SentAt: at("2026-11-01T19:00:00Z")},                                                               // sent before, unanswered
		{FEIN: "900000003", SentAt: at("2026-11-01T19:00:00Z"), Status: accepted, AcknowledgedAt: at("2026-11-23T01:00:00Z")}, // answered in the window
		{FEIN: "900000004", SentAt: start},                                                                                    // at the window's start: before it
		{FEIN: "900000005", SentAt: end},                                                                                      // at its end: in it
		{FEIN: "900000006", SentAt: at("2026-11-23T12:00:00.000001Z")},                                                        // after it
		{FEIN: "900000007", SentAt: at("2026-11-22T12:00:00.000001Z")},                                                        // just after its start
	}
	for i, d := range docs {
		out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile,
			RemoteName: fmt.Sprintf("act%d.txt", i), SHA256: sumOf(fmt.Sprintf("act%d.txt", i))}
		mustOK(t, db.CreateFile(ctx, out), "record outbound file")
		d.TrackingID = withholding.TrackingID(fmt.Sprintf("3000000000000000000000%08d", i))
		d.OrderRef, d.CaseID, d.Action = o.ID, o.CaseID, withholding.ActionOriginal
		mustOK(t, db.RecordSent(ctx, out.ID, slices.Values([]*withholding.Document{d})), "record sent")
	}
	got, err := db.EmployersWithIWOs(ctx, start, end)
	mustOK(t, err, "employers with IWOs in the window")
	want := []withholding.FEIN{"900000001", "900000003", "900000005", "900000007"}
	if !slices.Equal(got, want) {
		t.Errorf("employers with IWOs in the window: %v, want %v", got, want)
	}
}
