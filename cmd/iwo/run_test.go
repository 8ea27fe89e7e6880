package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iwoproject/iwo/ach/achsynth"
)

// jobsConfig writes a configuration with one local bank partner and
// returns its path and the bank's directory.
func jobsConfig(t *testing.T, extra string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	bank := filepath.Join(dir, "bank")
	for _, d := range []string{"in", "in/archive", "in/rejected"} {
		if err := os.MkdirAll(filepath.Join(bank, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`data_dir: %s
database: sqlite:%s
log:
  format: text
partners:
  - name: dev-bank
    role: bank
    local: %s
    inbox: /in
    archive: /in/archive
    quarantine: /in/rejected
    patterns:
      ach: ["*.ach"]
%s`, filepath.Join(dir, "data"), filepath.Join(dir, "iwo.db"), bank, extra)
	path := filepath.Join(dir, "iwo.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, bank
}

func TestRunHelpListsJobs(t *testing.T) {
	code, help, _ := runIWO(t, "run", "-h")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, job := range []string{"send-iwos", "pull-acks", "pull-remittances", "reconcile", "report", "night"} {
		if !strings.Contains(help, job) {
			t.Errorf("iwo run -h does not list %s", job)
		}
	}
}

func TestRunPullRemittances(t *testing.T) {
	cfg, bank := jobsConfig(t, "")
	var b bytes.Buffer
	st, err := achsynth.Generate(&b, achsynth.Options{Count: 10, Seed: 3, Clean: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bank, "in", "day1.ach"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIWO(t, "run", "pull-remittances", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	want := fmt.Sprintf("payments %d", st.Items)
	if !strings.Contains(stdout, "pull-remittances: succeeded") || !strings.Contains(stdout, want) {
		t.Errorf("stdout %q, want a succeeded run with %s", stdout, want)
	}
	if _, err := os.Stat(filepath.Join(bank, "in", "archive", "day1.ach")); err != nil {
		t.Errorf("file not archived: %v", err)
	}
	// The whole night runs too; the file is gone, so nothing is applied.
	code, stdout, _ = runIWO(t, "run", "night", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "night: succeeded") {
		t.Errorf("iwo run night: exit %d stdout %q", code, stdout)
	}
}

func TestRunUnknownJob(t *testing.T) {
	cfg, _ := jobsConfig(t, "")
	code, _, stderr := runIWO(t, "run", "sweep-floors", "--config", cfg)
	if code != 2 || !strings.Contains(stderr, "unknown job") {
		t.Errorf("exit %d stderr %q, want a usage error", code, stderr)
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *lockedBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *lockedBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeMetricsAndShutdown(t *testing.T) {
	cfg, _ := jobsConfig(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr lockedBuffer
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr, getenv: func(string) string { return "" }}
	done := make(chan int)
	go func() { done <- Main(ctx, e, []string{"serve", "--config", cfg, "--listen", "127.0.0.1:0"}) }()

	addrRE := regexp.MustCompile(`msg="serving metrics" addr=(\S+)`)
	var addr string
	for deadline := time.Now().Add(30 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		cancel()
		t.Fatalf("serve did not report its address; stderr:\n%s", stderr.String())
	}
	for path, want := range map[string]string{"/healthz": "ok", "/metrics": "go_"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		if path == "/healthz" && !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %q", path, body)
		}
	}
	// The scheduler starts beside the metrics server: its lines may come
	// a moment after the address, later still on a loaded machine.
	scheduled := false
	for deadline := time.Now().Add(30 * time.Second); !scheduled && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		scheduled = strings.Contains(stderr.String(), `msg="job scheduled" job=pull-remittances`)
	}
	if !scheduled {
		t.Errorf("serve did not log the schedule; stderr:\n%s", stderr.String())
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exit %d after the signal; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), `msg="stopped: every running job finished" finished=0`) {
		t.Errorf("serve did not log how it stopped; stderr:\n%s", stderr.String())
	}
}

// TestRunServeNeedConfig checks that "run" and "serve" refuse to start on
// the built-in defaults (no partners: a night would succeed having done
// nothing, with a database under the home directory), and that a
// configuration naming no partners runs with a warning.
func TestRunServeNeedConfig(t *testing.T) {
	home := t.TempDir()
	for _, args := range [][]string{{"run", "night"}, {"serve", "--listen", "off"}} {
		var out, errb bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string {
			if k == "HOME" {
				return home
			}
			return ""
		}}
		if code := Main(context.Background(), e, args); code != 2 || out.Len() != 0 {
			t.Errorf("%v without a configuration: exit %d, stdout %q; want 2 and nothing", args, code, out.String())
		}
		if entries, _ := os.ReadDir(home); len(entries) != 0 {
			t.Errorf("%v without a configuration created %v under the home directory", args, entries)
		}
	}

	dir := t.TempDir()
	cfg := filepath.Join(dir, "iwo.yml")
	body := fmt.Sprintf("data_dir: %s\ndatabase: sqlite:%s\n", filepath.Join(dir, "data"), filepath.Join(dir, "iwo.db"))
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIWO(t, "run", "pull-remittances", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "pull-remittances: succeeded") || !strings.Contains(stderr, "no partners") {
		t.Errorf("configuration without partners: exit %d, stdout %q, stderr %q; want a run and a warning", code, stdout, stderr)
	}
}
