package transfer_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

func TestPartnerValidate(t *testing.T) {
	_, p, _ := MustServer(t)
	for _, tc := range []struct {
		field  string
		change func(p *transfer.Partner)
	}{
		{"", func(p *transfer.Partner) {}},
		{"name", func(p *transfer.Partner) { p.Name = "" }},
		{"role", func(p *transfer.Partner) { p.Role = "vendor" }},
		{"host", func(p *transfer.Partner) { p.Host = "" }},
		{"port", func(p *transfer.Partner) { p.Port = 70000 }},
		{"user", func(p *transfer.Partner) { p.User = "" }},
		{"key_file", func(p *transfer.Partner) { p.PrivateKey = nil }},
		{"", func(p *transfer.Partner) { p.PrivateKey, p.Password = nil, "pw" }},
		{"key_file", func(p *transfer.Partner) { p.PrivateKey = []byte("not a key") }},
		{"host_keys", func(p *transfer.Partner) { p.HostKeys = nil }},
		{"host_keys", func(p *transfer.Partner) { p.HostKeys = []string{"ssh-ed25519 garbage"} }},
		{"host_keys", func(p *transfer.Partner) { p.HostKeys = []string{"@cert-authority * " + p.HostKeys[0]} }},
		{"after_apply", func(p *transfer.Partner) { p.AfterApply = "shred" }},
		{"archive", func(p *transfer.Partner) { p.Archive = "" }},
		{"", func(p *transfer.Partner) { p.Archive, p.AfterApply = "", transfer.DispDelete }},
		{"quarantine", func(p *transfer.Partner) { p.Quarantine = "" }},
		{"patterns.ack", func(p *transfer.Partner) { p.Patterns = map[withholding.FileKind][]string{"ack": {"[x"}} }},
		{"inbox", func(p *transfer.Partner) { p.Inbox, p.Outbox = "", "" }},
		{"", func(p *transfer.Partner) { p.Inbox, p.Archive, p.Quarantine = "", "", "" }},
		// A local partner needs no SSH settings, but the same directories.
		{"", func(p *transfer.Partner) {
			p.Local, p.Host, p.User, p.PrivateKey, p.HostKeys = "/srv/acme", "", "", nil, nil
		}},
		{"quarantine", func(p *transfer.Partner) { p.Local, p.Quarantine = "/srv/acme", "" }},
		{"", func(p *transfer.Partner) { p.UploadMode = 0o640 }},
		{"upload_mode", func(p *transfer.Partner) { p.UploadMode = 0o1755 }},
		{"upload_mode", func(p *transfer.Partner) { p.UploadMode = 0o200 }},
		{"upload_mode", func(p *transfer.Partner) { p.UploadMode = 0o666 }},
	} {
		q := *p
		tc.change(&q)
		err := q.Validate()
		var fe *transfer.FieldError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("case %q: Validate = %v; want nil", tc.field, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
			t.Errorf("Validate = %v; want a FieldError on %q", err, tc.field)
		}
	}
}

func TestPartnerKindOf(t *testing.T) {
	_, p, _ := MustServer(t)
	for name, want := range map[string]withholding.FileKind{"x.ack": "ack", "ACK1": "ack", "r.ach": "ach", "r.txt": ""} {
		if got, ok := p.KindOf(name); got != want || ok != (want != "") {
			t.Errorf("KindOf(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

func TestDialRefusesUnpinnedPartner(t *testing.T) {
	_, p, _ := MustServer(t)
	p.HostKeys = nil
	_, err := transfer.Dial(context.Background(), p)
	var fe *transfer.FieldError
	if !errors.As(err, &fe) || fe.Field != "host_keys" || !strings.Contains(err.Error(), "pin the server's host key") {
		t.Errorf("Dial without host key: %v; want a host_keys FieldError", err)
	}
}

func TestDialWrongHostKey(t *testing.T) {
	_, p, _ := MustServer(t)
	other, _ := MustKey(t)
	p.HostKeys = []string{transfer.HostKeyLine(p.Addr(), other.PublicKey())}
	_, err := transfer.Dial(context.Background(), p)
	if !errors.Is(err, transfer.ErrHostKey) || errors.Is(err, transfer.ErrConnection) {
		t.Errorf("Dial with wrong host key: %v; want ErrHostKey and not ErrConnection", err)
	}
	if !strings.Contains(err.Error(), "SHA256:") {
		t.Errorf("error %q does not show the offered fingerprint", err)
	}
}

func TestDialHostKeyForms(t *testing.T) {
	srv, p, _ := MustServer(t)
	bare := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey())))
	other, _ := MustKey(t)
	for name, keys := range map[string][]string{
		"known_hosts": {srv.HostKeyLine()},
		"bare":        {bare},
		"second":      {transfer.HostKeyLine(p.Addr(), other.PublicKey()), bare},
		"otherHost":   {"partner.example.com " + bare}, // pinned to the partner, not to the name
	} {
		q := *p
		q.HostKeys = keys
		s, err := transfer.Dial(context.Background(), &q)
		if err != nil {
			t.Errorf("%s: Dial: %v", name, err)
			continue
		}
		s.Close()
	}
}

func TestDialAuth(t *testing.T) {
	dir := t.TempDir()
	good, goodPEM := MustKey(t)
	_, badPEM := MustKey(t)
	srv, err := transfer.StartServer(context.Background(), transfer.ServerConfig{
		Root: dir, User: "agency", Password: "s3cret", AuthorizedKeys: []ssh.PublicKey{good.PublicKey()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := transfer.Partner{Name: "p", Role: transfer.RoleBank, Host: "127.0.0.1", Port: srv.Port(), User: "agency", HostKeys: []string{srv.HostKeyLine()}, Outbox: "/"}
	for _, tc := range []struct {
		name     string
		user     string
		key      []byte
		password string
		ok       bool
	}{
		{"Key", "agency", goodPEM, "", true},
		{"Password", "agency", nil, "s3cret", true},
		{"ErrWrongKey", "agency", badPEM, "", false},
		{"ErrWrongPassword", "agency", nil, "guess", false},
		{"ErrWrongUser", "root", goodPEM, "", false},
	} {
		p := base
		p.User, p.PrivateKey, p.Password = tc.user, tc.key, tc.password
		s, err := transfer.Dial(context.Background(), &p)
		if tc.ok != (err == nil) {
			t.Errorf("%s: Dial: %v", tc.name, err)
		}
		if err != nil && errors.Is(err, transfer.ErrConnection) {
			t.Errorf("%s: refused login %v counts as a connection failure (would be retried)", tc.name, err)
		}
		if s != nil {
			s.Close()
		}
	}
}

func TestDialRefused(t *testing.T) {
	srv, p, _ := MustServer(t)
	srv.Close()
	if _, err := transfer.Dial(context.Background(), p); !errors.Is(err, transfer.ErrConnection) {
		t.Errorf("Dial to a closed port: %v; want ErrConnection", err)
	}
}

func TestOpen(t *testing.T) {
	_, p, dir := MustServer(t)
	MustWrite(t, filepath.Join(dir, "inbox"), "a.ack", "x")
	both := sftpAndLocal(p, dir)
	for name, q := range both {
		r := MustOpen(t, q)
		files, err := r.List(context.Background(), "/inbox")
		if err != nil || len(files) != 1 {
			t.Errorf("%s: List = %v, %v", name, files, err)
		}
	}
	if _, err := transfer.Dial(context.Background(), both["local"]); err == nil {
		t.Error("Dial of a local partner succeeded")
	}
	unpinned := *p
	unpinned.HostKeys = nil
	if _, err := transfer.Open(context.Background(), &unpinned, transfer.Backoff{}); err == nil {
		t.Error("Open of an unpinned partner succeeded")
	}
}

func TestServerPosixRename(t *testing.T) {
	_, p, _ := MustServer(t)
	if !MustDial(t, p).PosixRename() {
		t.Error("in-process server does not offer posix-rename@openssh.com")
	}
}

// TestServerStaysInRoot checks that a client of the in-process server cannot
// read outside its root, by ".." or by a symbolic link.
func TestServerStaysInRoot(t *testing.T) {
	_, p, dir := MustServer(t)
	outside := t.TempDir()
	MustWrite(t, outside, "secret.txt", "private")
	if err := os.Symlink(outside, filepath.Join(dir, "inbox", "escape")); err != nil {
		t.Fatal(err)
	}
	s := MustDial(t, p)
	rel, err := filepath.Rel(dir, outside)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"/inbox/escape", "/../../../../" + filepath.ToSlash(outside), "/" + filepath.ToSlash(rel)} {
		_, err := s.Fetch(context.Background(), transfer.RemoteFile{Dir: d, Name: "secret.txt", Size: 7}, t.TempDir())
		if err == nil {
			t.Errorf("fetched %s/secret.txt from outside the server root", d)
		}
		if _, err := s.List(context.Background(), d); err == nil {
			t.Errorf("listed %s outside the server root", d)
		}
	}
}

// TestUploadMode: uploads land 0600 unless the partner's UploadMode says
// otherwise, over SFTP and into a local partner's directory alike.
func TestUploadMode(t *testing.T) {
	for _, tc := range []struct {
		mode, want fs.FileMode
	}{
		{0, 0o600},
		{0o640, 0o640},
	} {
		_, p, dir := MustServer(t)
		p.UploadMode = tc.mode
		for name, q := range sftpAndLocal(p, dir) {
			src := MustWrite(t, t.TempDir(), "x", name)
			got, err := MustOpen(t, q).Put(context.Background(), src, q.Outbox, name+".txt")
			if err != nil {
				t.Fatalf("%s: Put: %v", name, err)
			}
			fi, err := os.Stat(filepath.Join(dir, "outbox", got))
			if err != nil || fi.Mode().Perm() != tc.want {
				t.Errorf("%s: upload mode %#o: the file landed %v (%v); want %v", name, tc.mode, fi.Mode().Perm(), err, tc.want)
			}
		}
	}
}
