package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// residue writes the temporary files a crash may leave in dir: two of
// iwo's, old enough to go (the current name form and the one before it),
// one of iwo's still fresh (another instance may be writing it) and an old
// one of someone else's, as of now; it returns the names that must stay.
func residue(t *testing.T, dir string, now time.Time) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-2 * time.Hour)
	for name, mtime := range map[string]time.Time{
		".iwo-0123456789abcdef.part":        old,
		".IWO_portal_1.txt.deadbeef.part":   old,
		".iwo-fedcba9876543210.part":        now,
		".partner-upload.part":              old,
		".iwo-0123456789abcdef.part.backup": old,
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return []string{".iwo-0123456789abcdef.part.backup", ".iwo-fedcba9876543210.part", ".partner-upload.part"}
}

// hidden lists the dotfiles of dir.
func hidden(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Name()[0] == '.' {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

// TestSendIWOsCleansTemporaryUploads: hidden .part uploads that a crash left
// in a partner's outbox are removed by the next push there, once they are
// older than transfer.ResidueAge; fresh ones and other people's stay.
func TestSendIWOsCleansTemporaryUploads(t *testing.T) {
	f, _ := undelivered(t)
	outbox := filepath.Join(f.root, "portal", "outbox")
	keep := residue(t, outbox, time.Now())
	f.down["portal"] = false
	if _, err := sendJob(f).Run(context.Background()); err != nil {
		t.Fatalf("send-iwos: %v", err)
	}
	if got := hidden(t, outbox); !slices.Equal(got, keep) {
		t.Errorf("outbox dotfiles after the run: %q, want %q", got, keep)
	}
}

// TestPullRemittancesCleansStaging: temporary files a crash left in the
// local staging directory are removed by the next run that stages there.
func TestPullRemittancesCleansStaging(t *testing.T) {
	f := newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	staging := filepath.Join(f.x.Dir, "staging", "bank")
	keep := residue(t, staging, time.Now())
	if _, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(context.Background()); err != nil {
		t.Fatalf("pull-remittances: %v", err)
	}
	if got := hidden(t, staging); !slices.Equal(got, keep) {
		t.Errorf("staging dotfiles after the run: %q, want %q", got, keep)
	}
}

// listCounter counts the listings of each directory through a remote.
type listCounter struct {
	transfer.Remote
	lists map[string]int
}

func (l listCounter) List(ctx context.Context, dir string) ([]transfer.RemoteFile, error) {
	l.lists[dir]++
	return l.Remote.List(ctx, dir)
}

// TestReportCleansTemporaryUploadsOnce: the report job removes the old
// residue of crashed uploads from each partner's outbox before it delivers,
// and lists the outbox once for all the files it pushes there, not once a
// file (20,000 statements to one payroll provider's outbox made that
// quadratic).
func TestReportCleansTemporaryUploadsOnce(t *testing.T) {
	b := newBooks(t)
	keep := residue(t, filepath.Join(b.root, "ops", "outbox"), b.clk.Now())
	residue(t, filepath.Join(b.root, "acme", "outbox"), b.clk.Now())
	lists := map[string]int{}
	connect := b.x.Connect
	b.x.Connect = func(ctx context.Context, p *transfer.Partner) (transfer.Remote, error) {
		r, err := connect(ctx, p)
		if err != nil {
			return nil, err
		}
		return listCounter{Remote: r, lists: lists}, nil
	}
	b.apply("day1.ach", pay(t, "2026-11-13", "2026-11-20"))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	run := b.run(jobs.JobReport, withholding.RunSucceeded)
	if run.Counts["delivered"] != 3 {
		t.Fatalf("delivered %d files, want the workbook, the CSV and a statement", run.Counts["delivered"])
	}
	for _, p := range []string{"ops", "acme"} {
		if got := hidden(t, filepath.Join(b.root, p, "outbox")); !slices.Equal(got, keep) {
			t.Errorf("%s outbox dotfiles after the run: %q, want %q", p, got, keep)
		}
	}
	if lists["/outbox"] != 2 {
		t.Errorf("outboxes listed %d times, want once for each of the two partners", lists["/outbox"])
	}
}
