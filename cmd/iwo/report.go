package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/withholding"
)

const reportStatementsHelp = `Writes employer statement workbooks for one calendar month from the
database, one statement-FEIN-YYYY-MM.xlsx per employer with orders (or for
the one --employer), for employers and payroll providers who reconcile
monthly. A statement lists every payment from the employer whose settlement
(ACH effective) date is in the month, whether it was applied to an order or
is held and why, as the nightly reconcile job recorded it (a payment not
reconciled yet says so); the employer's orders; and its open exceptions.
Nothing is pushed to partners and nothing is recorded in the file ledger.
Files are written through a temporary name, so re-running rewrites them.

The statements are signed with agency.sdu from the configuration, and
"prepared on" is today in agency.time_zone.

Examples:
  iwo report statements --month 2026-11 --config /etc/iwo/iwo.yml
  iwo report statements --month 2026-11 --employer 48-0123456 --out /tmp/nov`

func init() {
	var month, employer, out *string
	register(&command{
		name:  "report statements",
		short: "Write employer statements for a calendar month from the stored postings",
		long:  reportStatementsHelp,
		flags: func(fs *flag.FlagSet) {
			configFlag(fs)
			addDBFlag(fs)
			month = fs.String("month", "", "the calendar `YYYY-MM` to cover (required)")
			employer = fs.String("employer", "", "only this employer's `FEIN` (dashes allowed)")
			out = fs.String("out", "", "write into `DIR` (default DATA_DIR/reports/YYYY-MM)")
		},
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if len(args) != 0 {
				return usageError("report statements takes no arguments; use --month YYYY-MM")
			}
			if *month == "" {
				return usageError("report statements needs --month YYYY-MM")
			}
			return runReportStatements(ctx, e, fs, *month, *employer, *out)
		},
	})
}

func runReportStatements(ctx context.Context, e *env, fs *flag.FlagSet, month, employer, out string) error {
	from, to, err := jobs.Month(month)
	if err != nil {
		return usageError("--month: %w", err)
	}
	var fein withholding.FEIN
	if employer != "" {
		fein = withholding.FEIN(strings.ReplaceAll(employer, "-", ""))
		if !fein.Valid() {
			return usageError("--employer: %q is not a FEIN (9 digits)", employer)
		}
	}
	cfg, err := loadConfig(fs.Lookup("config").Value.String(), e)
	if err != nil {
		return err
	}
	loc, err := cfg.Location()
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(cfg.DataDir, "reports", month)
	}
	db, err := openStoreConfig(ctx, e, fs.Lookup("db").Value.String(), cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ms := &jobs.MonthlyStatements{
		Books:   storeBooks(db),
		Env:     jobs.Env{Location: loc},
		Agency:  cfg.Agency.SDU.PayeeName,
		Contact: strings.Join(cfg.Agency.SDU.Address, ", "),
	}
	paths, err := ms.Write(ctx, from, to, fein, out)
	for _, p := range paths {
		fmt.Fprintln(e.stdout, p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d statement(s) for %s written to %s\n", len(paths), month, out)
	return nil
}
