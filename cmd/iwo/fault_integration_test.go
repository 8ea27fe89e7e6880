//go:build integration

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	moov "github.com/moov-io/ach"
	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/withholding"
)

// The fault-injection suite kills `iwo run JOB` (SIGKILL) at a random
// moment, runs the job again to completion, and checks the invariants of
// docs/reliability.md after every kill and every recovery:
//
//   - crash state (right after the kill): every final-named file iwo wrote
//     (outbox, reports, partners' outboxes, staging and quarantine copies)
//     is whole; a file gone from a partner's inbox has a ledger entry that
//     is applied, archived or quarantined (nothing is moved before its
//     commit);
//   - after recovery: every file placed in an inbox has left it and has
//     exactly one ledger entry, applied and archived, archived as a
//     duplicate, or quarantined, as planned; at most one applied entry per
//     SHA-256; the payments stored are, in number and cents, the credits
//     moov-io/ach reads in the distinct valid ACH files; every outbound IWO
//     entry was delivered and every file in the portal's outbox is in the
//     ledger; no run is left "running"; no lock is held by a dead process.
//
// IWO_FAULT_KILLS sets the number of kills (default 18 on local partners
// plus 6 on an OpenSSH partner), IWO_FAULT_SEED the seed (default: the
// clock, logged).

// faultJobs are the jobs killed, in turn.
var faultJobs = []string{"send-iwos", "pull-acks", "pull-remittances", "reconcile", "report", "night"}

func TestIntegrationFaultLocal(t *testing.T) {
	runFaultCampaign(t, false, faultKills(t, 18), faultJobs)
}

func TestIntegrationFaultSFTP(t *testing.T) {
	runFaultCampaign(t, true, max(faultKills(t, 6)/3, 6), []string{"pull-remittances", "night"})
}

func faultKills(t *testing.T, def int) int {
	if s := os.Getenv("IWO_FAULT_KILLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("IWO_FAULT_KILLS=%q: want a positive number", s)
		}
		return n
	}
	return def
}

// Outcomes planned for a file placed in an inbox.
type fileWant string

const (
	wantApplied     fileWant = "applied"
	wantDuplicate   fileWant = "duplicate"
	wantQuarantined fileWant = "quarantined"
)

// placedFile is a file the test put into a partner's inbox.
type placedFile struct {
	partner, name, sha string
	want               fileWant
	ach                []byte // the bytes of an ACH file, for the independent count
}

type faultCampaign struct {
	*testAgency
	rng      *rand.Rand
	seed     uint64
	placed   []*placedFile
	answered map[string]bool // IWO files in the portal's outbox already answered
	orders   int             // orders imported so far
	maxDelay map[string]time.Duration
	banks    []string
	seq      int
	// validated caches final-named files already found whole, by path and SHA-256.
	validated map[string]bool

	// Figures for the report.
	kills, missed, rowsChecked int
	killPoints                 []string
	leaseHeld                  int
	violations                 map[string][]string
	reported                   map[string]bool
}

func runFaultCampaign(t *testing.T, sshd bool, kills int, jobs []string) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("IWO_FAULT_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("IWO_FAULT_SEED=%q: %v", s, err)
		}
	}
	t.Logf("fault campaign seed %d (replay with IWO_FAULT_SEED=%d), %d kills over %v", seed, seed, kills, jobs)
	a := MustAgency(t, MustBuildIWO(t), sshd)
	c := &faultCampaign{
		testAgency: a, rng: rand.New(rand.NewPCG(seed, 0xfa17)), seed: seed,
		answered: map[string]bool{}, maxDelay: map[string]time.Duration{}, validated: map[string]bool{},
		violations: map[string][]string{}, reported: map[string]bool{}, banks: []string{"bank"},
	}
	if sshd {
		c.banks = []string{"sftp-bank", "bank"}
	}
	a.MustIWO([]string{"import", "employers", "../../testdata/import/employers.csv"})
	c.importOrders(60)

	for i := range kills {
		job := jobs[i%len(jobs)]
		c.feed(job)
		c.killOnce(job)
		c.checkCrashState(job)
		c.recoverJob(job)
		c.checkRecovered(job)
	}
	c.reportFigures()
}

// importOrders adds n new orders (pending originals) to the agency.
func (c *faultCampaign) importOrders(n int) {
	c.t.Helper()
	feins := []string{"480000101", "480000202", "480000303", "480000404"}
	var b strings.Builder
	b.WriteString("case_id,order_id,remittance_id,employer_fein,obligor_last,obligor_first,obligor_middle,obligor_suffix,obligor_ssn,obligor_birth_date,obligee_last,obligee_first,children,issuing_state,issuing_jurisdiction,issuing_tribunal,payee_fips,current_support,current_support_freq,past_due_support,past_due_support_freq,current_medical,current_medical_freq,arrears_over_12_weeks,start_date,end_date\n")
	for i := c.orders; i < c.orders+n; i++ {
		fmt.Fprintf(&b, "KS00000009%05d,SN2026DM%06d,KS00000009%05d,%s,FAULTMAN,PAT%c,,,900-55-%04d,1985-01-01,FAULTMAN,ROBIN,FAULTMAN|KIM|2015-05-05,KANSAS,SALINE,DISTRICT COURT,2000003,%d.00,monthly,,,,,N,2026-01-01,\n",
			i, i, i, feins[i%len(feins)], 'A'+rune(i%26), i+1, 100+i)
	}
	c.orders += n
	path := filepath.Join(c.dir, fmt.Sprintf("orders-%d.csv", c.orders))
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.MustIWO([]string{"import", "orders", path})
}

// feed gives the job something to do: new orders to send, acknowledgments
// of the IWO files sent, remittance files (now and then a duplicate and a
// truncated one).
func (c *faultCampaign) feed(job string) {
	c.t.Helper()
	if job == "send-iwos" || job == "night" {
		c.importOrders(20 + c.rng.IntN(40))
	}
	if job == "pull-acks" || job == "night" {
		c.feedAcks()
	}
	if job == "pull-remittances" || job == "night" {
		c.feedACH()
	}
}

func (c *faultCampaign) feedAcks() {
	c.t.Helper()
	out := filepath.Join(c.roots["portal"], "out")
	names, _ := filepath.Glob(filepath.Join(out, "IWO_*"))
	for _, iwo := range names {
		if c.answered[iwo] {
			continue
		}
		c.answered[iwo] = true
		c.seq++
		tmp := filepath.Join(c.dir, fmt.Sprintf("ack-%d.txt", c.seq))
		c.MustIWO([]string{"gen", "ack", "--in", iwo, "--out", tmp, "--seed", strconv.FormatUint(c.rng.Uint64()%1e9, 10)})
		data, err := os.ReadFile(tmp)
		if err != nil {
			c.t.Fatal(err)
		}
		c.put("portal", fmt.Sprintf("ACK_%03d.txt", c.seq), data, wantApplied)
		if c.rng.IntN(4) == 0 {
			c.put("portal", fmt.Sprintf("ACK_%03d_cut.txt", c.seq), truncate(data), wantQuarantined)
		}
	}
}

func (c *faultCampaign) feedACH() {
	c.t.Helper()
	for range 1 + c.rng.IntN(2) {
		c.seq++
		tmp := filepath.Join(c.dir, fmt.Sprintf("ach-%d.ach", c.seq))
		args := []string{"gen", "ach", "--count", strconv.Itoa(200 + c.rng.IntN(800)), "--out", tmp, "--seed", strconv.Itoa(c.seq)}
		c.MustIWO(args)
		data, err := os.ReadFile(tmp)
		if err != nil {
			c.t.Fatal(err)
		}
		bank := c.banks[c.rng.IntN(len(c.banks))]
		c.put(bank, fmt.Sprintf("REMIT_%03d.ach", c.seq), data, wantApplied)
		switch c.rng.IntN(4) {
		case 0:
			c.put(bank, fmt.Sprintf("REMIT_%03d_again.ach", c.seq), data, wantDuplicate)
		case 1:
			c.put(bank, fmt.Sprintf("REMIT_%03d_cut.ach", c.seq), truncate(data), wantQuarantined)
		}
	}
}

// truncate cuts a file short in the middle of a record.
func truncate(data []byte) []byte {
	n := len(data) / 2
	for n > 1 && (data[n-1] == '\n' || data[n] == '\n') {
		n--
	}
	return slices.Clone(data[:n])
}

func (c *faultCampaign) put(partner, name string, data []byte, want fileWant) {
	c.t.Helper()
	p := &placedFile{partner: partner, name: name, want: want}
	p.sha = place(c.t, filepath.Join(c.roots[partner], "in"), name, data)
	if strings.HasSuffix(name, ".ach") {
		p.ach = data
	}
	c.placed = append(c.placed, p)
}

// killOnce starts the job and SIGKILLs it after a random delay, up to a
// little more than the job's last full run took.
func (c *faultCampaign) killOnce(job string) {
	c.t.Helper()
	limit, ok := c.maxDelay[job]
	if !ok {
		limit = 400 * time.Millisecond
	}
	delay := time.Duration(c.rng.Int64N(int64(limit)*11/10 + 1))
	cmd := c.command("run", job)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		c.missed++
		c.killPoints = append(c.killPoints, fmt.Sprintf("%s@%s(finished first)", job, delay.Round(time.Millisecond)))
	case <-time.After(delay):
		_ = cmd.Process.Kill()
		<-done
		c.kills++
		c.killPoints = append(c.killPoints, fmt.Sprintf("%s@%s", job, delay.Round(time.Millisecond)))
	}
}

// recoverJob runs the job again until it completes. A run skipped because
// the killed process's SQLite lease is still held is counted as a
// violation; the test then lets the lease lapse (expires_at = 0, as 2
// minutes of waiting would) and runs again.
func (c *faultCampaign) recoverJob(job string) {
	c.t.Helper()
	for attempt := 0; ; attempt++ {
		start := time.Now()
		code, out := c.iwo("run", job)
		took := time.Since(start)
		switch {
		case code == exitRunSkipped && attempt == 0:
			c.leaseHeld++
			c.violate("crash recovery: the run after a SIGKILL is not skipped (lock lease of a dead process)",
				"%s after %s: exit 4: %s", job+strconv.Itoa(len(c.killPoints)), c.killPoints[len(c.killPoints)-1], firstLine(out))
			db := c.rawDB()
			if _, err := db.Exec("UPDATE locks SET expires_at = 0"); err != nil {
				c.t.Fatal(err)
			}
			db.Close()
			continue
		case code == 0 || code == exitRunPartial:
			if took > c.maxDelay[job] {
				c.maxDelay[job] = took
			}
			return
		default:
			c.t.Fatalf("iwo run %s after %s: exit %d (seed %d)\n%s", job, c.killPoints[len(c.killPoints)-1], code, c.seed, out)
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// violate records a broken invariant; reportFigures fails the test with
// each invariant's count and first cases.
// A case already recorded (same invariant, same first argument: the file,
// run or ledger entry) is not recorded again at a later check.
func (c *faultCampaign) violate(invariant, format string, args ...any) {
	key := invariant + "\x00" + fmt.Sprint(args[0])
	if c.reported[key] {
		return
	}
	c.reported[key] = true
	c.violations[invariant] = append(c.violations[invariant], fmt.Sprintf(format, args...))
}

// ledger returns every ledger entry.
func (c *faultCampaign) ledger() []*withholding.File {
	c.t.Helper()
	db := c.open()
	defer db.Close()
	files, _, err := db.FindFiles(context.Background(), withholding.FileFilter{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.rowsChecked += len(files)
	return files
}

// entriesOf returns the ledger entries of a placed file.
func entriesOf(files []*withholding.File, p *placedFile) []*withholding.File {
	var out []*withholding.File
	for _, f := range files {
		if f.Direction == withholding.Inbound && f.Partner == p.partner && f.SHA256 == p.sha && pathBase(f.RemoteName) == p.name {
			out = append(out, f)
		}
	}
	return out
}

func pathBase(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }

func isDuplicateEntry(f *withholding.File) bool {
	return f.State == withholding.FileArchived && strings.HasPrefix(f.Error, "duplicate")
}

func describe(fs []*withholding.File) string {
	var s []string
	for _, f := range fs {
		note, _, _ := strings.Cut(f.Error, "\n")
		s = append(s, fmt.Sprintf("ledger %d %s %q", f.ID, f.State, note))
	}
	return "[" + strings.Join(s, "; ") + "]"
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// checkCrashState checks what must hold at any moment, so right after a
// kill: final-named files whole, nothing gone from an inbox before its
// commit.
func (c *faultCampaign) checkCrashState(job string) {
	c.t.Helper()
	c.checkFinalNames()
	files := c.ledger()
	for _, p := range c.placed {
		if exists(filepath.Join(c.roots[p.partner], "in", p.name)) {
			continue
		}
		ok := false
		for _, f := range entriesOf(files, p) {
			switch f.State {
			case withholding.FileApplied, withholding.FileArchived, withholding.FileQuarantined:
				ok = true
			}
		}
		if !ok {
			c.violate("nothing moved from an inbox before its commit",
				"%s gone from the inbox after a kill of %s, ledger %s", p.partner+"/"+p.name, job, describe(entriesOf(files, p)))
		}
	}
}

// checkFinalNames checks that every file under a final name (not a dotted
// temporary) that iwo wrote parses: e-IWO files through `iwo edi
// validate`, workbooks through excelize, CSVs through encoding/csv, staged
// and quarantined copies against the SHA-256 of a file placed.
func (c *faultCampaign) checkFinalNames() {
	c.t.Helper()
	placed := map[string]bool{}
	for _, p := range c.placed {
		placed[p.sha] = true
	}
	roots := []string{filepath.Join(c.dir, "data")}
	for _, name := range []string{"portal", "ops"} {
		roots = append(roots, filepath.Join(c.roots[name], "out"))
	}
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") || strings.HasSuffix(path, ".db") || strings.Contains(path, ".db-") {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return nil // moved meanwhile
			}
			key := path + " " + sha(data)
			if c.validated[key] {
				return nil
			}
			rel, _ := filepath.Rel(c.dir, path)
			c.rowsChecked++
			var bad string
			switch {
			case strings.Contains(rel, "staging"+string(filepath.Separator)) || strings.Contains(rel, "quarantine"+string(filepath.Separator)):
				if !placed[sha(data)] {
					bad = "a copy of no file placed (size " + strconv.Itoa(len(data)) + ")"
				}
			case strings.HasPrefix(d.Name(), "IWO_"):
				if code, out := c.iwo("edi", "validate", path); code != 0 {
					bad = "iwo edi validate: " + firstLine(out)
				}
			case strings.HasSuffix(path, ".xlsx"):
				f, err := excelize.OpenFile(path)
				if err == nil {
					_, err = f.GetRows(f.GetSheetList()[0])
					f.Close()
				}
				if err != nil {
					bad = err.Error()
				}
			case strings.HasSuffix(path, ".csv"):
				if _, err := csv.NewReader(bytes.NewReader(data)).ReadAll(); err != nil || len(data) == 0 {
					bad = fmt.Sprintf("csv: %v (size %d)", err, len(data))
				}
			}
			if bad != "" {
				c.violate("no half-written file under a final name", "%s: %s", rel, bad)
			} else {
				c.validated[key] = true
			}
			return nil
		})
	}
}

// checkRecovered checks the invariants after a run that completed.
func (c *faultCampaign) checkRecovered(job string) {
	c.t.Helper()
	c.checkFinalNames()
	files := c.ledger()
	after := "after recovering " + c.killPoints[len(c.killPoints)-1]

	// Every placed file left its inbox, with exactly one entry, as planned.
	pulled := map[string]bool{"pull-acks": true, "pull-remittances": true, "night": true}
	for _, p := range c.placed {
		isACH := strings.HasSuffix(p.name, ".ach")
		if !pulled[job] || (job == "pull-acks" && isACH) || (job == "pull-remittances" && !isACH) {
			continue
		}
		if exists(filepath.Join(c.roots[p.partner], "in", p.name)) {
			c.violate("every file placed in an inbox is applied or quarantined, never left", "%s still in the inbox %s", p.partner+"/"+p.name, after)
			continue
		}
		es := entriesOf(files, p)
		if len(es) != 1 {
			c.violate("one ledger entry per file received", "%s (%s) has %d ledger entries %s %s", p.partner+"/"+p.name, p.want, len(es), describe(es), after)
			continue
		}
		e := es[0]
		var ok bool
		switch p.want {
		case wantApplied:
			ok = e.State == withholding.FileArchived && !isDuplicateEntry(e)
		case wantDuplicate:
			ok = isDuplicateEntry(e)
		case wantQuarantined:
			ok = e.State == withholding.FileQuarantined && exists(filepath.Join(c.roots[p.partner], "in", "rejected", p.name))
		}
		if !ok {
			c.violate("every file placed in an inbox is applied or quarantined, never left", "%s want %s, ledger %s %s", p.partner+"/"+p.name, p.want, describe(es), after)
		}
	}

	// At most one applied entry per SHA-256; no inbound entry left behind.
	applied := map[string][]*withholding.File{}
	for _, f := range files {
		if f.Direction != withholding.Inbound {
			continue
		}
		switch {
		case f.State == withholding.FileApplied || (f.State == withholding.FileArchived && !isDuplicateEntry(f)):
			applied[f.SHA256] = append(applied[f.SHA256], f)
		}
		if (f.State == withholding.FileApplied || f.State == withholding.FileReceived || f.State == withholding.FileParsed) && pulled[job] {
			c.violate("ledger consistent: no inbound entry left unfinished", "ledger %d (%s) left %s %s", f.ID, f.RemoteName, f.State, after)
		}
	}
	for s, fs := range applied {
		if len(fs) > 1 {
			c.violate("exactly once: at most one applied entry per SHA-256", "SHA-256 %s… applied %d times %s %s", s[:12], len(fs), describe(fs), after)
		}
	}

	c.checkPayments(after)
	c.checkOutbound(files, job, after)

	// No run left running.
	db := c.open()
	defer db.Close()
	runs, _, err := db.FindJobRuns(context.Background(), "", 0, 0)
	if err != nil {
		c.t.Fatal(err)
	}
	c.rowsChecked += len(runs)
	for _, r := range runs {
		if r.Status == withholding.RunRunning {
			c.violate("crash recovery: no run left \"running\" once the job has run again", "run %d (%s, started %s) still running %s", r.ID, r.Job, r.Started.Format(time.TimeOnly), after)
		}
	}
}

// checkPayments compares the stored payments with moov-io/ach's reading of
// the distinct ACH files planned to be applied.
func (c *faultCampaign) checkPayments(after string) {
	c.t.Helper()
	var wantN int
	var wantCents int64
	seen := map[string]bool{}
	for _, p := range c.placed {
		if p.ach == nil || p.want != wantApplied || seen[p.sha] {
			continue
		}
		seen[p.sha] = true
		n, cents, err := moovCredits(p.ach)
		if err != nil {
			c.t.Fatalf("moov-io/ach cannot read %s: %v", p.name, err)
		}
		wantN, wantCents = wantN+n, wantCents+cents
	}
	db := c.open()
	defer db.Close()
	kind := withholding.KindPayment
	ps, n, err := db.FindPayments(context.Background(), withholding.PaymentFilter{Kind: &kind})
	if err != nil {
		c.t.Fatal(err)
	}
	c.rowsChecked += len(ps)
	var cents int64
	for _, p := range ps {
		cents += int64(p.Credited)
	}
	// A placed file may still sit in an inbox when the last job pulled
	// nothing; the comparison is exact once every valid file is applied.
	pending := false
	for _, p := range c.placed {
		if p.ach != nil && exists(filepath.Join(c.roots[p.partner], "in", p.name)) {
			pending = true
		}
	}
	if !pending && (n != wantN || cents != wantCents) {
		c.violate("exactly once: payments equal moov-io/ach's count of the ACH credits",
			"store has %d payments for %d cents, the %d distinct ACH files credit %d entries for %d cents %s", n, cents, len(seen), wantN, wantCents, after)
	}
}

// moovCredits counts the CCD/CTX credits with DED addenda in an ACH file
// as moov-io/ach reads it (the rules of readACHCredits in jobs/books_test.go).
func moovCredits(data []byte) (n int, cents int64, err error) {
	f, err := moov.NewReader(bytes.NewReader(data)).Read()
	if err != nil {
		return 0, 0, err
	}
	for _, bt := range f.Batches {
		if c := bt.GetHeader().StandardEntryClassCode; c != moov.CCD && c != moov.CTX {
			continue
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
			n++
			cents += int64(e.Amount)
		}
	}
	return n, cents, nil
}

// checkOutbound checks the IWO files sent: after send-iwos completed, every
// outbound IWO entry was delivered (archived) and every file in the
// portal's outbox is the SHA-256 of exactly one delivered entry.
func (c *faultCampaign) checkOutbound(files []*withholding.File, job, after string) {
	c.t.Helper()
	if job != "send-iwos" && job != "night" {
		return
	}
	delivered := map[string]int{}
	for _, f := range files {
		if f.Direction != withholding.Outbound || f.Kind != withholding.KindIWOFile {
			continue
		}
		if f.State == withholding.FileArchived {
			delivered[f.SHA256]++
		} else if f.State != withholding.FileQuarantined {
			c.violate("ledger consistent: every outbound IWO file recorded is delivered", "ledger %d (%s) left %s %q %s", f.ID, f.RemoteName, f.State, f.Error, after)
		}
	}
	names, _ := filepath.Glob(filepath.Join(c.roots["portal"], "out", "IWO_*"))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			c.t.Fatal(err)
		}
		if delivered[sha(data)] != 1 {
			c.violate("ledger consistent: every file in a partner's outbox is one delivered entry", "%s: %d delivered entries with its SHA-256 %s", filepath.Base(name), delivered[sha(data)], after)
		}
	}
}

func (c *faultCampaign) reportFigures() {
	c.t.Helper()
	var inbound, bad, dups int
	for _, p := range c.placed {
		inbound++
		switch p.want {
		case wantQuarantined:
			bad++
		case wantDuplicate:
			dups++
		}
	}
	c.t.Logf("seed %d: %d kills, %d runs finished before their kill, %d files placed (%d truncated, %d duplicates), %d orders, %d ledger/payment/run rows and files checked, %d lease waits avoided",
		c.seed, c.kills, c.missed, inbound, bad, dups, c.orders, c.rowsChecked, c.leaseHeld)
	c.t.Logf("kill points: %s", strings.Join(c.killPoints, " "))
	keys := make([]string, 0, len(c.violations))
	for k := range c.violations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := c.violations[k]
		c.t.Errorf("INVARIANT BROKEN %q: %d times (seed %d); first:\n  %s", k, len(v), c.seed, strings.Join(v[:min(len(v), 4)], "\n  "))
	}
}
