package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/iwoproject/iwo/ach/achsynth"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// sharedClaims is a Claimer of a store that takes several writers at once,
// as PostgreSQL's advisory locks are: it hides the store's OneWriter, so
// that SQLite's own locks serve as claims in these tests.
type sharedClaims struct{ jobs.Claimer }

// twoFilesOneClaimed makes a fixture whose bank has a.ach and b.ach in its
// inbox, its Exchange.Claims claims(its store), and a.ach claimed through
// the store as another instance would; release gives that claim back.
func twoFilesOneClaimed(t *testing.T, claims func(*store.DB) jobs.Claimer) (f *fixture, sa, sb achsynth.Stats, release func()) {
	t.Helper()
	f = newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	f.x.Claims = claims(f.db)
	a, sa := MustACH(t, 1, 5)
	b, sb := MustACH(t, 2, 7)
	f.drop("bank", "inbox", "a.ach", a)
	f.drop("bank", "inbox", "b.ach", b)
	release, ok, err := f.db.TryLock(context.Background(), jobs.ClaimName("bank", "/inbox/a.ach"))
	if err != nil || !ok {
		t.Fatalf("claim a.ach as the other instance: ok %v err %v", ok, err)
	}
	return f, sa, sb, release
}

// A file whose claim another instance holds is left to it: this run
// applies the other files, counts the claimed one, leaves it in the inbox
// and reports no error; once the claim is released the next run takes it.
func TestInboundLeavesFileClaimedElsewhere(t *testing.T) {
	ctx := context.Background()
	f, sa, sb, release := twoFilesOneClaimed(t, func(db *store.DB) jobs.Claimer { return sharedClaims{db} })
	job := &jobs.PullRemittances{Exchange: f.x, Files: f.db}
	res, err := job.Run(ctx)
	if err != nil || res.Files != 1 || res.Counts["claimed_elsewhere"] != 1 {
		t.Fatalf("run while a.ach is claimed: %+v %v, want b.ach applied and a.ach counted claimed elsewhere", res, err)
	}
	if got := f.ls("bank", "inbox"); !slices.Equal(got, []string{"a.ach"}) {
		t.Errorf("inbox: %v, want a.ach left to its claimant", got)
	}
	if got := f.payments(); got != sb.Items {
		t.Errorf("%d payments stored, want b.ach's %d", got, sb.Items)
	}

	release()
	res, err = job.Run(ctx)
	if err != nil || res.Files != 1 || res.Counts["claimed_elsewhere"] != 0 {
		t.Fatalf("run after the claim was released: %+v %v, want a.ach applied", res, err)
	}
	if got := f.payments(); got != sa.Items+sb.Items {
		t.Errorf("%d payments stored, want %d", got, sa.Items+sb.Items)
	}
	if got := f.ls("bank", "archive"); !slices.Equal(got, []string{"a.ach", "b.ach"}) {
		t.Errorf("archive: %v, want both files", got)
	}
	// The claims were released: none is left held.
	for _, name := range []string{"a.ach", "b.ach"} {
		release, ok, err := f.db.TryLock(ctx, jobs.ClaimName("bank", "/inbox/"+name))
		if err != nil || !ok {
			t.Errorf("claim on %s after the runs: ok %v err %v, want it free", name, ok, err)
			continue
		}
		release()
	}
}

// On SQLite, whose writers take turns, the inbound jobs claim no files:
// they run under the job's lock (ClaimsItems false), and a claim held on a
// file's name does not keep them from it.
func TestInboundClaimsNoFilesOnSQLite(t *testing.T) {
	ctx := context.Background()
	f, sa, sb, release := twoFilesOneClaimed(t, func(db *store.DB) jobs.Claimer { return db })
	defer release()

	remit := &jobs.PullRemittances{Exchange: f.x, Files: f.db}
	acks := &jobs.PullAcks{Exchange: f.x, Files: f.db, Orders: f.db, Documents: f.db}
	for _, j := range []jobs.ItemClaimer{remit, acks} {
		if j.ClaimsItems() {
			t.Errorf("%T.ClaimsItems on SQLite: true, want false (the job's lock instead)", j)
		}
	}
	shared := &jobs.PullRemittances{Exchange: &jobs.Exchange{Claims: sharedClaims{f.db}}}
	if !shared.ClaimsItems() {
		t.Errorf("ClaimsItems with a store of several writers: false, want true")
	}
	res, err := remit.Run(ctx)
	if err != nil || res.Files != 2 || res.Counts["claimed_elsewhere"] != 0 {
		t.Fatalf("run: %+v %v, want both files applied", res, err)
	}
	if got := f.payments(); got != sa.Items+sb.Items {
		t.Errorf("%d payments stored, want %d", got, sa.Items+sb.Items)
	}
}

// goneOnClaim is a Claimer that, before it grants a claim, lets another
// instance finish the file: it moves it from the inbox to the archive, as
// an instance that held the claim until then would have.
type goneOnClaim struct {
	jobs.Claimer
	inbox, archive string
	mu             sync.Mutex
	names          []string
}

func (g *goneOnClaim) TryLock(ctx context.Context, name string) (func(), bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.names = append(g.names, name)
	for _, file := range []string{"a.ach"} {
		if name == jobs.ClaimName("bank", "/inbox/"+file) {
			if err := os.Rename(filepath.Join(g.inbox, file), filepath.Join(g.archive, file)); err != nil {
				return nil, false, fmt.Errorf("archive %s as the other instance: %w", file, err)
			}
		}
	}
	return g.Claimer.TryLock(ctx, name)
}

// A file listed but archived by another instance before this one obtained
// its claim is skipped quietly: counted gone, no error, no ledger entry.
func TestInboundSkipsFileGoneWhenClaimed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	a, _ := MustACH(t, 1, 5)
	b, sb := MustACH(t, 2, 7)
	f.drop("bank", "inbox", "a.ach", a)
	f.drop("bank", "inbox", "b.ach", b)
	g := &goneOnClaim{Claimer: f.db, inbox: filepath.Join(f.root, "bank", "inbox"), archive: filepath.Join(f.root, "bank", "archive")}
	f.x.Claims = g

	res, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(ctx)
	if err != nil || res.Partial || res.Files != 1 || res.Counts["gone"] != 1 {
		t.Fatalf("run: %+v %v, want b.ach applied and a.ach counted gone, no error", res, err)
	}
	if len(g.names) != 2 {
		t.Errorf("claims asked for: %q, want one per file", g.names)
	}
	ledger := f.ledger()
	if len(ledger) != 1 || filepath.Base(ledger[0].RemoteName) != "b.ach" {
		t.Errorf("ledger: %+v, want only b.ach", ledger)
	}
	if got := f.payments(); got != sb.Items {
		t.Errorf("%d payments stored, want b.ach's %d", got, sb.Items)
	}
}

// claimingJob is a job that claims its items, as the inbound jobs do with
// Exchange.Claims set.
type claimingJob struct{ jobs.Job }

func (claimingJob) ClaimsItems() bool { return true }

// Two instances run a job that claims its items at the same time (on
// SQLite, two store handles on one file); a job that does not keeps the
// job's lock and the second instance skips it.
func TestSchedulerRunsClaimingJobOnTwoInstances(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iwo.db")
	a, b := mustOpenFile(t, path), mustOpenFile(t, path)
	started := make(chan struct{}, 4)
	release := make(chan struct{})
	blocking := func(name string) jobs.Job {
		return jobs.Func(name, func(context.Context) (jobs.Result, error) {
			started <- struct{}{}
			<-release
			return jobs.Result{}, nil
		})
	}
	sa, sb := MustScheduler(t, a, "a"), MustScheduler(t, b, "b")
	for _, s := range []*jobs.Scheduler{sa, sb} {
		MustAdd(t, s, claimingJob{blocking("pull")}, "", jobs.AnyDay)
		MustAdd(t, s, blocking("send"), "", jobs.AnyDay)
	}

	type outcome struct {
		run *withholding.JobRun
		err error
	}
	ended := make(chan outcome, 2)
	for _, s := range []*jobs.Scheduler{sa, sb} {
		go func() {
			run, err := s.RunNow(ctx, "pull")
			ended <- outcome{run, err}
		}()
	}
	// Both runs must be going before either ends: a run that is skipped
	// ends at once, one that runs only after release.
	for n := 0; n < 2; {
		select {
		case <-started:
			n++
		case o := <-ended:
			close(release)
			t.Fatalf("a run of pull ended while the other was going: %+v %v, want both run together", o.run, o.err)
		}
	}
	close(release)
	for range 2 {
		if o := <-ended; o.err != nil || o.run == nil || o.run.Status != withholding.RunSucceeded {
			t.Errorf("run of pull: %+v %v, want it run beside the other", o.run, o.err)
		}
	}

	release = make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := sa.RunNow(ctx, "send"); err != nil {
			t.Errorf("a's run of send: %v", err)
		}
	}()
	<-started
	run, err := sb.RunNow(ctx, "send")
	close(release)
	<-done
	if err != nil || run.Status != withholding.RunSkipped {
		t.Errorf("b's run of send while a runs it: %+v %v, want skipped", run, err)
	}
}

// The run of a claiming job left running by a dead instance is recorded
// killed by the next run on another instance, whose own lock on the job it
// does not need; the run of an instance that lives stays running.
func TestClaimingJobRunOfDeadInstanceRecordedKilled(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iwo.db")
	stale := killedHolder(t, path, "pull", true)

	running := liveHolder(t, path, "pull", jobs.InstanceLockName("pull", "live"), "live")

	db := mustOpenFile(t, path)
	s := MustScheduler(t, db, "c")
	MustAdd(t, s, claimingJob{okJob("pull")}, "", jobs.AnyDay)
	run, err := s.RunNow(ctx, "pull")
	if err != nil || run.Status != withholding.RunSucceeded {
		t.Fatalf("run beside the live instance: %+v %v, want it run", run, err)
	}
	checkKilled(t, db, stale)
	for _, r := range runsOf(t, db, "pull") {
		if r.ID == running.ID && r.Status != withholding.RunRunning {
			t.Errorf("run of the live instance: %+v, want still running", r)
		}
	}
}

var _ jobs.Claimer = (*store.DB)(nil)
