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
)

// residue writes the temporary files a crash may leave in dir: two of
// iwo's, old enough to go (the current name form and the one before it),
// one of iwo's still fresh (another instance may be writing it) and an old
// one of someone else's; it returns the names that must stay.
func residue(t *testing.T, dir string) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	for name, mtime := range map[string]time.Time{
		".iwo-0123456789abcdef.part":        old,
		".IWO_portal_1.txt.deadbeef.part":   old,
		".iwo-fedcba9876543210.part":        time.Now(),
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
	keep := residue(t, outbox)
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
	keep := residue(t, staging)
	if _, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(context.Background()); err != nil {
		t.Fatalf("pull-remittances: %v", err)
	}
	if got := hidden(t, staging); !slices.Equal(got, keep) {
		t.Errorf("staging dotfiles after the run: %q, want %q", got, keep)
	}
}
