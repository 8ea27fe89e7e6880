package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// monthBooks is a store with one employer (ACME, biweekly on Fridays from
// 2026-11-13) and one accepted $200.00 biweekly order, reconciled on
// three nights: a payment posted on 2026-11-06, one held (SSN mismatch) on
// 2026-11-20, and one posted on 2026-12-02.
func monthBooks(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	url := "sqlite:" + filepath.Join(t.TempDir(), "iwo.db")
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 11, 6, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db.Now = clock
	day := func(s string) withholding.Date {
		d, err := withholding.ParseDate("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	const fein = withholding.FEIN("900000001")
	if err := db.UpsertEmployer(ctx, &withholding.Employer{FEIN: fein, Name: "ACME PAYROLL", PayFrequency: withholding.Biweekly, PayAnchor: day("2026-11-13"), EIWO: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOrder(ctx, &withholding.Order{
		CaseID: "CASE1", OrderID: "ORD1", RemittanceID: "R1", EmployerFEIN: fein,
		Obligor:   withholding.Person{Last: "SMITH", First: "JOHN", SSN: "900112222"},
		PayeeFIPS: "0603700",
		Amounts:   withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 20000, Frequency: withholding.Biweekly}},
		StartDate: day("2026-10-01"), Status: withholding.StatusAccepted,
	}); err != nil {
		t.Fatal(err)
	}
	rec := &jobs.Reconcile{
		Books: jobs.Books{
			Orders: db, Employers: db, Documents: db, Payments: db, Files: db, Exceptions: db, Postings: db, Runs: db,
		},
		Env: jobs.Env{Location: time.UTC, Clock: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
	}
	s := jobs.NewScheduler(jobs.SchedulerConfig{Runs: db, Env: rec.Env, Instance: "test"})
	if err := s.Add(rec, "", jobs.AnyDay); err != nil {
		t.Fatal(err)
	}
	for i, n := range []struct {
		at             time.Time
		payDate, trace string
		ssn            withholding.SSN
	}{
		{time.Date(2026, 11, 6, 10, 0, 0, 0, time.UTC), "2026-10-30", "091000010000001", "900112222"},
		{time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), "2026-11-13", "091000010000002", "900999999"},
		{time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), "2026-11-27", "091000010000003", "900112222"},
	} {
		now = n.at
		p := &withholding.Payment{
			Line: 3, Batch: 1, Trace: withholding.TraceNumber(n.trace), SEC: "CCD", TransactionCode: 22,
			CompanyID: "1" + string(fein), CompanyName: "ACME PAYROLL", EffectiveDate: withholding.DateOf(n.at),
			EntryAmount: 20000, Credited: 20000, ApplicationID: "CS", RemittanceID: "R1", PayDate: day(n.payDate), Amount: 20000,
			SSN: n.ssn, Medical: "N", Name: "SMITH,JOH", FIPS: "06037", Kind: withholding.KindPayment, FEIN: fein,
		}
		f := &withholding.File{Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile, RemoteName: n.trace + ".ach", SHA256: n.trace, State: withholding.FileReceived}
		if err := db.CreateFile(ctx, f); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ApplyPayments(ctx, f.ID, func(yield func(*withholding.Payment, error) bool) { yield(p, nil) }); err != nil {
			t.Fatal(err)
		}
		if run, err := s.RunNow(ctx, jobs.JobReconcile); err != nil || run.Status != withholding.RunSucceeded {
			t.Fatalf("night %d: reconcile %+v, %v", i+1, run, err)
		}
	}
	return url
}

func TestReportStatementsMonth(t *testing.T) {
	db := monthBooks(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "nov")
	// An agency configured with its own name and help line but the
	// default SDU: the statement comes from the agency.
	cfg := filepath.Join(dir, "iwo.yml")
	const agency = "Lakeview County Child Support Services"
	if err := os.WriteFile(cfg, []byte("agency:\n  name: "+agency+"\n  help_line: 1-800-555-0142\ndata_dir: "+dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIWO(t, "report", "statements", "--config", cfg, "--db", db, "--month", "2026-11", "--out", out, "--employer", "90-0000001")
	path := filepath.Join(out, "statement-900000001-2026-11.xlsx")
	if code != 0 || strings.TrimSpace(stdout) != path {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %s", code, stdout, stderr, path)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	if v, _ := f.GetCellValue(report.SheetStatement, "B5"); v != "2026-11-01 to 2026-11-30" {
		t.Errorf("period %q, want 2026-11-01 to 2026-11-30", v)
	}
	cover, err := f.GetRows(report.SheetStatement)
	if err != nil {
		t.Fatal(err)
	}
	contact := map[string]string{} // label → value
	for i, r := range cover {
		if len(r) >= 2 && (r[0] != "" || i > 0 && len(cover[i-1]) > 0 && cover[i-1][0] == "Questions") {
			contact[r[0]] = r[1]
		}
	}
	if contact["From"] != agency {
		t.Errorf("cover says From %q, want the configured agency %q", contact["From"], agency)
	}
	if q := contact["Questions"]; q != "Help line 1-800-555-0142" {
		t.Errorf("cover's questions line %q, want the help line", q)
	}
	if w := contact[""]; !strings.HasPrefix(w, "Write to Example State Disbursement Unit, PO Box 989067") {
		t.Errorf("cover's second contact line %q, want the SDU's name and address", w)
	}
	rows, err := f.GetRows(report.SheetPayments)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{} // by trace
	for _, r := range rows[1:] {
		if len(r) >= 7 {
			status[r[5]] = r[6]
		}
	}
	want := map[string]string{
		"091000010000001": "Applied to case CASE1",
		"091000010000002": "Held (" + report.TypeLabel(withholding.ExSSNMismatch) + "): see Action needed",
	}
	for trace, w := range want {
		if status[trace] != w {
			t.Errorf("payment %s: status %q, want %q", trace, status[trace], w)
		}
	}
	if len(status) != len(want) {
		t.Errorf("payments on the statement: %v, want only November's %v (nothing from December)", status, want)
	}
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for _, r := range rows {
			if slices.ContainsFunc(r, func(c string) bool { return strings.Contains(c, "900112222") || strings.Contains(c, "900999999") }) {
				t.Errorf("sheet %s shows a whole SSN: %v", sh, r)
			}
		}
	}
}

func TestReportStatementsUsage(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "iwo.db")
	for _, args := range [][]string{
		{"report", "statements", "--db", db},
		{"report", "statements", "--db", db, "--month", "2026-13"},
		{"report", "statements", "--db", db, "--month", "2026-11", "--employer", "12345"},
		{"report", "statements", "2026-11", "--db", db},
	} {
		if code, _, stderr := runIWO(t, args...); code != 2 {
			t.Errorf("iwo %s: exit %d, want 2 (stderr %q)", strings.Join(args, " "), code, stderr)
		}
	}
	code, help, _ := runIWO(t, "report", "statements", "-h")
	if code != 0 || !strings.Contains(help, "--month") && !strings.Contains(help, "-month YYYY-MM") {
		t.Errorf("-h: exit %d, help %q", code, help)
	}
}
