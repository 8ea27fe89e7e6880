package jobs_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/ach/achsynth"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

func TestPullRemittancesAppliesAndArchives(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	a, sa := MustACH(t, 1, 20)
	c, sc := MustACH(t, 2, 30)
	f.drop("bank", "inbox", "a.ach", a)
	f.drop("bank", "inbox", "b.ach", brokenACH(t, 3))
	f.drop("bank", "inbox", "c.ach", c)
	f.drop("bank", "inbox", "notes.txt", []byte("not a remittance"))

	job := &jobs.PullRemittances{Exchange: f.x, Files: f.db}
	res, err := job.Run(ctx)

	// The bad file is quarantined and named in the error; the files on
	// either side of it are applied.
	if !isInvalidFile(err) || !strings.Contains(err.Error(), "b.ach") || !res.Partial {
		t.Errorf("run error %v partial %v, want a partial run naming b.ach", err, res.Partial)
	}
	if res.Files != 2 || res.Counts["quarantined"] != 1 {
		t.Errorf("result %+v, want 2 files applied and 1 quarantined", res)
	}
	wantPayments := sa.Items + sc.Items
	if got := f.payments(); got != wantPayments || res.Counts["payments"] != int64(wantPayments) {
		t.Errorf("stored %d payments, counted %d, want %d", got, res.Counts["payments"], wantPayments)
	}
	if got := f.ls("bank", "inbox"); !slices.Equal(got, []string{"notes.txt"}) {
		t.Errorf("inbox after run: %v, want only notes.txt (not an ACH pattern)", got)
	}
	if got := f.ls("bank", "archive"); !slices.Equal(got, []string{"a.ach", "c.ach"}) {
		t.Errorf("archive: %v, want a.ach c.ach", got)
	}
	if got := f.ls("bank", "quarantine"); !slices.Equal(got, []string{"b.ach"}) {
		t.Errorf("remote quarantine: %v, want b.ach", got)
	}
	local, _ := filepath.Glob(filepath.Join(f.x.Dir, "quarantine", "bank", "b*.ach"))
	if len(local) != 1 {
		t.Errorf("local quarantine copies: %v, want one of b.ach", local)
	}
	states := map[string]withholding.FileState{}
	for _, lf := range f.ledger() {
		states[filepath.Base(lf.RemoteName)] = lf.State
		if lf.SHA256 == "" || lf.Size == 0 || lf.Kind != withholding.KindACHFile || lf.Partner != "bank" {
			t.Errorf("ledger entry %+v lacks its facts", lf)
		}
		if lf.State == withholding.FileQuarantined && !strings.Contains(lf.Error, "no file control record") {
			t.Errorf("quarantined entry error %q does not carry the reader's problems", lf.Error)
		}
	}
	want := map[string]withholding.FileState{"a.ach": withholding.FileArchived, "b.ach": withholding.FileQuarantined, "c.ach": withholding.FileArchived}
	if !mapsEqual(states, want) {
		t.Errorf("ledger states %v, want %v", states, want)
	}
}

func TestPullRemittancesDuplicateArchivedNotApplied(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	a, sa := MustACH(t, 1, 20)
	f.drop("bank", "inbox", "a.ach", a)
	job := &jobs.PullRemittances{Exchange: f.x, Files: f.db}
	if _, err := job.Run(ctx); err != nil {
		t.Fatalf("first run: %v", err)
	}
	// The bank sends the same bytes again under another name.
	f.drop("bank", "inbox", "a-resent.ach", a)
	res, err := job.Run(ctx)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if res.Files != 0 || res.Counts["duplicates"] != 1 || res.Counts["payments"] != 0 {
		t.Errorf("second run result %+v, want 0 files applied and 1 duplicate", res)
	}
	if got := f.payments(); got != sa.Items {
		t.Errorf("stored %d payments after the duplicate, want still %d", got, sa.Items)
	}
	if got := f.ls("bank", "inbox"); len(got) != 0 {
		t.Errorf("inbox: %v, want the duplicate archived", got)
	}
	if got := f.ls("bank", "archive"); !slices.Equal(got, []string{"a-resent.ach", "a.ach"}) {
		t.Errorf("archive: %v", got)
	}
	led := f.ledger()
	if len(led) != 2 || led[1].State != withholding.FileArchived || !strings.Contains(led[1].Error, "duplicate") {
		t.Errorf("ledger of the duplicate: %+v, want archived with a duplicate note", led[len(led)-1])
	}
}

func TestPullRemittancesRemoteKeptUntilCommit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	a, sa := MustACH(t, 1, 20)
	f.drop("bank", "inbox", "a.ach", a)

	lost := errors.New("database connection lost")
	broken := failingApply{FileService: f.db, err: lost}
	res, err := (&jobs.PullRemittances{Exchange: f.x, Files: broken}).Run(ctx)
	if !errors.Is(err, lost) || res.Files != 0 || res.Partial {
		t.Fatalf("run with a failing apply: %+v %v, want a failed run", res, err)
	}
	if got := f.ls("bank", "inbox"); !slices.Equal(got, []string{"a.ach"}) {
		t.Fatalf("inbox after a failed apply: %v, want a.ach still there", got)
	}
	if got := f.ls("bank", "archive"); len(got) != 0 {
		t.Fatalf("archive after a failed apply: %v, want empty", got)
	}
	led := f.ledger()
	if len(led) != 1 || led[0].State != withholding.FileReceived || !strings.Contains(led[0].Error, "database connection lost") {
		t.Fatalf("ledger after a failed apply: %+v", led)
	}

	// The next run applies it, reusing the ledger entry.
	if _, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(ctx); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := f.payments(); got != sa.Items {
		t.Errorf("stored %d payments after the retry, want %d", got, sa.Items)
	}
	led = f.ledger()
	if len(led) != 1 || led[0].State != withholding.FileArchived || led[0].Error != "" {
		t.Errorf("ledger after the retry: %+v, want one archived entry", led)
	}
	if got := f.ls("bank", "archive"); !slices.Equal(got, []string{"a.ach"}) {
		t.Errorf("archive after the retry: %v", got)
	}
}

func TestPullRemittancesPartnerDown(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("bank-east", transfer.RoleBank, achPatterns)
	f.addPartner("bank-west", transfer.RoleBank, achPatterns)
	a, sa := MustACH(t, 1, 20)
	b, _ := MustACH(t, 2, 20)
	f.drop("bank-east", "inbox", "a.ach", a)
	f.drop("bank-west", "inbox", "b.ach", b)
	f.down["bank-east"] = true

	res, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "bank-east") || !errors.Is(err, transfer.ErrConnection) {
		t.Errorf("error %v, want the down partner named", err)
	}
	if !res.Partial || res.Files != 1 {
		t.Errorf("result %+v, want partial with the other partner's file", res)
	}
	if got := f.payments(); got != sa.Items {
		t.Errorf("stored %d payments, want the %d of bank-west's file", got, sa.Items)
	}
	if got := f.ls("bank-east", "inbox"); !slices.Equal(got, []string{"a.ach"}) {
		t.Errorf("down partner's inbox: %v, want untouched", got)
	}
}

func TestPullRemittancesSkipsGrowingFiles(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	a, _ := MustACH(t, 1, 20)
	f.drop("bank", "inbox", "a.ach", a[:len(a)/2])
	f.x.StableFor = 1 // any non-zero wait takes two looks
	f.x.Wait = func(ctx context.Context, _ time.Duration) error {
		// The bank is still writing: the file grows between the looks.
		return os.WriteFile(filepath.Join(f.root, "bank", "inbox", "a.ach"), a, 0o644)
	}
	res, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(ctx)
	if err != nil || res.Files != 0 || res.Counts["growing"] != 1 {
		t.Fatalf("run over a growing file: %+v %v, want it left alone", res, err)
	}
	if got := f.ls("bank", "inbox"); !slices.Equal(got, []string{"a.ach"}) || len(f.ledger()) != 0 {
		t.Errorf("inbox %v ledger %d entries, want the file left and unrecorded", got, len(f.ledger()))
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// What is stored is what the file says, payment for payment: the job reads
// with a reused payment (ach.Options.ReusePayment) and the store batches
// rows, so nothing stored may point into memory the reader reuses. A file
// with returns, NOCs, prenotes and bad DEDs, over many insert batches.
func TestPullRemittancesStoresEveryPaymentAsRead(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	var b bytes.Buffer
	if _, err := achsynth.Generate(&b, achsynth.Options{Count: 3000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	f.drop("bank", "inbox", "mixed.ach", b.Bytes())
	if _, err := (&jobs.PullRemittances{Exchange: f.x, Files: f.db}).Run(ctx); err != nil {
		t.Fatalf("run: %v", err)
	}

	var want []withholding.Payment
	r := ach.NewReader(bytes.NewReader(b.Bytes()), ach.Options{})
	for p, err := range r.Payments() {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, *p)
	}
	got, n, err := f.db.FindPayments(ctx, withholding.PaymentFilter{Limit: len(want) + 1})
	if err != nil || n != len(want) {
		t.Fatalf("stored %d payments (%v), want %d", n, err, len(want))
	}
	slices.SortFunc(got, func(a, b *withholding.Payment) int { return cmp.Compare(a.ID, b.ID) })
	lines := strings.Split(b.String(), "\n")
	kinds := map[withholding.PaymentKind]int{}
	for i, p := range got {
		w := want[i]
		kinds[p.Kind]++
		if p.Kind == withholding.KindReturn || p.Kind == withholding.KindNOC {
			// The entry's addenda 98/99 carries the code in positions 4-6.
			if code := lines[p.Line][3:6]; p.ReturnCode != code {
				t.Errorf("stored payment at line %d: return code %q, the file says %q", p.Line, p.ReturnCode, code)
			}
		}
		if p.Line != w.Line || p.Trace != w.Trace || p.Kind != w.Kind || p.ReturnCode != w.ReturnCode ||
			p.RemittanceID != w.RemittanceID || p.Amount != w.Amount || p.SSN != w.SSN || p.Raw != w.Raw ||
			p.Name != w.Name || strings.Join(p.Problems, "|") != strings.Join(w.Problems, "|") {
			t.Fatalf("stored payment %d differs from the file:\n got %+v\nwant %+v", i, *p, w)
		}
	}
	if kinds[withholding.KindReturn] == 0 || kinds[withholding.KindNOC] == 0 || kinds[withholding.KindPrenote] == 0 {
		t.Errorf("kinds %v: the file should exercise returns, NOCs and prenotes", kinds)
	}
}

// TestPullRemittancesReportsRefusedNames: names that are unsafe as local
// paths are never fetched, but each is logged (quoted), counted
// refused_names and makes the run partial, on every run while it is there.
func TestPullRemittancesReportsRefusedNames(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var logs bytes.Buffer
	f.x.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	f.addPartner("bank", transfer.RoleBank, achPatterns)
	a, sa := MustACH(t, 1, 10)
	refused := []string{`PAY\20261204.ach`, "-rf.ach", "bell\a.ach"}
	for _, n := range refused {
		f.drop("bank", "inbox", n, a)
	}
	f.drop("bank", "inbox", "a.ach", a)
	f.drop("bank", "inbox", ".hidden.ach", a) // hidden: skipped silently
	job := &jobs.PullRemittances{Exchange: f.x, Files: f.db}
	for run := 1; run <= 2; run++ {
		logs.Reset()
		res, err := job.Run(ctx)
		if err == nil || !res.Partial || res.Counts["refused_names"] != int64(len(refused)) {
			t.Fatalf("run %d: %+v %v, want partial with %d refused names", run, res, err, len(refused))
		}
		for _, n := range refused {
			if q := strconv.Quote(n); !strings.Contains(err.Error(), q) {
				t.Errorf("run %d: %s not named in the error %q", run, q, err)
			}
		}
		if n := strings.Count(logs.String(), "file name refused"); n != len(refused) {
			t.Errorf("run %d: %d log lines for refused names, want %d:\n%s", run, n, len(refused), logs.String())
		}
		if strings.Contains(logs.String(), "\a") || strings.Contains(err.Error(), "\a") {
			t.Errorf("run %d: a control character reached the log or the error", run)
		}
	}
	if got := f.payments(); got != sa.Items {
		t.Errorf("%d payments, want a.ach's %d", got, sa.Items)
	}
	if got := f.ls("bank", "inbox"); len(got) != len(refused)+1 {
		t.Errorf("inbox %q, want the refused and hidden files left", got)
	}
}
