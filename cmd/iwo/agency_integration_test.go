//go:build integration

package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/transfer"
)

// The integration suites of this file run the real iwo binary, built once
// per test, against an agency in a temporary directory: an SQLite store and
// partners that are local directories, plus (on request) one partner
// behind a real OpenSSH sshd.

// MustBuildIWO builds the iwo binary into a temporary directory and returns
// its path.
func MustBuildIWO(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "iwo")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// testAgency is an agency's workspace: its configuration, database and
// partners' directories.
type testAgency struct {
	t   *testing.T
	bin string
	dir string
	cfg string
	db  string
	// roots maps a partner name to the directory its inbox, outbox,
	// archive and quarantine are in: the local directory of a local
	// partner, the server's directory of the OpenSSH one.
	roots map[string]string
}

// Local partners of every test agency, and their roles.
var localPartners = []struct{ name, role, patterns string }{
	{"portal", "portal", `ack: ["ACK*.txt", "*.ack"]`},
	{"bank", "bank", `ach: ["*.ach"]`},
	{"ops", "operations", ""},
}

// MustAgency writes the configuration of a new agency; with sshd true a
// second bank, "sftp-bank", is an OpenSSH server run by the test.
func MustAgency(t *testing.T, bin string, sshd bool) *testAgency {
	t.Helper()
	dir := t.TempDir()
	a := &testAgency{t: t, bin: bin, dir: dir, cfg: filepath.Join(dir, "iwo.yml"), db: filepath.Join(dir, "iwo.db"), roots: map[string]string{}}
	var b strings.Builder
	fmt.Fprintf(&b, `data_dir: %s
database: sqlite:%s
log:
  format: text
  level: warn
transfer:
  stable_for: 0s
  timeout: 10s
  retry:
    attempts: 1
    initial: 10ms
    max: 10ms
jobs:
  shutdown_grace: 0s
partners:
`, filepath.Join(dir, "data"), a.db)
	for _, p := range localPartners {
		root := filepath.Join(dir, p.name)
		a.roots[p.name] = root
		for _, d := range []string{"in", "in/archive", "in/rejected", "out"} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Fprintf(&b, "  - name: %s\n    role: %s\n    local: %s\n    outbox: /out\n", p.name, p.role, root)
		if p.patterns != "" {
			fmt.Fprintf(&b, "    inbox: /in\n    archive: /in/archive\n    quarantine: /in/rejected\n    patterns:\n      %s\n", p.patterns)
		}
	}
	if sshd {
		b.WriteString(startSSHD(t, a))
	}
	if err := os.WriteFile(a.cfg, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return a
}

// startSSHD starts an OpenSSH sshd on a loopback port whose directory holds
// the partner "sftp-bank" (in, in/archive, in/rejected, out), and returns
// that partner's configuration. sshd and its sessions are killed when the
// test ends.
func startSSHD(t *testing.T, a *testAgency) string {
	t.Helper()
	const sshdPath, sftpServer = "/usr/sbin/sshd", "/usr/lib/openssh/sftp-server"
	for _, p := range []string{sshdPath, sftpServer} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("OpenSSH is required for this test (apt-get install openssh-server openssh-sftp-server): %v", err)
		}
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if u.Uid == "0" {
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(a.dir, "sshd")
	a.roots["sftp-bank"] = dir
	for _, d := range []string{"in/archive", "in/rejected", "out"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	key := func(name string) ssh.Signer {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		blk, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(blk), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := ssh.NewSignerFromKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	host, client := key("host_key"), key("client_key")
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), ssh.MarshalAuthorizedKey(client.PublicKey()), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	conf := fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s\nAuthorizedKeysFile %s\nStrictModes no\n"+
		"PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"+
		"PermitRootLogin prohibit-password\nAllowUsers %s\nSubsystem sftp %s\n",
		port, filepath.Join(dir, "host_key"), filepath.Join(dir, "sshd.pid"), filepath.Join(dir, "authorized_keys"), u.Username, sftpServer)
	if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(sshdPath, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	cmd.Stderr = &stderr
	// Its own process group, so that its sessions die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(20 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen on %s: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	hostLine := transfer.HostKeyLine(addr, host.PublicKey())
	return fmt.Sprintf(`  - name: sftp-bank
    role: bank
    host: 127.0.0.1
    port: %d
    user: %s
    key_file: %s
    host_keys:
      - %q
    inbox: %s
    archive: %s
    quarantine: %s
    patterns:
      ach: ["*.ach"]
`, port, u.Username, filepath.Join(dir, "client_key"), hostLine,
		filepath.Join(dir, "in"), filepath.Join(dir, "in/archive"), filepath.Join(dir, "in/rejected"))
}

// iwo runs the binary with the agency's configuration and returns its exit
// code and combined output.
func (a *testAgency) iwo(args ...string) (int, string) {
	a.t.Helper()
	cmd := a.command(args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		a.t.Fatalf("iwo %v: %v", args, err)
	}
	return 0, string(out)
}

// command returns the binary's command with the agency's configuration
// ($IWO_CONFIG, read by every command that uses one).
func (a *testAgency) command(args ...string) *exec.Cmd {
	cmd := exec.Command(a.bin, args...)
	cmd.Env = append(os.Environ(), "IWO_CONFIG="+a.cfg, "IWO_DB=", "IWO_DATA=")
	return cmd
}

// MustIWO runs the binary and fails the test unless it exits with one of
// codes (0 when none are given).
func (a *testAgency) MustIWO(args []string, codes ...int) string {
	a.t.Helper()
	if len(codes) == 0 {
		codes = []int{0}
	}
	code, out := a.iwo(args...)
	for _, c := range codes {
		if c == code {
			return out
		}
	}
	a.t.Fatalf("iwo %s: exit %d, want %v\n%s", strings.Join(args, " "), code, codes, out)
	return ""
}

// open opens the agency's store.
func (a *testAgency) open() *store.DB {
	a.t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+a.db)
	if err != nil {
		a.t.Fatal(err)
	}
	return db
}

// rawDB opens the agency's SQLite file with database/sql, for what the
// store does not expose (locks).
func (a *testAgency) rawDB() *sql.DB {
	a.t.Helper()
	db, err := sql.Open("sqlite", a.db+"?_pragma=busy_timeout(10000)")
	if err != nil {
		a.t.Fatal(err)
	}
	return db
}

// place puts data into dir under name as a partner would: written under a
// dotted name, then renamed, so that no job sees it half-written.
func place(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	tmp := filepath.Join(dir, "."+name+".part")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return sha(data)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
