package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// waitFor waits until stderr matches re; the deadline only keeps a broken
// test from hanging.
func waitFor(t *testing.T, stderr *lockedBuffer, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := rx.FindStringSubmatch(stderr.String()); m != nil {
			return m
		}
	}
	t.Fatalf("no log line matching %s; stderr:\n%s", re, stderr.String())
	return nil
}

// stalledBank writes a configuration whose bank inbox holds a file that
// must stay unchanged for an hour, so pull-remittances keeps waiting for
// it, with an hour of shutdown grace; jobs is more of the jobs: section.
func stalledBank(t *testing.T, jobs string) (cfg, bank string) {
	t.Helper()
	cfg, bank = jobsConfig(t, "transfer:\n  stable_for: 1h\njobs:\n  shutdown_grace: 1h\n"+strings.TrimPrefix(jobs, "\n"))
	if err := os.WriteFile(filepath.Join(bank, "in", "day1.ach"), []byte("not yet complete"), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, bank
}

// startIWO runs iwo with args in the background. cancel is its first stop
// signal, closing halt the second; done gets its exit status.
func startIWO(t *testing.T, args ...string) (cancel context.CancelFunc, halt chan struct{}, stderr *lockedBuffer, done chan int) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	halt, stderr, done = make(chan struct{}), new(lockedBuffer), make(chan int, 1)
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: stderr, getenv: func(string) string { return "" }, halt: halt}
	go func() { done <- Main(ctx, e, args) }()
	return cancel, halt, stderr, done
}

// TestServeSecondSignalCancelsRunningJob runs pull-remittances every second
// against a bank inbox whose file must stay unchanged for an hour, so the
// job is running when the first signal comes; the second signal cancels it
// although the grace period is an hour.
func TestServeSecondSignalCancelsRunningJob(t *testing.T) {
	cfg, bank := stalledBank(t, `
  pull-remittances:
    schedule: "* * * * * *"
    days: any
`)
	cancel, halt, stderr, done := startIWO(t, "serve", "--config", cfg, "--listen", "off")

	waitFor(t, stderr, `msg="job started" job=pull-remittances`)
	cancel() // first signal
	waitFor(t, stderr, `msg="shutting down: waiting for job" job=pull-remittances`)
	close(halt) // second signal
	if code := <-done; code != exitJobsCancelled {
		t.Errorf("serve exit %d, want %d; stderr:\n%s", code, exitJobsCancelled, stderr.String())
	}
	for _, want := range []string{
		`msg="shutting down: no new runs" running=1 grace=1h0m0s`,
		`msg="second signal: cancelling running jobs now"`,
		`msg="shutting down: job cancelled" job=pull-remittances`,
		`iwo serve: stopped after cancelling pull-remittances (run `,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}

	db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(filepath.Dir(cfg), "iwo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, _, err := db.FindJobRuns(context.Background(), "pull-remittances", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ran []*withholding.JobRun
	for _, r := range runs {
		if r.Status != withholding.RunSkipped {
			ran = append(ran, r)
		}
	}
	if len(ran) != 1 || ran[0].Status != withholding.RunFailed || !strings.Contains(ran[0].Error, "cancelled at shutdown") {
		t.Errorf("pull-remittances runs: %+v, want one failed, cancelled at shutdown", ran)
	}
	if _, err := os.Stat(filepath.Join(bank, "in", "day1.ach")); err != nil {
		t.Errorf("the bank's file left the inbox: %v", err)
	}
}

// TestNotifyStop sends the process two signals: the first cancels the
// context, the second closes halt.
func TestNotifyStop(t *testing.T) {
	ctx, halt, stop := notifyStop(context.Background())
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the first signal did not cancel the context")
	}
	select {
	case <-halt:
		t.Fatal("halt closed after one signal")
	default:
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-halt:
	case <-time.After(30 * time.Second):
		t.Fatal("the second signal did not close halt")
	}
}

// TestRunSignalLetsTheRunGoOnUntilSecond: "iwo run" does not cut a run off
// at the first signal (the grace is an hour, the run is waiting for a file
// to settle); the second signal cancels it, and the run is recorded as
// cancelled with the bank's file left in place.
func TestRunSignalLetsTheRunGoOnUntilSecond(t *testing.T) {
	cfg, bank := stalledBank(t, "")
	cancel, halt, stderr, done := startIWO(t, "run", "pull-remittances", "--config", cfg)

	waitFor(t, stderr, `msg="job started" job=pull-remittances`)
	cancel() // first signal
	waitFor(t, stderr, `msg="shutting down: waiting for job" job=pull-remittances`)
	select {
	case code := <-done:
		t.Fatalf("iwo run exited %d at the first signal; stderr:\n%s", code, stderr.String())
	default:
	}
	close(halt) // second signal
	if code := <-done; code != exitRunFailed {
		t.Errorf("iwo run exit %d, want %d; stderr:\n%s", code, exitRunFailed, stderr.String())
	}
	if !strings.Contains(stderr.String(), "cancelled at shutdown") {
		t.Errorf("stderr does not say the run was cancelled at shutdown:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(bank, "in", "day1.ach")); err != nil {
		t.Errorf("the bank's file left the inbox: %v", err)
	}
}
