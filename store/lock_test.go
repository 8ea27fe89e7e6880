package store_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
)

// deadPID returns the PID of a process of this host that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("no `true` to run: %v", err)
	}
	return cmd.Process.Pid
}

// livePID returns the PID of a process of this host that runs until the
// test ends.
func livePID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Skipf("no `sleep` to run: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd.Process.Pid
}

// twoHandles opens two stores on one SQLite file, as two processes would,
// with a lease far longer than any test.
func twoHandles(t *testing.T) (a, b *store.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "iwo.db")
	for _, p := range []**store.DB{&a, &b} {
		db, err := store.Open(ctx, "sqlite:"+path)
		mustOK(t, err, "open")
		t.Cleanup(func() { db.Close() })
		db.LockTTL = time.Hour
		*p = db
	}
	return a, b
}

// TestSQLiteLockOfDeadProcessTakenAtOnce: a lease whose holder was a
// process of this host that no longer runs (SIGKILL, crash) is taken at
// once, not after its lease; a holder that still runs, or one on another
// host whose processes cannot be seen, keeps it.
func TestSQLiteLockOfDeadProcessTakenAtOnce(t *testing.T) {
	host, _ := os.Hostname()
	for _, tc := range []struct {
		name  string
		host  string
		pid   int
		taken bool
	}{
		{"OKDeadHere", host, deadPID(t), true},
		{"AliveHere", host, livePID(t), false},
		{"DeadElsewhere", "some-other-host", deadPID(t), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := twoHandles(t)
			if a.Host != host || a.PID != os.Getpid() {
				t.Fatalf("holder of a new handle: %s/%d, want %s/%d", a.Host, a.PID, host, os.Getpid())
			}
			a.Host, a.PID = tc.host, tc.pid
			unlockA, ok, err := a.TryLock(ctx, "nightly")
			if err != nil || !ok {
				t.Fatalf("a: ok %v err %v", ok, err)
			}
			defer unlockA()
			unlockB, ok, err := b.TryLock(ctx, "nightly")
			if err != nil || ok != tc.taken {
				t.Fatalf("b, with the lease held by %s/%d: ok %v err %v, want ok %v", tc.host, tc.pid, ok, err, tc.taken)
			}
			if ok {
				defer unlockB()
				// The dead holder's late unlock must not release b's lock.
				unlockA()
				if _, ok, _ := a.TryLock(ctx, "nightly"); ok {
					t.Error("a took the lock b holds")
				}
			}
		})
	}
}
