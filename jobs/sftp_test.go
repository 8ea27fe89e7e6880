package jobs_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/jobs/transfer"
	"github.com/iwoproject/iwo/withholding"
	"golang.org/x/crypto/ssh"
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

// TestPullRemittancesOverSFTP runs the job against the in-process SFTP
// server with a pinned host key: a good file applied and archived, a
// duplicate archived, a bad one quarantined, all over the wire.
func TestPullRemittancesOverSFTP(t *testing.T) {
	ctx := context.Background()
	p := &transfer.Partner{Name: "bank", Role: transfer.RoleBank, Inbox: "/in", Archive: "/archive", Quarantine: "/rejected", Patterns: achPatterns}
	root := serveOverSFTP(t, p)
	f := newFixture(t)
	f.x.Partners = []*transfer.Partner{p}

	a, sa := MustACH(t, 1, 15)
	for name, data := range map[string][]byte{"a.ach": a, "b.ach": brokenACH(t, 2), "c.ach": a} {
		if err := os.WriteFile(filepath.Join(root, "in", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
