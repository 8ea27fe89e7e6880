package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// MustOpenSQLite opens a fresh SQLite store in a temporary directory.
func MustOpenSQLite(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "iwo.db"))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestSQLite(t *testing.T) {
	runSuite(t, MustOpenSQLite)
}

func TestSQLiteMemory(t *testing.T) {
	runSuite(t, func(tb testing.TB) *store.DB {
		db, err := store.Open(ctx, "sqlite::memory:")
		if err != nil {
			tb.Fatalf("open sqlite::memory: %v", err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	})
}

func TestOpen(t *testing.T) {
	for _, url := range []string{"mysql://x", "", "sqlite:", "postgres:x", "sqlite:/tmp/a?b.db"} {
		_, err := store.Open(ctx, url)
		mustCode(t, err, withholding.EINVALID, "open "+url)
	}
	// Reopening an existing database finds the schema current and the data
	// there; the directory is created when missing.
	path := filepath.Join(t.TempDir(), "sub", "dir", "iwo.db")
	db, err := store.Open(ctx, "sqlite:"+path)
	mustOK(t, err, "open new")
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("480123456")), "upsert")
	mustOK(t, db.Close(), "close")
	db, err = store.Open(ctx, "sqlite://"+path)
	mustOK(t, err, "reopen")
	defer db.Close()
	if _, err := db.FindEmployerByFEIN(ctx, "480123456"); err != nil {
		t.Errorf("after reopen: %v", err)
	}
	if db.Backend() != "sqlite" {
		t.Errorf("backend %q", db.Backend())
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://iwo:secret@db:5432/iwo?sslmode=disable": "postgres://iwo:xxxxx@db:5432/iwo?sslmode=disable",
		"sqlite:/var/lib/iwo/iwo.db":                        "sqlite:/var/lib/iwo/iwo.db",
	} {
		if got := store.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSQLiteLockExpires shows a SQLite lock whose holder died (never
// renewed, never unlocked) lapses after LockTTL, and that two store handles
// on one file exclude each other.
func TestSQLiteLockExpires(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iwo.db")
	a, err := store.Open(ctx, "sqlite:"+path)
	mustOK(t, err, "open a")
	defer a.Close()
	b, err := store.Open(ctx, "sqlite:"+path)
	mustOK(t, err, "open b")
	defer b.Close()
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	a.Now = func() time.Time { return now }
	b.Now = func() time.Time { return now }
	a.LockTTL, b.LockTTL = time.Hour, time.Hour

	unlock, ok, err := a.TryLock(ctx, "nightly")
	if err != nil || !ok {
		t.Fatalf("a: ok %v err %v", ok, err)
	}
	defer unlock()
	if _, ok, _ := b.TryLock(ctx, "nightly"); ok {
		t.Fatal("b took the lock a holds")
	}
	b.Now = func() time.Time { return now.Add(59 * time.Minute) }
	if _, ok, _ := b.TryLock(ctx, "nightly"); ok {
		t.Fatal("b took the lock before it expired")
	}
	b.Now = func() time.Time { return now.Add(61 * time.Minute) }
	unlockB, ok, err := b.TryLock(ctx, "nightly")
	if err != nil || !ok {
		t.Fatalf("b after expiry: ok %v err %v", ok, err)
	}
	// a's late unlock must not release b's lock.
	unlock()
	if _, ok, _ := a.TryLock(ctx, "nightly"); ok {
		t.Error("a's unlock released b's lock")
	}
	unlockB()
}
