package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/iwoproject/iwo/jobs/transfer"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// Report is the "report" job: it writes the night's files into
// DATA_DIR/reports/YYYY-MM-DD/ (Exchange.Dir is DATA_DIR):
//
//   - operations-YYYY-MM-DD.xlsx, the operations workbook, compared with the
//     previous night's totals (the newest succeeded or partial report run of
//     an earlier day keeps them in its counts);
//   - exceptions-YYYY-MM-DD.csv, the open exceptions;
//   - statement-FEIN-YYYY-MM-DD.xlsx for every employer that has orders.
//
// Each file is recorded in the ledger (kind report, outbound). The workbook
// and the CSV are pushed to the outbox of the partner with role operations,
// and a statement to the outbox of the employer's own partner (role employer
// or payroll provider), when there is one. A partner that cannot be reached
// makes the run partial: the files are written and recorded (state sent,
// with the error) all the same.
//
// Report runs the night's reconciliation again, without recording
// anything, over the same window as the reconcile job: the workbook's
// totals are not stored, and the statements take tonight's postings from
// that run (the reconcile job stores them too; MonthlyStatements reads
// them back).
type Report struct {
	// Reconcile gives the store, settings and clock. Its Run is not called.
	Reconcile *Reconcile
	// Exchange gives the partners, DATA_DIR (Dir), logger and metrics.
	Exchange *Exchange
	// Title heads the operations workbook (the agency's name); Agency and
	// Contact sign the employer statements.
	Title, Agency, Contact string
}

// Name implements Job.
func (j *Report) Name() string { return JobReport }

// reportFile is one file the run wrote.
type reportFile struct {
	path    string
	partner *transfer.Partner // nil: kept locally
	ledger  *withholding.File
}

// Run implements Job. Counts are report.Totals.Counts() (so the next night
// can read them back with report.TotalsFromCounts) plus "statements",
// "delivered" and "not_delivered"; Files is the number of files written.
func (j *Report) Run(ctx context.Context) (Result, error) {
	var res Result
	rj := j.Reconcile
	n, err := rj.load(ctx)
	if err != nil {
		return res, err
	}
	day := n.day
	out, err := reconcile.Run(ctx, n.input)
	if err != nil {
		return res, fmt.Errorf("reconcile %s for the report: %w", day, err)
	}
	// held says why each of tonight's payments that did not post is held,
	// for the statements ("Held (SSN mismatch)" rather than just "Held").
	posted, held := postingMaps(out.Postings(n.day))

	open := withholding.ExceptionOpen
	exs, err := collect(pages(func(off, limit int) ([]*withholding.Exception, int, error) {
		return rj.Exceptions.FindExceptions(ctx, withholding.ExceptionFilter{Status: &open, Offset: off, Limit: limit})
	}))
	if err != nil {
		return res, fmt.Errorf("load open exceptions: %w", err)
	}
	tonight, err := collect(rj.filePayments(ctx, achOnly(n.files)))
	if err != nil {
		return res, fmt.Errorf("load tonight's payments: %w", err)
	}
	ledger, err := j.ledger(ctx, n)
	if err != nil {
		return res, err
	}
	var prev *report.Totals
	if r, err := previousRun(ctx, rj.Runs, JobReport, "date", day); err != nil {
		return res, err
	} else if r != nil {
		t := report.TotalsFromCounts(r.Counts)
		prev = &t
	}

	dir := filepath.Join(j.Exchange.Dir, "reports", day.String())
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return res, fmt.Errorf("create reports directory: %w", err)
	}
	ops := j.operationsPartner()
	var written []*reportFile

	wb := filepath.Join(dir, "operations-"+day.String()+".xlsx")
	tot, err := report.WriteOperations(wb, report.OperationsInput{
		RunDate: day, Location: rj.loc(), Title: j.Title,
		Exceptions: exs, Payments: report.Payments(tonight), Posted: posted,
		Documents: n.input.Documents, Files: ledger, Employers: n.input.Employers,
		Previous: prev, TmpDir: dir,
	})
	if err != nil {
		return res, fmt.Errorf("write operations workbook: %w", err)
	}
	written = append(written, &reportFile{path: wb, partner: ops})

	csvPath := filepath.Join(dir, "exceptions-"+day.String()+".csv")
	if err := writeCSV(csvPath, exs); err != nil {
		return res, err
	}
	written = append(written, &reportFile{path: csvPath, partner: ops})

	statements, err := j.statements(dir, n, tonight, posted, held, exs)
	written = append(written, statements...)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}

	for k, v := range tot.Counts() {
		res.Add(k, v)
	}
	res.Add("statements", int64(len(statements)))
	for _, f := range written {
		if err := j.record(ctx, f); err != nil {
			return res, err
		}
		res.Files++
	}
	delivered, err := j.deliver(ctx, written)
	if err != nil {
		errs = append(errs, err)
	}
	res.Add("delivered", int64(delivered))
	res.Add("not_delivered", int64(countPushed(written)-delivered))
	j.Exchange.logger().Info("reports written", "job", JobReport, "date", day.String(), "dir", dir,
		"files", len(written), "statements", len(statements), "delivered", delivered, "exceptions", tot.Exceptions)
	err = errors.Join(errs...)
	res.Partial = err != nil
	return res, err
}

// statements writes one statement per employer with orders. A statement
// covers the window's payments from the employer, all its orders and its
// open exceptions. One statement that cannot be written is reported and the
// others still go out.
func (j *Report) statements(dir string, n *night, tonight []*withholding.Payment, posted map[int64]withholding.CaseID, held map[int64]withholding.ExceptionType, exs []*withholding.Exception) ([]*reportFile, error) {
	orders := map[withholding.FEIN][]*withholding.Order{}
	for _, o := range n.input.Orders {
		if o.EmployerFEIN != "" {
			orders[o.EmployerFEIN] = append(orders[o.EmployerFEIN], o)
		}
	}
	pays := map[withholding.FEIN][]*withholding.Payment{}
	for _, p := range tonight {
		if p.FEIN != "" {
			pays[p.FEIN] = append(pays[p.FEIN], p)
		}
	}
	byFEIN := map[withholding.FEIN][]*withholding.Exception{}
	for _, e := range exs {
		if e.FEIN != "" {
			byFEIN[e.FEIN] = append(byFEIN[e.FEIN], e)
		}
	}
	from := withholding.DateOf(n.since.In(j.Reconcile.loc()))
	var out []*reportFile
	var errs []error
	for _, e := range n.input.Employers {
		eo := orders[e.FEIN]
		if len(eo) == 0 {
			continue
		}
		path := filepath.Join(dir, "statement-"+string(e.FEIN)+"-"+n.day.String()+".xlsx")
		err := report.WriteEmployerStatement(path, report.StatementInput{
			Agency: j.Agency, Contact: j.Contact, RunDate: n.day, From: from, To: n.day,
			Employer: e, Orders: eo, Payments: pays[e.FEIN], Posted: posted, Held: held, Exceptions: byFEIN[e.FEIN],
			TmpDir: dir,
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("write statement for %s: %w", e.FEIN, err))
			continue
		}
		out = append(out, &reportFile{path: path, partner: j.employerPartner(e)})
	}
	return out, errors.Join(errs...)
}

// ledger returns the ledger entries the workbook lists: every file, in or
// out, that changed in tonight's window.
func (j *Report) ledger(ctx context.Context, n *night) ([]*withholding.File, error) {
	var out []*withholding.File
	for f, err := range pages(func(off, limit int) ([]*withholding.File, int, error) {
		return j.Reconcile.Files.FindFiles(ctx, withholding.FileFilter{Since: n.since.AddDate(0, 0, -reconcile.DefaultLookback), Offset: off, Limit: limit})
	}) {
		if err != nil {
			return nil, fmt.Errorf("load the file ledger: %w", err)
		}
		if f.UpdatedAt.After(n.since) {
			out = append(out, f)
		}
	}
	return out, nil
}

// operationsPartner is the partner with role operations and an outbox.
func (j *Report) operationsPartner() *transfer.Partner {
	for _, p := range j.Exchange.Partners {
		if p.Role == transfer.RoleOperations && p.Outbox != "" {
			return p
		}
	}
	return nil
}

// employerPartner is the employer's own partner when it takes files in an
// outbox: an employer or a payroll provider, not the portal or the bank.
func (j *Report) employerPartner(e *withholding.Employer) *transfer.Partner {
	if e.Partner == "" {
		return nil
	}
	p := j.Exchange.Partner(e.Partner)
	if p == nil || p.Outbox == "" || (p.Role != transfer.RoleEmployer && p.Role != transfer.RolePayrollProvider) {
		return nil
	}
	return p
}

// record adds a written file to the ledger: state sent when it is to be
// pushed, archived when it stays local.
func (j *Report) record(ctx context.Context, f *reportFile) error {
	size, sum, err := fileSum(f.path)
	if err != nil {
		return err
	}
	lf := &withholding.File{
		Direction: withholding.Outbound, Kind: withholding.KindReportFile,
		RemoteName: filepath.Base(f.path), LocalPath: f.path, Size: size, SHA256: sum,
		State: withholding.FileArchived,
	}
	if f.partner != nil {
		lf.Partner = f.partner.Name
		lf.State = withholding.FileSent
	}
	if err := j.Reconcile.Files.CreateFile(ctx, lf); err != nil {
		return fmt.Errorf("record report %s: %w", lf.RemoteName, err)
	}
	f.ledger = lf
	return nil
}

// deliver pushes the files that have a partner, one connection per
// partner, and returns how many arrived. A file that did not stays sent,
// with the error in the ledger.
func (j *Report) deliver(ctx context.Context, files []*reportFile) (int, error) {
	x := j.Exchange
	byPartner := map[string][]*reportFile{}
	for _, f := range files {
		if f.partner != nil {
			byPartner[f.partner.Name] = append(byPartner[f.partner.Name], f)
		}
	}
	n := 0
	var errs []error
	for _, name := range slices.Sorted(mapKeys(byPartner)) {
		fs := byPartner[name]
		p := fs[0].partner
		fail := func(f *reportFile, err error) {
			x.Metrics.file(withholding.Outbound, withholding.KindReportFile, "failed")
			_ = j.Reconcile.Files.SetFileState(context.WithoutCancel(ctx), f.ledger.ID, withholding.FileSent, "not delivered: "+err.Error())
		}
		rem, err := x.connect(ctx, p)
		if err != nil {
			x.Metrics.error(JobReport, "partner")
			for _, f := range fs {
				fail(f, err)
			}
			errs = append(errs, fmt.Errorf("partner %s: %w", name, err))
			continue
		}
		for _, f := range fs {
			got, err := x.push(ctx, rem, j.Reconcile.Files, f.ledger, p.Outbox)
			if err != nil {
				fail(f, err)
				errs = append(errs, fmt.Errorf("partner %s: push %s: %w", name, f.ledger.RemoteName, err))
				continue
			}
			note := ""
			if got != f.ledger.RemoteName {
				note = "delivered as " + got
			}
			if err := j.Reconcile.Files.SetFileState(ctx, f.ledger.ID, withholding.FileArchived, note); err != nil {
				errs = append(errs, fmt.Errorf("record %s delivered: %w", f.ledger.RemoteName, err))
				continue
			}
			x.Metrics.file(withholding.Outbound, withholding.KindReportFile, "sent")
			n++
		}
		rem.Close()
	}
	return n, errors.Join(errs...)
}

func countPushed(fs []*reportFile) int {
	n := 0
	for _, f := range fs {
		if f.partner != nil {
			n++
		}
	}
	return n
}

// achOnly returns the IDs of the ACH files among fs.
func achOnly(fs []*withholding.File) []int64 {
	var ids []int64
	for _, f := range fs {
		if f.Kind == withholding.KindACHFile {
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// writeCSV writes the exceptions CSV through a temporary file, so a reader
// never sees half of it.
func writeCSV(path string, exs []*withholding.Exception) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := report.WriteExceptionsCSV(tmp, exs); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	return nil
}
