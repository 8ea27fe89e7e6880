package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// fileList collects a repeatable flag of file names.
type fileList []string

func (l *fileList) String() string     { return strings.Join(*l, " ") }
func (l *fileList) Set(s string) error { *l = append(*l, s); return nil }

var employerAckUsage = usage{
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

IWO files may be flat files or e-IWO XML (told apart by content). The
acknowledgment is written flat, or as XML with --format xml or when the
partner named by --partner has "format: xml" in --config. When --out is
a directory, the file is named there as employer systems name it for
OCSS: <EIN>_ACK_<CCYYMMDDHHMMSS>.XML (or .txt).

--orders names IWO files you accepted before (repeat it for each file), so duplicates
and terminations are judged against the orders already in effect. The
roster is a CSV file with a header row; see testdata/employer/roster.csv
and docs/employer.md for the columns. The summary of dispositions goes to
stderr; SSNs are never printed.

Example:
  iwo employer ack --roster roster.csv --orders accepted/IWO_0301.txt inbox/IWO_0412.txt --out ACK_0412.txt`,
}

// employerAckCommand is "iwo employer ack".
type employerAckCommand struct {
	base
	roster, out, since, on  string
	format, config, partner string
	inEffect                fileList
}

func (c *employerAckCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.roster, "roster", "", "employee roster `CSV` (required)")
	fs.Var(&c.inEffect, "orders", "IWO `file` accepted earlier, orders in effect (repeat)")
	fs.StringVar(&c.out, "out", "", "acknowledgment `file` to write (default stdout)")
	fs.StringVar(&c.since, "since", "", "send EMP notices only for terminations and lump sums dated on or after this `date` (YYYY-MM-DD)")
	fs.StringVar(&c.on, "on", "", "answer as of this `date` (default today)")
	fs.StringVar(&c.format, "format", "", "acknowledgment `format`: flat or xml (default: the --partner's format, else flat)")
	fs.StringVar(&c.partner, "partner", "", "partner `name` in --config whose format setting applies")
	configFlag(fs, &c.config)
}

// xml reports whether the acknowledgment is written as XML: --format,
// else the partner's format setting, else flat.
func (c *employerAckCommand) xml() (bool, error) {
	switch c.format {
	case "xml":
		return true, nil
	case "flat":
		return false, nil
	case "":
	default:
		return false, usageError("--format %q: want flat or xml", c.format)
	}
	if c.partner == "" {
		return false, nil
	}
	cfg, err := loadConfig(c.config, c.env)
	if err != nil {
		return false, err
	}
	for i := range cfg.Partners {
		if cfg.Partners[i].Name == c.partner {
			return cfg.Partners[i].XML(), nil
		}
	}
	return false, usageError("--partner %q: no such partner in the configuration", c.partner)
}

// Run answers the files named and writes the acknowledgment file.
func (c *employerAckCommand) Run(context.Context) error {
	if c.roster == "" {
		return usageError("--roster is required")
	}
	if len(c.args) == 0 {
		return usageError("name at least one received IWOFILE")
	}
	day, err := optDate("--on", c.on, withholding.DateOf(time.Now()))
	if err != nil {
		return err
	}
	from, err := optDate("--since", c.since, withholding.Date{})
	if err != nil {
		return err
	}
	asXML, err := c.xml()
	if err != nil {
		return err
	}
	return runEmployerAck(c.env, c.roster, c.inEffect, c.args, c.out, day, from, asXML)
}

var employerRemitUsage = usage{
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

Each IWO's own per-pay line for the employee's pay frequency (items
13a-13d) is withheld as stated; only where the IWO leaves it blank does iwo
convert the ordered amounts. The order of payment (current support,
medical, arrears) is the work state's: --work-state (default the
configuration's agency.state) looked up in withholding.priority (Maryland
and West Virginia built in), else withholding.medical_rule; --medical-rule
sets it for the whole run. Without --fee, the work state's employer fee
from iwo's table (iwo calc -h) is kept inside the limit.

The SDU's bank comes from --config (agency.sdu) or the flags; --odfi is
your bank's routing number.

Example:
  iwo employer remit --payroll payrun-1106.csv --orders received/IWO_0412.txt \
    --acks sent/ACK_0412.txt --odfi 121000248 --out CS_20261106.ach`,
}

// employerRemitCommand is "iwo employer remit".
type employerRemitCommand struct {
	base
	payroll, out                                    string
	orders, acks                                    fileList
	allow                                           map[withholding.Refusal]*fileList
	capPct, stateCap, other, alloc, medRule, fee    string
	workState                                       string
	feeOutside                                      bool
	odfi, odfiName, sduRouting, sduAccount, sduName string
	effective, config                               string
}

func (c *employerRemitCommand) flags(fs *flag.FlagSet) {
	c.allow = map[withholding.Refusal]*fileList{}
	fs.StringVar(&c.payroll, "payroll", "", "pay run `CSV` (required)")
	fs.Var(&c.orders, "orders", "received IWO `file`, oldest first (repeat; at least one)")
	fs.Var(&c.acks, "acks", "acknowledgment `file` you sent, oldest first; only IWOs it accepts are withheld for (repeat)")
	for _, r := range withholding.Refusals {
		c.allow[r] = &fileList{}
		fs.Var(c.allow[r], "allow-"+string(r), "withhold for `CASE` although its order is "+string(r)+" (repeat)")
	}
	fs.StringVar(&c.out, "out", "", "NACHA `file` to write (default stdout)")
	fs.StringVar(&c.capPct, "cap", "", "limit `percent` for every employee, overriding the IWOs")
	fs.StringVar(&c.stateCap, "state-cap", "", "work state's flat limit `percent`, used when no IWO states one")
	fs.StringVar(&c.other, "other-family", "unknown", "does the employee support another family: yes, no or unknown (federal table row)")
	fs.StringVar(&c.alloc, "allocation", string(withholding.DefaultAllocation), "how to split what does not fit: proportional or equal")
	fs.StringVar(&c.medRule, "medical-rule", "", "order of payment for the run: after-current, after-cash, first or maryland (default: the work state's)")
	fs.StringVar(&c.workState, "work-state", "", "work state's postal `code`, whose order of payment applies (default: --config agency.state)")
	fs.StringVar(&c.fee, "fee", "", "administrative fee per pay, in dollars (kept by the employer, not remitted)")
	fs.BoolVar(&c.feeOutside, "fee-outside", false, "take the fee on top of the limit (where the work state allows)")
	fs.StringVar(&c.odfi, "odfi", "", "your bank's 9-digit routing `number` (required)")
	fs.StringVar(&c.odfiName, "odfi-name", "EMPLOYER BANK", "your bank's name")
	fs.StringVar(&c.sduRouting, "sdu-routing", "", "the SDU bank's routing `number` (default: --config agency.sdu)")
	fs.StringVar(&c.sduAccount, "sdu-account", "", "the SDU's account `number` (default: --config agency.sdu)")
	fs.StringVar(&c.sduName, "sdu-name", "", "the SDU's name (default: --config agency.sdu)")
	fs.StringVar(&c.effective, "effective", "", "settlement `date` asked for, YYYY-MM-DD (default: the latest pay date)")
	configFlag(fs, &c.config)
}

// Run works out the pay run and writes the remittance.
func (c *employerRemitCommand) Run(context.Context) error {
	if len(c.args) > 0 {
		return usageError("unexpected argument %q (IWO files go in --orders)", c.args[0])
	}
	if c.payroll == "" || len(c.orders) == 0 {
		return usageError("--payroll and at least one --orders are required")
	}
	if c.odfi == "" {
		return usageError("--odfi (your bank's routing number) is required")
	}
	s, err := remitSettings(c.capPct, c.stateCap, c.other, c.alloc, c.medRule, c.fee, c.feeOutside)
	if err != nil {
		return exitCode(2, err)
	}
	cfg, err := loadConfig(c.config, c.env)
	if err != nil {
		return err
	}
	if s.Priorities, err = cfg.Withholding.Priorities(); err != nil {
		return exitCode(2, err)
	}
	s.WorkState = strings.ToUpper(pick(c.workState, cfg.Agency.State))
	bank, err := c.bank(cfg)
	if err != nil {
		return err
	}
	ov := employer.Overrides{}
	for r, cases := range c.allow {
		for _, cs := range *cases {
			if strings.TrimSpace(cs) == "" {
				return usageError("--allow-%s: name a case identifier", r)
			}
			ov.Allow(r, withholding.CaseID(strings.TrimSpace(cs)))
		}
	}
	return runEmployerRemit(c.env, c.payroll, c.orders, c.acks, c.out, s, bank, ov)
}

// bank is the remittance's banks and dates, from the flags and the
// configuration's agency.sdu.
func (c *employerRemitCommand) bank(cfg *Config) (employer.Bank, error) {
	sdu := cfg.Agency.SDU
	bank := employer.Bank{
		ODFI: c.odfi, ODFIName: c.odfiName,
		SDURouting: pick(c.sduRouting, sdu.RoutingNumber), SDUAccount: pick(c.sduAccount, sdu.AccountNumber),
		SDUName: pick(c.sduName, sdu.PayeeName), SDUBankName: "SDU BANK", Created: time.Now(),
	}
	if !ach.ValidRouting(bank.ODFI) {
		return bank, usageError("--odfi %q: not a valid 9-digit routing number", bank.ODFI)
	}
	if !ach.ValidRouting(bank.SDURouting) {
		return bank, usageError("--sdu-routing %q: not a valid 9-digit routing number", bank.SDURouting)
	}
	var err error
	bank.Effective, err = optDate("--effective", c.effective, withholding.Date{})
	return bank, err
}

var employerPullUsage = usage{
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
}

// employerPullCommand is "iwo employer pull".
type employerPullCommand struct {
	base
	config, partner, dir, pattern string
}

func (c *employerPullCommand) flags(fs *flag.FlagSet) {
	configFlag(fs, &c.config)
	fs.StringVar(&c.partner, "partner", "", "partner `name` in the configuration (required)")
	fs.StringVar(&c.dir, "dir", ".", "local `directory` to put the files in")
	fs.StringVar(&c.pattern, "pattern", "", "only names matching this `glob`")
}

// Run fetches the files and prints their local paths.
func (c *employerPullCommand) Run(ctx context.Context) error {
	if len(c.args) > 0 {
		return usageError("unexpected argument %q", c.args[0])
	}
	p, rem, err := employerPartner(ctx, c.env, c.config, c.partner)
	if err != nil {
		return err
	}
	defer rem.Close()
	var pats []string
	if c.pattern != "" {
		pats = []string{c.pattern}
	}
	got, err := employer.Pull(ctx, rem, p, pats, c.dir)
	for _, g := range got {
		fmt.Fprintln(c.stdout, g)
	}
	return err
}

var employerPushUsage = usage{
	args:  "FILE...",
	short: "send acknowledgment and ACH files to an SFTP partner (employer mode)",
	long: `Uploads each FILE into the inbox of the partner named --partner in the
configuration (for the e-IWO exchange, where the agency picks up
acknowledgments; for the SDU's bank, remittances). Uploads go to a temporary
name and are renamed into place, and never overwrite a different file.
Prints the remote names.

Example:
  iwo employer push --config employer.yml --partner state-ca ACK_0412.txt`,
}

// employerPushCommand is "iwo employer push".
type employerPushCommand struct {
	base
	config, partner string
}

func (c *employerPushCommand) flags(fs *flag.FlagSet) {
	configFlag(fs, &c.config)
	fs.StringVar(&c.partner, "partner", "", "partner `name` in the configuration (required)")
}

// Run uploads the files and prints their remote names.
func (c *employerPushCommand) Run(ctx context.Context) error {
	if len(c.args) == 0 {
		return usageError("name at least one FILE to push")
	}
	p, rem, err := employerPartner(ctx, c.env, c.config, c.partner)
	if err != nil {
		return err
	}
	defer rem.Close()
	for _, f := range c.args {
		name, err := employer.Push(ctx, rem, p, f)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, name)
	}
	return nil
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

func runEmployerAck(e *env, rosterPath string, inEffect, received []string, out string, day, since withholding.Date, asXML bool) error {
	ans, err := employer.Answer(rosterPath, inEffect, received, day, since)
	if errors.Is(err, employer.ErrMixedStates) {
		return exitCode(2, err)
	}
	if err != nil {
		return err
	}
	ans.XML = asXML
	created := time.Now()
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		out = filepath.Join(out, ans.FileName(created))
		fmt.Fprintln(e.stdout, out)
	}
	if err := writeTo(e, out, func(w io.Writer) error { return ans.Write(w, out, created) }); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d IWOs answered, %d notices; %d orders in effect\n%s", len(ans.Decisions), ans.Notices(), ans.InEffect, ans.Tally)
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
	if medRule != "" {
		if s.MedicalRule, err = withholding.ParseMedicalRule(medRule); err != nil {
			return s, fmt.Errorf("--medical-rule: %s", withholding.ErrorMessage(err))
		}
	}
	if fee != "" {
		if s.Fee, err = withholding.ParseAmount(fee); err != nil {
			return s, fmt.Errorf("--fee: %s", withholding.ErrorMessage(err))
		}
	} else {
		s.Fees = withholding.DefaultStateFees // the work state's fee, if the table has one
	}
	s.FeeOutsideLimit = feeOutside
	return s, nil
}

func runEmployerRemit(e *env, payroll string, orderFiles, ackFiles []string, out string, s employer.Settings, bank employer.Bank, ov employer.Overrides) error {
	rem, err := employer.ReadRemittance(payroll, orderFiles, ackFiles)
	if err != nil {
		return err
	}
	if err := rem.Compute(s, ov); err != nil {
		return exitCode(2, err)
	}
	if bank.Effective.IsZero() {
		bank.Effective = rem.LatestPayDate()
	}
	if err := employer.WriteSummary(e.stderr, rem.Withholdings); err != nil {
		return err
	}
	unacked := employer.WriteRefusals(e.stderr, rem.Refused, ov)
	var st employer.ACHStats
	err = writeTo(e, out, func(w io.Writer) error {
		var err error
		st, err = employer.WriteACH(w, rem.Withholdings, bank)
		return err
	})
	if errors.Is(err, employer.ErrNothingToRemit) {
		return exitCode(1, fmt.Errorf("%d pay lines, %d withholdings, %d orders refused: nothing to remit", len(rem.Lines), len(rem.Withholdings), rem.RefusedCount()))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d pay lines, %d withholdings, %d orders refused; %d CCD+ entries in %d batches, total %s\n",
		len(rem.Lines), len(rem.Withholdings), rem.RefusedCount(), st.Entries, st.Batches, st.Total.Dollars())
	if unacked > 0 {
		return exitCode(3, fmt.Errorf("%s written, but %d order(s) refused as unacknowledged: answer them (iwo employer ack) or name the acknowledgment files with --acks, and run again before sending the file", pick(out, "the remittance"), unacked))
	}
	return nil
}
