package jobs_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// arrived returns the size and SHA-256 of a file as the partner holds it.
func arrived(t *testing.T, path string) (int64, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the partner's copy: %v", err)
	}
	sum := sha256.Sum256(data)
	return int64(len(data)), hex.EncodeToString(sum[:])
}

// outbound returns the outbound ledger entries of kind, oldest first.
func (f *fixture) outbound(kind withholding.FileKind) []*withholding.File {
	f.t.Helper()
	out := withholding.Outbound
	fs, _, err := f.db.FindFiles(context.Background(), withholding.FileFilter{Direction: &out, Kind: &kind})
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Reverse(fs)
	return fs
}

// checkArrived fails the test unless the ledger entry lf records the size
// and SHA-256 of the file at path, as the partner received it.
func checkArrived(t *testing.T, lf *withholding.File, path string) {
	t.Helper()
	size, sum := arrived(t, path)
	if lf.SHA256 != sum || lf.Size != size {
		t.Errorf("ledger entry %s: %d bytes, SHA-256 %q; the partner received %d bytes, SHA-256 %s", lf.RemoteName, lf.Size, lf.SHA256, size, sum)
	}
}

func TestSendIWOsLedgerSHA256IsWhatArrivedOverSFTP(t *testing.T) {
	f := newFixture(t)
	p := &transfer.Partner{Name: "portal", Role: transfer.RolePortal, Outbox: "/incoming"}
	root := serveOverSFTP(t, p)
	f.x.Partners = []*transfer.Partner{p}
	seedOrders(t, f, 12)
	res, err := sendJob(f).Run(context.Background())
	if err != nil || res.Files != 1 || res.Counts["iwos"] != 12 {
		t.Fatalf("send-iwos over SFTP: %+v %v, want one file of 12 IWOs", res, err)
	}
	files := f.outbound(withholding.KindIWOFile)
	if len(files) != 1 || files[0].State != withholding.FileArchived {
		t.Fatalf("outbound ledger: %+v, want one delivered IWO file", files)
	}
	checkArrived(t, files[0], filepath.Join(root, "incoming", files[0].RemoteName))
}

// undelivered runs send-iwos for five orders while the portal is down and
// returns the fixture and the IWO file's ledger entry, left sent.
func undelivered(t *testing.T) (*fixture, *withholding.File) {
	t.Helper()
	f := newFixture(t)
	f.addPartner("portal", transfer.RolePortal, nil)
	seedOrders(t, f, 5)
	f.down["portal"] = true
	if _, err := sendJob(f).Run(context.Background()); err == nil {
		t.Fatal("send-iwos with the portal down: no error")
	}
	files := f.outbound(withholding.KindIWOFile)
	if len(files) != 1 || files[0].State != withholding.FileSent || !strings.Contains(files[0].Error, "not delivered") {
		t.Fatalf("outbound ledger after a failed push: %+v, want one entry sent, not delivered", files)
	}
	return f, files[0]
}

// TestSendIWOsRedeliveryPushesTheRecordedBytes: a push that fails leaves the
// entry sent with the size and SHA-256 already recorded; the next run
// delivers exactly those bytes.
func TestSendIWOsRedeliveryPushesTheRecordedBytes(t *testing.T) {
	f, before := undelivered(t)
	checkArrived(t, before, before.LocalPath) // recorded before the push: the local copy's sum

	f.down["portal"] = false
	res, err := sendJob(f).Run(context.Background())
	if err != nil || res.Counts["redelivered"] != 1 || res.Files != 1 {
		t.Fatalf("send-iwos with the portal back: %+v %v, want the file redelivered", res, err)
	}
	after := f.outbound(withholding.KindIWOFile)[0]
	if after.State != withholding.FileArchived || after.SHA256 != before.SHA256 || after.Size != before.Size {
		t.Errorf("entry after redelivery: %+v, want archived with the sum recorded before (%d bytes, %s)", after, before.Size, before.SHA256)
	}
	checkArrived(t, after, filepath.Join(f.root, "portal", "outbox", after.RemoteName))
}

// TestSendIWOsDoesNotPushAChangedLocalCopy: when the local copy no longer
// has the recorded SHA-256, nothing is uploaded and the entry stays sent
// with the reason.
func TestSendIWOsDoesNotPushAChangedLocalCopy(t *testing.T) {
	f, lf := undelivered(t)
	data, err := os.ReadFile(lf.LocalPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lf.LocalPath, append(data, "X"...), 0o600); err != nil {
		t.Fatal(err)
	}

	f.down["portal"] = false
	_, err = sendJob(f).Run(context.Background())
	if !errors.Is(err, jobs.ErrLocalCopyChanged) {
		t.Fatalf("redelivery of a changed file: %v, want ErrLocalCopyChanged", err)
	}
	if got := f.ls("portal", "outbox"); len(got) != 0 {
		t.Errorf("portal outbox: %v, want nothing pushed", got)
	}
	after := f.outbound(withholding.KindIWOFile)[0]
	if after.State != withholding.FileSent || after.SHA256 != lf.SHA256 || !strings.Contains(after.Error, "SHA-256") {
		t.Errorf("entry after the refused push: state %s sha %s error %q, want sent, the recorded SHA-256, and why", after.State, after.SHA256, after.Error)
	}
}

// TestSendIWOsRecordsSumOfOlderEntryBeforeRedelivery: an entry left sent
// by a version of iwo that did not record outbound sums gets them before
// it is pushed.
func TestSendIWOsRecordsSumOfOlderEntryBeforeRedelivery(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("portal", transfer.RolePortal, nil)
	local := filepath.Join(t.TempDir(), "IWO_portal_old.txt")
	if err := os.WriteFile(local, []byte("FHI an IWO file sent before the upgrade\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile,
		RemoteName: "IWO_portal_old.txt", LocalPath: local, State: withholding.FileParsed}
	if err := f.db.CreateFile(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetFileState(ctx, old.ID, withholding.FileSent, "not delivered yet: connection refused"); err != nil {
		t.Fatal(err)
	}
	if res, err := sendJob(f).Run(ctx); err != nil || res.Counts["redelivered"] != 1 {
		t.Fatalf("send-iwos: %+v %v, want the old entry redelivered", res, err)
	}
	lf, err := f.db.FindFileByID(ctx, old.ID)
	if err != nil || lf.State != withholding.FileArchived {
		t.Fatalf("old entry: %+v %v, want archived", lf, err)
	}
	checkArrived(t, lf, filepath.Join(f.root, "portal", "outbox", lf.RemoteName))
}

// TestReportLedgerSHA256IsWhatArrived pushes the night's reports to an
// operations partner over SFTP and to the employer's local partner, and
// compares every ledger entry with the file each partner received.
func TestReportLedgerSHA256IsWhatArrived(t *testing.T) {
	b := newBooks(t)
	ops := &transfer.Partner{Name: "ops", Role: transfer.RoleOperations, Outbox: "/reports"}
	root := serveOverSFTP(t, ops)
	for i, p := range b.x.Partners {
		if p.Name == "ops" {
			b.x.Partners[i] = ops
		}
	}
	b.apply("day1.ach", pay(t, "2026-11-13", "2026-11-20"))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	if run := b.run(jobs.JobReport, withholding.RunSucceeded); run.Counts["delivered"] != 3 {
		t.Fatalf("report counts %v, want 3 files delivered", run.Counts)
	}
	files := b.outbound(withholding.KindReportFile)
	if len(files) != 3 {
		t.Fatalf("report ledger entries: %d, want 3", len(files))
	}
	for _, lf := range files {
		at := filepath.Join(root, "reports", lf.RemoteName)
		if lf.Partner == "acme" {
			at = filepath.Join(b.root, "acme", "outbox", lf.RemoteName)
		}
		if lf.State != withholding.FileArchived {
			t.Errorf("%s: state %s, want archived", lf.RemoteName, lf.State)
		}
		checkArrived(t, lf, at)
	}
}
