package store_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// orderIndexes returns every index of the orders table of the SQLite
// database at path with the statement that made it, and fails t unless
// the database passes PRAGMA integrity_check, which finds an index that
// lacks a row of its table or holds one too many.
func orderIndexes(t *testing.T, path string) []string {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders' ORDER BY name")
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			t.Fatalf("list indexes: %v", err)
		}
		out = append(out, name+": "+stmt)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	var check string
	if err := raw.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q, %v", check, err)
	}
	return out
}

// TestImportOrdersIndexesSQLite imports files large enough for the import
// to drop the orders' secondary indexes and build them after the rows (a
// first import, a re-import changing most orders), and files that change
// too few orders for that: whatever the path, and whether the import
// commits, fails or is a dry run, the orders keep every index the
// migrations made, each holding every row, and the searches that read
// them find the imported orders.
func TestImportOrdersIndexesSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iwo.db")
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	for _, fein := range []string{"480000101", "480000202"} {
		mustOK(t, db.UpsertEmployer(ctx, sampleEmployer(fein)), "employer")
	}
	want := orderIndexes(t, path)
	if len(want) < 3 {
		t.Fatalf("orders have indexes %q: want the migrations' secondary indexes", want)
	}
	same := func(what string) {
		t.Helper()
		if got := orderIndexes(t, path); !slices.Equal(got, want) {
			t.Fatalf("%s: orders indexes\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	const n = 1234
	plain := func(int) (string, string, string) { return "412.00", "480000101", "" }
	first := batchOrders(0, n, plain)
	if _, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(first), true); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	same("dry run of a first import")
	res, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(first), false)
	mustOK(t, err, "first import")
	if res != (store.ImportResult{Created: n}) {
		t.Fatalf("first import: %+v, want %d created", res, n)
	}
	same("first import")
	orderID := withholding.OrderID("ORD1201")
	if os, count, err := db.FindOrders(ctx, withholding.OrderFilter{OrderID: &orderID}); err != nil || count != 1 || os[0].CaseID != "KS600" {
		t.Fatalf("find order ORD1201 after the first import: %d orders, %v", count, err)
	}

	// Most orders amended, and a conflict in the last batch: the
	// rollback brings back the indexes dropped on the way.
	amended := func(i int) (string, string, string) { return "450.00", "480000101", "" }
	conflict := func(i int) (string, string, string) {
		if i == n-4 {
			return "450.00", "480000202", ""
		}
		return amended(i)
	}
	_, err = db.ImportOrders(ctx, "o.csv", strings.NewReader(batchOrders(0, n, conflict)), false)
	var ie *store.ImportErrors
	if !errors.As(err, &ie) || len(ie.Errs) != 1 || ie.Errs[0].Column != "employer_fein" {
		t.Fatalf("conflict in the last batch: %v, want one problem, employer_fein", err)
	}
	same("failed re-import")

	res, err = db.ImportOrders(ctx, "o.csv", strings.NewReader(batchOrders(0, n+300, amended)), false)
	mustOK(t, err, "re-import amending every order")
	if res != (store.ImportResult{Created: 300, Amended: n}) {
		t.Fatalf("re-import amending every order: %+v, want 300 created, %d amended", res, n)
	}
	same("re-import amending every order")

	// A few changes among many orders keep the indexes as they are.
	few := func(i int) (string, string, string) {
		if i%100 == 0 {
			return "470.00", "480000101", ""
		}
		return amended(i)
	}
	res, err = db.ImportOrders(ctx, "o.csv", strings.NewReader(batchOrders(0, n+310, few)), false)
	mustOK(t, err, "re-import of a few changes")
	if res.Created != 10 || res.Amended != (n+300+99)/100 {
		t.Fatalf("re-import of a few changes: %+v", res)
	}
	same("re-import of a few changes")
	if os, count, err := db.FindOrders(ctx, withholding.OrderFilter{OrderID: &orderID}); err != nil || count != 1 || os[0].Amounts.CurrentSupport.Amount != 45000 {
		t.Fatalf("find order ORD1201 after the re-imports: %d orders, %v", count, err)
	}
}
