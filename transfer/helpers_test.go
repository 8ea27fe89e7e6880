package transfer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// MustKey returns a fresh Ed25519 key as a signer and as the PEM bytes
// Partner.PrivateKey takes.
func MustKey(tb testing.TB) (ssh.Signer, []byte) {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		tb.Fatal(err)
	}
	return signer, pem.EncodeToMemory(block)
}

// MustServer starts an in-process server over a fresh directory and returns
// it, a partner pinned to it, and the directory.
func MustServer(tb testing.TB) (*transfer.Server, *transfer.Partner, string) {
	tb.Helper()
	dir := tb.TempDir()
	for _, d := range []string{"inbox", "outbox", "archive", "quarantine"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	clientKey, pemKey := MustKey(tb)
	srv, err := transfer.StartServer(context.Background(), transfer.ServerConfig{
		Root:           dir,
		User:           "agency",
		AuthorizedKeys: []ssh.PublicKey{clientKey.PublicKey()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv, &transfer.Partner{
		Name:       "acme",
		Role:       transfer.RoleEmployer,
		Host:       "127.0.0.1",
		Port:       srv.Port(),
		User:       "agency",
		PrivateKey: pemKey,
		HostKeys:   []string{srv.HostKeyLine()},
		Inbox:      "/inbox",
		Outbox:     "/outbox",
		Archive:    "/archive",
		Quarantine: "/quarantine",
		Patterns:   map[withholding.FileKind][]string{withholding.KindAckFile: {"*.ack", "ACK*"}, withholding.KindACHFile: {"*.ach"}},
	}, dir
}

// MustDial connects to p and closes the connection at the end of the test.
func MustDial(tb testing.TB, p *transfer.Partner) *transfer.SFTP {
	tb.Helper()
	s, err := transfer.Dial(context.Background(), p)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// sftpAndLocal returns p, served over SFTP from dir, and a copy of it that
// is a local partner over the same dir.
func sftpAndLocal(p *transfer.Partner, dir string) map[string]*transfer.Partner {
	local := *p
	local.Local, local.HostKeys = dir, nil
	return map[string]*transfer.Partner{"sftp": p, "local": &local}
}

// MustOpen opens p with transfer.Open and closes it at the end of the test.
func MustOpen(tb testing.TB, p *transfer.Partner) transfer.Remote {
	tb.Helper()
	r, err := transfer.Open(context.Background(), p, transfer.Backoff{})
	if err != nil {
		tb.Fatalf("open %s: %v", p.Name, err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// MustWrite writes data to dir/name (a path on the local disk).
func MustWrite(tb testing.TB, dir, name, data string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// MustRead returns the contents of a local file.
func MustRead(tb testing.TB, p string) string {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// names returns the entries of a local directory.
func names(tb testing.TB, dir string) []string {
	tb.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
