package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

// openTemp opens a fresh SQLite store for the test, closed when it ends.
func openTemp(t *testing.T) *DB {
	t.Helper()
	d, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "iwo.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestBulkTxForeignKeysBackOn checks that a bulk transaction without
// SQLite's foreign-key checks (RecordSent's) hands its connection back to
// the pool with them on: the pool's one connection is the one used.
func TestBulkTxForeignKeysBackOn(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	d.db.SetMaxOpenConns(1)
	foreignKeys := func(q queryer) int {
		t.Helper()
		var on int
		if err := q.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&on); err != nil {
			t.Fatalf("read foreign_keys: %v", err)
		}
		return on
	}
	if on := foreignKeys(d.db); on != 1 {
		t.Fatalf("foreign_keys %d before, want 1", on)
	}
	err := d.inBulkTxChecked(ctx, false, func(tx *txn) error {
		if on := foreignKeys(tx); on != 0 {
			t.Errorf("foreign_keys %d in the transaction, want 0", on)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bulk transaction: %v", err)
	}
	if on := foreignKeys(d.db); on != 1 {
		t.Errorf("foreign_keys %d after, want 1", on)
	}
}

// TestWALCheckpointEveryConnection: every pooled SQLite connection waits
// for walCheckpointPages pages of log before it checkpoints, not SQLite's
// 1,000 (a connection opened later too).
func TestWALCheckpointEveryConnection(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	var conns []*sql.Conn
	for range 3 {
		c, err := d.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var pages int
		if err := c.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if pages != walCheckpointPages {
			t.Errorf("connection %d checkpoints every %d pages, want %d", len(conns), pages, walCheckpointPages)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}

// TestApplyPaymentsLeavesItsConnection: ApplyPayments on SQLite runs as a
// bulk transaction (statement journals in memory, no foreign-key check of
// each payment's file) and hands its connection back as it found it,
// after a file applied and after one refused.
func TestApplyPaymentsLeavesItsConnection(t *testing.T) {
	ctx := context.Background()
	d := openTemp(t)
	d.db.SetMaxOpenConns(1)
	settings := func() (fk, temp int) {
		t.Helper()
		if err := d.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := d.db.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&temp); err != nil {
			t.Fatal(err)
		}
		return fk, temp
	}
	f := &withholding.File{Direction: withholding.Inbound, Partner: "sdu", Kind: withholding.KindACHFile, RemoteName: "a.ach", SHA256: strings.Repeat("a", 64), Size: 1}
	if err := d.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	one := func(yield func(*withholding.Payment, error) bool) {
		yield(&withholding.Payment{Kind: withholding.KindPayment, Trace: "091000010000001", Credited: 100}, nil)
	}
	for _, id := range []int64{f.ID, f.ID + 100} {
		n, err := d.ApplyPayments(ctx, id, one)
		if id == f.ID && (err != nil || n != 1) {
			t.Fatalf("apply: %d, %v", n, err)
		} else if id != f.ID && withholding.ErrorCode(err) != withholding.ENOTFOUND {
			t.Fatalf("apply to no file: err %v, want ENOTFOUND", err)
		}
		if fk, temp := settings(); fk != 1 || temp != 0 {
			t.Errorf("after applying to file %d: foreign_keys %d, temp_store %d; want 1 and 0 (default)", id, fk, temp)
		}
	}
}
