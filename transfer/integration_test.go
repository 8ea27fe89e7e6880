//go:build integration

package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

const (
	sshdPath       = "/usr/sbin/sshd"
	sftpServerPath = "/usr/lib/openssh/sftp-server"
)

// openSSH is a real OpenSSH sshd on a loopback port, with throwaway keys,
// run by the test.
type openSSH struct {
	t      *testing.T
	dir    string
	config string
	port   int
	hostPK ssh.PublicKey

	mu     sync.Mutex
	cmd    *exec.Cmd
	stderr *bytes.Buffer
}

// startOpenSSH configures and starts sshd. It fails the test when OpenSSH
// is not installed: `make integration` (.ci/deps) installs it.
func startOpenSSH(t *testing.T) (*openSSH, *transfer.Partner) {
	t.Helper()
	for _, p := range []string{sshdPath, sftpServerPath} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("OpenSSH is required for this test (apt-get install openssh-server openssh-sftp-server): %v", err)
		}
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if u.Uid == "0" {
		// sshd running as root insists on its privilege separation directory.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	hostSigner, hostPEM := MustKey(t)
	clientSigner, clientPEM := MustKey(t)
	hostKeyFile := filepath.Join(dir, "ssh_host_ed25519_key")
	if err := os.WriteFile(hostKeyFile, hostPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	authKeys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(authKeys, ssh.MarshalAuthorizedKey(clientSigner.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"inbox", "outbox", "archive", "quarantine"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	config := filepath.Join(dir, "sshd_config")
	conf := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s
AuthorizedKeysFile %s
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowUsers %s
Subsystem sftp %s
LogLevel VERBOSE
`, port, hostKeyFile, filepath.Join(dir, "sshd.pid"), authKeys, u.Username, sftpServerPath)
	if err := os.WriteFile(config, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &openSSH{t: t, dir: dir, config: config, port: port, hostPK: hostSigner.PublicKey()}
	s.start()
	t.Cleanup(s.kill)
	return s, &transfer.Partner{
		Name:       "openssh",
		Role:       transfer.RoleBank,
		Host:       "127.0.0.1",
		Port:       port,
		User:       u.Username,
		PrivateKey: clientPEM,
		HostKeys:   []string{transfer.HostKeyLine(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), s.hostPK)},
		Inbox:      filepath.Join(dir, "inbox"),
		Outbox:     filepath.Join(dir, "outbox"),
		Archive:    filepath.Join(dir, "archive"),
		Quarantine: filepath.Join(dir, "quarantine"),
		Patterns:   map[withholding.FileKind][]string{withholding.KindACHFile: {"*.ach"}},
		Timeout:    10 * time.Second,
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// start runs sshd in the foreground (-D) and waits until it accepts
// connections.
func (s *openSSH) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var stderr bytes.Buffer
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", s.config)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start sshd: %v", err)
	}
	s.cmd, s.stderr = cmd, &stderr
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("sshd did not start listening on %d: %v\n%s", s.port, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill stops sshd and every session process it forked (they run in their
// own sessions, so killing the listener alone would leave them serving).
func (s *openSSH) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	pids := append(descendants(s.cmd.Process.Pid), s.cmd.Process.Pid)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	_ = s.cmd.Wait()
	s.cmd = nil
}

// descendants returns the processes below pid, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so cut at the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	var walk func(int)
	walk = func(p int) {
		for _, c := range children[p] {
			out = append(out, c)
			walk(c)
		}
	}
	walk(pid)
	return out
}

func (s *openSSH) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stderr == nil {
		return ""
	}
	return s.stderr.String()
}

func TestIntegrationOpenSSH(t *testing.T) {
	srv, p := startOpenSSH(t)
	ctx := context.Background()
	dial := func(t *testing.T) *transfer.SFTP {
		t.Helper()
		s, err := transfer.Dial(ctx, p)
		if err != nil {
			t.Fatalf("dial OpenSSH: %v\nsshd log:\n%s", err, srv.log())
		}
		t.Cleanup(func() { s.Close() })
		return s
	}

	t.Run("Push", func(t *testing.T) {
		s := dial(t)
		if !s.PosixRename() {
			t.Error("OpenSSH does not offer posix-rename@openssh.com")
		}
		src := MustWrite(t, t.TempDir(), "f", "FHI push")
		name := transfer.UniqueName("IWO", time.Now(), ".txt")
		got, err := s.Put(ctx, src, p.Outbox, name)
		if err != nil || got != name {
			t.Fatalf("Put = %q, %v; want %q", got, err, name)
		}
		if b := MustRead(t, filepath.Join(p.Outbox, name)); b != "FHI push" {
			t.Errorf("server holds %q", b)
		}
		// OpenSSH creates files 0644; Put narrows them to the partner's mode.
		if fi, err := os.Stat(filepath.Join(p.Outbox, name)); err != nil || fi.Mode().Perm() != transfer.DefaultUploadMode {
			t.Errorf("upload landed with mode %v (%v); want %v", fi.Mode().Perm(), err, transfer.DefaultUploadMode)
		}
		// A name of 255 bytes fits its temporary name too.
		long := strings.Repeat("L", 251) + ".txt"
		if got, err := s.Put(ctx, src, p.Outbox, long); err != nil || got != long {
			t.Errorf("Put of a 255-byte name = %q, %v", got, err)
		}
		os.Remove(filepath.Join(p.Outbox, long))
		if n := names(t, p.Outbox); !slices.Equal(n, []string{name}) {
			t.Errorf("outbox holds %v; want only %s", n, name)
		}
	})

	t.Run("DuplicateFile", func(t *testing.T) {
		s := dial(t)
		one := MustWrite(t, t.TempDir(), "one", "FHI one")
		two := MustWrite(t, t.TempDir(), "two", "FHI two")
		for i, tc := range []struct {
			src, want string
		}{{one, "DUP.txt"}, {one, "DUP.txt"}, {two, "DUP~1.txt"}, {two, "DUP~1.txt"}} {
			got, err := s.Put(ctx, tc.src, p.Outbox, "DUP.txt")
			if err != nil || got != tc.want {
				t.Errorf("Put %d = %q, %v; want %q", i, got, err, tc.want)
			}
		}
		if b := MustRead(t, filepath.Join(p.Outbox, "DUP.txt")); b != "FHI one" {
			t.Errorf("DUP.txt overwritten: %q", b)
		}
		// An inbound file of a name already archived keeps both.
		MustWrite(t, p.Inbox, "same.ach", "first")
		if _, err := s.Move(ctx, filepath.Join(p.Inbox, "same.ach"), p.Archive); err != nil {
			t.Fatal(err)
		}
		MustWrite(t, p.Inbox, "same.ach", "second")
		to, err := s.Move(ctx, filepath.Join(p.Inbox, "same.ach"), p.Archive)
		if err != nil || to != filepath.Join(p.Archive, "same~1.ach") {
			t.Errorf("second archive = %q, %v", to, err)
		}
		if b := MustRead(t, filepath.Join(p.Archive, "same.ach")); b != "first" {
			t.Errorf("archived file overwritten: %q", b)
		}
	})

	t.Run("PullAndArchive", func(t *testing.T) {
		s := dial(t)
		MustWrite(t, p.Inbox, "r1.ach", "101 one")
		MustWrite(t, p.Inbox, "r2.ach", "101 two")
		MustWrite(t, p.Inbox, ".r3.ach", "uploading")
		l, err := transfer.ListReady(ctx, s, p.Inbox, transfer.ListOptions{Patterns: p.Patterns[withholding.KindACHFile]})
		files := l.Ready
		if err != nil || len(files) != 2 || len(l.Growing) != 0 {
			t.Fatalf("ListReady = %+v, %v", l, err)
		}
		staging := t.TempDir()
		for _, f := range files {
			got, err := s.Fetch(ctx, f, staging)
			if err != nil {
				t.Fatal(err)
			}
			if want := MustRead(t, filepath.Join(p.Inbox, f.Name)); got.SHA256 != sum(want) || MustRead(t, got.LocalPath) != want {
				t.Errorf("Fetch %s = %+v", f.Name, got)
			}
		}
		if err := transfer.Finish(ctx, s, p, files[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := transfer.Quarantine(ctx, s, p, files[1]); err != nil {
			t.Fatal(err)
		}
		if n := names(t, p.Inbox); !slices.Equal(n, []string{".r3.ach"}) {
			t.Errorf("inbox holds %v", n)
		}
		if _, err := os.Stat(filepath.Join(p.Archive, "r1.ach")); err != nil {
			t.Errorf("r1.ach not archived: %v", err)
		}
		if _, err := os.Stat(filepath.Join(p.Quarantine, "r2.ach")); err != nil {
			t.Errorf("r2.ach not quarantined: %v", err)
		}
		os.Remove(filepath.Join(p.Inbox, ".r3.ach"))
	})

	t.Run("GrowingFile", func(t *testing.T) {
		s := dial(t)
		MustWrite(t, p.Inbox, "g.ach", "101 part")
		l, err := transfer.ListReady(ctx, s, p.Inbox, transfer.ListOptions{
			StableFor: time.Second,
			Wait: func(context.Context, time.Duration) error {
				f, err := os.OpenFile(filepath.Join(p.Inbox, "g.ach"), os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					return err
				}
				defer f.Close()
				_, err = f.WriteString(" more")
				return err
			},
		})
		if err != nil || len(l.Ready) != 0 || len(l.Growing) != 1 {
			t.Errorf("ListReady = %+v, %v; want g.ach growing", l, err)
		}
		// Fetching with the stale listing is refused, not half-read.
		stale := transfer.RemoteFile{Dir: p.Inbox, Name: "g.ach", Size: 8}
		if _, err := s.Fetch(ctx, stale, t.TempDir()); !errors.Is(err, transfer.ErrChanged) {
			t.Errorf("Fetch of grown file: %v; want ErrChanged", err)
		}
		os.Remove(filepath.Join(p.Inbox, "g.ach"))
	})

	t.Run("WrongHostKeyRefused", func(t *testing.T) {
		other, _ := MustKey(t)
		q := *p
		q.HostKeys = []string{transfer.HostKeyLine(p.Addr(), other.PublicKey())}
		if _, err := transfer.Dial(ctx, &q); !errors.Is(err, transfer.ErrHostKey) {
			t.Errorf("Dial with wrong pinned key: %v; want ErrHostKey", err)
		}
		q.HostKeys = nil
		var fe *transfer.FieldError
		if _, err := transfer.Dial(ctx, &q); !errors.As(err, &fe) || fe.Field != "host_keys" {
			t.Errorf("Dial without pinned key: %v; want host_keys refused", err)
		}
	})

	t.Run("ServerRestartMidRun", func(t *testing.T) {
		MustWrite(t, p.Inbox, "mid.ach", "101 restart")
		dials, pauses := 0, 0
		r := transfer.NewRetry(func(ctx context.Context) (transfer.Remote, error) {
			dials++
			return transfer.Dial(ctx, p)
		}, transfer.Backoff{Attempts: 5, Sleep: func(context.Context, time.Duration) error {
			pauses++
			if pauses == 1 {
				srv.start() // the server comes back while we wait
			}
			return nil
		}})
		defer r.Close()
		files, err := r.List(ctx, p.Inbox)
		if err != nil || len(files) != 1 {
			t.Fatalf("List = %v, %v", files, err)
		}
		srv.kill()
		got, err := r.Fetch(ctx, files[0], t.TempDir())
		if err != nil {
			t.Fatalf("Fetch across a restart: %v\nsshd log:\n%s", err, srv.log())
		}
		if got.SHA256 != sum("101 restart") || dials != 2 || pauses != 1 {
			t.Errorf("Fetch = %+v after %d dials, %d pauses; want 2 dials, 1 pause", got, dials, pauses)
		}
		if err := transfer.Finish(ctx, r, p, files[0]); err != nil {
			t.Errorf("archive after restart: %v", err)
		}
	})

}
