package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// mustControlledFile records an inbound acknowledgment file with the
// sender and control number given.
func mustControlledFile(t *testing.T, db *store.DB, name, sender, control string) *withholding.File {
	t.Helper()
	f := mustFile(t, db, name, withholding.KindAckFile)
	mustOK(t, db.SetFileControl(ctx, f.ID, sender, control), "set control of "+name)
	f.Sender, f.ControlNumber = sender, control
	return f
}

// applyOneAck applies one acknowledgment and one exception from file f.
func applyOneAck(db *store.DB, f *withholding.File) error {
	ack := &withholding.Acknowledgment{Line: 3, Action: withholding.ActionEmployer, CaseID: "KS0100", Status: withholding.DispTerminated}
	ex := &withholding.Exception{Type: withholding.ExEmployerNotice, Severity: withholding.SeverityLow, Key: "employer_notice|" + f.RemoteName, Message: "notice"}
	return db.ApplyAcknowledgments(ctx, f.ID, []*withholding.Acknowledgment{ack}, nil, []*withholding.Exception{ex})
}

func countAcks(t *testing.T, db *store.DB, fileID int64) int {
	t.Helper()
	_, n, err := db.FindAcknowledgments(ctx, fileID, nil, 0, 1)
	mustOK(t, err, "count acknowledgments")
	return n
}

func testControlNumbers(t *testing.T, db *store.DB) {
	first := mustControlledFile(t, db, "ack-a.txt", "partner acme, FHA", "CN1")
	mustOK(t, applyOneAck(db, first), "apply the first file")
	first, _ = db.FindFileByID(ctx, first.ID)

	again := mustControlledFile(t, db, "ack-b.txt", "partner acme, FHA", "CN1")
	err := applyOneAck(db, again)
	mustCode(t, err, withholding.EINVALID, "apply a second file with the control number")
	var cne *withholding.ControlNumberError
	if !errors.As(err, &cne) || cne.First.ID != first.ID || cne.File.ID != again.ID {
		t.Fatalf("error %v: want a ControlNumberError of file %d naming file %d", err, again.ID, first.ID)
	}
	received := first.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	for _, want := range []string{"ack-b.txt", "control number CN1", fmt.Sprintf("ack-a.txt (ledger %d, received %s)", first.ID, received)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	if n := countAcks(t, db, again.ID); n != 0 {
		t.Errorf("refused file stored %d acknowledgments", n)
	}
	if _, n, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{}); n != 1 {
		t.Errorf("%d exceptions after the refusal, want the first file's only", n)
	}
	if ok, _ := db.AppliedSHA256(ctx, again.SHA256); ok {
		t.Error("refused file marked applied")
	}
	got, err := db.FindFileByID(ctx, again.ID)
	mustOK(t, err, "find refused file")
	if got.ControlNumber != "CN1" || got.Sender != "partner acme, FHA" || got.State != withholding.FileReceived {
		t.Errorf("refused file: control %q sender %q state %s", got.ControlNumber, got.Sender, got.State)
	}

	// Another sender may use the same number; files without a control
	// number are not compared.
	other := mustControlledFile(t, db, "ack-c.txt", "partner payco, FHA", "CN1")
	mustOK(t, applyOneAck(db, other), "apply another sender's file")
	mustOK(t, applyOneAck(db, mustFile(t, db, "ack-d.txt", withholding.KindAckFile)), "apply a file without control number")
	mustOK(t, applyOneAck(db, mustFile(t, db, "ack-e.txt", withholding.KindAckFile)), "apply a second file without control number")

	mustCode(t, db.SetFileControl(ctx, first.ID, "partner acme, FHA", "CN2"), withholding.ECONFLICT, "change an applied file's control")
	mustCode(t, db.SetFileControl(ctx, 999999, "x", "y"), withholding.ENOTFOUND, "control of a missing file")
}

// testControlNumberRace applies two files with one sender and control
// number at once, several times: one applies, the other is refused naming
// it, whichever wins.
func testControlNumberRace(t *testing.T, db *store.DB) {
	for round := range 5 {
		cn := fmt.Sprintf("RACE%d", round)
		files := []*withholding.File{
			mustControlledFile(t, db, cn+"-a.txt", "partner portal, FHA", cn),
			mustControlledFile(t, db, cn+"-b.txt", "partner portal, FHA", cn),
		}
		errs := make([]error, len(files))
		var wg sync.WaitGroup
		for i, f := range files {
			wg.Go(func() { errs[i] = applyOneAck(db, f) })
		}
		wg.Wait()
		won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
		if won < 0 || errs[1-won] == nil {
			t.Fatalf("round %d: errors %v, want exactly one file applied", round, errs)
		}
		var cne *withholding.ControlNumberError
		if !errors.As(errs[1-won], &cne) || cne.First.ID != files[won].ID {
			t.Errorf("round %d: loser's error %v, want a ControlNumberError naming file %d", round, errs[1-won], files[won].ID)
		}
		if a, b := countAcks(t, db, files[0].ID), countAcks(t, db, files[1].ID); a+b != 1 {
			t.Errorf("round %d: %d and %d acknowledgments stored, want one in all", round, a, b)
		}
	}
}

func testSentControlNumbers(t *testing.T, db *store.DB) {
	o := sampleOrder("KS0200", "480123456")
	mustOK(t, db.CreateOrder(ctx, o), "create order")
	send := func(name, tracking, control string) (*withholding.File, error) {
		out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: name, State: withholding.FileParsed}
		mustOK(t, db.CreateFile(ctx, out), "record "+name)
		mustOK(t, db.SetFileSum(ctx, out.ID, 2307, sumOf(name)), "sum of "+name)
		doc := &withholding.Document{TrackingID: withholding.TrackingID(tracking), OrderRef: o.ID, CaseID: o.CaseID,
			FEIN: o.EmployerFEIN, Action: withholding.ActionOriginal, FileControl: control, BatchControl: control[:18] + "0001"}
		return out, db.RecordSent(ctx, out.ID, slices.Values([]*withholding.Document{doc}))
	}
	first, err := send("iwo-1.txt", "200000000000000000000000000201", "0600026112000000010000")
	mustOK(t, err, "send the first file")
	if f, _ := db.FindFileByID(ctx, first.ID); f.ControlNumber != "0600026112000000010000" {
		t.Errorf("sent file's control number %q, want the documents'", f.ControlNumber)
	}
	second, err := send("iwo-2.txt", "200000000000000000000000000202", "0600026112000000010000")
	mustCode(t, err, withholding.ECONFLICT, "send a control number again")
	if !strings.Contains(err.Error(), fmt.Sprintf("iwo-1.txt (ledger %d)", first.ID)) {
		t.Errorf("error %q does not name the first file", err)
	}
	if f, _ := db.FindFileByID(ctx, second.ID); f.State != withholding.FileParsed || f.ControlNumber != "" {
		t.Errorf("refused file: %s control %q, want it as it was", f.State, f.ControlNumber)
	}
	if _, err := db.FindDocumentByTrackingID(ctx, "200000000000000000000000000202"); withholding.ErrorCode(err) != withholding.ENOTFOUND {
		t.Errorf("refused file's document stored (%v)", err)
	}
	_, err = send("iwo-3.txt", "200000000000000000000000000203", "0600026112000000030000")
	mustOK(t, err, "send a new control number")

	out := &withholding.File{Direction: withholding.Outbound, Kind: withholding.KindIWOFile, RemoteName: "iwo-4.txt", State: withholding.FileParsed}
	mustOK(t, db.CreateFile(ctx, out), "record iwo-4.txt")
	mustOK(t, db.SetFileSum(ctx, out.ID, 2307, sumOf("iwo-4.txt")), "sum of iwo-4.txt")
	docs := []*withholding.Document{
		{TrackingID: "200000000000000000000000000204", OrderRef: o.ID, Action: withholding.ActionOriginal, FileControl: "A"},
		{TrackingID: "200000000000000000000000000205", OrderRef: o.ID, Action: withholding.ActionOriginal, FileControl: "B"},
	}
	mustCode(t, db.RecordSent(ctx, out.ID, slices.Values(docs)), withholding.EINVALID, "documents with two file control numbers")
}
