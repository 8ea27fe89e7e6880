package jobs_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// TestSendIWOsRecordsControlNumbers: every IWO file sent is in the ledger
// with the control number its file header carries, and no two share one.
func TestSendIWOsRecordsControlNumbers(t *testing.T) {
	ctx := context.Background()
	a := newAgency(t, 5)
	for range 2 {
		run, err := a.sched.RunNow(ctx, jobs.JobSendIWOs)
		if err != nil {
			t.Fatalf("send-iwos: %v", err)
		}
		if run.Counts["iwos"] != 5 {
			t.Fatalf("send-iwos counts %v, want 5 IWOs", run.Counts)
		}
		// Every order again, so the next run writes another file.
		amend := withholding.ActionAmend
		for _, o := range a.orders {
			if _, err := a.db.UpdateOrder(ctx, o.ID, withholding.OrderUpdate{PendingAction: &amend}); err != nil {
				t.Fatal(err)
			}
		}
	}
	out, kind := withholding.Outbound, withholding.KindIWOFile
	files, _, err := a.db.FindFiles(ctx, withholding.FileFilter{Direction: &out, Kind: &kind})
	if err != nil || len(files) != 2 {
		t.Fatalf("%d outbound IWO files (%v), want 2", len(files), err)
	}
	seen := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(a.root, "portal", "outbox", f.RemoteName))
		if err != nil {
			t.Fatal(err)
		}
		rd := edi.NewReader(bytes.NewReader(data), f.RemoteName)
		if _, err := rd.Next(); err != nil {
			t.Fatalf("read %s: %v", f.RemoteName, err)
		}
		if f.ControlNumber == "" || f.ControlNumber != rd.FileControlNumber() {
			t.Errorf("%s: ledger control number %q, file header %q", f.RemoteName, f.ControlNumber, rd.FileControlNumber())
		}
		if prev, ok := seen[f.ControlNumber]; ok {
			t.Errorf("%s and %s share control number %s", prev, f.RemoteName, f.ControlNumber)
		}
		seen[f.ControlNumber] = f.RemoteName
	}
}

// mixed is a store with employers of every kind send-iwos meets and
// orders for each of them.
type mixed struct {
	*fixture
	// dest is the partner that gets each sendable order's IWO.
	dest map[int64]string
	// counts is what send-iwos should count.
	counts map[string]int64
}

// newMixed stores five e-IWO employers served by the portal, two served
// by partner acme, a paper employer and one naming a partner that is not
// configured, 80 orders among them, one order of an unknown employer and
// one the e-IWO layout refuses.
func newMixed(t *testing.T) *mixed {
	t.Helper()
	ctx := context.Background()
	m := &mixed{fixture: newFixture(t), dest: map[int64]string{}, counts: map[string]int64{}}
	m.addPartner("portal", transfer.RolePortal, nil)
	m.addPartner("acme", transfer.RoleEmployer, nil)
	g := synth.New(11)
	emps := g.Employers(9)
	dest := map[withholding.FEIN]string{}
	for i := range emps {
		e := &emps[i]
		e.EIWO, e.Partner = true, ""
		switch i {
		case 5, 6:
			e.Partner = "acme"
		case 7:
			e.EIWO = false
		case 8:
			e.Partner = "gone"
		}
		if err := m.db.UpsertEmployer(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.EIWO && e.Partner != "gone" {
			dest[e.FEIN] = cmp.Or(e.Partner, "portal")
		}
	}
	orders := g.Orders(emps, 80)
	orders[0].EmployerFEIN = "999999998"
	invalid := slices.IndexFunc(orders[1:], func(o withholding.Order) bool { return dest[o.EmployerFEIN] != "" }) + 1
	orders[invalid].Obligor.Last = ""
	for i := range orders {
		o := &orders[i]
		if err := m.db.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
		switch {
		case i == 0:
			m.counts["no_employer"]++
		case i == invalid:
			m.counts["invalid_orders"]++
		case dest[o.EmployerFEIN] != "":
			m.dest[o.ID] = dest[o.EmployerFEIN]
			m.counts["iwos"]++
		case o.EmployerFEIN == emps[7].FEIN:
			m.counts["paper"]++
		default:
			m.counts["no_partner"]++
		}
	}
	return m
}

// sentFile is an IWO file as its partner received it.
type sentFile struct {
	lf      *withholding.File
	eins    []withholding.FEIN // of each IWO, in file order
	batches int
}

// states counts the outbound IWO files by state.
func (m *mixed) states() map[withholding.FileState]int {
	st := map[withholding.FileState]int{}
	for _, lf := range m.outbound(withholding.KindIWOFile) {
		st[lf.State]++
	}
	return st
}

// sendRest runs send-iwos again, without faults, after a first run that
// returned first, and checks that the two sent every order once.
func (m *mixed) sendRest(first jobs.Result) {
	m.t.Helper()
	run2 := m.lastFile()
	j := sendJob(m.fixture)
	jobs.SetFileLimits(j, 2, 5)
	res, _ := j.Run(context.Background())
	if got := first.Counts["iwos"] + res.Counts["iwos"]; got != m.counts["iwos"] {
		m.t.Errorf("%d + %d IWOs sent in two runs, want %d", first.Counts["iwos"], res.Counts["iwos"], m.counts["iwos"])
	}
	m.check(2, 5, run2)
}

// lastFile is the ledger ID of the newest outbound IWO file, 0 if none.
func (m *mixed) lastFile() int64 {
	var id int64
	for _, lf := range m.outbound(withholding.KindIWOFile) {
		id = max(id, lf.ID)
	}
	return id
}

// check checks what send-iwos left after its runs, with files of at most
// batches employers and iwos IWOs: every sendable order sent exactly once,
// to its partner, in an archived file where its document says it is; in
// each run (the second after ledger ID run2, if not 0), each partner's
// IWOs in EIN order across its files, cut only at a limit; the other
// orders still pending.
func (m *mixed) check(batches, iwos int, run2 int64) {
	t := m.t
	t.Helper()
	ctx := context.Background()
	byRun := map[string][]sentFile{}
	seen := map[int64]bool{}
	files := m.outbound(withholding.KindIWOFile)
	slices.SortFunc(files, func(a, b *withholding.File) int { return cmp.Compare(a.ID, b.ID) })
	for _, lf := range files {
		if lf.State == withholding.FileQuarantined {
			if _, err := os.Stat(lf.LocalPath); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("quarantined %s: local copy %v, want removed", lf.RemoteName, err)
			}
			continue
		}
		if lf.State != withholding.FileArchived {
			t.Errorf("%s: state %s, want archived or quarantined", lf.RemoteName, lf.State)
			continue
		}
		data, err := os.ReadFile(filepath.Join(m.root, lf.Partner, "outbox", lf.RemoteName))
		if err != nil {
			t.Fatal(err)
		}
		sf := sentFile{lf: lf}
		rd := edi.NewReader(bytes.NewReader(data), lf.RemoteName)
		batch := ""
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("read %s: %v", lf.RemoteName, err)
			}
			switch r := rec.(type) {
			case *edi.Header:
				if strings.HasPrefix(r.Code, "BH") {
					batch = r.ControlNumber
					sf.batches++
				}
			case *edi.IWO:
				sf.eins = append(sf.eins, r.EmployerEIN)
				doc, err := m.db.FindDocumentByTrackingID(ctx, r.TrackingID)
				if err != nil {
					t.Fatalf("%s: IWO %s: %v", lf.RemoteName, r.TrackingID, err)
				}
				if doc.FileID != lf.ID || doc.FEIN != r.EmployerEIN || doc.BatchControl != batch || doc.FileControl != lf.ControlNumber || doc.CaseID != r.CaseID {
					t.Errorf("%s: document %+v, IWO in file %d batch %s of %s, case %s", lf.RemoteName, doc, lf.ID, batch, r.EmployerEIN, r.CaseID)
				}
				o, err := m.db.FindOrderByID(ctx, doc.OrderRef)
				if err != nil {
					t.Fatal(err)
				}
				if m.dest[o.ID] != lf.Partner || seen[o.ID] || o.TrackingID != r.TrackingID || o.PendingAction != "" {
					t.Errorf("order %d: for %q, sent to %s, sent before %v, tracking %s (IWO %s), pending %q", o.ID, m.dest[o.ID], lf.Partner, seen[o.ID], o.TrackingID, r.TrackingID, o.PendingAction)
				}
				seen[o.ID] = true
			}
		}
		if sf.batches > batches || len(sf.eins) > iwos || lf.Records != len(sf.eins) {
			t.Errorf("%s: %d batches, %d IWOs, ledger says %d, want at most %d and %d", lf.RemoteName, sf.batches, len(sf.eins), lf.Records, batches, iwos)
		}
		run := lf.Partner
		if run2 != 0 && lf.ID > run2 {
			run += ", second run"
		}
		byRun[run] = append(byRun[run], sf)
	}
	for id, p := range m.dest {
		if !seen[id] {
			t.Errorf("order %d for %s not sent", id, p)
		}
	}
	for p, files := range byRun {
		var last withholding.FEIN
		for i, sf := range files {
			if !slices.IsSorted(sf.eins) || sf.eins[0] < last {
				t.Errorf("%s: file %s: employers %v after %s, want EIN order", p, sf.lf.RemoteName, sf.eins, last)
			}
			last = sf.eins[len(sf.eins)-1]
			// A file is cut at a limit, never before.
			if i+1 < len(files) && len(sf.eins) < iwos && (sf.batches < batches || files[i+1].eins[0] == last) {
				t.Errorf("%s: file %s cut after %d IWOs of %d employers, below the limits", p, sf.lf.RemoteName, len(sf.eins), sf.batches)
			}
		}
	}
	// What was not sent is still to send.
	pending, _, err := m.db.FindOrders(ctx, withholding.OrderFilter{NeedsIWO: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range pending {
		if m.dest[o.ID] != "" {
			t.Errorf("order %d sent, still pending", o.ID)
		}
	}
	if want := len(seen) + int(m.counts["no_employer"]+m.counts["invalid_orders"]+m.counts["paper"]+m.counts["no_partner"]); len(seen) != len(m.dest) || len(pending)+len(seen) != want {
		t.Errorf("%d orders sent of %d, %d pending", len(seen), len(m.dest), len(pending))
	}
}

// TestSendIWOsCutsFilesAsItStreams: send-iwos writes each partner's IWOs
// into files as it reads the orders, cut at the employer limit (2
// employers, each with about 9 orders) or at the IWO limit (5), and counts
// and reports the orders it cannot send.
func TestSendIWOsCutsFilesAsItStreams(t *testing.T) {
	for _, lim := range []struct{ batches, iwos int }{{2, 100}, {2, 5}} {
		t.Run(fmt.Sprintf("batches=%d,iwos=%d", lim.batches, lim.iwos), func(t *testing.T) {
			m := newMixed(t)
			j := sendJob(m.fixture)
			jobs.SetFileLimits(j, lim.batches, lim.iwos)
			res, err := j.Run(context.Background())
			if err == nil || !res.Partial {
				t.Errorf("run: partial %v, error %v; want the orders not sent reported", res.Partial, err)
			}
			var fe edi.Errors
			if !errors.As(err, &fe) {
				t.Errorf("error %v: want the refused order's edi.Errors", err)
			}
			for _, k := range []string{"iwos", "no_employer", "invalid_orders", "paper", "no_partner"} {
				if res.Counts[k] != m.counts[k] {
					t.Errorf("count %s = %d, want %d (%v)", k, res.Counts[k], m.counts[k], res.Counts)
				}
			}
			if res.Files < 4 {
				t.Errorf("%d files, want several per partner", res.Files)
			}
			m.check(lim.batches, lim.iwos, 0)
		})
	}
}

// failsRecordSent is a file ledger whose second RecordSent fails.
type failsRecordSent struct {
	withholding.FileService
	calls int
}

var errLedger = errors.New("ledger unavailable")

func (l *failsRecordSent) RecordSent(ctx context.Context, id int64, docs iter.Seq[*withholding.Document]) error {
	if l.calls++; l.calls == 2 {
		return errLedger
	}
	return l.FileService.RecordSent(ctx, id, docs)
}

// A file that cannot be recorded is quarantined and its orders stay
// pending; the files after it go out, and the next run sends the rest.
func TestSendIWOsFileNotRecordedGoesOutNextRun(t *testing.T) {
	m := newMixed(t)
	j := sendJob(m.fixture)
	jobs.SetFileLimits(j, 2, 5)
	j.Files = &failsRecordSent{FileService: m.db}
	res, err := j.Run(context.Background())
	if !errors.Is(err, errLedger) || !res.Partial || res.Counts["iwos"] == 0 || res.Counts["iwos"] >= m.counts["iwos"] {
		t.Fatalf("run: %+v, %v; want the second file not recorded, the others sent", res, err)
	}
	if st := m.states(); st[withholding.FileQuarantined] != 1 || st[withholding.FileParsed] != 0 {
		t.Errorf("outbound files by state %v, want one quarantined, none parsed", st)
	}
	m.sendRest(res)
}

// failsReading is an order store whose stream of orders fails after n.
type failsReading struct {
	withholding.OrderService
	n int
}

var errRead = errors.New("connection reset")

func (s failsReading) EachOrderByEmployer(ctx context.Context, filter withholding.OrderFilter) iter.Seq2[*withholding.Order, error] {
	return func(yield func(*withholding.Order, error) bool) {
		i := 0
		for o, err := range s.OrderService.EachOrderByEmployer(ctx, filter) {
			if i == s.n {
				yield(nil, errRead)
				return
			}
			i++
			if !yield(o, err) {
				return
			}
		}
	}
}

// When the orders cannot be read to the end, the files already full are
// sent, the open ones are discarded, and the next run sends the rest.
func TestSendIWOsReadFailureDiscardsOpenFiles(t *testing.T) {
	m := newMixed(t)
	j := sendJob(m.fixture)
	jobs.SetFileLimits(j, 2, 5)
	j.Orders = failsReading{OrderService: m.db, n: 40}
	res, err := j.Run(context.Background())
	if !errors.Is(err, errRead) || res.Files == 0 || res.Counts["iwos"] >= m.counts["iwos"] {
		t.Fatalf("run: %+v, %v; want some files sent, then the read error", res, err)
	}
	if st := m.states(); st[withholding.FileQuarantined] == 0 || st[withholding.FileParsed] != 0 {
		t.Errorf("outbound files by state %v, want the open ones quarantined, none parsed", st)
	}
	m.sendRest(res)
}
