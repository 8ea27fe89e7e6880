package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// MonthlyStatements writes employer statements for a calendar month from
// the store: every payment from the employer whose settlement (ACH
// effective) date falls in the month, posted or held as the reconcile job
// recorded it (PostingService), its orders and its open exceptions. Unlike
// the nightly statements nothing is reconciled again, so the month can be
// any past month.
type MonthlyStatements struct {
	Books
	// Env is the clock and the agency's time zone: the statement's
	// "prepared on" day.
	Env
	// Agency and Contact sign the statements.
	Agency, Contact string
	// Reports writes them.
	Reports Reports
}

// Month is the first and last day of the calendar month s (YYYY-MM).
// EINVALID when s is not a month.
func Month(s string) (from, to withholding.Date, err error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return from, to, withholding.Errorf(withholding.EINVALID, "month %q: want YYYY-MM", s)
	}
	from = withholding.NewDate(t.Year(), t.Month(), 1)
	return from, withholding.NewDate(t.Year(), t.Month()+1, 0), nil
}

// Write writes statement-FEIN-YYYY-MM.xlsx into dir for the employer fein,
// or for every employer with orders when fein is empty, covering the month
// from..to, and returns the paths written. ENOTFOUND for an unknown fein.
// A statement that cannot be written is reported and the others are still
// written.
func (m *MonthlyStatements) Write(ctx context.Context, from, to withholding.Date, fein withholding.FEIN, dir string) ([]string, error) {
	var employers []*withholding.Employer
	if fein != "" {
		e, err := m.Employers.FindEmployerByFEIN(ctx, fein)
		if err != nil {
			return nil, fmt.Errorf("find employer %s: %w", fein, err)
		}
		employers = []*withholding.Employer{e}
	} else {
		all, err := collect(pages(func(off, limit int) ([]*withholding.Employer, int, error) {
			return m.Employers.FindEmployers(ctx, withholding.EmployerFilter{Offset: off, Limit: limit})
		}))
		if err != nil {
			return nil, fmt.Errorf("load employers: %w", err)
		}
		employers = all
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create statements directory: %w", err)
	}
	var out []string
	var errs []error
	for _, e := range employers {
		path, err := m.write(ctx, from, to, e, dir, fein != "")
		if err != nil {
			errs = append(errs, fmt.Errorf("statement for %s: %w", e.FEIN, err))
		} else if path != "" {
			out = append(out, path)
		}
	}
	return out, errors.Join(errs...)
}

// write writes one employer's statement and returns its path; "" when the
// employer has no orders and always is false.
func (m *MonthlyStatements) write(ctx context.Context, from, to withholding.Date, e *withholding.Employer, dir string, always bool) (string, error) {
	fein := e.FEIN
	orders, err := collect(pages(func(off, limit int) ([]*withholding.Order, int, error) {
		return m.Orders.FindOrders(ctx, withholding.OrderFilter{EmployerFEIN: &fein, Offset: off, Limit: limit})
	}))
	if err != nil {
		return "", fmt.Errorf("load orders: %w", err)
	}
	if len(orders) == 0 && !always {
		return "", nil
	}
	filter := withholding.PaymentFilter{FEIN: &fein, Since: from, Until: to, WithPosting: true}
	pays, err := collect(m.Payments.EachPayment(ctx, filter))
	if err != nil {
		return "", fmt.Errorf("load payments: %w", err)
	}
	open := withholding.ExceptionOpen
	exs, err := collect(pages(func(off, limit int) ([]*withholding.Exception, int, error) {
		return m.Exceptions.FindExceptions(ctx, withholding.ExceptionFilter{FEIN: &fein, Status: &open, Offset: off, Limit: limit})
	}))
	if err != nil {
		return "", fmt.Errorf("load open exceptions: %w", err)
	}
	path := filepath.Join(dir, fmt.Sprintf("statement-%s-%04d-%02d.xlsx", fein, from.Year, int(from.Month)))
	err = m.Reports.WriteEmployerStatement(path, withholding.EmployerStatement{
		Agency: m.Agency, Contact: m.Contact, RunDate: m.Today(), From: from, To: to,
		Employer: e, Orders: orders, Payments: pays, Exceptions: exs,
	})
	if err != nil {
		return "", err
	}
	return path, nil
}

// StatementRule says which employers the report job writes a statement
// for each night. It is an agency setting (report.statements in the
// configuration); the zero value is StatementsActivity.
type StatementRule string

// Statement rules.
const (
	// StatementsActivity writes a statement for each employer with
	// activity in tonight's window (see Report.active): a payment or other
	// ACH entry from it, an IWO sent to it or acknowledged by it, or an
	// exception about it opened since the window's first day. The
	// statement covers that window, so an employer without activity would
	// get last night's statement again with nothing new on it.
	StatementsActivity StatementRule = "activity"
	// StatementsAll writes a statement for every employer with orders.
	StatementsAll StatementRule = "all"
	// StatementsNone writes no nightly statements: employers get the
	// monthly ones (iwo report statements --month).
	StatementsNone StatementRule = "none"
)

// StatementRules are the valid rules, the default first.
var StatementRules = []StatementRule{StatementsActivity, StatementsAll, StatementsNone}

// Valid reports whether r is one of StatementRules; "" is not.
func (r StatementRule) Valid() bool { return slices.Contains(StatementRules, r) }
