package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/withholding"
)

var achPaymentsUsage = usage{
	args:  "FILE",
	short: "read an ACH CCD+/CTX remittance file and print its payments",
	long: `Reads a NACHA file carrying child support remittances (CCD+ with one DED
addenda, CTX with an X12 820) and prints one record per payment: one per CCD+
entry, one per DED segment of a CTX entry. Prenotes, returns, notifications of
change and other entries are printed too, with their kind.

The file is checked first and printed only when it is structurally valid:
a truncated or damaged file prints nothing on stdout, only its problems on
stderr (at most --max-problems, then how many more). A file that is not an
ACH file at all (an e-IWO file, a spreadsheet, binary data) is refused in
one line. Payments carrying problems (a DED that does not parse, a case ID
missing) are printed, with their problems.

Formats: json (one object per line), csv (same columns), none (check only).
After the records, one summary line goes to stderr ("FILE: ok, …"); with
--format none it goes to stdout.

SSNs are masked (***-**-1234) unless --show-ssn is given. The raw column
(the addenda text as received) carries the SSN, so it is printed only with
--show-ssn: masked, it is left empty rather than rewritten.

Exit status: 0 when the file is structurally valid, even if some payments
carry problems; 1 with the errors (FILE:LINE: RECORD FIELD: reason) on stderr
when it is not.

Example:
  iwo ach payments remit.ach --format csv`,
}

// achPaymentsCommand is "iwo ach payments".
type achPaymentsCommand struct {
	base
	format                      string
	showSSN, strict, slash, ssn bool
	maxProblems                 int
}

func (c *achPaymentsCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "json", "output `format`: json, csv or none")
	fs.BoolVar(&c.showSSN, "show-ssn", false, "print SSNs, and the raw addenda text, in clear (default: masked, raw left empty)")
	fs.BoolVar(&c.strict, "strict", false, "strict DED profile: every deviation is a problem")
	fs.BoolVar(&c.slash, "slash", false, `accept "/" as the DED segment terminator (partner option)`)
	fs.BoolVar(&c.ssn, "ssn-dashes", false, "accept DED05 SSNs written with dashes (partner option)")
	fs.IntVar(&c.maxProblems, "max-problems", defaultMaxProblems, "list at most `N` structural problems, then how many more")
}

// Run prints the payments of the file.
func (c *achPaymentsCommand) Run(ctx context.Context) error {
	if len(c.args) != 1 {
		return usageError("want one FILE, got %d arguments", len(c.args))
	}
	switch c.format {
	case "json", "csv", "none":
	default:
		return usageError("--format %q: want json, csv or none", c.format)
	}
	if c.maxProblems < 1 {
		return usageError("--max-problems %d: want 1 or more", c.maxProblems)
	}
	prof := ach.Profile{Strict: c.strict, SlashTerminator: c.slash, StripSSNDashes: c.ssn}
	return achPayments(ctx, c.env, c.args[0], c.format, c.showSSN, prof, c.maxProblems)
}

// defaultMaxProblems is how many problems the inspection commands list
// for one file before they say how many more there are.
const defaultMaxProblems = 50

// achColumns are the payment columns of the json and csv formats.
var achColumns = []string{"line", "batch", "trace", "sec", "transaction_code", "company_id", "company_name",
	"effective_date", "entry_amount_cents", "application_id", "case_id", "pay_date", "amount_cents", "ssn",
	"medical", "name", "fips", "termination", "kind", "problems", "raw", "credited_cents"}

func achPayments(ctx context.Context, e *env, path, format string, show bool, prof ach.Profile, maxProblems int) error {
	if err := expectKind(path, kindACH, "an ACH file"); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitCode(1, nil)
	}
	// First pass: check the whole file, printing nothing, so that a file
	// refused at its end (truncated: no batch or file control) has not
	// already put its payments on stdout.
	prog := newProgress(e, path, "checking")
	defer prog.done()
	sum, err := readACH(ctx, path, prof, maxProblems, prog, nil)
	if err != nil {
		return err
	}
	if sum.Err != nil {
		fmt.Fprintln(e.stderr, sum.Err)
		return exitCode(1, nil)
	}
	summary := e.stderr
	if format == "none" {
		summary = e.stdout
	} else if err := printACH(ctx, e, path, format, show, prof, maxProblems, prog); err != nil {
		return err
	}
	fmt.Fprintf(summary, "%s: ok, %d entries in %d batches: %d payments (%d with problems), %d prenotes, %d returns, %d NOCs, %d other; credited %s\n",
		path, sum.Entries, sum.Batches, sum.Posted, sum.WithProblems, sum.Prenotes, sum.Returns, sum.NOCs, sum.Other, sum.PaymentCents.Dollars())
	return nil
}

// readACH reads the file at path through, calling each (when not nil) with
// every payment, and returns the reader's summary: its Err is the file's
// structural problems. prog (may be nil) shows how far it has read.
func readACH(ctx context.Context, path string, prof ach.Profile, maxProblems int, prog *progress, each func(*withholding.Payment) error) (ach.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return ach.Summary{}, exitCode(1, fmt.Errorf("open ach file: %w", err))
	}
	defer f.Close()
	r := ach.NewReader(prog.reader(f, ""), ach.Options{Name: path, Profile: prof, ReusePayment: true, MaxErrors: maxProblems})
	n := 0
	for p, err := range r.Payments() {
		if err != nil {
			break // the summary carries it
		}
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return ach.Summary{}, fmt.Errorf("read ach file: %w", ctx.Err())
		}
		if each != nil {
			if err := each(p); err != nil {
				return ach.Summary{}, err
			}
		}
	}
	return r.Summary(), nil
}

// printACH prints the payments of a file already checked.
func printACH(ctx context.Context, e *env, path, format string, show bool, prof ach.Profile, maxProblems int, prog *progress) error {
	prog.pass("printing")
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(out)
		if err := cw.Write(achColumns); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	sum, err := readACH(ctx, path, prof, maxProblems, prog, func(p *withholding.Payment) error {
		if !show {
			maskPayment(p)
		}
		if cw != nil {
			return cw.Write(paymentRow(p))
		}
		return enc.Encode(p)
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", format, err)
	}
	if sum.Err != nil {
		// The file changed between the passes.
		return exitCode(1, fmt.Errorf("%s changed while read: %w", path, sum.Err))
	}
	if cw != nil {
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

// maskPayment hides the SSN wherever the payment carries it: its own field
// is masked and the DED text (Raw) left out — rewritten, it would no longer
// be what was received nor parse as a DED. (Messages that quote a shifted
// element are masked by the ach package when it writes them.)
func maskPayment(p *withholding.Payment) {
	p.Raw = ""
	p.SSN = withholding.SSN(p.SSN.Masked())
}

func paymentRow(p *withholding.Payment) []string {
	return []string{
		strconv.Itoa(p.Line), strconv.Itoa(p.Batch), string(p.Trace), p.SEC, strconv.Itoa(p.TransactionCode),
		p.CompanyID, p.CompanyName, p.EffectiveDate.String(), strconv.FormatInt(int64(p.EntryAmount), 10),
		p.ApplicationID, string(p.RemittanceID), p.PayDate.String(), strconv.FormatInt(int64(p.Amount), 10),
		p.SSN.Digits(), p.Medical, p.Name, p.FIPS, strconv.FormatBool(p.Termination), string(p.Kind),
		strings.Join(p.Problems, "; "), p.Raw, strconv.FormatInt(int64(p.Credited), 10),
	}
}
