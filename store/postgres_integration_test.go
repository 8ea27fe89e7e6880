//go:build integration

package store_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/iwoproject/iwo/store"
)

// postgresURL makes a new schema on the PostgreSQL server named by
// IWO_TEST_POSTGRES, dropped when the test ends, and returns a URL that uses
// it, so runs and tests never see each other's rows. It fails the test when
// the variable is unset: `make integration` sets it.
func postgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("IWO_TEST_POSTGRES")
	if base == "" {
		tb.Fatal("IWO_TEST_POSTGRES is not set; run `make integration` or set it to a PostgreSQL URL (.ci/deps prints one)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", store.RedactURL(base), err)
	}
	tb.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	schema := "iwo_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse IWO_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// MustOpenPostgres opens a store in a fresh schema (see postgresURL).
func MustOpenPostgres(tb testing.TB) *store.DB {
	tb.Helper()
	return mustOpenURL(tb, postgresURL(tb))
}

func mustOpenURL(tb testing.TB, u string) *store.DB {
	tb.Helper()
	db, err := store.Open(ctx, u)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestIntegrationPostgres(t *testing.T) {
	runSuite(t, MustOpenPostgres)
}

// TestIntegrationPostgresLockAcrossHandles shows the advisory lock excludes
// another store handle (another process, in production) until released.
func TestIntegrationPostgresLockAcrossHandles(t *testing.T) {
	u := postgresURL(t)
	a, b := mustOpenURL(t, u), mustOpenURL(t, u)
	if a.Backend() != "postgres" {
		t.Fatalf("backend %q", a.Backend())
	}
	unlock, ok, err := a.TryLock(ctx, "nightly")
	if err != nil || !ok {
		t.Fatalf("a: ok %v err %v", ok, err)
	}
	if _, ok, err := b.TryLock(ctx, "nightly"); err != nil || ok {
		t.Fatalf("b took the lock a holds: ok %v err %v", ok, err)
	}
	unlock()
	unlockB, ok, err := b.TryLock(ctx, "nightly")
	if err != nil || !ok {
		t.Fatalf("b after a unlocked: ok %v err %v", ok, err)
	}
	unlockB()
}
