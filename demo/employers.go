package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// Problem rates of the simulated employers: a realistic few percent.
const (
	rateNotOnRoster = 0.025 // R U
	rateOtherFEIN   = 0.01  // R W
	rateNameBoth    = 0.008 // R B
	rateNameOne     = 0.01  // A B
	rateGone        = 0.015 // R N
	rateSuspended   = 0.01  // A S
	rateLeaves      = 0.01  // EMP T on a later night
	rateLumpSum     = 0.006 // EMP L
	rateShort       = 0.03  // a short pay: the limit cuts the withholding
	rateLate        = 0.02  // remitted two nights late
	rateMistype     = 0.01  // case identifier mistyped in the DED
)

// ODFI is the routing number of the simulated employers' bank.
const ODFI = "121000248"

type heldPay struct {
	w     employer.Withholding
	night int // remit on this night
}

type simEmployer struct {
	emp     withholding.Employer
	roster  *employer.Roster
	book    *employer.Book
	paidTo  withholding.Date // pay dates up to this day have been run
	base    map[withholding.SSN]withholding.Cents
	held    []heldPay
	pending []*employer.Employee // terminate on a later night
}

func (w *World) buildRosters() {
	g := w.gen
	byFEIN := map[withholding.FEIN][]*employer.Employee{}
	seen := map[string]bool{}
	for _, e := range w.Employers {
		w.emps[e.FEIN] = &simEmployer{emp: e, book: employer.NewBook(), paidTo: w.Opt.Start, base: map[withholding.SSN]withholding.Cents{}}
		w.feins = append(w.feins, e.FEIN)
	}
	slices.Sort(w.feins)
	for _, o := range w.Orders {
		se := w.emps[o.EmployerFEIN]
		key := string(o.EmployerFEIN) + o.Obligor.SSN.Digits()
		per := o.PerPay(se.emp.PayFrequency).Total
		se.base[o.Obligor.SSN] += per*5/2 + withholding.Cents(g.Intn(60_000))
		if seen[key] {
			continue
		}
		seen[key] = true
		row := &employer.Employee{FEIN: o.EmployerFEIN, Person: o.Obligor, Status: employer.Active, PayFrequency: se.emp.PayFrequency}
		switch x := g.Intn(10_000); {
		case x < int(rateNotOnRoster*10_000):
			continue
		case x < int((rateNotOnRoster+rateOtherFEIN)*10_000):
			sister := synth.Pick(g, w.Employers)
			if sister.FEIN == o.EmployerFEIN {
				continue
			}
			row.FEIN = sister.FEIN
		case x < int((rateNotOnRoster+rateOtherFEIN+rateNameBoth)*10_000):
			row.Person.Last, row.Person.First = "NGUYEN-"+row.Person.Last[:1], "ALEX"
		case x < int((rateNotOnRoster+rateOtherFEIN+rateNameBoth+rateNameOne)*10_000):
			row.Person.Last = synth.Pick(g, []string{"SMITH", "GARCIA", "LEE"}) + "-" + row.Person.Last
		case x < int((rateNotOnRoster+rateOtherFEIN+rateNameBoth+rateNameOne+rateGone)*10_000):
			row.Status = employer.Terminated
			row.TerminationDate = w.Opt.Start.AddDays(-(10 + g.Intn(60)))
			row.FinalPayDate = row.TerminationDate.AddDays(5)
			row.NewEmployer = synth.Pick(g, []string{"UNKNOWN", "SELF-EMPLOYED"})
		case x < int((rateNotOnRoster+rateOtherFEIN+rateNameBoth+rateNameOne+rateGone+rateSuspended)*10_000):
			row.Status = employer.Suspended
		case x < int((rateNotOnRoster+rateOtherFEIN+rateNameBoth+rateNameOne+rateGone+rateSuspended+rateLeaves)*10_000):
			se.pending = append(se.pending, row)
		case x < int((rateNotOnRoster+rateOtherFEIN+rateNameBoth+rateNameOne+rateGone+rateSuspended+rateLeaves+rateLumpSum)*10_000):
			row.LumpSum = withholding.Cents((1000 + g.Intn(9000)) * 100)
			row.LumpSumDate = w.Opt.Start.AddDays(10 + g.Intn(10))
			row.LumpSumType = synth.Pick(g, []string{"BONUS", "COMMISSION"})
		}
		byFEIN[o.EmployerFEIN] = append(byFEIN[o.EmployerFEIN], row)
	}
	for _, f := range w.feins {
		r, err := employer.NewRoster(byFEIN[f])
		if err != nil { // two rows for one SSN and FEIN (a sister-company row): keep the first
			var kept []*employer.Employee
			keys := map[string]bool{}
			for _, e := range byFEIN[f] {
				k := string(e.FEIN) + e.Person.SSN.Digits()
				if !keys[k] {
					keys[k] = true
					kept = append(kept, e)
				}
			}
			r, _ = employer.NewRoster(kept)
		}
		w.emps[f].roster = r
	}
}

// WriteRosters writes each employer's roster as DIR/employers/FEIN/roster.csv,
// the file a real employer would keep, so the demo's inputs can be
// inspected and replayed with "iwo employer ack".
func (w *World) WriteRosters() error {
	for _, f := range w.feins {
		dir := filepath.Join(w.Opt.Dir, "employers", string(f))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("write roster: %w", err)
		}
		var b bytes.Buffer
		if err := employer.WriteRoster(&b, w.emps[f].roster.Employees); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "roster.csv"), b.Bytes(), 0o600); err != nil {
			return fmt.Errorf("write roster: %w", err)
		}
	}
	return nil
}

// NightTime returns the instant of night n (1-based).
func (w *World) NightTime(n int) time.Time {
	return w.Opt.Start.AddDays(7 * (n - 1)).Time(time.UTC).Add(2 * time.Hour)
}

// Day plays the employers' and the bank's side before night n: the
// employers take the IWO files the agency left at the portal, answer them
// (one acknowledgment file per IWO file, as the portal forwards them), and
// pay every pay date since the last night; the bank delivers the day's
// remittances in one ACH file. Night 1 only sets the clock. Some nights
// add trouble: a malformed acknowledgment file on night 2, the same bank
// file delivered twice on night 3.
func (w *World) Day(ctx context.Context, n int) error {
	w.mu.Lock()
	w.now = w.NightTime(n).Add(-8 * time.Hour)
	w.night = n
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.now = w.NightTime(n)
		w.mu.Unlock()
	}()
	if n == 1 {
		return nil
	}
	if err := w.answer(ctx, n); err != nil {
		return err
	}
	return w.remit(ctx, n)
}

func (w *World) answer(ctx context.Context, n int) error {
	rem, err := transfer.Dial(ctx, w.portal)
	if err != nil {
		return fmt.Errorf("demo portal: %w", err)
	}
	defer rem.Close()
	files, err := employer.Pull(ctx, rem, w.portal, []string{"*"}, filepath.Join(w.Opt.Dir, "portal", "received"))
	if err != nil {
		return fmt.Errorf("demo portal: %w", err)
	}
	today := w.Today()
	// Employees who leave this week.
	if n == 3 {
		for _, f := range w.feins {
			se := w.emps[f]
			for _, e := range se.pending {
				if r, _ := se.roster.Find(e.Person.SSN, e.FEIN); r != nil {
					r.Status = employer.Terminated
					r.TerminationDate = today.AddDays(-2)
					r.FinalPayDate = today.AddDays(-1)
					r.NewEmployer = "UNKNOWN"
				}
			}
		}
	}
	// One acknowledgment file per IWO file, as the portal forwards them;
	// employer-initiated notices ride with the first, or go alone.
	type answered struct {
		fips string
		acks []*edi.Ack
		decs map[withholding.FEIN][]employer.Decision
	}
	var out []answered
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("demo portal: %w", err)
		}
		recv, err := employer.ReadIWOFile(f, filepath.Base(path))
		f.Close()
		if err != nil {
			return fmt.Errorf("demo portal: the agency sent an invalid IWO file: %w", err)
		}
		w.mu.Lock()
		w.stats.IWOFilesTaken++
		w.mu.Unlock()
		a := answered{fips: recv.FIPS, decs: map[withholding.FEIN][]employer.Decision{}}
		for _, d := range recv.IWOs {
			se := w.emps[d.EmployerEIN]
			if se == nil {
				continue // not one of ours: the portal would route it elsewhere
			}
			dc := &employer.Decider{Roster: se.roster, Book: se.book, On: today}
			dec := dc.Decide(d)
			a.decs[d.EmployerEIN] = append(a.decs[d.EmployerEIN], dec)
			a.acks = append(a.acks, dec.Ack)
		}
		w.mu.Lock()
		w.stats.IWOsAnswered += len(a.acks)
		w.mu.Unlock()
		out = append(out, a)
	}
	var notices []*edi.Ack
	for _, fein := range w.feins {
		se := w.emps[fein]
		var decs []employer.Decision
		for _, a := range out {
			decs = append(decs, a.decs[fein]...)
		}
		dc := &employer.Decider{Roster: se.roster, Book: se.book, On: today}
		for _, a := range dc.Notices(withholding.Date{}, decs) {
			k := string(a.Status) + a.Employee.SSN.Digits()
			if w.notified[k] {
				continue
			}
			w.notified[k] = true
			notices = append(notices, a)
		}
	}
	if len(out) == 0 && len(notices) > 0 {
		out = append(out, answered{fips: w.Agency.StateFIPS + "000"})
	}
	if len(out) > 0 {
		out[0].acks = append(out[0].acks, notices...)
		w.mu.Lock()
		w.stats.Notices += len(notices)
		w.mu.Unlock()
	}
	for _, a := range out {
		if len(a.acks) == 0 {
			continue
		}
		b, err := w.pushAcks(ctx, rem, n, a.fips, a.acks)
		if err != nil {
			return err
		}
		if n == 2 && w.stats.Malformed == 0 {
			// A payroll system's half-written file: cut after a few records.
			bad := b[:len(b)/2]
			if cut := bytes.LastIndexByte(bad, '\n'); cut > 0 {
				bad = bad[:cut+1]
			}
			badPath := filepath.Join(w.Opt.Dir, "portal", "sent", transfer.UniqueName("ACK_"+PortalPartner, w.Now(), ".txt"))
			if err := os.WriteFile(badPath, bad, 0o600); err != nil {
				return fmt.Errorf("demo portal: %w", err)
			}
			if _, err := employer.Push(ctx, rem, w.portal, badPath); err != nil {
				return fmt.Errorf("demo portal: %w", err)
			}
			w.mu.Lock()
			w.stats.Malformed++
			w.mu.Unlock()
		}
	}
	return nil
}

// pushAcks writes one acknowledgment file and leaves it for the agency.
func (w *World) pushAcks(ctx context.Context, rem transfer.Remote, n int, fips string, acks []*edi.Ack) ([]byte, error) {
	name := transfer.UniqueName("ACK_"+PortalPartner, w.Now(), ".txt")
	local := filepath.Join(w.Opt.Dir, "portal", "sent", name)
	var b bytes.Buffer
	w.mu.Lock()
	seq := uint64(n*1000 + w.stats.ACKFiles%1000)
	w.mu.Unlock()
	opt := edi.WriterOptions{FIPS: fips, Created: w.Now(), Sequence: seq}
	if err := employer.WriteAcks(&b, opt, acks); err != nil {
		return nil, fmt.Errorf("demo portal: %w", err)
	}
	if err := os.WriteFile(local, b.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("demo portal: %w", err)
	}
	if _, err := employer.Push(ctx, rem, w.portal, local); err != nil {
		return nil, fmt.Errorf("demo portal: %w", err)
	}
	w.mu.Lock()
	w.stats.ACKFiles++
	for _, a := range acks {
		w.stats.Dispositions.Add(a)
	}
	w.mu.Unlock()
	return b.Bytes(), nil
}

func (w *World) remit(ctx context.Context, n int) error {
	g := w.gen
	today := w.Today()
	var all []employer.Withholding
	for _, f := range w.feins {
		se := w.emps[f]
		if se.book.Len() == 0 {
			continue
		}
		var keep []heldPay
		for _, h := range se.held {
			if h.night <= n {
				all = append(all, h.w)
			} else {
				keep = append(keep, h)
			}
		}
		se.held = keep
		dates := withholding.PayDates(se.emp.PayFrequency, se.emp.PayAnchor, se.paidTo.AddDays(1), today)
		se.paidTo = today
		for _, pay := range dates {
			var lines []employer.PayLine
			for _, e := range se.roster.Employees {
				if e.FEIN != f || e.Status == employer.Suspended {
					continue
				}
				final := false
				if e.Status == employer.Terminated {
					if e.FinalPayDate.Before(pay.AddDays(-6)) || e.FinalPayDate.After(pay) {
						continue
					}
					final = true
				}
				disp := se.base[e.Person.SSN]
				if g.Chance(rateShort) {
					disp = disp * 35 / 100
					w.mu.Lock()
					w.stats.Short++
					w.mu.Unlock()
				}
				lines = append(lines, employer.PayLine{FEIN: f, SSN: e.Person.SSN, Last: e.Person.Last, First: e.Person.First,
					PayDate: pay, Frequency: se.emp.PayFrequency, Disposable: disp, Final: final, Medical: "N"})
			}
			ws, err := employer.Compute(lines, se.book, employer.Settings{})
			if err != nil {
				return fmt.Errorf("demo employer %s: %w", f, err)
			}
			for _, x := range ws {
				if g.Chance(rateLate) {
					se.held = append(se.held, heldPay{w: x, night: n + 2})
					w.mu.Lock()
					w.stats.Late++
					w.mu.Unlock()
					continue
				}
				if g.Chance(rateMistype) {
					x.Orders = slices.Clone(x.Orders)
					cp := *x.Orders[0]
					cp.RemittanceID = withholding.RemittanceID(fmt.Sprintf("%s%010d", w.Agency.StateCode, g.Intn(1_000_000_000)))
					x.Orders[0] = &cp
					w.mu.Lock()
					w.stats.Mistyped++
					w.mu.Unlock()
				}
				all = append(all, x)
			}
		}
	}
	if len(all) == 0 {
		return nil
	}
	name := transfer.UniqueName("ACH_"+BankPartner, w.Now(), ".ach")
	local := filepath.Join(w.Opt.Dir, "bank", "sent", name)
	var b bytes.Buffer
	st, err := employer.WriteACH(&b, all, employer.Bank{
		ODFI: ODFI, ODFIName: "EMPLOYERS BANK", SDURouting: SDURouting, SDUAccount: SDUAccount,
		SDUName: "STATE DISBURSEMENT UNIT", SDUBankName: "SDU BANK", Effective: today, Created: w.Now(),
	})
	if errors.Is(err, employer.ErrNothingToRemit) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("demo bank: %w", err)
	}
	if err := os.WriteFile(local, b.Bytes(), 0o600); err != nil {
		return fmt.Errorf("demo bank: %w", err)
	}
	rem, err := transfer.Dial(ctx, w.bank)
	if err != nil {
		return fmt.Errorf("demo bank: %w", err)
	}
	defer rem.Close()
	if _, err := employer.Push(ctx, rem, w.bank, local); err != nil {
		return fmt.Errorf("demo bank: %w", err)
	}
	w.mu.Lock()
	w.stats.ACHFiles++
	w.stats.Entries += st.Entries
	w.stats.Remitted += st.Total
	w.mu.Unlock()
	if n == 3 && w.lastACH != "" {
		// The bank's system resends yesterday's file under a new name.
		dup := filepath.Join(w.Opt.Dir, "bank", "sent", transfer.UniqueName("ACH_"+BankPartner, w.Now(), ".ach"))
		if err := copyFile(w.lastACH, dup); err != nil {
			return fmt.Errorf("demo bank: %w", err)
		}
		if _, err := employer.Push(ctx, rem, w.bank, dup); err != nil {
			return fmt.Errorf("demo bank: %w", err)
		}
		w.mu.Lock()
		w.stats.Duplicates++
		w.mu.Unlock()
	}
	w.lastACH = local
	return nil
}

// The SDU's account the simulated employers pay into: the agency's
// default configuration (agency.sdu).
const (
	SDURouting = "123456780"
	SDUAccount = "1234567890"
)

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}
