package jobs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	moov "github.com/moov-io/ach"
	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/ach/achsynth"
	"github.com/iwoproject/iwo/demo"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

// The books-balance tests play the demo's world (package demo: its
// simulated employers answer IWOs and pay by CCD+ with the demo's problem
// mix: rejections, notices, short and late pays, mistyped cases, a
// duplicate bank file, a malformed acknowledgment file) against the
// agency's real nightly jobs and store, adding bank files of their own
// whose DEDs contradict their entries. Then they add up the money three
// ways: from the ACH files as moov-io/ach reads them, from the store, and
// from the workbooks and statements the report job wrote; and they re-run
// every job of a night, in other orders, and find nothing changed.

// booksNights is how many nights each world plays.
const booksNights = 4

// booksFile is an ACH file the bank delivered before a night.
type booksFile struct {
	name string
	data []byte
	sha  string
}

// booksPlay is a played world: the store, the workspace and what the bank
// delivered each night.
type booksPlay struct {
	t     *testing.T
	w     *demo.World
	db    *store.DB
	sched *jobs.Scheduler
	// dataDir is the agency's DATA_DIR (reports under reports/DATE/).
	dataDir string
	// dates are the nights' run dates; bank[i] the ACH files in the bank's
	// inbox before night i+1, portal[i] the acknowledgment files.
	dates        []withholding.Date
	bank, portal [][]booksFile
	summary      demo.Summary
}

// MustPlayBooks plays booksNights nights of the demo world of seed on db
// with the agency's real jobs; after nights 3 and booksNights it re-runs
// every job of the night (CheckRerunsChangeNothing).
func MustPlayBooks(t *testing.T, db *store.DB, seed uint64) *booksPlay {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w, err := demo.Start(ctx, demo.Options{Dir: t.TempDir(), Seed: seed, Employers: 15, Orders: 140})
	if err != nil {
		t.Fatalf("start demo world: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	db.Now = w.Now
	for i := range w.Employers {
		if err := db.UpsertEmployer(ctx, &w.Employers[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i := range w.Orders {
		if err := db.CreateOrder(ctx, &w.Orders[i]); err != nil {
			t.Fatal(err)
		}
	}
	b := &booksPlay{t: t, w: w, db: db, dataDir: filepath.Join(w.Opt.Dir, "agency")}
	b.sched = booksScheduler(t, w, db, b.dataDir)
	rng := rand.New(rand.NewPCG(seed, 0xb00c5))
	for n := 1; n <= booksNights; n++ {
		if err := w.Day(ctx, n); err != nil {
			t.Fatalf("night %d, the world's side: %v", n, err)
		}
		b.addBankFiles(n, rng)
		b.dates = append(b.dates, w.Today())
		b.bank = append(b.bank, b.inbox(demo.BankIn))
		b.portal = append(b.portal, b.inbox(demo.PortalIn))
		if run, err := b.sched.RunNow(ctx, jobs.JobNight); run == nil || run.Status == withholding.RunFailed {
			t.Fatalf("night %d: %v (run %+v)", n, err, run)
		}
		if n == 3 {
			CheckRerunsChangeNothing(t, b, n)
		}
	}
	sum, err := demo.Summarize(ctx, db, w, booksNights)
	if err != nil {
		t.Fatal(err)
	}
	if ws := sum.World; ws.Notices == 0 || ws.Late == 0 || ws.Short == 0 || ws.Mistyped == 0 || ws.Duplicates == 0 || ws.Malformed == 0 {
		t.Fatalf("seed %d lacks some of the demo's problems (%d notices, %d late, %d short, %d mistyped, %d duplicate, %d malformed): pick another",
			seed, ws.Notices, ws.Late, ws.Short, ws.Mistyped, ws.Duplicates, ws.Malformed)
	}
	// As "iwo demo" writes and a reader reads summary.json.
	raw, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &b.summary); err != nil {
		t.Fatal(err)
	}
	return b
}

// booksScheduler is the night of cmd/iwo's buildScheduler over w's
// partner directories, read locally (the world's own side goes through its
// SFTP server).
func booksScheduler(t *testing.T, w *demo.World, db *store.DB, dataDir string) *jobs.Scheduler {
	t.Helper()
	root := filepath.Join(w.Opt.Dir, "sftp")
	partners := []*transfer.Partner{
		{Name: demo.PortalPartner, Role: transfer.RolePortal, Local: root, Outbox: demo.PortalOut, Inbox: demo.PortalIn,
			Archive: demo.PortalArchive, Quarantine: demo.PortalQuarantine,
			Patterns: map[withholding.FileKind][]string{withholding.KindAckFile: {"ACK_*.txt"}}},
		{Name: demo.BankPartner, Role: transfer.RoleBank, Local: root, Inbox: demo.BankIn,
			Archive: demo.BankArchive, Quarantine: demo.BankQuarantine,
			Patterns: map[withholding.FileKind][]string{withholding.KindACHFile: {"*.ach"}}},
		{Name: demo.OpsPartner, Role: transfer.RoleOperations, Local: root, Outbox: demo.ReportsOut},
	}
	for _, p := range partners {
		if err := p.Validate(); err != nil {
			t.Fatalf("partner %s: %v", p.Name, err)
		}
	}
	env := jobs.Env{Clock: w.Now, Location: time.UTC, Logger: quietLogger()}
	x := &jobs.Exchange{Partners: partners, Dir: dataDir, Env: env,
		Connect: func(ctx context.Context, p *transfer.Partner) (transfer.Remote, error) {
			return transfer.Open(ctx, p, transfer.Backoff{})
		}}
	s := MustScheduler(t, db, "books", func(c *jobs.SchedulerConfig) { c.Clock, c.Location = w.Now, time.UTC })
	rec := &jobs.Reconcile{
		Books: jobs.Books{Orders: db, Employers: db, Documents: db, Payments: db, Files: db, Exceptions: db, Postings: db, Runs: db},
		Env:   env,
	}
	for _, j := range []jobs.Job{
		&jobs.SendIWOs{Exchange: x, Files: db, Orders: db, Employers: db, Issuer: edisynth.Issuer(w.Agency), StateFIPS: w.Agency.StateFIPS, Env: env},
		&jobs.PullAcks{Exchange: x, Files: db, Orders: db, Documents: db, Env: env},
		&jobs.PullRemittances{Exchange: x, Files: db},
		rec,
		&jobs.Report{Reconcile: rec, Exchange: x, Reports: report.Writer{}, Title: "Books", Agency: "SDU", Contact: "555-0100"},
		&jobs.Night{Runner: s},
	} {
		MustAdd(t, s, j, "", jobs.AnyDay)
	}
	return s
}

// inbox reads the files waiting in a partner's inbox on the world's server.
func (b *booksPlay) inbox(dir string) []booksFile {
	b.t.Helper()
	local := filepath.Join(b.w.Opt.Dir, "sftp", filepath.FromSlash(dir))
	es, err := os.ReadDir(local)
	if err != nil {
		b.t.Fatal(err)
	}
	var out []booksFile
	for _, e := range es {
		if e.IsDir() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(local, e.Name()))
		if err != nil {
			b.t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		out = append(out, booksFile{name: e.Name(), data: data, sha: hex.EncodeToString(sum[:])})
	}
	return out
}

// drop leaves a file in a partner's inbox on the world's server.
func (b *booksPlay) drop(dir, name string, data []byte) {
	b.t.Helper()
	if err := os.WriteFile(filepath.Join(b.w.Opt.Dir, "sftp", filepath.FromSlash(dir), name), data, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// addBankFiles adds, from night 2 on, bank files the world's employers
// did not write: a CCD+ file whose DEDs contradict its entries (DED04 of
// 9999999999, a pay date shifted into DED04; a debit and a prenote beside
// them), a CTX file with one entry whose DEDs do not add up and one whose
// DEDs do, and on night 2 a generated file with prenotes, returns and
// notifications of change and an ACH file cut short (quarantined).
func (b *booksPlay) addBankFiles(n int, rng *rand.Rand) {
	b.t.Helper()
	if n < 2 {
		return
	}
	emp, orders := b.payingEmployer(rng)
	pay := b.w.Today().AddDays(-3)
	items := make([]ach.Item, len(orders))
	for i, o := range orders {
		items[i] = ach.Item{CaseID: o.RemittanceID, PayDate: pay, Amount: o.PerPay(emp.PayFrequency).Total, SSN: o.Obligor.SSN,
			Name: ach.DEDName(o.Obligor.Last, o.Obligor.First)}
	}
	r := ach.Remittance{
		CompanyName: emp.Name, CompanyID: "1" + string(emp.FEIN), ODFI: demo.ODFI, ODFIName: "OTHER BANK",
		SDUName: "STATE DISBURSEMENT UNIT", SDURouting: demo.SDURouting, SDUAccount: demo.SDUAccount, SDUBankName: "SDU BANK",
		EffectiveDate: b.w.Today(), Created: b.w.Now().Add(-time.Duration(n) * time.Minute), Items: items,
	}
	stem := fmt.Sprintf("BOOKS_%d", n)
	b.drop(demo.BankIn, stem+"_ccd.ach", contradictoryCCD(b.t, r, pay))
	b.drop(demo.BankIn, stem+"_ctx.ach", contradictoryCTX(b.t, r))
	if n == 2 {
		var g bytes.Buffer
		st, err := achsynth.Generate(&g, achsynth.Options{Count: 80, Seed: 16})
		if err != nil {
			b.t.Fatal(err)
		}
		if st.Prenotes == 0 || st.Returns == 0 || st.NOC == 0 {
			b.t.Fatalf("generated file has %d prenotes, %d returns, %d NOCs: want some of each (pick another seed)", st.Prenotes, st.Returns, st.NOC)
		}
		b.drop(demo.BankIn, stem+"_mixed.ach", g.Bytes())
		b.drop(demo.BankIn, stem+"_cut.ach", brokenACH(b.t, uint64(n)))
	}
}

// payingEmployer picks an employer of the world with at least three
// orders, and three of them.
func (b *booksPlay) payingEmployer(rng *rand.Rand) (withholding.Employer, []withholding.Order) {
	byFEIN := map[withholding.FEIN][]withholding.Order{}
	for _, o := range b.w.Orders {
		byFEIN[o.EmployerFEIN] = append(byFEIN[o.EmployerFEIN], o)
	}
	var many []withholding.Employer
	for _, e := range b.w.Employers {
		if len(byFEIN[e.FEIN]) >= 3 {
			many = append(many, e)
		}
	}
	if len(many) == 0 {
		b.t.Fatal("no employer of the world has three orders")
	}
	e := many[rng.IntN(len(many))]
	os := byFEIN[e.FEIN]
	rng.Shuffle(len(os), func(i, j int) { os[i], os[j] = os[j], os[i] })
	return e, os[:3]
}

// contradictoryCCD writes r as CCD+ with the first entry's DED04 set to
// 9999999999 and the second's to the pay date (a shifted element), then a
// debit and a prenote carrying DEDs, which are not payments.
func contradictoryCCD(tb testing.TB, r ach.Remittance, pay withholding.Date) []byte {
	tb.Helper()
	bt, err := ach.RemittanceBatch(r, 1)
	if err != nil {
		tb.Fatal(err)
	}
	es := bt.GetEntries()
	setDED04(es[0], "9999999999")
	setDED04(es[1], pay.Format("060102"))
	bt.GetHeader().ServiceClassCode = moov.MixedDebitsAndCredits
	for i, tc := range []int{moov.CheckingDebit, moov.CheckingPrenoteCredit} {
		e := moov.NewEntryDetail()
		e.TransactionCode = tc
		e.SetRDFI(r.SDURouting)
		e.DFIAccountNumber = r.SDUAccount
		if tc == moov.CheckingDebit {
			e.Amount = 4321
		}
		e.IndividualName = r.SDUName
		e.SetTraceNumber(r.ODFI[:8], len(es)+i+1)
		a := moov.NewAddenda05()
		a.PaymentRelatedInformation = r.Items[2].DED(false)
		a.SequenceNumber = 1
		a.EntryDetailSequenceNumber = len(es) + i + 1
		e.AddAddenda05(a)
		e.AddendaRecordIndicator = 1
		bt.AddEntry(e)
	}
	return writeBatches(tb, r, bt)
}

// setDED04 replaces the amount element of a CCD+ entry's DED.
func setDED04(e *moov.EntryDetail, v string) {
	a := e.Addenda05[0]
	el := strings.Split(strings.TrimSuffix(strings.TrimSpace(a.PaymentRelatedInformation), "\\"), "*")
	el[4] = v
	a.PaymentRelatedInformation = strings.Join(el, "*") + "\\"
}

// contradictoryCTX writes r as two CTX entries: the first credits $12.34
// more than its DEDs add up to, the second agrees with them.
func contradictoryCTX(tb testing.TB, r ach.Remittance) []byte {
	tb.Helper()
	r.CTX = true
	bad, err := ach.RemittanceBatch(r, 1)
	if err != nil {
		tb.Fatal(err)
	}
	bad.GetEntries()[0].Amount += 1234
	r.TraceStart = 2
	good, err := ach.RemittanceBatch(r, 2)
	if err != nil {
		tb.Fatal(err)
	}
	return writeBatches(tb, r, bad, good)
}

func writeBatches(tb testing.TB, r ach.Remittance, bs ...moov.Batcher) []byte {
	tb.Helper()
	var out bytes.Buffer
	fw, err := ach.NewFileWriter(&out, ach.FileHeader{Destination: r.SDURouting, DestinationName: r.SDUBankName,
		Origin: r.ODFI, OriginName: r.ODFIName, Created: r.Created})
	if err != nil {
		tb.Fatal(err)
	}
	for _, bt := range bs {
		if err := fw.WriteBatch(bt); err != nil {
			tb.Fatal(err)
		}
	}
	if err := fw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// achCredits is what moov-io/ach reads in a file: the credits of child
// support payment entries (CCD or CTX, a checking or savings credit or
// zero-dollar credit with addenda; not prenotes, returns, NOCs or
// debits), in all and by employer (the FEIN of the batch's company ID).
type achCredits struct {
	ok      bool // moov-io/ach read the file
	total   withholding.Tally
	byFEIN  map[withholding.FEIN]withholding.Tally
	entries int
}

func readACHCredits(data []byte) achCredits {
	c := achCredits{byFEIN: map[withholding.FEIN]withholding.Tally{}}
	f, err := moov.NewReader(bytes.NewReader(data)).Read()
	if err != nil {
		return c
	}
	c.ok = true
	for _, bt := range f.Batches {
		h := bt.GetHeader()
		if h.StandardEntryClassCode != moov.CCD && h.StandardEntryClassCode != moov.CTX {
			continue
		}
		fein := withholding.FEIN(h.CompanyIdentification)
		if len(h.CompanyIdentification) == 10 && h.CompanyIdentification[0] == '1' {
			fein = fein[1:]
		}
		for _, e := range bt.GetEntries() {
			switch e.TransactionCode {
			case moov.CheckingCredit, moov.SavingsCredit, moov.CheckingZeroDollarRemittanceCredit, moov.SavingsZeroDollarRemittanceCredit:
			default:
				continue
			}
			if e.Addenda98 != nil || e.Addenda99 != nil || len(e.Addenda05) == 0 {
				continue
			}
			amt := withholding.Cents(e.Amount)
			c.total.Add(amt)
			t := c.byFEIN[fein]
			t.Add(amt)
			c.byFEIN[fein] = t
			c.entries++
		}
	}
	return c
}

// CheckBooks asserts that the books balance, from the store, the ACH files
// and the report job's files:
//   - every payment of kind payment has exactly one posting, and only
//     those have one;
//   - per file, per employer and per night, the money the store received
//     (Payment.Credited) is what moov-io/ach reads the bank credited, a
//     duplicate file counting once and an unreadable file not at all, and
//     posted + held + zero is received;
//   - every employer statement's cover equals the sum of its sheet rows,
//     and every payment posted that night is counted on the Orders row of
//     its case;
//   - the operations workbook's summary is the store's NightTotals;
//   - the demo summary is the store;
//   - no exception key is stored twice.
func CheckBooks(t *testing.T, b *booksPlay) {
	t.Helper()
	ctx := context.Background()
	kind := withholding.KindPayment

	// One posting per payment.
	postings, err := b.db.FindPostings(ctx, withholding.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	perPayment := map[int64]int{}
	for _, p := range postings {
		perPayment[p.PaymentID]++
	}
	var all withholding.Tally
	allByFEIN := map[withholding.FEIN]withholding.Tally{}
	contradicted := 0
	for p, err := range b.db.EachPayment(ctx, withholding.PaymentFilter{Kind: &kind, WithPosting: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if n := perPayment[p.ID]; n != 1 {
			t.Errorf("payment %d (file %d line %d, case %s, %s): %d postings, want 1", p.ID, p.FileID, p.Line, p.RemittanceID, p.Credited.Dollars(), n)
		}
		// A DED that claims other money than the bank credited holds
		// its payment.
		if p.ClaimsOtherAmount() {
			contradicted++
			if p.Posting != nil && p.Posting.Status == withholding.PostingPosted {
				t.Errorf("payment %d (file %d line %d, case %s): DED claims %s, the bank credited %s, yet it was posted to %s",
					p.ID, p.FileID, p.Line, p.RemittanceID, p.Amount.Dollars(), p.Credited.Dollars(), p.Posting.CaseID)
			}
		}
		delete(perPayment, p.ID)
		all.Add(p.Credited)
		add(allByFEIN, p.FEIN, p.Credited)
	}
	for id, n := range perPayment {
		t.Errorf("%d postings of payment %d, which is not of kind payment", n, id)
	}
	// Each night from the second brings a CCD+ entry with DED04 9999999999,
	// one with a pay date in DED04 and a CTX entry of three DEDs that do
	// not add up (each then claims other money than its share).
	if want := 5 * (booksNights - 1); contradicted < want {
		t.Errorf("%d payments whose DED claims other money than credited, want at least %d from the contradicting files", contradicted, want)
	}

	// Money, file by file and night by night, against moov-io/ach.
	seen := map[string]bool{}
	var expectAll withholding.Tally
	expectByFEIN := map[withholding.FEIN]withholding.Tally{}
	var nights withholding.NightTotals
	for i, date := range b.dates {
		var night withholding.Tally
		nightByFEIN := map[withholding.FEIN]withholding.Tally{}
		for _, f := range b.bank[i] {
			// The ledger entries with the file's contents (a duplicate's
			// too) hold its credits once, or none when unreadable.
			c := readACHCredits(f.data)
			if got := b.fileCredits(f); got.Amount != c.total.Amount {
				t.Errorf("night %s, %s (duplicate %v, read by moov-io/ach %v): store received %d payments for %s, moov-io/ach reads %d credits for %s",
					date, f.name, seen[f.sha], c.ok, got.Count, got.Amount.Dollars(), c.total.Count, c.total.Amount.Dollars())
			}
			if seen[f.sha] {
				continue
			}
			seen[f.sha] = true
			night.Count += c.total.Count
			night.Amount += c.total.Amount
			for fein, x := range c.byFEIN {
				merge(nightByFEIN, fein, x)
				merge(expectByFEIN, fein, x)
			}
		}
		expectAll.Amount += night.Amount
		tot, err := b.db.NightTotals(ctx, date)
		if err != nil {
			t.Fatalf("night totals %s: %v", date, err)
		}
		if tot.Received.Amount != night.Amount {
			t.Errorf("night %s: store received %s, moov-io/ach reads %s credited in the night's new files", date, tot.Received.Amount.Dollars(), night.Amount.Dollars())
		}
		checkAddsUp(t, "night "+date.String(), tot)
		for _, fein := range slices.Sorted(maps.Keys(joinKeys(tot.ByEmployer, nightByFEIN))) {
			if got, want := tot.ByEmployer[fein].Amount, nightByFEIN[fein].Amount; got != want {
				t.Errorf("night %s, employer %q: store received %s, moov-io/ach reads %s", date, fein, got.Dollars(), want.Dollars())
			}
		}
		for _, x := range []struct{ into, from *withholding.Tally }{
			{&nights.Received, &tot.Received}, {&nights.Posted, &tot.Posted}, {&nights.Held, &tot.Held}, {&nights.Zero, &tot.Zero},
		} {
			x.into.Count += x.from.Count
			x.into.Amount += x.from.Amount
		}
		checkOperations(t, b, date, tot)
		checkStatements(t, b, date)
	}
	if all.Amount != expectAll.Amount || all != nights.Received {
		t.Errorf("store received %d payments for %s over the nights (nights add up to %+v), moov-io/ach reads %s",
			all.Count, all.Amount.Dollars(), nights.Received, expectAll.Amount.Dollars())
	}
	for _, fein := range slices.Sorted(maps.Keys(joinKeys(allByFEIN, expectByFEIN))) {
		if got, want := allByFEIN[fein].Amount, expectByFEIN[fein].Amount; got != want {
			t.Errorf("employer %q: store received %s over the nights, moov-io/ach reads %s", fein, got.Dollars(), want.Dollars())
		}
	}

	// The demo summary is the store.
	s := b.summary
	if s.Received != all || s.Posted != nights.Posted || s.Held != nights.Held || s.Zero != nights.Zero || s.Unreconciled != (withholding.Tally{}) {
		t.Errorf("summary received %+v posted %+v held %+v zero %+v unreconciled %+v; store received %+v, nights posted %+v held %+v zero %+v",
			s.Received, s.Posted, s.Held, s.Zero, s.Unreconciled, all, nights.Posted, nights.Held, nights.Zero)
	}
	exs, n, err := b.db.FindExceptions(ctx, withholding.ExceptionFilter{Limit: 1_000_000})
	if err != nil || n != len(exs) {
		t.Fatalf("find exceptions: %d of %d, %v", len(exs), n, err)
	}
	keys, open := map[string]int{}, map[string]int{}
	for _, e := range exs {
		keys[e.Key]++
		if e.Status == withholding.ExceptionOpen {
			open[string(e.Type)]++
		}
	}
	for k, n := range keys {
		if n != 1 {
			t.Errorf("exception key %q stored %d times", k, n)
		}
	}
	if !maps.Equal(s.Exceptions, open) {
		t.Errorf("summary's open exceptions %v, store's %v", s.Exceptions, open)
	}
	checkOrderPages(t, b)
}

// checkOrderPages checks that every posted payment appears, posted, on its
// order's page in the help-line console.
func checkOrderPages(t *testing.T, b *booksPlay) {
	t.Helper()
	ctx := context.Background()
	hash, err := web.HashPassword("books-pass")
	if err != nil {
		t.Fatal(err)
	}
	s, err := web.New(web.Config{
		Services: web.Services{Employers: b.db, Orders: b.db, Documents: b.db, Payments: b.db, Exceptions: b.db, JobRuns: b.db, Files: b.db, Accounts: b.db, Audit: b.db},
		Users:    []web.User{{Name: "hl", Role: web.RoleHelpline, PasswordHash: hash}},
		Location: time.UTC, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if resp, err := c.PostForm(srv.URL+"/login", url.Values{"user": {"hl"}, "password": {"books-pass"}}); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in to the console: %v", err)
	} else {
		resp.Body.Close()
	}
	pages := map[int64]string{}
	kind := withholding.KindPayment
	checked := 0
	for p, err := range b.db.EachPayment(ctx, withholding.PaymentFilter{Kind: &kind, WithPosting: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Posting == nil || p.Posting.Status != withholding.PostingPosted {
			continue
		}
		id := p.Posting.OrderRef
		page, ok := pages[id]
		if !ok {
			resp, err := c.Get(fmt.Sprintf("%s/orders/%d", srv.URL, id))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("order page %d: status %d", id, resp.StatusCode)
			}
			page = string(body)
			pages[id] = page
		}
		if !strings.Contains(page, string(p.Trace)) {
			t.Errorf("payment %d (trace %s, case ID sent %s) was posted to order %d (%s) but is not on its page", p.ID, p.Trace, p.RemittanceID, id, p.Posting.CaseID)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no posted payment to look for on the console's order pages")
	}
}

// fileCredits adds up the payments the store holds from the ledger
// entries with f's contents.
func (b *booksPlay) fileCredits(f booksFile) withholding.Tally {
	b.t.Helper()
	ctx := context.Background()
	ledger, _, err := b.db.FindFiles(ctx, withholding.FileFilter{SHA256: &f.sha})
	if err != nil {
		b.t.Fatal(err)
	}
	var t withholding.Tally
	for _, lf := range ledger {
		sums, err := b.db.SumPayments(ctx, withholding.PaymentFilter{FileID: &lf.ID})
		if err != nil {
			b.t.Fatal(err)
		}
		for _, s := range sums {
			if s.Kind == withholding.KindPayment {
				t.Count += s.Count
				t.Amount += s.Amount
			}
		}
	}
	return t
}

// checkAddsUp: posted, held and zero make what was received.
func checkAddsUp(t *testing.T, what string, tot *withholding.NightTotals) {
	t.Helper()
	if tot.Posted.Count+tot.Held.Count+tot.Zero.Count != tot.Received.Count || tot.Posted.Amount+tot.Held.Amount+tot.Zero.Amount != tot.Received.Amount {
		t.Errorf("%s: posted %+v + held %+v + zero %+v is not received %+v", what, tot.Posted, tot.Held, tot.Zero, tot.Received)
	}
}

// checkOperations compares the night's operations workbook summary with
// the store's totals.
func checkOperations(t *testing.T, b *booksPlay, date withholding.Date, tot *withholding.NightTotals) {
	t.Helper()
	path := filepath.Join(b.dataDir, "reports", date.String(), "operations-"+date.String()+".xlsx")
	cells := labelled(t, path, report.SheetSummary)
	openN := 0
	for _, n := range tot.OpenExceptions {
		openN += n
	}
	for _, c := range []struct {
		label string
		want  string
	}{
		{"Payments received", strconv.Itoa(tot.Received.Count)},
		{"Amount received", tot.Received.Amount.String()},
		{"Payments posted to an order", strconv.Itoa(tot.Posted.Count)},
		{"Amount posted", tot.Posted.Amount.String()},
		{"Payments held", strconv.Itoa(tot.Held.Count)},
		{"Amount held", tot.Held.Amount.String()},
		{"Open exceptions", strconv.Itoa(openN)},
	} {
		if got := cells[c.label]; normalize(got) != normalize(c.want) {
			t.Errorf("%s: %q is %q, store says %s", filepath.Base(path), c.label, got, c.want)
		}
	}
	// "Received by employer": name, FEIN, payments, amount.
	rows := rawRows(t, MustWorkbook(t, path), report.SheetEmployers)
	i := slices.IndexFunc(rows, func(r []string) bool { return cell(r, 0) == "Received by employer" })
	if i < 0 {
		t.Fatalf("%s: no \"Received by employer\" table", filepath.Base(path))
	}
	shown := map[withholding.FEIN]withholding.Tally{}
	for _, r := range rows[i+1:] {
		if n, _ := strconv.Atoi(cell(r, 2)); n > 0 {
			shown[withholding.FEIN(cell(r, 1))] = withholding.Tally{Count: n, Amount: cents(t, cell(r, 3))}
		}
	}
	if !maps.Equal(shown, tot.ByEmployer) {
		t.Errorf("%s: received by employer %v, store says %v", filepath.Base(path), shown, tot.ByEmployer)
	}
}

// checkStatements checks the night's employer statements: the covers add
// up their sheets, and the payments posted that night are on the Orders
// rows of their cases.
func checkStatements(t *testing.T, b *booksPlay, date withholding.Date) {
	t.Helper()
	ctx := context.Background()
	kind := withholding.KindPayment
	type caseTally map[string]withholding.Tally
	posted := map[withholding.FEIN]caseTally{}
	received := map[withholding.FEIN]withholding.Tally{}
	for p, err := range b.db.EachPayment(ctx, withholding.PaymentFilter{Kind: &kind, PostedOn: &date, WithPosting: true}) {
		if err != nil {
			t.Fatal(err)
		}
		merge(received, p.FEIN, withholding.Tally{Count: 1, Amount: p.Credited})
		if p.Posting.Status == withholding.PostingPosted {
			if posted[p.FEIN] == nil {
				posted[p.FEIN] = caseTally{}
			}
			merge(posted[p.FEIN], string(p.Posting.CaseID), withholding.Tally{Count: 1, Amount: p.Credited})
		}
	}
	paths, _ := filepath.Glob(filepath.Join(b.dataDir, "reports", date.String(), "statement-*-"+date.String()+".xlsx"))
	stated := map[withholding.FEIN]bool{}
	for _, path := range paths {
		fein := withholding.FEIN(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "statement-"), "-"+date.String()+".xlsx"))
		stated[fein] = true
		name := filepath.Base(path)
		cover := labelled(t, path, report.SheetStatement)
		f := MustWorkbook(t, path)
		var pays, held, applied withholding.Tally
		for _, r := range rawRows(t, f, report.SheetPayments)[1:] {
			amt := cents(t, cell(r, 4))
			pays.Add(amt)
			if strings.HasPrefix(cell(r, 6), "Held") {
				held.Add(amt)
			}
		}
		onOrders := caseTally{}
		for _, r := range rawRows(t, f, report.SheetOrders)[1:] {
			n, _ := strconv.Atoi(cell(r, 7))
			if n == 0 {
				continue
			}
			x := withholding.Tally{Count: n, Amount: cents(t, cell(r, 8))}
			applied.Count += x.Count
			applied.Amount += x.Amount
			merge(onOrders, cell(r, 0), x)
		}
		for _, c := range []struct {
			count, amount string
			got           withholding.Tally
			rows          string
		}{
			{"Payments received", "Amount received", pays, "Payments rows"},
			{"Payments applied to orders", "Amount applied", applied, "Orders rows"},
			{"Payments we could not apply", "Amount we could not apply", held, "held Payments rows"},
		} {
			if cover[c.count] != strconv.Itoa(c.got.Count) || normalize(cover[c.amount]) != normalize(c.got.Amount.String()) {
				t.Errorf("%s: cover says %s %s, %s %s; the %s add up to %d, %s",
					name, c.count, cover[c.count], c.amount, cover[c.amount], c.rows, c.got.Count, c.got.Amount.Dollars())
			}
		}
		if pays != received[fein] {
			t.Errorf("%s: %d payments for %s on the statement, the store reconciled %d for %s from %s that night",
				name, pays.Count, pays.Amount.Dollars(), received[fein].Count, received[fein].Amount.Dollars(), fein)
		}
		for c, want := range posted[fein] {
			if got := onOrders[c]; got != want {
				t.Errorf("%s: Orders row of case %s counts %d applied for %s; %d payments for %s were posted to it",
					name, c, got.Count, got.Amount.Dollars(), want.Count, want.Amount.Dollars())
			}
		}
		if len(onOrders) != len(posted[fein]) {
			t.Errorf("%s: Orders rows count payments for cases %v; payments were posted to %v", name,
				slices.Sorted(maps.Keys(onOrders)), slices.Sorted(maps.Keys(posted[fein])))
		}
	}
	for fein, cs := range posted {
		if !stated[fein] {
			t.Errorf("night %s: %d cases got payments from employer %q, which has no statement", date, len(cs), fein)
		}
	}
}

// labelled reads a sheet whose column A labels column B, raw values.
func labelled(t *testing.T, path, sheet string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, r := range rawRows(t, MustWorkbook(t, path), sheet) {
		if len(r) >= 2 && r[0] != "" {
			m[r[0]] = r[1]
		}
	}
	return m
}

// MustWorkbook opens a workbook and closes it when the test ends.
func MustWorkbook(tb testing.TB, path string) *excelize.File {
	tb.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

func rawRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil || len(rows) == 0 {
		t.Fatalf("rows of %s: %d, %v", sheet, len(rows), err)
	}
	return rows
}

func cell(r []string, i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}

// cents reads a money cell's raw value (dollars).
func cents(t *testing.T, s string) withholding.Cents {
	t.Helper()
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("money cell %q: %v", s, err)
	}
	return withholding.Cents(math.Round(f * 100))
}

// normalize writes a number cell or a Cents.String the same way.
func normalize(s string) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

func add[K comparable](m map[K]withholding.Tally, k K, c withholding.Cents) {
	x := m[k]
	x.Add(c)
	m[k] = x
}

func merge[K comparable](m map[K]withholding.Tally, k K, x withholding.Tally) {
	y := m[k]
	y.Count += x.Count
	y.Amount += x.Amount
	m[k] = y
}

func joinKeys[K comparable, V any](a, b map[K]V) map[K]bool {
	out := map[K]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// booksSnapshot is what a re-run must not change: the exceptions by key,
// the postings by payment and every night's totals.
type booksSnapshot struct {
	Exceptions map[string]withholding.Exception
	Postings   map[int64]withholding.Posting
	Nights     map[withholding.Date]withholding.NightTotals
}

func snapshot(t *testing.T, b *booksPlay) booksSnapshot {
	t.Helper()
	ctx := context.Background()
	s := booksSnapshot{Exceptions: map[string]withholding.Exception{}, Postings: map[int64]withholding.Posting{}, Nights: map[withholding.Date]withholding.NightTotals{}}
	exs, _, err := b.db.FindExceptions(ctx, withholding.ExceptionFilter{Limit: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exs {
		s.Exceptions[e.Key] = *e
	}
	ps, err := b.db.FindPostings(ctx, withholding.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		s.Postings[p.PaymentID] = *p
	}
	for _, d := range b.dates {
		tot, err := b.db.NightTotals(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		s.Nights[d] = *tot
	}
	return s
}

// CheckRerunsChangeNothing re-runs every job of night n one by one, twice
// and in two other orders, the second time with the night's files back in
// the inboxes (a partner resending them), and fails if the exceptions, the
// postings or any night's totals changed.
func CheckRerunsChangeNothing(t *testing.T, b *booksPlay, n int) {
	t.Helper()
	ctx := context.Background()
	before := snapshot(t, b)
	orders := [][]string{
		{jobs.JobReport, jobs.JobReconcile, jobs.JobPullRemittances, jobs.JobPullAcks, jobs.JobSendIWOs},
		{jobs.JobPullAcks, jobs.JobSendIWOs, jobs.JobPullRemittances, jobs.JobReconcile, jobs.JobReport},
	}
	for i, order := range orders {
		if i == 1 {
			for _, f := range b.bank[n-1] {
				b.drop(demo.BankIn, f.name, f.data)
			}
			for _, f := range b.portal[n-1] {
				b.drop(demo.PortalIn, f.name, f.data)
			}
		}
		for _, job := range order {
			if run, err := b.sched.RunNow(ctx, job); run == nil || run.Status == withholding.RunFailed {
				t.Fatalf("night %d, re-run %d of %s: %v (run %+v)", n, i+1, job, err, run)
			}
		}
	}
	after := snapshot(t, b)
	for k, e := range before.Exceptions {
		if a, ok := after.Exceptions[k]; !ok || !reflect.DeepEqual(a, e) {
			t.Errorf("night %d: exception %q changed on re-runs:\n was %+v\n now %+v", n, k, e, a)
		}
	}
	for k, e := range after.Exceptions {
		if _, ok := before.Exceptions[k]; !ok {
			t.Errorf("night %d: re-runs added exception %q: %+v", n, k, e)
		}
	}
	if !reflect.DeepEqual(before.Postings, after.Postings) {
		t.Errorf("night %d: postings changed on re-runs: %d before, %d after", n, len(before.Postings), len(after.Postings))
	}
	for d, tot := range before.Nights {
		if !reflect.DeepEqual(after.Nights[d], tot) {
			t.Errorf("night %d: totals of %s changed on re-runs:\n was %+v\n now %+v", n, d, tot, after.Nights[d])
		}
	}
}

// TestBooksBalanceOverRandomNights plays the demo world of several seeds
// on SQLite and checks that the books balance (CheckBooks) and that
// re-running a night changes nothing (CheckRerunsChangeNothing).
func TestBooksBalanceOverRandomNights(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			CheckBooks(t, MustPlayBooks(t, MustOpenStore(t), seed))
		})
	}
}
