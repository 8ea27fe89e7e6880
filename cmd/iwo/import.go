package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/iwoproject/iwo/store"
)

const importEmployersHelp = `Reads the agency's employers from a CSV file with a header row and creates
or replaces each employer (keyed by FEIN). Every row is checked first; if any
is bad, nothing is imported and each problem is printed as
"FILE:LINE: column: reason". Importing the same file again changes nothing.
Every row has as many fields as the header; rows of empty cells are skipped.

Columns (any order; * = required):
  fein*            9 digits; dashes allowed (48-0000101)
  name*            legal name (up to 57 characters, printable ASCII, starting
                   with a letter or digit, as the e-IWO requires)
  address_line1*   street (up to 25, starting with a letter or digit),
                   address_line2 optional
  city*            up to 22 characters
  state*           two-letter postal code
  zip*             5 digits; zip4 optional, 4 digits
  contact_name, contact_phone, contact_fax (10 digits, punctuation ignored),
  contact_email
  eiwo             Y if the employer takes e-IWOs through the portal (default N)
  partner          configured SFTP partner for its files ("" = the portal)
  pay_frequency    weekly, biweekly, semimonthly, monthly, quarterly, annually
  pay_anchor       a known pay date, YYYY-MM-DD (with pay_frequency)

Sample: testdata/import/employers.csv. Prints: created, updated, unchanged.`

const importOrdersHelp = `Reads the agency's income withholding orders from a CSV file with a header
row. Every row is checked (its employer must already be imported); if any
is bad, nothing is imported and each problem is printed as
"FILE:LINE: column: reason" (the first 1000, then a count of the rest).
Every row has as many fields as the header; rows of empty cells are
skipped. Cells are UTF-8 text without control characters, and text an
e-IWO carries must be printable ASCII. A valid file is applied in one
transaction, row by row as it is read, so files of millions of orders
import in bounded memory:

  new case_id+order_id       created pending, marked for an ORG IWO
  end_date newly set         marked for a TRM IWO (terminated outright
                             if no IWO was ever sent)
  any other change           marked for an AMD IWO (keeps ORG if none sent)
  identical                  left alone (re-importing is idempotent)

Orders missing from the file are left alone. An order cannot move to another
employer or lose its end date: those rows are rejected.

Columns (any order; * = required):
  case_id*          IV-D case ID, up to 15 characters, no \ or *
  order_id*         support order ID, up to 30, no \ or *
  remittance_id     what the employer sends with payments (default case_id)
  employer_fein*    9 digits, dashes allowed; the employer must exist
  obligor_last*, obligor_first*, obligor_middle, obligor_suffix
  obligor_ssn*      9 digits (dashes allowed), one the SSA assigns (not area
                    000, 666 or 9xx, group 00, serial 0000); never printed back
  obligor_birth_date, start_date*, end_date   YYYY-MM-DD
  obligee_last, obligee_first
  children          Last|First|YYYY-MM-DD; Last|First|YYYY-MM-DD …
  issuing_state*    full name, e.g. KANSAS
  issuing_jurisdiction, issuing_tribunal
  payee_fips*       7 digits
  current_support, past_due_support, current_medical, past_due_medical,
  current_spousal, past_due_spousal, other, medical_premium
                    dollars (e.g. 412.00), each with a NAME_freq column
                    (weekly … annually); at least one amount or lump_sum
  other_reason      required with other
  arrears_over_12_weeks   Y or N
  lump_sum          dollars
  per_pay_weekly, per_pay_biweekly, per_pay_semimonthly, per_pay_monthly
                    dollars: the IWO's own per-pay totals (items 13a-13d);
                    withheld instead of iwo's conversion; blank = not stated

Sample: testdata/import/orders.csv. Prints: created, amended, terminated,
unchanged.`

// importUsage is the help of "iwo import employers" and "iwo import
// orders".
func importUsage(kind, long string) usage {
	return usage{
		args:  "FILE.csv",
		short: "Import the agency's " + kind + " from CSV (validated whole, idempotent)",
		long:  long,
	}
}

// importCommand is "iwo import employers" and "iwo import orders".
type importCommand struct {
	base
	kind   string // employers or orders
	db     string
	dryRun bool
}

func (c *importCommand) flags(fs *flag.FlagSet) {
	dbFlag(fs, &c.db)
	fs.BoolVar(&c.dryRun, "dry-run", false, "check the file and print what would change, without writing")
}

// Run imports the file.
func (c *importCommand) Run(ctx context.Context) error {
	if len(c.args) != 1 {
		return usageError("import %s takes one FILE.csv", c.kind)
	}
	return runImport(ctx, c.env, c.kind, c.args[0], c.db, c.dryRun)
}

func runImport(ctx context.Context, e *env, kind, path, dbURL string, dryRun bool) error {
	f, err := os.Open(path)
	if err != nil {
		return exitCode(1, err)
	}
	defer f.Close()
	db, err := openStore(ctx, e, dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	prog := newProgress(e, path, "importing")
	var r io.Reader = prog.reader(f, "importing")
	var res store.ImportResult
	if kind == "employers" {
		res, err = db.ImportEmployers(ctx, path, r, dryRun)
	} else {
		res, err = db.ImportOrders(ctx, path, r, dryRun)
	}
	prog.done()
	var bad *store.ImportErrors
	if errors.As(err, &bad) {
		fmt.Fprintln(e.stderr, bad) // the first csvtab.MaxErrors, then the count of the rest
		fmt.Fprintf(e.stderr, "%s: %d problem(s); nothing was imported\n", path, bad.Total())
		return exitCode(1, nil)
	} else if err != nil {
		return err
	}
	prefix := ""
	if dryRun {
		prefix = "dry run, nothing written: "
	}
	if kind == "employers" {
		fmt.Fprintf(e.stdout, "%s%s: %d created, %d updated, %d unchanged\n", prefix, path, res.Created, res.Updated, res.Unchanged)
	} else {
		fmt.Fprintf(e.stdout, "%s%s: %d created, %d amended, %d terminated, %d unchanged\n", prefix, path, res.Created, res.Amended, res.Terminated, res.Unchanged)
	}
	return nil
}
