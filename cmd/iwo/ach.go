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

Formats: json (one object per line), csv (same columns), none (validate only,
print a one-line summary to stderr).

SSNs are printed in clear (this is a file inspection tool); use --mask-ssn
to print ***-**-1234 instead.

Exit status: 0 when the file is structurally valid, even if some payments
carry problems; 1 with the errors (FILE:LINE: RECORD FIELD: reason) on stderr
when it is not.

Example:
  iwo ach payments remit.ach --format csv --mask-ssn`,
}

// achPaymentsCommand is "iwo ach payments".
type achPaymentsCommand struct {
	base
	format                      string
	maskSSN, strict, slash, ssn bool
}

func (c *achPaymentsCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "json", "output `format`: json, csv or none")
	fs.BoolVar(&c.maskSSN, "mask-ssn", false, "print SSNs masked")
	fs.BoolVar(&c.strict, "strict", false, "strict DED profile: every deviation is a problem")
	fs.BoolVar(&c.slash, "slash", false, `accept "/" as the DED segment terminator (partner option)`)
	fs.BoolVar(&c.ssn, "ssn-dashes", false, "accept DED05 SSNs written with dashes (partner option)")
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
	prof := ach.Profile{Strict: c.strict, SlashTerminator: c.slash, StripSSNDashes: c.ssn}
	return achPayments(ctx, c.env, c.args[0], c.format, c.maskSSN, prof)
}

// achColumns are the payment columns of the json and csv formats.
var achColumns = []string{"line", "batch", "trace", "sec", "transaction_code", "company_id", "company_name",
	"effective_date", "entry_amount_cents", "application_id", "case_id", "pay_date", "amount_cents", "ssn",
	"medical", "name", "fips", "termination", "kind", "problems", "raw", "credited_cents"}

func achPayments(ctx context.Context, e *env, path, format string, mask bool, prof ach.Profile) error {
	f, err := os.Open(path)
	if err != nil {
		return exitCode(1, fmt.Errorf("open ach file: %w", err))
	}
	defer f.Close()
	out := bufio.NewWriterSize(e.stdout, 64<<10)
	defer out.Flush()
	var cw *csv.Writer
	if format == "csv" {
		cw = csv.NewWriter(out)
		if err := cw.Write(achColumns); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	// Each payment is printed before the next is read.
	r := ach.NewReader(f, ach.Options{Name: path, Profile: prof, ReusePayment: true})
	var fileErr error
	n := 0
	for p, err := range r.Payments() {
		if err != nil {
			fileErr = err
			break
		}
		if n++; n%4096 == 0 && ctx.Err() != nil {
			return fmt.Errorf("read ach file: %w", ctx.Err())
		}
		if mask {
			maskPayment(p)
		}
		switch format {
		case "json":
			if err := enc.Encode(p); err != nil {
				return fmt.Errorf("write json: %w", err)
			}
		case "csv":
			if err := cw.Write(paymentRow(p)); err != nil {
				return fmt.Errorf("write csv: %w", err)
			}
		}
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
	s := r.Summary()
	if format == "none" {
		fmt.Fprintf(e.stderr, "%s: entries %d, payments %d, problems %d, credited cents %d\n",
			path, s.Entries, s.Posted, s.WithProblems, int64(s.PaymentCents))
	}
	if fileErr != nil {
		fmt.Fprintln(e.stderr, fileErr)
		return exitCode(1, nil)
	}
	return nil
}

// maskPayment hides the SSN wherever the payment carries it: its own field
// and the DED text (Raw). (Messages that quote a shifted element are masked
// by the ach package when it writes them.) When the SSN could not be read,
// every run of nine or more digits in Raw is masked (case IDs too: in a
// masked listing, over-masking is the safe side).
func maskPayment(p *withholding.Payment) {
	if p.SSN.Valid() {
		p.Raw = strings.ReplaceAll(p.Raw, p.SSN.Digits(), p.SSN.Masked())
	} else {
		p.Raw = withholding.MaskDigitRuns(p.Raw)
	}
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
