package jobs_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// serveOverSFTP starts an in-process SFTP server for the partner p, whose
// name, role, directories and patterns the caller set: the directories are
// made in a new server root (returned), and p gets the server's address, a
// pinned host key and a key login, and is validated.
func serveOverSFTP(t *testing.T, p *transfer.Partner) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, d := range []string{p.Inbox, p.Outbox, p.Archive, p.Quarantine} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := transfer.StartServer(context.Background(), transfer.ServerConfig{Root: root, User: "state", AuthorizedKeys: []ssh.PublicKey{signer.PublicKey()}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	p.Host, p.Port, p.User = "127.0.0.1", srv.Port(), "state"
	p.PrivateKey, p.HostKeys = pem.EncodeToMemory(block), []string{srv.HostKeyLine()}
	if err := p.Validate(); err != nil {
		t.Fatalf("partner %s: %v", p.Name, err)
	}
	return root
}

// newSFTPBank returns a fixture whose one partner, "bank", is served by the
// in-process SFTP server over the returned root (inbox /in, archive
// /archive, quarantine /rejected).
func newSFTPBank(t *testing.T) (*fixture, string) {
	t.Helper()
	p := &transfer.Partner{Name: "bank", Role: transfer.RoleBank, Inbox: "/in", Archive: "/archive", Quarantine: "/rejected", Patterns: achPatterns}
	root := serveOverSFTP(t, p)
	f := newFixture(t)
	f.x.Partners = []*transfer.Partner{p}
	return f, root
}

// dropFiles writes each file into dir, as a partner would.
func dropFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPullRemittancesOverSFTP runs the job against the in-process SFTP
// server with a pinned host key: a good file applied and archived, a
// duplicate archived, a bad one quarantined, all over the wire.
func TestPullRemittancesOverSFTP(t *testing.T) {
	ctx := context.Background()
	f, root := newSFTPBank(t)

	a, sa := MustACH(t, 1, 15)
	dropFiles(t, filepath.Join(root, "in"), map[string][]byte{"a.ach": a, "b.ach": brokenACH(t, 2), "c.ach": a})
	res, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(ctx)
	if err == nil || !res.Partial || res.Files != 1 || res.Counts["duplicates"] != 1 || res.Counts["quarantined"] != 1 {
		t.Fatalf("run over SFTP: %+v %v, want a.ach applied, b.ach quarantined, c.ach a duplicate", res, err)
	}
	if got := f.payments(); got != sa.Items {
		t.Errorf("%d payments, want %d", got, sa.Items)
	}
	ls := func(dir string) []string {
		es, _ := os.ReadDir(filepath.Join(root, dir))
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	if got := ls("in"); len(got) != 0 {
		t.Errorf("inbox %v, want empty", got)
	}
	if got := ls("archive"); !slices.Equal(got, []string{"a.ach", "c.ach"}) {
		t.Errorf("archive %v", got)
	}
	if got := ls("rejected"); !slices.Equal(got, []string{"b.ach"}) {
		t.Errorf("quarantine %v", got)
	}
	for _, lf := range f.ledger() {
		if filepath.Base(lf.RemoteName) == "c.ach" && lf.State != withholding.FileArchived {
			t.Errorf("duplicate c.ach in state %s", lf.State)
		}
	}
}

// TestPullRemittancesLocalErrorSkipsOneFile: a file that cannot be written
// into staging (here: staging already holds a.ach and every alternative
// name for it) is reported, and the partner's next file is still applied
// in the same run; a local failure is not a connection failure.
func TestPullRemittancesLocalErrorSkipsOneFile(t *testing.T) {
	ctx := context.Background()
	f, root := newSFTPBank(t)

	a, _ := MustACH(t, 1, 10)
	b, sb := MustACH(t, 2, 15)
	dropFiles(t, filepath.Join(root, "in"), map[string][]byte{"a.ach": a, "b.ach": b})
	staging := filepath.Join(f.x.Dir, "staging", "bank")
	if err := os.MkdirAll(staging, 0o700); err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= 1000; i++ {
		name := "a.ach"
		if i > 0 {
			name = transfer.AltName(name, i)
		}
		if err := os.WriteFile(filepath.Join(staging, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	res, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(ctx)
	if !errors.Is(err, transfer.ErrLocal) || errors.Is(err, transfer.ErrConnection) {
		t.Errorf("run error %v, want a local failure (ErrLocal) and no connection failure", err)
	}
	if !res.Partial || res.Files != 1 {
		t.Errorf("result %+v, want partial with b.ach applied", res)
	}
	if got := f.payments(); got != sb.Items {
		t.Errorf("%d payments, want the %d of b.ach", got, sb.Items)
	}
	es, _ := os.ReadDir(filepath.Join(root, "in"))
	if len(es) != 1 || es[0].Name() != "a.ach" {
		t.Errorf("inbox %v, want a.ach left for the next run", es)
	}
}

// resumeDuring wraps a FileService: after ApplyPayments it calls resume,
// as a partner whose upload had paused would go on writing while the file
// is being applied.
type resumeDuring struct {
	withholding.FileService
	resume func()
}

func (r resumeDuring) ApplyPayments(ctx context.Context, fileID int64, payments iter.Seq2[*withholding.Payment, error]) (int, error) {
	n, err := r.FileService.ApplyPayments(ctx, fileID, payments)
	r.resume()
	return n, err
}

// TestPullRemittancesStalledUploadNotQuarantined: the bank's upload
// pauses for longer than stable_for, so half the file is fetched and
// fails validation; by then the bank is writing again. The file must not
// be quarantined while it changes: it stays in the inbox, is counted
// still_changing, and the next run applies the complete file.
func TestPullRemittancesStalledUploadNotQuarantined(t *testing.T) {
	ctx := context.Background()
	f, root := newSFTPBank(t)
	f.x.StableFor = 1 // two looks; the pause outlasts them
	f.x.Wait = func(context.Context, time.Duration) error { return nil }
	a, sa := MustACH(t, 1, 20)
	inbox := filepath.Join(root, "in")
	dropFiles(t, inbox, map[string][]byte{"a.ach": a[:len(a)/2]})
	resume := func() { dropFiles(t, inbox, map[string][]byte{"a.ach": a}) }

	res, err := (&jobs.PullRemittances{Exchange: f.x, Files: resumeDuring{FileService: f.db, resume: resume}}).Run(ctx)
	if err != nil || res.Files != 0 || res.Counts["still_changing"] != 1 || res.Counts["quarantined"] != 0 {
		t.Fatalf("run over a stalled upload: %+v %v, want it counted still_changing and left alone", res, err)
	}
	for dir, want := range map[string]int{"in": 1, "rejected": 0, "archive": 0} {
		if es, _ := os.ReadDir(filepath.Join(root, dir)); len(es) != want {
			t.Errorf("%s holds %d files after the first run, want %d", dir, len(es), want)
		}
	}
	if local, _ := filepath.Glob(filepath.Join(f.x.Dir, "quarantine", "bank", "*")); len(local) != 0 {
		t.Errorf("local quarantine %v, want nothing", local)
	}

	res, err = (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(ctx)
	if err != nil || res.Files != 1 {
		t.Fatalf("next run: %+v %v, want the complete file applied", res, err)
	}
	if got := f.payments(); got != sa.Items {
		t.Errorf("%d payments, want the %d of the complete file", got, sa.Items)
	}
	if es, _ := os.ReadDir(filepath.Join(root, "archive")); len(es) != 1 {
		t.Errorf("archive holds %v, want a.ach", es)
	}
}
