package jobs_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/withholding"
)

// TestSendIWOsRecordsControlNumbers: every IWO file sent is in the ledger
// with the control number its file header carries, and no two share one.
func TestSendIWOsRecordsControlNumbers(t *testing.T) {
	ctx := context.Background()
	a := newAgency(t, 5)
	for range 2 {
		run, err := a.sched.RunNow(ctx, jobs.JobSendIWOs)
		if err != nil {
			t.Fatalf("send-iwos: %v", err)
		}
		if run.Counts["iwos"] != 5 {
			t.Fatalf("send-iwos counts %v, want 5 IWOs", run.Counts)
		}
		// Every order again, so the next run writes another file.
		amend := withholding.ActionAmend
		for _, o := range a.orders {
			if _, err := a.db.UpdateOrder(ctx, o.ID, withholding.OrderUpdate{PendingAction: &amend}); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, kind := withholding.Outbound, withholding.KindIWOFile
	files, _, err := a.db.FindFiles(ctx, withholding.FileFilter{Direction: &out, Kind: &kind})
	if err != nil || len(files) != 2 {
		t.Fatalf("%d outbound IWO files (%v), want 2", len(files), err)
	}
	seen := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(a.root, "portal", "outbox", f.RemoteName))
		if err != nil {
			t.Fatal(err)
		}
		rd := edi.NewReader(bytes.NewReader(data), f.RemoteName)
		if _, err := rd.Next(); err != nil {
			t.Fatalf("read %s: %v", f.RemoteName, err)
		}
		if f.ControlNumber == "" || f.ControlNumber != rd.FileControlNumber() {
			t.Errorf("%s: ledger control number %q, file header %q", f.RemoteName, f.ControlNumber, rd.FileControlNumber())
		}
		if prev, ok := seen[f.ControlNumber]; ok {
			t.Errorf("%s and %s share control number %s", prev, f.RemoteName, f.ControlNumber)
		}
		seen[f.ControlNumber] = f.RemoteName
	}
}
