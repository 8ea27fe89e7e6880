package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/report"
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

The statements are signed with agency.name from the configuration, with
agency.help_line and agency.sdu's name and address to reach it, and
"prepared on" is today in agency.time_zone.

Examples:
  iwo report statements --month 2026-11 --config /etc/iwo/iwo.yml
  iwo report statements --month 2026-11 --employer 48-0123456 --out /tmp/nov`

var reportStatementsUsage = usage{
	short: "Write employer statements for a calendar month from the stored postings",
	long:  reportStatementsHelp,
}

// reportStatementsCommand is "iwo report statements".
type reportStatementsCommand struct {
	base
	config, db           string
	month, employer, out string
}

func (c *reportStatementsCommand) flags(fs *flag.FlagSet) {
	configFlag(fs, &c.config)
	dbFlag(fs, &c.db)
	fs.StringVar(&c.month, "month", "", "the calendar `YYYY-MM` to cover (required)")
	fs.StringVar(&c.employer, "employer", "", "only this employer's `FEIN` (dashes allowed)")
	fs.StringVar(&c.out, "out", "", "write into `DIR` (default DATA_DIR/reports/YYYY-MM)")
}

// Run writes the statements and prints their paths.
func (c *reportStatementsCommand) Run(ctx context.Context) error {
	if len(c.args) != 0 {
		return usageError("report statements takes no arguments; use --month YYYY-MM")
	}
	if c.month == "" {
		return usageError("report statements needs --month YYYY-MM")
	}
	return c.write(ctx)
}

func (c *reportStatementsCommand) write(ctx context.Context) error {
	month, employer, out := c.month, c.employer, c.out
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
	cfg, err := loadConfig(c.config, c.env)
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
	db, err := openStoreConfig(ctx, c.env, c.db, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	ms := &jobs.MonthlyStatements{
		Books:   storeBooks(db),
		Env:     jobs.Env{Location: loc},
		Agency:  cfg.Agency.Name,
		Contact: cfg.Agency.StatementContact(),
		Reports: report.Writer{},
	}
	paths, err := ms.Write(ctx, from, to, fein, out)
	for _, p := range paths {
		fmt.Fprintln(c.stdout, p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "%d statement(s) for %s written to %s\n", len(paths), month, out)
	return nil
}
