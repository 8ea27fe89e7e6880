//go:build integration

package jobs_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// rendezvous holds each instance's first apply until the other instance
// has reached its own first apply (or its run has ended), so that both
// instances certainly apply some files whatever the scheduling.
type rendezvous struct {
	arrived, ended [2]chan struct{}
	once           [2]sync.Once
}

func newRendezvous() *rendezvous {
	r := &rendezvous{}
	for i := range 2 {
		r.arrived[i], r.ended[i] = make(chan struct{}), make(chan struct{})
	}
	return r
}

// meetingApply is instance i's FileService: its first ApplyPayments waits
// at the rendezvous.
type meetingApply struct {
	withholding.FileService
	i  int
	rv *rendezvous
}

func (m meetingApply) ApplyPayments(ctx context.Context, fileID int64, payments iter.Seq2[*withholding.Payment, error]) (int, error) {
	m.rv.once[m.i].Do(func() {
		close(m.rv.arrived[m.i])
		select {
		case <-m.rv.arrived[1-m.i]:
		case <-m.rv.ended[1-m.i]:
		case <-ctx.Done():
		}
	})
	return m.FileService.ApplyPayments(ctx, fileID, payments)
}

// Two instances — each its own store handle and connection pool on one
// PostgreSQL schema, its own data directory and scheduler — run
// pull-remittances at the same moment over one bank inbox of 40 files.
// Every file is applied exactly once: one ledger entry per file, archived,
// its payments stored once; the payments and the money credited are the
// files' totals; both instances applied files; the inbox is empty and the
// archive holds every file.
func TestIntegrationTwoInstancesPullRemittancesOnPostgres(t *testing.T) {
	ctx := context.Background()
	dbs := mustPostgresStores(t, 2)
	root := t.TempDir()
	bank := &transfer.Partner{
		Name: "bank", Role: transfer.RoleBank, Local: filepath.Join(root, "bank"),
		Inbox: "/inbox", Outbox: "/outbox", Archive: "/archive", Quarantine: "/quarantine",
		Patterns: achPatterns,
	}
	for _, d := range []string{"inbox", "outbox", "archive", "quarantine"} {
		if err := os.MkdirAll(filepath.Join(bank.Local, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const files = 40
	var items int
	var credits withholding.Cents
	var names []string
	for i := range files {
		data, st := MustACH(t, uint64(100+i), 3+i%5)
		name := fmt.Sprintf("remit-%02d.ach", i)
		if err := os.WriteFile(filepath.Join(bank.Local, "inbox", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		items += st.Items
		credits += st.Credits
		names = append(names, name)
	}

	rv := newRendezvous()
	scheds := make([]*jobs.Scheduler, 2)
	for i, db := range dbs {
		x := &jobs.Exchange{
			Partners: []*transfer.Partner{bank},
			Connect: func(ctx context.Context, p *transfer.Partner) (transfer.Remote, error) {
				return transfer.Open(ctx, p, transfer.Backoff{})
			},
			Dir:    t.TempDir(), // each instance its own data directory
			Claims: db,
			Env:    jobs.Env{Logger: quietLogger()},
		}
		scheds[i] = MustScheduler(t, db, fmt.Sprintf("instance-%d", i))
		MustAdd(t, scheds[i], &jobs.PullRemittances{Exchange: x, Files: meetingApply{FileService: db, i: i, rv: rv}}, "", jobs.AnyDay)
	}

	start := make(chan struct{})
	runs := make([]*withholding.JobRun, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, s := range scheds {
		wg.Go(func() {
			defer close(rv.ended[i])
			<-start
			runs[i], errs[i] = s.RunNow(ctx, jobs.JobPullRemittances)
		})
	}
	close(start)
	wg.Wait()

	applied := 0
	for i, r := range runs {
		if errs[i] != nil || r == nil || r.Status != withholding.RunSucceeded {
			t.Fatalf("instance %d's run: %+v %v, want it succeeded", i, r, errs[i])
		}
		if r.Files == 0 {
			t.Errorf("instance %d applied no file (%+v): want both to share the inbox", i, r)
		}
		applied += r.Files
		t.Logf("instance %d: %d files, counts %v", i, r.Files, r.Counts)
	}
	if applied != files {
		t.Errorf("the instances applied %d files between them, want %d", applied, files)
	}

	in := withholding.Inbound
	ledger, _, err := dbs[0].FindFiles(ctx, withholding.FileFilter{Direction: &in})
	if err != nil {
		t.Fatal(err)
	}
	bySHA := map[string]int{}
	var remote []string
	for _, lf := range ledger {
		bySHA[lf.SHA256]++
		remote = append(remote, filepath.Base(lf.RemoteName))
		if lf.State != withholding.FileArchived || lf.Error != "" {
			t.Errorf("ledger entry %d (%s): %s %q, want archived with no note", lf.ID, lf.RemoteName, lf.State, lf.Error)
		}
	}
	slices.Sort(remote)
	if len(ledger) != files || len(bySHA) != files || !slices.Equal(remote, names) {
		t.Errorf("ledger: %d entries for %d contents, files %v; want one entry for each of the %d files", len(ledger), len(bySHA), remote, files)
	}

	payments, n, err := dbs[1].FindPayments(ctx, withholding.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	perFile := map[int64]int{}
	var credited withholding.Cents
	for _, p := range payments {
		perFile[p.FileID]++
		credited += p.Credited
	}
	if n != items || len(payments) != items || credited != credits {
		t.Errorf("stored %d payments crediting %s, want the files' %d crediting %s", n, credited.Dollars(), items, credits.Dollars())
	}
	if len(perFile) != files {
		t.Errorf("payments came from %d ledger entries, want %d", len(perFile), files)
	}

	inbox, _ := os.ReadDir(filepath.Join(bank.Local, "inbox"))
	archived, _ := os.ReadDir(filepath.Join(bank.Local, "archive"))
	var arch []string
	for _, e := range archived {
		arch = append(arch, e.Name())
	}
	if len(inbox) != 0 || !slices.Equal(arch, names) {
		t.Errorf("inbox has %d files, archive %v; want the inbox empty and every file archived", len(inbox), arch)
	}
}
