package bench_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/bench"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// TestNight runs the whole bench at a tiny size: every step prints its
// line and the typical night's books balance (Night checks the store's
// received total against the bank files and fails otherwise).
func TestNight(t *testing.T) {
	var out bytes.Buffer
	err := bench.Night(context.Background(), bench.Options{
		Orders: 300, Employers: 20, Payments: 120, Files: 4, Dir: t.TempDir(),
	}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatal(err)
	}
	jobs := []string{"send-iwos", "pull-acks", "pull-remittances", "reconcile", "report"}
	want := []string{"import.employers", "import.orders"}
	for _, night := range []string{"initial", "typical"} {
		for _, j := range jobs {
			want = append(want, night+"."+j)
		}
	}
	want = append(want, "typical.import.orders")
	line := regexp.MustCompile(`(?m)^step=(\S+) wall_s=[0-9.]+ rows=([0-9]+) rss_mb=[0-9]+ cpu_s=[0-9.]+( peak_mb=[0-9]+)?$`)
	rows := map[string]string{}
	for _, m := range line.FindAllStringSubmatch(out.String(), -1) {
		rows[m[1]] = m[2]
	}
	for _, s := range want {
		if _, ok := rows[s]; !ok {
			t.Errorf("no line for step %s", s)
		}
	}
	for s, n := range map[string]string{
		"import.employers": "20", "import.orders": "300", "initial.send-iwos": "300",
		"typical.pull-remittances": "120", "typical.reconcile": "120",
	} {
		if rows[s] != n {
			t.Errorf("step %s: rows=%s, want %s", s, rows[s], n)
		}
	}
	if rows["typical.pull-acks"] == "0" || rows["typical.send-iwos"] == "0" {
		t.Errorf("typical night: no acknowledgments or no IWOs: %v", rows)
	}
	for _, p := range []string{"night_total_s=", "peak_rss_mb=", "books received=120/"} {
		if !strings.Contains(out.String(), "\n"+p) {
			t.Errorf("no %s line", p)
		}
	}
}

// More than one instance needs PostgreSQL: on SQLite the bench refuses
// before it makes anything.
func TestNightInstancesNeedPostgres(t *testing.T) {
	dir := t.TempDir()
	err := bench.Night(context.Background(), bench.Options{Orders: 300, Instances: 2, Dir: dir}, io.Discard)
	if withholding.ErrorCode(err) != withholding.EINVALID {
		t.Fatalf("two instances on SQLite: %v, want EINVALID", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("workspace after refusal: %d entries, want none", len(entries))
	}
}

// TestNightPaysAcceptedOrders: between the nights the employers accept the
// IWOs of the orders they pay, so the typical night's payments post to
// accepted orders; with PayUnacknowledged (the worst case) nearly every
// payment is also a payment on an order nobody answered.
func TestNightPaysAcceptedOrders(t *testing.T) {
	const payments = 120
	inactive := func(unacked bool) int {
		t.Helper()
		dir := t.TempDir()
		var out bytes.Buffer
		if err := bench.Night(context.Background(), bench.Options{
			Orders: 300, Employers: 20, Payments: payments, Files: 4, Dir: dir, PayUnacknowledged: unacked,
		}, &out); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if got := strings.Contains(out.String(), "\nstep=between.pull-acks "); got == unacked {
			t.Errorf("PayUnacknowledged %v: a between.pull-acks step is %v, want %v", unacked, got, !unacked)
		}
		db, err := store.Open(context.Background(), "sqlite:"+filepath.Join(dir, "iwo.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		typ := withholding.ExPaymentOnClosed
		counts, err := db.CountExceptions(context.Background(), withholding.ExceptionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range counts {
			if c.Type == typ {
				return c.Count
			}
		}
		return 0
	}
	// Some IWOs are rejected (edisynth.Responder), and their payments
	// stay on inactive orders.
	if n := inactive(false); n > payments/3 {
		t.Errorf("%d of %d payments on inactive orders, want few: the payers' IWOs were accepted", n, payments)
	}
	if n := inactive(true); n < payments/2 {
		t.Errorf("PayUnacknowledged: %d of %d payments on inactive orders, want most", n, payments)
	}
}
