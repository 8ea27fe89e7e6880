package store_test

import (
	"fmt"
	"testing"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// testExceptionsManyBatches upserts more exceptions than one statement
// carries, not a multiple of it, mixing keys already stored (their rows
// untouched) and keys repeated within the list, across a batch boundary
// too: every element gets its key's row ID and only new keys count.
func testExceptionsManyBatches(t *testing.T, db *store.DB) {
	mk := func(key string) *withholding.Exception {
		return &withholding.Exception{Type: withholding.ExIWONoAck, Severity: withholding.SeverityMedium, Key: key,
			CaseID: "KS0001", Message: "no acknowledgment " + key, OpenedOn: date("2026-11-09")}
	}
	var before []*withholding.Exception
	for i := 0; i < 1234; i += 7 {
		e := mk(fmt.Sprintf("k%04d", i))
		e.Message = "stored first"
		before = append(before, e)
	}
	n, err := db.UpsertExceptions(ctx, before)
	mustOK(t, err, "upsert the first ones")
	if n != len(before) {
		t.Fatalf("first upsert created %d, want %d", n, len(before))
	}
	stored := map[string]int64{}
	for _, e := range before {
		stored[e.Key] = e.ID
	}
	var all []*withholding.Exception
	for i := range 1234 {
		all = append(all, mk(fmt.Sprintf("k%04d", i)))
	}
	all = append(all, mk("k0003"), mk("k1000"), mk("k0007")) // repeated: new, new and stored
	n, err = db.UpsertExceptions(ctx, all)
	mustOK(t, err, "upsert many")
	if want := 1234 - len(before); n != want {
		t.Errorf("created %d, want %d", n, want)
	}
	got, total, err := db.FindExceptions(ctx, withholding.ExceptionFilter{})
	mustOK(t, err, "find")
	if total != 1234 {
		t.Fatalf("%d exceptions stored, want 1234", total)
	}
	byKey := map[string]*withholding.Exception{}
	for _, e := range got {
		byKey[e.Key] = e
	}
	for i, e := range all {
		row := byKey[e.Key]
		if row == nil || e.ID != row.ID {
			t.Fatalf("element %d (%s): ID %d, stored row %+v", i, e.Key, e.ID, row)
		}
		if id, ok := stored[e.Key]; ok && (row.ID != id || row.Message != "stored first") {
			t.Errorf("%s: stored row changed: %+v", e.Key, row)
		}
		if _, ok := stored[e.Key]; !ok && row.Message != "no acknowledgment "+e.Key {
			t.Errorf("%s: new row %+v", e.Key, row)
		}
	}
}
