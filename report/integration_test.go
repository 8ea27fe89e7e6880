//go:build integration

package report_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
)

// MustPDF converts workbooks to PDF in dir with LibreOffice and returns the
// PDFs' paths, in the same order.
func MustPDF(tb testing.TB, dir string, workbooks ...string) []string {
	tb.Helper()
	bin, err := exec.LookPath("libreoffice")
	if err != nil {
		if bin, err = exec.LookPath("soffice"); err != nil {
			tb.Fatal("libreoffice is not installed (Debian package libreoffice-calc); make integration needs it")
		}
	}
	out := filepath.Join(dir, "pdf")
	profile := "file://" + filepath.Join(dir, "lo-profile")
	args := append([]string{"-env:UserInstallation=" + profile, "--headless", "--convert-to", "pdf", "--outdir", out}, workbooks...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	msg, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("libreoffice: %v\n%s", err, msg)
	}
	pdfs := make([]string, len(workbooks))
	for i, w := range workbooks {
		pdfs[i] = filepath.Join(out, strings.TrimSuffix(filepath.Base(w), filepath.Ext(w))+".pdf")
		if _, err := os.Stat(pdfs[i]); err != nil {
			tb.Fatalf("no PDF from libreoffice: %v\n%s", err, msg)
		}
	}
	return pdfs
}

// MustPages returns the text of each page of a PDF (pdftotext, from
// poppler-utils), after checking the page count against pdfinfo's.
func MustPages(tb testing.TB, pdf string) []string {
	tb.Helper()
	info, err := exec.Command("pdfinfo", pdf).Output()
	if err != nil {
		tb.Fatalf("pdfinfo %s (Debian package poppler-utils): %v", pdf, err)
	}
	n := -1
	for line := range strings.SplitSeq(string(info), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	text, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v", pdf, err)
	}
	// pdftotext ends every page with a form feed.
	pages := strings.Split(strings.TrimSuffix(string(text), "\f"), "\f")
	if len(pages) != n {
		tb.Fatalf("%s: pdfinfo says %d pages, pdftotext gave %d", filepath.Base(pdf), n, len(pages))
	}
	return pages
}

// sheetOf returns the sheet a printed page belongs to: the footer's first
// word(s), the last line of the page.
func sheetOf(page string, sheets []string) string {
	lines := strings.Split(strings.TrimRight(page, "\n "), "\n")
	footer := strings.TrimSpace(lines[len(lines)-1])
	best := ""
	for _, s := range sheets {
		if strings.HasPrefix(footer, s) && len(s) > len(best) {
			best = s
		}
	}
	return best
}

// pagesPerSheet counts the printed pages of each sheet, and checks that
// each sheet's pages follow one another.
func pagesPerSheet(t *testing.T, pages, sheets []string) map[string]int {
	t.Helper()
	n := map[string]int{}
	prev := ""
	for i, p := range pages {
		s := sheetOf(p, sheets)
		if s == "" {
			t.Errorf("page %d: no sheet name in the footer:\n%s", i+1, p)
			continue
		}
		if s != prev && n[s] > 0 {
			t.Errorf("page %d: %s again after %s", i+1, s, prev)
		}
		n[s]++
		prev = s
	}
	return n
}

// demoNames are employer names of the length the demo's have.
var demoNames = []string{"OCEANVIEW FOODS GROUP INC", "SIERRA CONSTRUCTION INC", "VALLEY MANUFACTURING INC",
	"SUNRISE AUTO PARTS INC", "PIONEER DISTRIBUTION LP", "NORTHSTAR HOSPITALITY INC", "GOLDEN STATE SOFTWARE INC"}

// demoNight is an operations report the size of a night of "iwo demo"
// (300 employers, 3,000 IWOs, ~1,200 payments, ~450 open exceptions), with
// messages of the lengths reconciliation writes, and its exceptions in the
// order made.
func demoNight(t *testing.T) (report.OperationsInput, []*withholding.Exception) {
	run := day("2026-11-23")
	var emps []*withholding.Employer
	for i := range 300 {
		emps = append(emps, &withholding.Employer{FEIN: withholding.FEIN(fmt.Sprintf("90%07d", i)), Name: demoNames[i%len(demoNames)]})
	}
	kinds := []struct {
		typ      withholding.ExceptionType
		n        int
		msg, act string
	}{
		{withholding.ExIWORejected, 178,
			`The employer (FEIN %[1]s) rejected ORG IWO 0600000000000000000001002034 for case %[2]s: employee no longer works for the employer (reason "N"). employment ended 2026-09-14; new employer SELF-EMPLOYED.`,
			withholding.ReasonAction("N")},
		{withholding.ExShortPayment, 115,
			"Payment of $152.85 for case %[2]s (pay date 2026-11-13) from SUNRISE AGRICULT, trace 121000240001122 in file 610 is $172.77 short of the $325.62 the order requires per weekly pay.",
			"Check with the employer whether the withholding limit (CCPA) reduced it or payroll has the wrong amount; send an amended IWO if the amounts on file are wrong."},
		{withholding.ExEmployerNotice, 52,
			"Employer FEIN %[1]s reports for case %[2]s (employee ***-**-7241): employment or income ended. employment ended 2026-11-13; new employer UNKNOWN.",
			"Record the termination on the case, end the order with this employer and start a locate for a new employer."},
		{withholding.ExCaseIDCorrected, 33,
			"Payment for case %[2]s was sent with remittance ID CA2000744527, which is not this order's; it was applied by SSN. The employer's statement asks it to send CA2000744526.",
			"No action unless it repeats; the employer is told on its statement which remittance ID to use."},
		{withholding.ExLatePayment, 32,
			"Payment for case %[2]s (pay date 2026-11-06) settled 2026-11-20, after the 7 business days allowed.",
			"Remind the employer of the remittance deadline; repeated lateness may be referred for enforcement."},
		{withholding.ExTerminationFlag, 27,
			"Payment of $132.69 for case %[2]s (pay date 2026-11-20) from SUNRISE AGRICULT, trace 121000240000764 in file 914 carries the termination indicator (DED09 = Y): the employer says the employee left.",
			"Confirm the termination with the employer, end the order and start a locate for a new employer."},
		{withholding.ExMissingPayment, 13,
			"No payment for case %[2]s for pay date 2026-11-06 (due 2026-11-17) from employer %[1]s.",
			"Contact the employer: ask whether the employee was paid and the withholding sent."},
		{withholding.ExUnidentified, 2,
			"Payment of $448.15 from FEIN %[1]s could not be matched to any order by case, SSN or name.",
			"Hold the money in suspense. Research the case by SSN, name and FIPS; contact the employer for the remittance ID."},
	}
	var exs []*withholding.Exception
	for _, k := range kinds {
		for i := range k.n {
			id := len(exs) + 1
			fein, cs := emps[id%len(emps)].FEIN, fmt.Sprintf("CA2%09d", id)
			exs = append(exs, &withholding.Exception{
				ID: int64(id), Type: k.typ, Severity: withholding.SeverityMedium, Status: withholding.ExceptionOpen,
				Key: fmt.Sprintf("%s|p%d", k.typ, id), CaseID: withholding.CaseID(cs), FEIN: fein,
				SSN: withholding.SSN(fmt.Sprintf("9%08d", id)), Amount: 15285, Expected: 32562,
				DueDate: run.AddDays(-i % 20), OpenedOn: run.AddDays(-7 * (i % 4)),
				Message: fmt.Sprintf(k.msg, fein, cs), SuggestedAction: k.act,
			})
		}
	}
	var pays []*withholding.Payment
	for i := range 1192 {
		p := &withholding.Payment{ID: int64(i + 1), FileID: 900 + int64(i/100), Batch: 1, Trace: withholding.TraceNumber(fmt.Sprintf("1210002400%05d", i)),
			SEC: "CCD", EffectiveDate: run, RemittanceID: withholding.RemittanceID(fmt.Sprintf("CA2%09d", i)), PayDate: run.AddDays(-3),
			Amount: 26632, EntryAmount: 26632, Credited: 26632, SSN: withholding.SSN(fmt.Sprintf("9%08d", i)), Name: "SMITH,JOH",
			Kind: withholding.KindPayment, FEIN: emps[i%len(emps)].FEIN,
			Posting: &withholding.Posting{Status: withholding.PostingPosted, CaseID: withholding.CaseID(fmt.Sprintf("CA2%09d", i))}}
		pays = append(pays, p)
	}
	var docs []*withholding.Document
	for i := range 3000 {
		d := &withholding.Document{TrackingID: withholding.TrackingID(fmt.Sprintf("0600000000000000000001%06d", i)),
			CaseID: withholding.CaseID(fmt.Sprintf("CA2%09d", i)), FEIN: emps[i%len(emps)].FEIN, Action: withholding.ActionOriginal,
			SentAt: time.Date(2026, 11, 2, 19, 0, 0, 0, time.UTC), Status: withholding.DispAccepted,
			AcknowledgedAt: time.Date(2026, 11, 3, 1, 0, 0, 0, time.UTC)}
		if i%17 == 0 {
			d.Status, d.Reason = withholding.DispRejected, "N"
		}
		docs = append(docs, d)
	}
	var files []*withholding.File
	for i := range 40 {
		files = append(files, &withholding.File{ID: int64(900 + i), Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile,
			RemoteName: fmt.Sprintf("SDU_CCD_20261123_%04d.ach", i), State: withholding.FileApplied, Records: 120, Size: 11234,
			SHA256: iwoFileSHA256, CreatedAt: time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)})
	}
	prev := &report.Totals{Date: day("2026-11-16"), Received: report.Tally{Count: 1662, Amount: 50913448},
		OpenExceptions: map[withholding.ExceptionType]int{withholding.ExIWORejected: 178, withholding.ExShortPayment: 82}}
	return report.OperationsInput{
		RunDate: run, Location: time.UTC, Title: "Lakeview County Child Support Services",
		Exceptions: report.Exceptions(exs, run), Payments: report.Payments(pays), Documents: report.Documents(docs), Files: files, Employers: emps,
		Previous: prev, TmpDir: t.TempDir(),
	}, exs
}

// demoStatement is the statement of an employer with 9 orders, 8 payments
// and 5 items that need its action, as the demo writes them.
func demoStatement(t *testing.T, night []*withholding.Exception) report.StatementInput {
	emp := &withholding.Employer{FEIN: "904313677", Name: "SUNRISE AGRICULTURE LLC", PayFrequency: withholding.Weekly, PayAnchor: day("2026-11-06")}
	names := []string{"MCDONALD", "HERNANDEZ", "TORRES", "VASQUEZ", "PATEL", "PHILLIPS", "KOWALSKI", "WILSON", "NGUYEN"}
	var ords []*withholding.Order
	var pays []*withholding.Payment
	for i, n := range names {
		o := &withholding.Order{ID: int64(i + 1), CaseID: withholding.CaseID(fmt.Sprintf("CA2000%06d", i)),
			RemittanceID: withholding.RemittanceID(fmt.Sprintf("CA2000%06d", i)), EmployerFEIN: emp.FEIN, Status: withholding.StatusAccepted,
			Obligor: withholding.Person{Last: n, First: "KIMBERLY", SSN: withholding.SSN(fmt.Sprintf("90011%04d", i))},
			Amounts: withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 32562, Frequency: withholding.Weekly}}}
		ords = append(ords, o)
		if i == 8 {
			continue
		}
		pays = append(pays, &withholding.Payment{ID: int64(100 + i), FileID: 914, Trace: withholding.TraceNumber(fmt.Sprintf("1210002400007%02d", i)),
			SEC: "CCD", EffectiveDate: day("2026-11-22"), RemittanceID: o.RemittanceID, PayDate: day("2026-11-20"),
			Amount: 32562, EntryAmount: 32562, Credited: 32562, SSN: o.Obligor.SSN, Kind: withholding.KindPayment, FEIN: emp.FEIN,
			Posting: &withholding.Posting{Status: withholding.PostingPosted, OrderRef: o.ID, CaseID: o.CaseID}})
	}
	var exs []*withholding.Exception
	for _, typ := range []withholding.ExceptionType{withholding.ExIWORejected, withholding.ExEmployerNotice, withholding.ExShortPayment,
		withholding.ExShortPayment, withholding.ExTerminationFlag} {
		for _, e := range night {
			if e.Type == typ && !containsPtr(exs, e) {
				c := *e
				c.FEIN = emp.FEIN
				exs = append(exs, &c)
				break
			}
		}
	}
	return report.StatementInput{
		Agency: "Lakeview County Child Support Services", Contact: "Help line 1-800-555-0199\nWrite to Lakeview County Disbursement Unit, PO Box 989067, West Sacramento CA 95798-9067",
		RunDate: day("2026-11-23"), From: day("2026-11-16"), To: day("2026-11-23"),
		Employer: emp, Orders: ords, Payments: pays, Exceptions: exs,
	}
}

func containsPtr(exs []*withholding.Exception, e *withholding.Exception) bool {
	for _, x := range exs {
		if x.ID == e.ID {
			return true
		}
	}
	return false
}

// TestIntegrationPrint renders a night's operations workbook and an
// employer's statement, both the size the demo writes, to PDF with
// LibreOffice and checks how they print: page counts (the operations
// workbook printed as 405 pages and such a statement as 13 before there
// was any print setup), the summary's comparison and chart on the first
// page, the statement's cover on one page with the agency's name, and
// every page's footer naming its sheet.
func TestIntegrationPrint(t *testing.T) {
	dir := t.TempDir()
	night, nightExs := demoNight(t)
	ops := filepath.Join(dir, "ops.xlsx")
	if _, err := report.WriteOperations(ops, night); err != nil {
		t.Fatalf("WriteOperations: %v", err)
	}
	stmt := filepath.Join(dir, "statement.xlsx")
	in := demoStatement(t, nightExs)
	if err := report.WriteEmployerStatement(stmt, in); err != nil {
		t.Fatalf("WriteEmployerStatement: %v", err)
	}
	pdfs := MustPDF(t, dir, ops, stmt)
	if dst := os.Getenv("IWO_PRINT_DIR"); dst != "" {
		// Keep the PDFs to look at (pdftoppm -png -r 60).
		for _, p := range pdfs {
			if b, err := os.ReadFile(p); err == nil {
				_ = os.WriteFile(filepath.Join(dst, filepath.Base(p)), b, 0o644)
			}
		}
	}

	t.Run("Operations", func(t *testing.T) {
		pages := MustPages(t, pdfs[0])
		sheets := []string{report.SheetSummary, report.SheetEmployers, report.SheetExceptions, report.SheetPayments, report.SheetIWOs, report.SheetFiles}
		n := pagesPerSheet(t, pages, sheets)
		t.Logf("operations workbook: %d pages %v", len(pages), n)
		// Measured: 91 pages for the demo's night of 2026-11-23 (405
		// before print setup), 85 for this one; 110 leaves room for fonts.
		if len(pages) > 110 {
			t.Errorf("operations workbook prints on %d pages, want at most 110", len(pages))
		}
		first := pages[0]
		for _, want := range []string{"Lakeview County Child Support Services", "Amount received", "Open exceptions", "Previous night (2026-11-16)", "Page 1 of"} {
			if !strings.Contains(first, want) {
				t.Errorf("summary page 1 lacks %q:\n%s", want, first)
			}
		}
		// The table's header and the chart's title; the chart's legend
		// names both nights.
		if c := strings.Count(first, "Open exceptions by type"); c != 2 {
			t.Errorf("summary page 1 names \"Open exceptions by type\" %d times, want 2 (table and chart):\n%s", c, first)
		}
		if strings.Contains(first, "Received by employer") {
			t.Errorf("summary page 1 holds the employers; want them on their own sheet:\n%s", first)
		}
		if len(pages) < 2 || !strings.Contains(pages[1], "Received by employer") {
			t.Errorf("page 2 does not start the employers' sheet")
		}
		// The summary on one page (issue 18); 300 employers at about 50 a
		// page on theirs.
		if n[report.SheetSummary] != 1 {
			t.Errorf("summary prints on %d pages, want 1", n[report.SheetSummary])
		}
		if n[report.SheetEmployers] > 7 {
			t.Errorf("employers print on %d pages, want at most 7", n[report.SheetEmployers])
		}
		// 452 exceptions whose text wraps to 3 or 4 lines, each page with
		// the header row.
		if n[report.SheetExceptions] > 30 {
			t.Errorf("exceptions print on %d pages, want at most 30", n[report.SheetExceptions])
		}
		for i, p := range pages {
			if sheetOf(p, sheets) == report.SheetExceptions && !strings.Contains(p, "Suggested action") {
				t.Errorf("page %d: exceptions without the header row:\n%s", i+1, p)
			}
		}
	})

	t.Run("Statement", func(t *testing.T) {
		pages := MustPages(t, pdfs[1])
		sheets := []string{report.SheetStatement, report.SheetOrders, report.SheetPayments, report.SheetActions}
		n := pagesPerSheet(t, pages, sheets)
		t.Logf("statement: %d pages %v", len(pages), n)
		if len(pages) > 4 {
			t.Errorf("statement of 9 orders prints on %d pages, want at most 4", len(pages))
		}
		if n[report.SheetStatement] != 1 {
			t.Errorf("cover prints on %d pages, want 1", n[report.SheetStatement])
		}
		cover := pages[0]
		for _, want := range []string{"From", in.Agency, "Help line 1-800-555-0199", "Lakeview County Disbursement Unit", "Items that need your action", "$2,604.96"} {
			if !strings.Contains(cover, want) {
				t.Errorf("cover lacks %q:\n%s", want, cover)
			}
		}
	})
}
