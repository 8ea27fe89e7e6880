package jobs_test

import (
	"context"
	"testing"

	"github.com/iwoproject/iwo/internal/memtest"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding/synth"
)

// TestSendIWOsMemory sends 10,000 ORGs to the portal. send-iwos must
// stream: it may keep a page of orders and a few dozen bytes of each IWO
// in the open file, not every order and IWO (about 4 KB of heap each when
// it planned them all first, 9.7 GB RSS for 1.2 million in iwo bench
// night).
func TestSendIWOsMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 10,000 IWOs")
	}
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("portal", transfer.RolePortal, nil)
	g := synth.New(3)
	emps := g.Employers(200)
	for i := range emps {
		emps[i].EIWO, emps[i].Partner = true, ""
		if err := f.db.UpsertEmployer(ctx, &emps[i]); err != nil {
			t.Fatal(err)
		}
	}
	const orders = 10_000
	for _, o := range g.Orders(emps, orders) {
		if err := f.db.CreateOrder(ctx, &o); err != nil {
			t.Fatal(err)
		}
	}
	var res jobs.Result
	var err error
	peak := memtest.PeakHeap(func() { res, err = sendJob(f).Run(ctx) })
	if err != nil || res.Counts["iwos"] != orders {
		t.Fatalf("send-iwos: %v %v, want %d IWOs", res.Counts, err, orders)
	}
	t.Logf("peak heap %.1f MB for %d IWOs", float64(peak)/(1<<20), orders)
	if peak > 16<<20 {
		t.Errorf("peak heap %.1f MB for %d IWOs, want under 16 MB", float64(peak)/(1<<20), orders)
	}
}
