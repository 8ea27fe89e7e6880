package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestConsoleCommand(t *testing.T) {
	dir := t.TempDir()
	code, hash, stderr := runIWOStdin(t, "s3cret passphrase\n", "console", "hash-password")
	hash = strings.TrimSpace(hash)
	if code != 0 || !strings.HasPrefix(hash, "$2") {
		t.Fatalf("hash-password: exit %d, %q %s", code, hash, stderr)
	}
	cfg := filepath.Join(dir, "iwo.yml")
	// The hash is written literally: its dollar signs must not be expanded.
	conf := "data_dir: " + dir + "\nconsole:\n  users:\n    - name: pat\n      role: helpline\n      password_hash: '" + hash + "'\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runIWO(t, "config", "check", cfg); code != 0 {
		t.Fatalf("config check: exit %d: %s", code, stderr)
	}

	ctx, cancel := context.WithCancel(context.Background())
	errb := &syncBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: errb, getenv: func(string) string { return "" }}
	done := make(chan int)
	go func() { done <- Main(ctx, e, []string{"console", "--config", cfg, "--listen", "127.0.0.1:0"}) }()
	addr := regexp.MustCompile(`http://[0-9.:]+/`)
	var base string
	for i := 0; i < 300 && base == ""; i++ {
		base = addr.FindString(errb.String())
		time.Sleep(20 * time.Millisecond)
	}
	if base == "" {
		cancel()
		t.Fatalf("console did not start: %s", errb.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"login", url.Values{"user": {"pat"}, "password": {"s3cret passphrase"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "pat (helpline)") {
		t.Errorf("sign in through iwo console: status %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("iwo console exit %d after shutdown: %s", code, errb.String())
	}
}

func TestConsoleRefusesBadUsers(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "iwo.yml")
	conf := "data_dir: " + dir + "\nconsole:\n  users:\n    - name: pat\n      role: boss\n      password_hash: '$2a$10$abc'\n"
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runIWO(t, "config", "check", cfg)
	if code != 1 || !strings.Contains(stderr, "console.users[0].role") {
		t.Errorf("config check with a bad role: exit %d, %q", code, stderr)
	}
}

// runIWOStdin is runIWO with standard input.
func runIWOStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := Main(context.Background(), e, args)
	return code, out.String(), errb.String()
}
