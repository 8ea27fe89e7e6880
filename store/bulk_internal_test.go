package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestBulkTxForeignKeysBackOn checks that a bulk transaction without
// SQLite's foreign-key checks (RecordSent's) hands its connection back to
// the pool with them on: the pool's one connection is the one used.
func TestBulkTxForeignKeysBackOn(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "iwo.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	defer d.Close()
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
	err = d.inBulkTxChecked(ctx, false, func(tx *txn) error {
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
