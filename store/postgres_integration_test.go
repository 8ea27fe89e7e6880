//go:build integration

package store_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

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

// TestIntegrationPostgresImportKeepsToTheKey imports into an empty orders
// table more batches than PostgreSQL plans a prepared statement for before
// it may keep one plan for good: every batch's look-up of the orders
// already stored must go through the unique key, not scan the orders the
// import wrote so far, as a plan made on the empty table does (a state's
// 1.2M orders took tens of minutes that way). pg_stat_user_tables counts
// the scans once the import's statistics reach it; the migrations' index
// builds, which scan the table too, are counted before.
func TestIntegrationPostgresImportKeepsToTheKey(t *testing.T) {
	u := postgresURL(t)
	db := mustOpenURL(t, u)
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("480000101")), "employer")
	stats, err := sql.Open("pgx", u)
	mustOK(t, err, "connect")
	defer stats.Close()
	// scansOnce returns the orders table's scans once its statistics
	// count inserted rows.
	scansOnce := func(inserted int64) int64 {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			var ins, scans int64
			err := stats.QueryRowContext(ctx, "SELECT n_tup_ins, seq_scan FROM pg_stat_user_tables WHERE relid = 'orders'::regclass").Scan(&ins, &scans)
			mustOK(t, err, "read the orders' statistics")
			if ins >= inserted {
				return scans
			}
			if time.Now().After(deadline) {
				t.Fatalf("the orders' statistics show %d rows inserted after 30 s, want %d", ins, inserted)
			}
		}
	}
	plain := func(int) (string, string, string) { return "412.00", "480000101", "" }
	_, err = db.ImportOrders(ctx, "first.csv", strings.NewReader(batchOrders(0, 1, plain)), false)
	mustOK(t, err, "import one order")
	before := scansOnce(1)
	const n = 20 * 250
	res, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(batchOrders(1, 1+n, plain)), false)
	mustOK(t, err, "import")
	if res.Created != n {
		t.Fatalf("import: %+v, want %d created", res, n)
	}
	if scans := scansOnce(1+n) - before; scans > 0 {
		t.Errorf("the import scanned the orders table %d times, want none (each batch through the unique key)", scans)
	}
}
