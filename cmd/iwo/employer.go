package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/iwoproject/iwo/ach"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// fileList collects a repeatable flag of file names.
type fileList []string

func (l *fileList) String() string     { return strings.Join(*l, " ") }
func (l *fileList) Set(s string) error { *l = append(*l, s); return nil }

func init() {
	var (
		roster, out, since, on *string
		inEffect               fileList
	)
	register(&command{
		name:  "employer ack",
		args:  "IWOFILE...",
		short: "answer received e-IWO files against your employee roster (employer mode)",
		long: `For employers and payroll providers. Reads the e-IWO (FHI) files you received,
matches each order to your roster by SSN under the FEIN it was sent to, and
writes the acknowledgment (FHA) file to send back: accepted, or rejected with
the reason code the e-IWO specification asks for, plus employer-initiated
EMP notices for employees who left (T) and lump sums you announced (L).

Rules, first match wins (docs/employer.md):
  same tracking identifier answered before   R D  duplicate
  TRM with no order in effect for the case   R Z  (TRM of an order in effect: A)
  SSN not on the roster                      R U  never employed
  SSN on the roster under another FEIN       R W  with the corrected FEIN
  employee terminated                        R N  with termination data
  neither last nor first name matches        R B
  ORG for a case already in effect           R D
  accepted                                   A, A B (one name differs), A S (suspended)

--orders names IWO files you accepted before (repeat it for each file), so duplicates
and terminations are judged against the orders already in effect. The
roster is a CSV file with a header row; see testdata/employer/roster.csv
and docs/employer.md for the columns. The summary of dispositions goes to
stderr; SSNs are never printed.

Example:
  iwo employer ack --roster roster.csv --orders accepted/IWO_0301.txt inbox/IWO_0412.txt --out ACK_0412.txt`,
		flags: func(fs *flag.FlagSet) {
			inEffect = nil // flag sets are made anew for every run; the list must be too
			roster = fs.String("roster", "", "employee roster `CSV` (required)")
			fs.Var(&inEffect, "orders", "IWO `file` accepted earlier, orders in effect (repeat)")
			out = fs.String("out", "", "acknowledgment `file` to write (default stdout)")
			since = fs.String("since", "", "send EMP notices only for terminations and lump sums dated on or after this `date` (YYYY-MM-DD)")
			on = fs.String("on", "", "answer as of this `date` (default today)")
		},
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if *roster == "" {
				return usageError("--roster is required")
			}
			if len(args) == 0 {
				return usageError("name at least one received IWOFILE")
			}
			day, err := optDate("--on", *on, withholding.DateOf(time.Now()))
			if err != nil {
				return err
			}
			from, err := optDate("--since", *since, withholding.Date{})
			if err != nil {
				return err
			}
			return runEmployerAck(e, *roster, inEffect, args, *out, day, from)
		},
	})

	var (
		payroll, achOut, capPct, stateCap, other, alloc, medRule, fee *string
		feeOutside                                                    *bool
		odfi, odfiName, sduRouting, sduAccount, sduName, effective    *string
		cfgPath                                                       *string
		orders, acks                                                  fileList
		allow                                                         map[withholding.Refusal]*fileList
	)
	register(&command{
		name:  "employer remit",
		args:  "",
		short: "work out a pay run's child support withholding and write the CCD+ file (employer mode)",
		long: `For employers and payroll providers. For one pay run, works out what to
withhold from each employee for every order in effect, with the same rules
as 'iwo calc' (the CCPA limit, priority: current support, then medical, then
arrears; several orders share what the limit allows), and writes a NACHA
file of CCD+ credits to the State Disbursement Unit: one entry per order,
each with its DED addenda (case, pay date, amount, SSN, medical indicator,
name, FIPS, termination). A table of who had what withheld and why goes to
stderr (SSNs masked).

--payroll is a CSV file with a header row: ssn, pay_date, pay_frequency,
disposable_earnings (required), and fein, last_name, first_name, final_pay
(Y on a last paycheck), medical_coverage (Y, N or W), lump_sum (the
disposable part of a bonus paid with this pay: LUM orders are withheld from
it, apart from the regular pay). See testdata/employer/payrun.csv.

--orders are the IWO files you received (repeat the flag, oldest first)
and --acks the acknowledgment files you sent for them, 'iwo employer ack'
output (repeat it, oldest first). A later IWO for a case supersedes an
earlier one (an AMD the ORG, a TRM ends the order). remit withholds only
for an order whose latest IWO you ACCEPTED in one of the --acks files. It
refuses, and lists on stderr with the employee (SSN masked), the case and
the reason, every order of a paid employee that is:
  terminated      the latest IWO is a TRM, or you sent an EMP T notice for
                  the employee and the pay is after the final pay date it
                  gave (the final paycheck itself is withheld from)
  rejected        you rejected the latest IWO
  unacknowledged  no --acks file accepts the latest IWO (not answered yet,
                  or its acknowledgment file was not named)
To withhold for one such case anyway, name it with the flag for its reason:
--allow-terminated CASE, --allow-rejected CASE, --allow-unacknowledged CASE
(repeat for several cases). Withheld-anyway orders are listed too.

Exit status: 0 when the file is written (refusals for rejected or
terminated orders are warnings: they follow your own answers); 3 when the
file is written for the other orders but some order was refused as
unacknowledged (answer it, or add its --acks file, and run again before
you send the file); 1 when nothing is to be remitted; 2 for bad input.

The limit: the percentage the IWO states (the lowest, when an employee's
IWOs state different ones); --cap overrides it; when no IWO states one,
--state-cap (a flat percentage) or the federal CCPA table (50/55/60/65%,
--other-family says whether the employee supports another family).

The SDU's bank comes from --config (agency.sdu) or the flags; --odfi is
your bank's routing number.

Example:
  iwo employer remit --payroll payrun-1106.csv --orders received/IWO_0412.txt \
    --acks sent/ACK_0412.txt --odfi 121000248 --out CS_20261106.ach`,
		flags: func(fs *flag.FlagSet) {
			orders, acks = nil, nil
			allow = map[withholding.Refusal]*fileList{}
			payroll = fs.String("payroll", "", "pay run `CSV` (required)")
			fs.Var(&orders, "orders", "received IWO `file`, oldest first (repeat; at least one)")
			fs.Var(&acks, "acks", "acknowledgment `file` you sent, oldest first; only IWOs it accepts are withheld for (repeat)")
			for _, r := range withholding.Refusals {
				allow[r] = &fileList{}
				fs.Var(allow[r], "allow-"+string(r), "withhold for `CASE` although its order is "+string(r)+" (repeat)")
			}
			achOut = fs.String("out", "", "NACHA `file` to write (default stdout)")
			capPct = fs.String("cap", "", "limit `percent` for every employee, overriding the IWOs")
			stateCap = fs.String("state-cap", "", "work state's flat limit `percent`, used when no IWO states one")
			other = fs.String("other-family", "unknown", "does the employee support another family: yes, no or unknown (federal table row)")
			alloc = fs.String("allocation", string(withholding.DefaultAllocation), "how to split what does not fit: proportional or equal")
			medRule = fs.String("medical-rule", string(withholding.DefaultMedicalRule), "where the premium goes: after-current, after-cash or first")
			fee = fs.String("fee", "", "administrative fee per pay, in dollars (kept by the employer, not remitted)")
			feeOutside = fs.Bool("fee-outside", false, "take the fee on top of the limit (where the work state allows)")
			odfi = fs.String("odfi", "", "your bank's 9-digit routing `number` (required)")
			odfiName = fs.String("odfi-name", "EMPLOYER BANK", "your bank's name")
			sduRouting = fs.String("sdu-routing", "", "the SDU bank's routing `number` (default: --config agency.sdu)")
			sduAccount = fs.String("sdu-account", "", "the SDU's account `number` (default: --config agency.sdu)")
			sduName = fs.String("sdu-name", "", "the SDU's name (default: --config agency.sdu)")
			effective = fs.String("effective", "", "settlement `date` asked for, YYYY-MM-DD (default: the latest pay date)")
			cfgPath = configFlag(fs)
		},
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usageError("unexpected argument %q (IWO files go in --orders)", args[0])
			}
			if *payroll == "" || len(orders) == 0 {
				return usageError("--payroll and at least one --orders are required")
			}
			if *odfi == "" {
				return usageError("--odfi (your bank's routing number) is required")
			}
			s, err := remitSettings(*capPct, *stateCap, *other, *alloc, *medRule, *fee, *feeOutside)
			if err != nil {
				return exitCode(2, err)
			}
			cfg, err := loadConfig(*cfgPath, e)
			if err != nil {
				return err
			}
			sdu := cfg.Agency.SDU
			bank := employer.Bank{
				ODFI: *odfi, ODFIName: *odfiName,
				SDURouting: pick(*sduRouting, sdu.RoutingNumber), SDUAccount: pick(*sduAccount, sdu.AccountNumber),
				SDUName: pick(*sduName, sdu.PayeeName), SDUBankName: "SDU BANK", Created: time.Now(),
			}
			if !ach.ValidRouting(bank.ODFI) {
				return usageError("--odfi %q: not a valid 9-digit routing number", bank.ODFI)
			}
			if !ach.ValidRouting(bank.SDURouting) {
				return usageError("--sdu-routing %q: not a valid 9-digit routing number", bank.SDURouting)
			}
			eff, err := optDate("--effective", *effective, withholding.Date{})
			if err != nil {
				return err
			}
			bank.Effective = eff
			ov := employer.Overrides{}
			for r, cases := range allow {
				for _, c := range *cases {
					if strings.TrimSpace(c) == "" {
						return usageError("--allow-%s: name a case identifier", r)
					}
					ov.Allow(r, withholding.CaseID(strings.TrimSpace(c)))
				}
			}
			return runEmployerRemit(e, *payroll, orders, acks, *achOut, s, bank, ov)
		},
	})

	var (
		xcfg, partner, dir, pattern *string
	)
	register(&command{
		name:  "employer pull",
		args:  "",
		short: "fetch the e-IWO files waiting for you from an SFTP partner (employer mode)",
		long: `Connects to the partner named --partner in the configuration (the same
partners file the agency side uses: host, pinned host key, user, key) and
fetches every file in the partner's outbox, where the agency leaves IWO
files, into --dir. Each remote file is removed once its local copy is
complete and checked. Prints the local paths, one per line. A partner
with "local: DIR" is a local directory standing in for the server;
testdata/employer/employer.yml is a sample configuration.

Example:
  iwo employer pull --config employer.yml --partner state-ca --dir inbox/`,
		flags: func(fs *flag.FlagSet) {
			xcfg = configFlag(fs)
			partner = fs.String("partner", "", "partner `name` in the configuration (required)")
			dir = fs.String("dir", ".", "local `directory` to put the files in")
			pattern = fs.String("pattern", "", "only names matching this `glob`")
		},
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usageError("unexpected argument %q", args[0])
			}
			p, rem, err := employerPartner(ctx, e, *xcfg, *partner)
			if err != nil {
				return err
			}
			defer rem.Close()
			var pats []string
			if *pattern != "" {
				pats = []string{*pattern}
			}
			got, err := employer.Pull(ctx, rem, p, pats, *dir)
			for _, g := range got {
				fmt.Fprintln(e.stdout, g)
			}
			return err
		},
	})
	var pcfg, ppartner *string
	register(&command{
		name:  "employer push",
		args:  "FILE...",
		short: "send acknowledgment and ACH files to an SFTP partner (employer mode)",
		long: `Uploads each FILE into the inbox of the partner named --partner in the
configuration (for the e-IWO exchange, where the agency picks up
acknowledgments; for the SDU's bank, remittances). Uploads go to a temporary
name and are renamed into place, and never overwrite a different file.
Prints the remote names.

Example:
  iwo employer push --config employer.yml --partner state-ca ACK_0412.txt`,
		flags: func(fs *flag.FlagSet) {
			pcfg = configFlag(fs)
			ppartner = fs.String("partner", "", "partner `name` in the configuration (required)")
		},
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return usageError("name at least one FILE to push")
			}
			p, rem, err := employerPartner(ctx, e, *pcfg, *ppartner)
			if err != nil {
				return err
			}
			defer rem.Close()
			for _, f := range args {
				name, err := employer.Push(ctx, rem, p, f)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, name)
			}
			return nil
		},
	})
}

func pick(flagValue, fallback string) string {
	if flagValue != "" {
		return flagValue
	}
	return fallback
}

func optDate(flagName, s string, def withholding.Date) (withholding.Date, error) {
	if s == "" {
		return def, nil
	}
	d, err := withholding.ParseDate("2006-01-02", s)
	if err != nil {
		return d, usageError("%s: %s", flagName, withholding.ErrorMessage(err))
	}
	return d, nil
}

func employerPartner(ctx context.Context, e *env, cfgPath, name string) (*transfer.Partner, transfer.Remote, error) {
	if name == "" {
		return nil, nil, usageError("--partner is required")
	}
	cfg, err := loadConfig(cfgPath, e)
	if err != nil {
		return nil, nil, err
	}
	ps, err := cfg.TransferPartners()
	if err != nil {
		return nil, nil, err
	}
	for _, p := range ps {
		if p.Name == name {
			rem, err := transfer.Open(ctx, p, cfg.Backoff())
			if err != nil {
				return nil, nil, err
			}
			return p, rem, nil
		}
	}
	return nil, nil, usageError("--partner %q: no such partner in the configuration", name)
}

func readIWOFiles(names []string) ([]*employer.Received, error) {
	var out []*employer.Received
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			return nil, fmt.Errorf("open IWO file: %w", err)
		}
		r, err := employer.ReadIWOFile(bufio.NewReader(f), n)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func runEmployerAck(e *env, rosterPath string, inEffect, received []string, out string, day, since withholding.Date) error {
	rf, err := os.Open(rosterPath)
	if err != nil {
		return fmt.Errorf("open roster: %w", err)
	}
	roster, err := employer.ReadRoster(bufio.NewReader(rf), rosterPath)
	rf.Close()
	if err != nil {
		return err
	}
	earlier, err := readIWOFiles(inEffect)
	if err != nil {
		return err
	}
	files, err := readIWOFiles(received)
	if err != nil {
		return err
	}
	fips := files[0].FIPS
	for _, f := range files[1:] {
		if f.FIPS != fips {
			return usageError("%s is from state %s and %s from %s: answer one state's files at a time", files[0].Name, fips, f.Name, f.FIPS)
		}
	}
	dc := &employer.Decider{Roster: roster, Book: employer.LoadBook(earlier, nil), On: day}
	var decs []employer.Decision
	var acks []*edi.Ack
	tally := employer.Tally{}
	for _, f := range files {
		for _, d := range f.IWOs {
			dec := dc.Decide(d)
			decs = append(decs, dec)
			acks = append(acks, dec.Ack)
			tally.Add(dec.Ack)
		}
	}
	for _, n := range dc.Notices(since, decs) {
		acks = append(acks, n)
		tally.Add(n)
	}
	opt := edi.WriterOptions{FIPS: fips, Created: time.Now(), Sequence: uint64(time.Now().Unix() % 10_000_000), File: out}
	write := func(w io.Writer) error { return employer.WriteAcks(w, opt, acks) }
	if err := writeTo(e, out, write); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d IWOs answered, %d notices; %d orders in effect\n%s", len(decs), len(acks)-len(decs), dc.Book.Len(), tally)
	return nil
}

// writeTo writes to the named file (removed again on failure) or to stdout.
func writeTo(e *env, name string, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		w := bufio.NewWriter(e.stdout)
		if err := write(w); err != nil {
			return err
		}
		return w.Flush()
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	return writeFile(name, func(w *bufio.Writer) error { return write(w) })
}

func remitSettings(capPct, stateCap, other, alloc, medRule, fee string, feeOutside bool) (employer.Settings, error) {
	var s employer.Settings
	var err error
	if capPct != "" {
		if s.Cap, err = withholding.ParsePercent(capPct); err != nil {
			return s, fmt.Errorf("--cap: %s", withholding.ErrorMessage(err))
		}
		s.CapGiven = true
	}
	if stateCap != "" {
		if s.State.Flat, err = withholding.ParsePercent(stateCap); err != nil {
			return s, fmt.Errorf("--state-cap: %s", withholding.ErrorMessage(err))
		}
		s.State.Name = "work state"
	}
	if s.OtherFamily, err = withholding.ParseOtherFamily(other); err != nil {
		return s, fmt.Errorf("--other-family %s", withholding.ErrorMessage(err))
	}
	if s.Allocation, err = withholding.ParseAllocation(alloc); err != nil {
		return s, fmt.Errorf("--allocation: %s", withholding.ErrorMessage(err))
	}
	if s.MedicalRule, err = withholding.ParseMedicalRule(medRule); err != nil {
		return s, fmt.Errorf("--medical-rule: %s", withholding.ErrorMessage(err))
	}
	if fee != "" {
		if s.Fee, err = withholding.ParseAmount(fee); err != nil {
			return s, fmt.Errorf("--fee: %s", withholding.ErrorMessage(err))
		}
	}
	s.FeeOutsideLimit = feeOutside
	return s, nil
}

func runEmployerRemit(e *env, payroll string, orderFiles, ackFiles []string, out string, s employer.Settings, bank employer.Bank, ov employer.Overrides) error {
	pf, err := os.Open(payroll)
	if err != nil {
		return fmt.Errorf("open pay run: %w", err)
	}
	lines, err := employer.ReadPayrun(bufio.NewReader(pf), payroll)
	pf.Close()
	if err != nil {
		return err
	}
	files, err := readIWOFiles(orderFiles)
	if err != nil {
		return err
	}
	var acks []*edi.Ack
	for _, n := range ackFiles {
		f, err := os.Open(n)
		if err != nil {
			return fmt.Errorf("open acknowledgment file: %w", err)
		}
		as, err := employer.ReadAckFile(bufio.NewReader(f), n)
		f.Close()
		if err != nil {
			return err
		}
		acks = append(acks, as...)
	}
	ws, refused, err := employer.ComputeAccepted(lines, employer.LoadRecord(files, acks), s, ov)
	if err != nil {
		return exitCode(2, err)
	}
	if bank.Effective.IsZero() {
		for _, l := range lines {
			if l.PayDate.After(bank.Effective) {
				bank.Effective = l.PayDate
			}
		}
	}
	if err := employer.WriteSummary(e.stderr, ws); err != nil {
		return err
	}
	unacked := reportRefusals(e.stderr, refused, ov)
	var st employer.ACHStats
	err = writeTo(e, out, func(w io.Writer) error {
		var err error
		st, err = employer.WriteACH(w, ws, bank)
		return err
	})
	if errors.Is(err, employer.ErrNothingToRemit) {
		return exitCode(1, fmt.Errorf("%d pay lines, %d withholdings, %d orders refused: nothing to remit", len(lines), len(ws), countRefused(refused)))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d pay lines, %d withholdings, %d orders refused; %d CCD+ entries in %d batches, total %s\n",
		len(lines), len(ws), countRefused(refused), st.Entries, st.Batches, st.Total.Dollars())
	if unacked > 0 {
		return exitCode(3, fmt.Errorf("%s written, but %d order(s) refused as unacknowledged: answer them (iwo employer ack) or name the acknowledgment files with --acks, and run again before sending the file", pick(out, "the remittance"), unacked))
	}
	return nil
}

func countRefused(refused []employer.Refused) int {
	n := 0
	for _, r := range refused {
		if !r.Overridden {
			n++
		}
	}
	return n
}

// reportRefusals tells the clerk, on w, about every order the rule refused
// and every one withheld for anyway, and about override flags that named a
// case nothing was refused for (a typing mistake, or a case that no longer
// needs one). It returns how many orders were refused as unacknowledged.
func reportRefusals(w io.Writer, refused []employer.Refused, ov employer.Overrides) int {
	unacked := 0
	used := map[withholding.Refusal]map[withholding.CaseID]bool{}
	for _, r := range refused {
		d := r.IWO
		who := fmt.Sprintf("case %s, %s, %s (SSN %s), pay of %s", d.CaseID, d.Employee.Last, d.Employee.First, r.Pay.SSN.Masked(), r.Pay.PayDate)
		if r.Pay.Line > 0 {
			who += fmt.Sprintf(" (pay run line %d)", r.Pay.Line)
		}
		why := r.Refusal.Explain(r.Standing)
		if r.Overridden {
			if used[r.Refusal] == nil {
				used[r.Refusal] = map[withholding.CaseID]bool{}
			}
			used[r.Refusal][d.CaseID] = true
			fmt.Fprintf(w, "WITHHELD ANYWAY %s: %s; --allow-%s %s\n", who, why, r.Refusal, d.CaseID)
			continue
		}
		if r.Refusal == withholding.RefuseUnacknowledged {
			unacked++
		}
		fmt.Fprintf(w, "NOT WITHHELD %s: %s. To withhold anyway: --allow-%s %s\n", who, why, r.Refusal, d.CaseID)
	}
	for _, r := range withholding.Refusals {
		var unused []string
		for c := range ov[r] {
			if !used[r][c] {
				unused = append(unused, string(c))
			}
		}
		slices.Sort(unused)
		for _, c := range unused {
			fmt.Fprintf(w, "warning: --allow-%s %s: no order of case %s was refused as %s in this pay run; the flag changed nothing\n", r, c, c, r)
		}
	}
	return unacked
}
