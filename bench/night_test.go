package bench_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/bench"
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
