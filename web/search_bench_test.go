package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, to fill the store in bulk

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// Sizes of the state-scale store the console benchmarks search.
const (
	benchOrders     = 1_000_000
	benchEmployers  = 20_000
	benchExceptions = 20_000
)

// mustStateStore makes a SQLite store of a state's size: 20,000
// employers, 1,000,000 orders with synthetic names and 20,000 open
// exceptions. It fills the tables with SQL (a recursive count) rather
// than through the import, which would take minutes; the schema, indexes
// included, is the store's own.
func mustStateStore(b *testing.B) (*store.DB, *withholding.Order) {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "state.db")
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	// Names from the synthetic world, so prefixes spread as real ones.
	g := synth.New(7)
	emps := g.Employers(50)
	people := g.Orders(emps, 4000)
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%.60s: %v", q, err)
		}
	}
	exec("CREATE TEMP TABLE names (i INTEGER PRIMARY KEY, last TEXT, first TEXT)")
	for i, o := range people {
		exec("INSERT INTO names VALUES (?, ?, ?)", i, o.Obligor.Last, o.Obligor.First)
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	exec(`INSERT INTO employers (fein, name, city, state, created_at, updated_at)
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
		SELECT printf('%09d', 100000000 + i), 'EMPLOYER ' || i || ' ' || (SELECT last FROM names WHERE names.i = n.i % 4000) || ' INC', 'TOPEKA', 'KS', ?, ? FROM n`,
		benchEmployers, now, now)
	exec(`INSERT INTO orders (case_id, order_id, remittance_id, employer_fein, obligor_last, obligor_first, obligor_ssn, created_at, updated_at, status)
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
		SELECT printf('KS%010d', i), printf('ORD%010d', i), printf('KS%010d', i), printf('%09d', 100000000 + i % ?),
		  (SELECT last FROM names WHERE names.i = n.i % 4000), (SELECT first FROM names WHERE names.i = (n.i / 4000) % 4000),
		  printf('9%08d', i), ?, ?, 'active' FROM n`,
		benchOrders, benchEmployers, now, now)
	exec(`INSERT INTO exceptions (key, type, severity, status, case_id, fein, message, opened_on, created_at)
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
		SELECT 'k' || i, CASE i % 3 WHEN 0 THEN 'iwo_rejected' WHEN 1 THEN 'short_payment' ELSE 'missing_payment' END,
		  CASE i % 2 WHEN 0 THEN 'high' ELSE 'low' END, 'open', printf('KS%010d', i * 50), printf('%09d', 100000000 + i % ?),
		  'exception ' || i, date('2026-11-01', '+' || (i % 60) || ' days'), ? FROM n`,
		benchExceptions, benchEmployers, now)
	exec("ANALYZE")
	id := int64(123457)
	o, err := db.FindOrderByID(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	return db, o
}

// BenchmarkSearch answers the console's search box, its order, employer
// and queue pages and the JSON API's order, over a store of a state's size
// (mustStateStore), through HTTP as a signed-in user: each page must
// answer in well under 100 ms. It reports ms/page (the mean) and
// worst-ms.
func BenchmarkSearch(b *testing.B) {
	db, o := mustStateStore(b)
	hash, err := web.HashPassword("pw")
	if err != nil {
		b.Fatal(err)
	}
	s, err := web.New(web.Config{
		Services: web.Services{Employers: db, Orders: db, Documents: db, Payments: db, Exceptions: db, JobRuns: db, Files: db,
			Accounts: db, Audit: db, APITokens: db},
		Users:    []web.User{{Name: "sup", Role: web.RoleSupervisor, PasswordHash: hash}},
		Location: time.UTC, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	f := &fixture{db: db, srv: srv}
	c := f.client(b, "sup", "pw")
	token := MustAPIToken(b, f, "cms", web.RoleHelpline)
	fein := o.EmployerFEIN
	pages := []struct{ name, path string }{
		{"DashedFEIN", "/?q=" + url.QueryEscape(string(fein[:2])+"-"+string(fein[2:]))},
		{"EmployerName", "/?q=" + url.QueryEscape("employer 1234")},
		{"CaseID", "/?q=" + url.QueryEscape(string(o.CaseID))},
		{"OrderID", "/?q=" + url.QueryEscape(string(o.OrderID))},
		{"LastCommaFirst", "/?q=" + url.QueryEscape(o.Obligor.Last+", "+o.Obligor.First)},
		{"FirstLast", "/?q=" + url.QueryEscape(o.Obligor.First+" "+o.Obligor.Last)},
		{"NameLast4", "/?q=" + url.QueryEscape(o.Obligor.Last+" "+o.Obligor.SSN.Last4())},
		{"FEINLast4", "/?q=" + url.QueryEscape(string(fein)+" "+o.Obligor.SSN.Last4())},
		{"Trace", "/?q=091000010000001"},
		{"Queue", "/exceptions"},
		{"QueueFiltered", "/exceptions?type=short_payment&severity=low&sort=severity&page=3"},
		{"Order", fmt.Sprintf("/orders/%d", o.ID)},
		{"Employer", "/employers/" + string(fein)},
		{"CalcForOrder", fmt.Sprintf("/calc?order=%d", o.ID)}, // its orders carry no amounts: prefilled only
	}
	measure := func(name string, fetch func(b *testing.B) (int, int)) {
		b.Run(name, func(b *testing.B) {
			var worst, total time.Duration
			n := 0
			for b.Loop() {
				start := time.Now()
				if code, size := fetch(b); code != 200 || size == 0 {
					b.Fatalf("%s: status %d", name, code)
				}
				took := time.Since(start)
				worst, total, n = max(worst, took), total+took, n+1
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(n), "ms/page")
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
		})
	}
	for _, p := range pages {
		measure(p.name, func(b *testing.B) (int, int) { code, body := get(b, c, srv.URL+p.path); return code, len(body) })
	}
	measure("APIOrder", func(b *testing.B) (int, int) {
		code, body := apiGet(b, f, token, fmt.Sprintf("/api/v1/orders/%d", o.ID))
		return code, len(body)
	})
}
