package jobs_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// stopsBeforeArchive is a partner's file area whose Move and Remove fail,
// as if the process died right after the applying transaction committed and
// before the remote file was archived or deleted.
type stopsBeforeArchive struct{ transfer.Remote }

var errKilled = errors.New("process killed")

func (stopsBeforeArchive) Move(context.Context, string, string) (string, error) {
	return "", errKilled
}

func (stopsBeforeArchive) Remove(context.Context, string) error { return errKilled }

// crashBeforeArchive makes the fixture's partners stop before archiving
// until the returned function is called.
func (f *fixture) crashBeforeArchive() (restart func()) {
	connect := f.x.Connect
	f.x.Connect = func(ctx context.Context, p *transfer.Partner) (transfer.Remote, error) {
		r, err := connect(ctx, p)
		if err != nil {
			return nil, err
		}
		return stopsBeforeArchive{r}, nil
	}
	return func() { f.x.Connect = connect }
}

// crashedRemittance returns a bank whose file a.ach (bytes a, items
// payments) was applied by a run that stopped before archiving it.
func crashedRemittance(t *testing.T) (f *fixture, job *jobs.PullRemittances, a []byte, items int) {
	t.Helper()
	f = newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	a, sa := MustACH(t, 1, 20)
	f.drop("bank", "inbox", "a.ach", a)
	job = &jobs.PullRemittances{Exchange: f.x, Files: f.db}
	restart := f.crashBeforeArchive()
	if _, err := job.Run(context.Background()); !errors.Is(err, errKilled) {
		t.Fatalf("run stopped before the archive: %v, want %v", err, errKilled)
	}
	restart()
	return f, job, a, sa.Items
}

// A run killed between the commit and the archive leaves the file applied
// in the ledger and in the partner's inbox. The next run finishes the
// archive under the same ledger entry: no second entry, no duplicate.
func TestPullRemittancesFinishesArchiveAfterCrash(t *testing.T) {
	ctx := context.Background()
	f, job, a, items := crashedRemittance(t)
	led := f.ledger()
	if len(led) != 1 || led[0].State != withholding.FileApplied {
		t.Fatalf("ledger after the crash: %+v, want one applied entry", led)
	}
	if got := f.ls("bank", "inbox"); !slices.Equal(got, []string{"a.ach"}) {
		t.Fatalf("inbox after the crash: %v, want a.ach still there", got)
	}

	res, err := job.Run(ctx)
	if err != nil {
		t.Fatalf("run after the crash: %v", err)
	}
	if res.Counts["duplicates"] != 0 || res.Files != 0 || res.Counts["payments"] != 0 {
		t.Errorf("run after the crash: %+v, want no duplicate and nothing applied", res)
	}
	if res.Counts["archive_finished"] != 1 {
		t.Errorf("run after the crash counts %v, want archive_finished=1", res.Counts)
	}
	if got := f.payments(); got != items {
		t.Errorf("stored %d payments, want still %d", got, items)
	}
	led2 := f.ledger()
	if len(led2) != 1 || led2[0].ID != led[0].ID || led2[0].State != withholding.FileArchived || strings.Contains(led2[0].Error, "duplicate") {
		t.Fatalf("ledger after the next run: %+v, want the same entry archived, not a duplicate", led2)
	}
	if got := f.ls("bank", "archive"); !slices.Equal(got, []string{"a.ach"}) {
		t.Errorf("archive: %v, want a.ach", got)
	}
	if got := f.ls("bank", "inbox"); len(got) != 0 {
		t.Errorf("inbox: %v, want empty", got)
	}

	// The bank sends the same bytes again under the same name, after the
	// first was archived: that is a real duplicate.
	f.drop("bank", "inbox", "a.ach", a)
	res, err = job.Run(ctx)
	if err != nil || res.Counts["duplicates"] != 1 {
		t.Fatalf("resent file: %+v %v, want one duplicate", res, err)
	}
	led3 := f.ledger()
	if len(led3) != 2 || led3[1].State != withholding.FileArchived || !strings.Contains(led3[1].Error, "duplicate") {
		t.Errorf("ledger after the resend: %+v, want a second entry noted duplicate", led3)
	}
}

// Same bytes under another name while the first file is still applied and
// not archived: the first one's archive is finished, the other is a
// duplicate.
func TestPullRemittancesDuplicateOfUnarchivedFile(t *testing.T) {
	ctx := context.Background()
	f, job, a, items := crashedRemittance(t)
	f.drop("bank", "inbox", "b.ach", a)
	res, err := job.Run(ctx)
	if err != nil {
		t.Fatalf("next run: %v", err)
	}
	if res.Counts["duplicates"] != 1 || res.Counts["archive_finished"] != 1 {
		t.Errorf("next run counts %v, want 1 duplicate (b.ach) and 1 archive finished (a.ach)", res.Counts)
	}
	if got := f.payments(); got != items {
		t.Errorf("stored %d payments, want %d", got, items)
	}
	led := f.ledger()
	if len(led) != 2 {
		t.Fatalf("ledger: %+v, want two entries", led)
	}
	for _, lf := range led {
		dup := strings.Contains(lf.Error, "duplicate")
		if lf.State != withholding.FileArchived || dup != strings.HasSuffix(lf.RemoteName, "b.ach") {
			t.Errorf("entry %d %s: state %s note %q, want archived, a duplicate only for b.ach", lf.ID, lf.RemoteName, lf.State, lf.Error)
		}
	}
	if got := f.ls("bank", "archive"); !slices.Equal(got, []string{"a.ach", "b.ach"}) {
		t.Errorf("archive: %v", got)
	}
}

// diesAtRecordSent is a file ledger whose RecordSent never returns, as if
// the process died while send-iwos was committing the documents of a file
// it had built: the file is in the local outbox and in the ledger, parsed.
type diesAtRecordSent struct{ withholding.FileService }

type killedHere struct{}

func (diesAtRecordSent) RecordSent(context.Context, int64, iter.Seq[*withholding.Document]) error {
	panic(killedHere{})
}

// killedSend runs send-iwos with die set up to kill it (panic killedHere)
// and fails the test unless it died that way.
func killedSend(t *testing.T, f *fixture, die func(*jobs.SendIWOs)) {
	t.Helper()
	defer func() {
		if p := recover(); p != (killedHere{}) {
			t.Fatalf("send-iwos set up to die: recovered %v", p)
		}
	}()
	j := sendJob(f)
	die(j)
	_, _ = j.Run(context.Background())
}

// diesMidFile stands for a process killed while send-iwos was still
// writing a file: the orders stream stops dead after the first few.
type diesMidFile struct {
	withholding.OrderService
	after int
}

func (d diesMidFile) EachOrderByEmployer(ctx context.Context, f withholding.OrderFilter) iter.Seq2[*withholding.Order, error] {
	return func(yield func(*withholding.Order, error) bool) {
		n := 0
		for o, err := range d.OrderService.EachOrderByEmployer(ctx, f) {
			if n == d.after {
				panic(killedHere{})
			}
			n++
			if !yield(o, err) {
				return
			}
		}
	}
}

// A run killed mid-file leaves nothing under the file's final name (the
// fault campaign found an empty IWO file there): it is written under a
// dotted name, which the next run removes with the ledger entry.
func TestSendIWOsKilledMidFileLeavesNoFinalName(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("portal", transfer.RolePortal, nil)
	seedOrders(t, f, 5)
	killedSend(t, f, func(j *jobs.SendIWOs) { j.Orders = diesMidFile{f.db, 3} })
	dead := f.outbound(withholding.KindIWOFile)
	if len(dead) != 1 || dead[0].State != withholding.FileParsed {
		t.Fatalf("outbound ledger after the kill: %+v, want one parsed entry", dead)
	}
	if _, err := os.Stat(dead[0].LocalPath); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("final name after a kill mid-file: %v, want none", err)
	}
	if _, err := os.Stat(jobs.UnsentName(dead[0].LocalPath)); err != nil {
		t.Fatalf("the file being written: %v", err)
	}
	res, err := sendJob(f).Run(ctx)
	if err != nil || res.Counts["iwos"] != 5 || res.Counts["discarded"] != 1 {
		t.Fatalf("next run: %+v %v, want the dead file discarded and 5 IWOs sent", res, err)
	}
	if _, err := os.Stat(jobs.UnsentName(dead[0].LocalPath)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dead run's partial file: %v, want removed", err)
	}
	files := f.outbound(withholding.KindIWOFile)
	if got := f.ls("portal", "outbox"); len(files) != 2 || !slices.Equal(got, []string{files[1].RemoteName}) {
		t.Errorf("portal outbox: %v, want only the new file", got)
	}
}

// A file that send-iwos built but never recorded as sent was never pushed
// and its orders still need their IWOs: the next run discards it and sends
// the orders in a new file, so every IWO goes out once.
func TestSendIWOsDiscardsFileBuiltByDeadRun(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("portal", transfer.RolePortal, nil)
	seedOrders(t, f, 5)
	killedSend(t, f, func(j *jobs.SendIWOs) { j.Files = diesAtRecordSent{f.db} })
	dead := f.outbound(withholding.KindIWOFile)
	if len(dead) != 1 || dead[0].State != withholding.FileParsed {
		t.Fatalf("outbound ledger after the crash: %+v, want one parsed entry", dead)
	}
	if _, err := os.Stat(dead[0].LocalPath); err != nil {
		t.Fatalf("local copy after the crash: %v", err)
	}

	res, err := sendJob(f).Run(ctx)
	if err != nil || res.Files != 1 || res.Counts["iwos"] != 5 || res.Counts["discarded"] != 1 {
		t.Fatalf("next run: %+v %v, want the dead file discarded and 5 IWOs sent in one new file", res, err)
	}
	files := f.outbound(withholding.KindIWOFile)
	if len(files) != 2 || files[0].ID != dead[0].ID {
		t.Fatalf("outbound ledger: %+v, want the dead entry and a new one", files)
	}
	if old := files[0]; old.State != withholding.FileQuarantined || !strings.Contains(old.Error, "not sent") {
		t.Errorf("dead entry: state %s note %q, want quarantined, not sent", old.State, old.Error)
	}
	if _, err := os.Stat(dead[0].LocalPath); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("local copy of the dead file: %v, want removed", err)
	}
	if got := f.ls("portal", "outbox"); !slices.Equal(got, []string{files[1].RemoteName}) {
		t.Errorf("portal outbox: %v, want only the new file %s", got, files[1].RemoteName)
	}
	docs, n, err := f.db.FindDocuments(ctx, 0, 0, 100)
	if err != nil || n != 5 {
		t.Fatalf("%d documents (%v), want 5", n, err)
	}
	for _, d := range docs {
		if d.FileID != files[1].ID {
			t.Errorf("document %s in file %d, want the new file %d", d.TrackingID, d.FileID, files[1].ID)
		}
	}

	// Nothing more to do on the run after.
	res, err = sendJob(f).Run(ctx)
	if err != nil || res.Files != 0 || res.Counts["discarded"] != 0 {
		t.Errorf("third run: %+v %v, want nothing sent or discarded", res, err)
	}
}

// killedHolder leaves in the SQLite store at path what a process of this
// host leaves when it is killed (SIGKILL) during a run of job: the lock its
// run held — the job's (LockName), or with perInstance set its instance's
// lock on the job (InstanceLockName) — held by a PID that no longer runs,
// and the run recorded running.
func killedHolder(t *testing.T, path, job string, perInstance bool) *withholding.JobRun {
	t.Helper()
	ctx := context.Background()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skipf("no `true` to run: %v", err)
	}
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.PID = dead.Process.Pid
	instance := fmt.Sprintf("%s/%d", db.Host, db.PID)
	lock := jobs.LockName(job)
	if perInstance {
		lock = jobs.InstanceLockName(job, instance)
	}
	unlock, ok, err := db.TryLock(ctx, lock)
	if err != nil || !ok {
		t.Fatalf("lock %s: ok %v err %v", lock, ok, err)
	}
	run := &withholding.JobRun{Job: job, Instance: instance}
	if err := db.CreateJobRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	db.Close()        // the process is gone: no renewal, no unlock
	t.Cleanup(unlock) // stops the renewal goroutine; its delete finds the store closed
	return run
}

// liveHolder holds, through its own handle on the SQLite store at path and
// until the test ends, the lock a run of job holds, and records that run
// running under instance, as a live process running it does.
func liveHolder(t *testing.T, path, job, lock, instance string) *withholding.JobRun {
	t.Helper()
	ctx := context.Background()
	live := mustOpenFile(t, path)
	unlock, ok, err := live.TryLock(ctx, lock)
	if err != nil || !ok {
		t.Fatalf("lock %s: %v %v", lock, ok, err)
	}
	t.Cleanup(unlock)
	running := &withholding.JobRun{Job: job, Instance: instance}
	if err := live.CreateJobRun(ctx, running); err != nil {
		t.Fatal(err)
	}
	return running
}

// mustOpenFile opens the SQLite store at path.
func mustOpenFile(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func okJob(name string) jobs.Job {
	return jobs.Func(name, func(context.Context) (jobs.Result, error) { return jobs.Result{}, nil })
}

// checkKilled fails unless the run stale is recorded killed, with an error
// saying so.
func checkKilled(t *testing.T, runs withholding.JobRunService, stale *withholding.JobRun) {
	t.Helper()
	for _, r := range runsOf(t, runs, stale.Job) {
		if r.ID != stale.ID {
			continue
		}
		if r.Status != withholding.RunKilled || !strings.HasPrefix(r.Error, "killed: ") || r.Instance != stale.Instance || r.Ended.IsZero() {
			t.Errorf("run %d of the killed process: %+v, want killed, ended, with an error saying so", r.ID, r)
		}
		return
	}
	t.Errorf("run %d of %s not found", stale.ID, stale.Job)
}

// After SIGKILL on SQLite the next run of the job on this host does not
// wait for the dead process's lease, and the killed run is recorded killed.
func TestRunAfterHolderKilledOnSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iwo.db")
	stale := killedHolder(t, path, "pull", false)
	db := mustOpenFile(t, path)
	s := MustScheduler(t, db, "b")
	MustAdd(t, s, okJob("pull"), "", jobs.AnyDay)
	run, err := s.RunNow(context.Background(), "pull")
	if err != nil || run.Status != withholding.RunSucceeded {
		t.Fatalf("run after the holder was killed: %+v %v, want it run at once", run, err)
	}
	checkKilled(t, db, stale)
}

// The scheduler's start marks killed the runs left running by a process
// that is gone, and leaves those of a holder that still runs.
func TestSchedulerStartMarksKilledRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iwo.db")
	stale := killedHolder(t, path, "pull", false)
	db := mustOpenFile(t, path)

	// Another job, running in this (live) process through another handle.
	liveHolder(t, path, "send", jobs.LockName("send"), "live")

	s := MustScheduler(t, db, "b")
	MustAdd(t, s, okJob("pull"), "", jobs.AnyDay)
	MustAdd(t, s, okJob("send"), "", jobs.AnyDay)
	s.Start(ctx)
	defer s.Shutdown(ctx, nil)
	checkKilled(t, db, stale)
	if rs := runsOf(t, db, "send"); len(rs) != 1 || rs[0].Status != withholding.RunRunning {
		t.Errorf("runs of send, whose holder lives: %+v, want still running", rs)
	}
}

// diesRecordingQuarantine stands for a process killed as the ledger
// records a file quarantined.
type diesRecordingQuarantine struct{ withholding.FileService }

func (d diesRecordingQuarantine) SetFileState(ctx context.Context, id int64, state withholding.FileState, note string) error {
	if state == withholding.FileQuarantined {
		panic(killedHere{})
	}
	return d.FileService.SetFileState(ctx, id, state, note)
}

// TestQuarantineRecordedBeforeTheFileMoves: a file that fails validation
// leaves the inbox only once the ledger says quarantined. Killed as the
// ledger records it, the file is still in the inbox and the next run
// quarantines it; killed after the ledger recorded it but before the move,
// the next run finishes the move under the same entry. Moved first, the
// file was gone with its entry received for good.
func TestQuarantineRecordedBeforeTheFileMoves(t *testing.T) {
	bad := func(b *ackBooks) []byte {
		data := ackFile(t, "ACK1", b.answer(b.sent, withholding.ActionOriginal, withholding.DispAccepted, ""))
		return setElement(t, data, "Disposition Reason Code", "D")
	}
	t.Run("killed recording it", func(t *testing.T) {
		b := newAckBooks(t)
		b.drop("acme", "inbox", "ACK1", bad(b))
		func() {
			defer func() {
				if p := recover(); p != (killedHere{}) {
					t.Fatalf("pull-acks set up to die: recovered %v", p)
				}
			}()
			j := *b.job
			j.Files = diesRecordingQuarantine{b.db}
			_, _ = j.Run(context.Background())
		}()
		if got := b.ls("acme", "inbox"); !slices.Equal(got, []string{"ACK1"}) {
			t.Fatalf("inbox after the kill %v, want ACK1 still there (nothing moved before the ledger said so)", got)
		}
		res, _ := b.job.Run(context.Background())
		if got := b.ls("acme", "quarantine"); !slices.Equal(got, []string{"ACK1"}) || res.Counts["quarantined"] != 1 {
			t.Errorf("next run: remote quarantine %v, counts %v; want ACK1 quarantined", got, res.Counts)
		}
		for _, lf := range b.ledger() {
			if lf.State != withholding.FileQuarantined {
				t.Errorf("ledger entry %d (%s) %s, want every entry of ACK1 quarantined", lf.ID, lf.RemoteName, lf.State)
			}
		}
	})
	t.Run("killed before the move", func(t *testing.T) {
		ctx := context.Background()
		b := newAckBooks(t)
		data := bad(b)
		b.drop("acme", "inbox", "ACK1", data)
		// What a run killed between the ledger and the move leaves: the
		// entry quarantined, the file in the inbox.
		sum := sha256.Sum256(data)
		lf := &withholding.File{Direction: withholding.Inbound, Partner: "acme", Kind: withholding.KindAckFile, RemoteName: "/inbox/ACK1",
			Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), State: withholding.FileReceived}
		if err := b.db.CreateFile(ctx, lf); err != nil {
			t.Fatal(err)
		}
		if err := b.db.SetFileState(ctx, lf.ID, withholding.FileQuarantined, "invalid file: Disposition Reason Code"); err != nil {
			t.Fatal(err)
		}
		res, _ := b.job.Run(ctx)
		if got := b.ls("acme", "quarantine"); !slices.Equal(got, []string{"ACK1"}) || res.Counts["quarantine_finished"] != 1 {
			t.Errorf("next run: remote quarantine %v, counts %v; want ACK1 moved under its entry", got, res.Counts)
		}
		entries := b.ledger()
		if len(entries) != 1 || entries[0].State != withholding.FileQuarantined || !strings.Contains(entries[0].Error, "remote copy: ") {
			t.Errorf("ledger %v, want the one entry quarantined with where the file went", entries)
		}
	})
}
