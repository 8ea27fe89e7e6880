package demo_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/demo"
	"github.com/iwoproject/iwo/employer"
)

func startWorld(t *testing.T, seed uint64) *demo.World {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), Seed: seed, Employers: 30, Orders: 400})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// TestSameSeedSameWorld: the seed decides the agency and every roster,
// problems included, so a demo can be replayed.
func TestSameSeedSameWorld(t *testing.T) {
	rosters := func(w *demo.World) map[string][]byte {
		if err := w.WriteRosters(); err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		paths, _ := filepath.Glob(filepath.Join(w.Opt.Dir, "employers", "*", "roster.csv"))
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(filepath.Dir(p))] = b
		}
		return out
	}
	a, b := rosters(startWorld(t, 5)), rosters(startWorld(t, 5))
	if len(a) != 30 {
		t.Fatalf("%d rosters, want one per employer (30)", len(a))
	}
	for fein, ra := range a {
		if !bytes.Equal(ra, b[fein]) {
			t.Errorf("roster of %s differs between two worlds of seed 5", fein)
		}
	}
	// Every roster reads back, and some employees carry planted problems.
	statuses := map[employer.EmployeeStatus]int{}
	for fein, r := range a {
		ro, err := employer.ReadRoster(bytes.NewReader(r), fein)
		if err != nil {
			t.Fatalf("roster %s: %v", fein, err)
		}
		for _, e := range ro.Employees {
			statuses[e.Status]++
		}
	}
	if statuses[employer.Active] == 0 || statuses[employer.Terminated]+statuses[employer.Suspended] == 0 {
		t.Errorf("roster statuses %v: want active employees and a few terminated or suspended", statuses)
	}
}

// TestConfigPinsHostKey: the generated configuration pins the embedded
// server's key for every partner and names no key the server would not take.
func TestConfigPinsHostKey(t *testing.T) {
	w := startWorld(t, 1)
	cfg := w.ConfigYAML()
	for _, want := range []string{"name: " + demo.PortalPartner, "name: " + demo.BankPartner, "name: " + demo.OpsPartner, "ssh-ed25519 ", w.Addr()[strings.LastIndex(w.Addr(), ":")+1:]} {
		if !strings.Contains(cfg, want) {
			t.Errorf("configuration lacks %q:\n%s", want, cfg)
		}
	}
	if n := strings.Count(cfg, "ssh-ed25519 "); n != 3 {
		t.Errorf("host key pinned %d times, want once per partner (3)", n)
	}
}
