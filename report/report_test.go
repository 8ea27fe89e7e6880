package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
)

func day(s string) withholding.Date {
	d, err := withholding.ParseDate("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// The SSNs of the fixture; none may appear in clear in any output.
var ssns = []withholding.SSN{"900112222", "900113333", "900114444"}

const (
	fein1 = withholding.FEIN("900000001")
	fein2 = withholding.FEIN("900000002")
)

func employers() []*withholding.Employer {
	return []*withholding.Employer{
		{FEIN: fein1, Name: "ACME PAYROLL", PayFrequency: withholding.Biweekly, PayAnchor: day("2026-11-13")},
		{FEIN: fein2, Name: "GLOBEX"},
	}
}

func exceptions() []*withholding.Exception {
	return []*withholding.Exception{
		{ID: 3, Type: withholding.ExShortPayment, Severity: withholding.SeverityMedium, Status: withholding.ExceptionOpen,
			Key: "short_payment|p10", CaseID: "CASE1", OrderRef: 1, FEIN: fein1, SSN: ssns[0], PaymentIDs: []int64{10},
			Amount: 15000, Expected: 20000, DueDate: day("2026-11-13"), OpenedOn: day("2026-11-20"),
			Message: "Payment is short.", SuggestedAction: "Call the employer."},
		{ID: 1, Type: withholding.ExMissingPayment, Severity: withholding.SeverityHigh, Status: withholding.ExceptionOpen,
			Key: "missing_payment|CASE2|900000001|2026-10-30", CaseID: "CASE2", FEIN: fein1, SSN: ssns[1],
			Expected: 20000, DueDate: day("2026-11-10"), OpenedOn: day("2026-11-11"),
			Message: "No payment.", SuggestedAction: "=HYPERLINK(\"x\") call the employer"},
		{ID: 2, Type: withholding.ExMedicalChange, Severity: withholding.SeverityMedium, Status: withholding.ExceptionResolved,
			Key: "medical_indicator_change|CASE1|p9", CaseID: "CASE1", FEIN: fein1, SSN: ssns[0], OpenedOn: day("2026-11-01")},
		{Type: withholding.ExUnidentified, Severity: withholding.SeverityHigh, Key: "unidentified_payment|p12",
			FEIN: fein2, SSN: ssns[2], Amount: 5000, PaymentIDs: []int64{12}, Message: "No order.", SuggestedAction: "Research."},
	}
}

func payments() []*withholding.Payment {
	p := func(id int64, fein withholding.FEIN, c withholding.RemittanceID, ssn withholding.SSN, amt withholding.Cents) *withholding.Payment {
		return &withholding.Payment{ID: id, FileID: 5, Batch: 1, Trace: "091000010000001", SEC: "CCD",
			EffectiveDate: day("2026-11-20"), EntryAmount: amt, Credited: amt, RemittanceID: c, PayDate: day("2026-11-13"), Amount: amt,
			SSN: ssn, Medical: "N", Kind: withholding.KindPayment, FEIN: fein, Problems: []string{}}
	}
	posted := func(p *withholding.Payment, order int64, c withholding.CaseID) *withholding.Payment {
		p.Posting = &withholding.Posting{PaymentID: p.ID, Status: withholding.PostingPosted, OrderRef: order, CaseID: c, RunDate: day("2026-11-20")}
		return p
	}
	ret := p(13, fein1, "R1", ssns[0], 0)
	ret.Kind, ret.ReturnCode, ret.EntryAmount, ret.Credited = withholding.KindReturn, "R03", 7000, 0
	// Payment 10 posts with warnings, one quoting an SSN that slipped into
	// DED08; payment 12 has a warning but is not posted.
	warned := p(10, fein1, "R1", ssns[0], 15000)
	warned.Warnings = []string{"DED: lower-case letters", `DED08 FIPS: "` + ssns[0].Digits() + `" is not 5 or 7 characters; ignored for routing`}
	held := p(12, fein2, "NOPE", ssns[2], 5000)
	held.Warnings = []string{`DED: no segment terminator "\"`}
	held.Amount = 999999 // the DED claims more than the bank credited
	held.Posting = &withholding.Posting{PaymentID: 12, Status: withholding.PostingHeld, Reason: withholding.ExUnidentified, ExceptionKey: "unidentified_payment|p12", RunDate: day("2026-11-20")}
	return []*withholding.Payment{
		posted(warned, 1, "CASE1"),
		posted(p(11, fein1, "R2", ssns[1], 20000), 2, "CASE2"),
		held,
		ret,
	}
}

func orders() []*withholding.Order {
	return []*withholding.Order{
		{ID: 1, CaseID: "CASE1", RemittanceID: "R1", EmployerFEIN: fein1, Status: withholding.StatusAccepted,
			Obligor: withholding.Person{Last: "SMITH", First: "JOHN", SSN: ssns[0]},
			Amounts: withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 20000, Frequency: withholding.Biweekly}}},
		{ID: 2, CaseID: "CASE2", RemittanceID: "R2", EmployerFEIN: fein1, Status: withholding.StatusAccepted,
			Obligor: withholding.Person{Last: "JONES", First: "MARY", SSN: ssns[1]},
			Amounts: withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 43333, Frequency: withholding.Monthly}}},
	}
}

func operationsInput(t *testing.T) report.OperationsInput {
	return report.OperationsInput{
		RunDate:    day("2026-11-20"),
		Location:   time.UTC,
		Title:      "Test SDU",
		Exceptions: report.Exceptions(exceptions(), day("2026-11-20")),
		Payments:   report.Payments(payments()),
		Documents: report.Documents([]*withholding.Document{
			{TrackingID: "T1", CaseID: "CASE1", FEIN: fein1, Action: withholding.ActionOriginal,
				SentAt: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), Status: withholding.DispAccepted},
			{TrackingID: "T2", CaseID: "CASE2", FEIN: fein1, Action: withholding.ActionOriginal,
				SentAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Status: withholding.DispRejected, Reason: "N"},
			{TrackingID: "T3", CaseID: "CASE3", FEIN: fein2, Action: withholding.ActionAmend,
				SentAt: time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)},
		}),
		Files: []*withholding.File{
			{ID: 1, Direction: withholding.Inbound, Kind: withholding.KindACHFile, RemoteName: "a.ach", State: withholding.FileApplied, CreatedAt: time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)},
			{ID: 2, Direction: withholding.Inbound, Kind: withholding.KindAckFile, RemoteName: "bad.ack", State: withholding.FileQuarantined, Error: "trailer count", CreatedAt: time.Date(2026, 11, 19, 1, 0, 0, 0, time.UTC)},
			{ID: 3, Direction: withholding.Outbound, Kind: withholding.KindIWOFile, RemoteName: "iwo.txt", State: withholding.FileSent, CreatedAt: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC),
				Size: 6921, SHA256: iwoFileSHA256},
		},
		Employers: employers(),
		Previous: &report.Totals{
			Date:           day("2026-11-19"),
			Received:       report.Tally{Count: 5, Amount: 100000},
			OpenExceptions: map[withholding.ExceptionType]int{withholding.ExShortPayment: 4},
			ByEmployer: map[withholding.FEIN]report.Tally{
				fein1: {Count: 5, Amount: 100000},
			},
		},
		TmpDir: t.TempDir(),
	}
}

// iwoFileSHA256 is the SHA-256 of the sample's sent IWO file.
const iwoFileSHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// MustOpen reopens a workbook and closes it when the test ends.
func MustOpen(tb testing.TB, path string) *excelize.File {
	tb.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() { f.Close() })
	return f
}

func MustRows(tb testing.TB, f *excelize.File, sheet string) [][]string {
	tb.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		tb.Fatalf("rows of %s: %v", sheet, err)
	}
	return rows
}

// checkMasked fails if any SSN of the fixture appears in clear anywhere in
// the file: every part of the zip (cells, tables, charts, properties).
func checkMasked(t *testing.T, path string) {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("open zip %s: %v", path, err)
	}
	defer z.Close()
	for _, zf := range z.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ssns {
			if bytes.Contains(b, []byte(s.Digits())) {
				t.Errorf("%s: %s holds SSN %s in clear", filepath.Base(path), zf.Name, s)
			}
		}
	}
}

// findRow returns the first row whose first cell is label.
func findRow(rows [][]string, label string) []string {
	for _, r := range rows {
		if len(r) > 0 && r[0] == label {
			return r
		}
	}
	return nil
}

func TestWriteOperations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ops.xlsx")
	tot, err := report.WriteOperations(path, operationsInput(t))
	if err != nil {
		t.Fatalf("WriteOperations: %v", err)
	}
	f := MustOpen(t, path)

	if got, want := f.GetSheetList(), []string{"Summary", "Employers", "Exceptions", "Payments", "IWOs", "Files"}; !slices.Equal(got, want) {
		t.Errorf("sheets = %v, want %v", got, want)
	}

	t.Run("Exceptions", func(t *testing.T) {
		rows := MustRows(t, f, report.SheetExceptions)
		if !slices.Equal(rows[0], report.ExceptionColumns) {
			t.Errorf("header = %v", rows[0])
		}
		if len(rows) != 1+3 {
			t.Fatalf("%d rows, want header + 3 open exceptions", len(rows))
		}
		// Oldest first: the missing payment opened 2026-11-11, age 9 days.
		if rows[1][0] != "2026-11-11" || rows[1][1] != "9" || rows[1][3] != "Missing payment" {
			t.Errorf("first row = %v, want the 2026-11-11 missing payment aged 9", rows[1])
		}
		// Same day: high severity before medium.
		if rows[2][3] != "Unidentified payment" || rows[3][3] != "Short payment" {
			t.Errorf("rows 2-3 types = %q, %q", rows[2][3], rows[3][3])
		}
		if rows[3][6] != "***-**-2222" || rows[3][7] != "$150.00" || rows[3][8] != "$200.00" {
			t.Errorf("short row SSN/amount/expected = %q %q %q", rows[3][6], rows[3][7], rows[3][8])
		}
		tables, err := f.GetTables(report.SheetExceptions)
		if err != nil || len(tables) != 1 || tables[0].Range != "A1:P4" {
			t.Errorf("tables = %+v, %v; want one table A1:P4", tables, err)
		}
	})

	t.Run("Payments", func(t *testing.T) {
		rows := MustRows(t, f, report.SheetPayments)
		if len(rows) != 1+4 {
			t.Fatalf("%d rows, want header + 4", len(rows))
		}
		if rows[1][13] != "Posted to CASE1" || rows[3][13] != "Held (Unidentified payment)" || rows[4][13] != "" {
			t.Errorf("status column: %q / %v / %v", rows[1][13], rows[3], rows[4])
		}
		// Payment 12's DED claims $9,999.99; the bank credited $50.00,
		// which is what the Amount column and every total show.
		if rows[3][8] != "$50.00" || rows[3][14] != "DED claims $9,999.99; the bank credited $50.00" || rows[1][14] != "" {
			t.Errorf("amount %q, claim column %q (and %q for a payment that agrees)", rows[3][8], rows[3][14], rows[1][14])
		}
	})

	t.Run("PaymentWarnings", func(t *testing.T) {
		rows := MustRows(t, f, report.SheetPayments)
		problems, warnings := slices.Index(rows[0], "Problems"), slices.Index(rows[0], "Warnings")
		if problems < 0 || warnings != problems+1 {
			t.Fatalf("header %v: want a Warnings column right after Problems", rows[0])
		}
		cell := func(row int) string {
			t.Helper()
			name, err := excelize.CoordinatesToCellName(warnings+1, row)
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.GetCellValue(report.SheetPayments, name)
			if err != nil {
				t.Fatalf("read %s: %v", name, err)
			}
			return v
		}
		// Row 2 is payment 10 (two warnings, the second quoting an SSN);
		// row 3 is payment 11 (none).
		want := `DED: lower-case letters; DED08 FIPS: "***-**-2222" is not 5 or 7 characters; ignored for routing`
		if got := cell(2); got != want {
			t.Errorf("warnings of payment 10 = %q, want %q", got, want)
		}
		if got := cell(3); got != "" {
			t.Errorf("warnings of payment 11 = %q, want empty", got)
		}
		if got := cell(4); got != `DED: no segment terminator "\"` {
			t.Errorf("warnings of payment 12 = %q", got)
		}
		tables, err := f.GetTables(report.SheetPayments)
		if err != nil || len(tables) != 1 || tables[0].Range != "A1:R5" {
			t.Errorf("tables = %+v, %v; want one table A1:R5 including the Warnings column", tables, err)
		}
	})

	t.Run("IWOs", func(t *testing.T) {
		rows := MustRows(t, f, report.SheetIWOs)
		if len(rows) != 1+3 {
			t.Fatalf("%d rows, want header + 3", len(rows))
		}
		// Newest first: T3 waits, T2 rejected with reason N.
		if rows[1][1] != "T3" || rows[1][7] != "Awaiting acknowledgment" || rows[1][10] != "17" {
			t.Errorf("row 1 = %v", rows[1])
		}
		if rows[2][7] != "Rejected" || !strings.HasPrefix(rows[2][8], "N: employee no longer works") {
			t.Errorf("row 2 = %v", rows[2])
		}
	})

	t.Run("Files", func(t *testing.T) {
		rows := MustRows(t, f, report.SheetFiles)
		if len(rows) != 1+3 || rows[1][4] != "bad.ack" || rows[1][5] != "quarantined" {
			t.Errorf("files rows = %v, want the quarantined file first", rows)
		}
		// The sent file's size and whole SHA-256, to compare with a partner's copy.
		i := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 4 && r[4] == "iwo.txt" })
		if i < 0 || len(rows[i]) < 10 || rows[i][7] != "6921" || rows[i][9] != iwoFileSHA256 {
			t.Errorf("files rows = %v, want iwo.txt with 6921 bytes and SHA-256 %s", rows, iwoFileSHA256)
		}
	})

	t.Run("Summary", func(t *testing.T) {
		rows := MustRows(t, f, report.SheetSummary)
		if r := findRow(rows, "Payments received"); !reflect.DeepEqual(r, []string{"Payments received", "3", "5", "-2"}) {
			t.Errorf("payments received row = %v", r)
		}
		if r := findRow(rows, "Amount received"); len(r) < 4 || r[1] != "$400.00" || r[2] != "$1,000.00" || r[3] != "-$600.00" {
			t.Errorf("amount received row = %v", r)
		}
		if r := findRow(rows, "Short payment"); len(r) < 4 || r[1] != "1" || r[2] != "4" || r[3] != "-3" {
			t.Errorf("short payment row = %v", r)
		}
		emps := MustRows(t, f, report.SheetEmployers)
		if r := findRow(emps, "ACME PAYROLL"); len(r) < 8 || r[2] != "2" || r[3] != "$350.00" || r[7] != "1" {
			t.Errorf("ACME row = %v, want 2 payments, $350.00, 1 posted with warnings", r)
		}
		// Only posted payments count: GLOBEX's warned payment was not posted.
		if r := findRow(emps, "GLOBEX"); len(r) < 8 || r[7] != "0" {
			t.Errorf("GLOBEX row = %v, want 0 posted with warnings", r)
		}
		if r := findRow(rows, "Payments posted with warnings"); !reflect.DeepEqual(r, []string{"Payments posted with warnings", "1", "0", "+1"}) {
			t.Errorf("posted with warnings row = %v", r)
		}
		z, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		charts := 0
		for _, zf := range z.File {
			if strings.HasPrefix(zf.Name, "xl/charts/chart") {
				charts++
			}
		}
		if charts != 1 {
			t.Errorf("%d charts, want 1", charts)
		}
	})

	if tot.Received != (report.Tally{Count: 3, Amount: 40000}) || tot.Posted != (report.Tally{Count: 2, Amount: 35000}) ||
		tot.Held != (report.Tally{Count: 1, Amount: 5000}) ||
		tot.Returns != (report.Tally{Count: 1, Amount: 7000}) || len(tot.OpenExceptions) != 3 || tot.OpenExceptions[withholding.ExShortPayment] != 1 ||
		tot.PostedWithWarnings != 1 || !reflect.DeepEqual(tot.WarningsByEmployer, map[withholding.FEIN]int{fein1: 1}) {
		t.Errorf("totals = %+v", tot)
	}
	checkMasked(t, path)
}

func TestWriteOperations_Empty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.xlsx")
	if _, err := report.WriteOperations(path, report.OperationsInput{RunDate: day("2026-11-20")}); err != nil {
		t.Fatalf("WriteOperations with nothing: %v", err)
	}
	f := MustOpen(t, path)
	rows := MustRows(t, f, report.SheetExceptions)
	if len(rows) != 2 || rows[1][0] != "No open exceptions." {
		t.Errorf("empty exceptions sheet = %v", rows)
	}
	if r := findRow(MustRows(t, f, report.SheetSummary), "No previous night to compare with."); r == nil {
		t.Error("summary does not say there is no previous night")
	}
}

func TestWriteEmployerStatement(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.xlsx")
	in := report.StatementInput{
		Agency: "Test SDU", Contact: "555-0100",
		RunDate: day("2026-11-20"), From: day("2026-11-01"), To: day("2026-11-20"),
		Employer:   employers()[0],
		Orders:     orders(),
		Payments:   statementPayments(),
		Exceptions: exceptions(),
	}
	if err := report.WriteEmployerStatement(path, in); err != nil {
		t.Fatalf("WriteEmployerStatement: %v", err)
	}
	f := MustOpen(t, path)
	if got, want := f.GetSheetList(), []string{"Statement", "Orders", "Payments", "Action needed"}; !slices.Equal(got, want) {
		t.Errorf("sheets = %v, want %v", got, want)
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet = %d, want the statement (0)", f.GetActiveSheetIndex())
	}
	cover := MustRows(t, f, report.SheetStatement)
	if r := findRow(cover, "Amount received"); len(r) < 2 || r[1] != "$350.00" {
		t.Errorf("amount received = %v", r)
	}
	if r := findRow(cover, "Payments we could not apply"); len(r) < 2 || r[1] != "1" {
		t.Errorf("held = %v", r)
	}
	if r := findRow(cover, "Amount applied"); len(r) < 2 || r[1] != "$150.00" {
		t.Errorf("amount applied = %v", r)
	}
	ords := MustRows(t, f, report.SheetOrders)
	if len(ords) != 3 {
		t.Fatalf("orders rows = %d, want 3", len(ords))
	}
	// Sorted by employee: JONES before SMITH. $433.33 monthly is $200.00
	// biweekly. JONES's payment is held: nothing applied to her order.
	// SMITH's was posted by SSN though it carried JONES's remittance ID:
	// it counts on SMITH's row, and the Payments sheet says which ID to use.
	if ords[1][2] != "JONES, MARY" || ords[1][3] != "***-**-3333" || ords[1][6] != "$200.00" || ords[1][7] != "0" || ords[1][8] != "$0.00" {
		t.Errorf("JONES row = %v", ords[1])
	}
	if ords[2][2] != "SMITH, JOHN" || ords[2][7] != "1" || ords[2][8] != "$150.00" {
		t.Errorf("SMITH row = %v", ords[2])
	}
	pays := MustRows(t, f, report.SheetPayments)
	if len(pays) != 3 || pays[1][6] != "Applied to case CASE1 (matched by SSN)" || pays[1][7] != "R1" || pays[2][6] != "Held (SSN mismatch): see Action needed" {
		t.Errorf("payments rows = %v", pays)
	}
	// Warnings go back to the employer as format notes, masked.
	if notes := slices.Index(pays[0], "Format notes"); notes < 0 || len(pays[1]) <= notes ||
		pays[1][notes] != `DED: lower-case letters; DED08 FIPS: "***-**-2222" is not 5 or 7 characters; ignored for routing` ||
		len(pays[2]) > notes && pays[2][notes] != "" {
		t.Errorf("format notes column: header %v, rows %v / %v", pays[0], pays[1], pays[2])
	}
	if r := findRow(cover, "Payments with format notes"); len(r) < 2 || r[1] != "1" {
		t.Errorf("payments with format notes = %v", r)
	}
	acts := MustRows(t, f, report.SheetActions)
	// The medical change concerns only the agency (and is resolved); the
	// unidentified payment is another employer's... it is passed in, so
	// it shows: statements show what the caller selected.
	if len(acts) != 1+3 {
		t.Fatalf("action rows = %d, want header + 3: %v", len(acts), acts)
	}
	for _, r := range acts[1:] {
		if len(r) < 9 || r[8] == "" {
			t.Errorf("action row without what to do: %v", r)
		}
	}
	checkMasked(t, path)
}

func TestWriteEmployerStatement_ErrNoEmployer(t *testing.T) {
	err := report.WriteEmployerStatement(filepath.Join(t.TempDir(), "x.xlsx"), report.StatementInput{})
	if withholding.ErrorCode(err) != withholding.EINVALID {
		t.Errorf("no employer: err = %v, want invalid", err)
	}
}

func TestWriteExceptionsCSV(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteExceptionsCSV(&b, exceptions()); err != nil {
		t.Fatalf("WriteExceptionsCSV: %v", err)
	}
	for _, s := range ssns {
		if strings.Contains(b.String(), s.Digits()) {
			t.Errorf("CSV holds SSN %s in clear", s)
		}
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	if !slices.Equal(recs[0], report.CSVColumns) || len(recs) != 1+4 {
		t.Fatalf("csv header %v, %d records", recs[0], len(recs))
	}
	col := func(name string) int { return slices.Index(report.CSVColumns, name) }
	if r := recs[1]; r[col("ssn_last4")] != "2222" || r[col("amount")] != "150.00" || r[col("expected")] != "200.00" || r[col("payment_ids")] != "10" {
		t.Errorf("first record = %v", r)
	}
	if got := recs[2][col("suggested_action")]; !strings.HasPrefix(got, "'=") {
		t.Errorf("formula-looking cell not defused: %q", got)
	}
}

// statementPayments are two payments of employer fein1: one sent with
// JONES's remittance ID R2 but posted by SSN to SMITH's order, one held.
func statementPayments() []*withholding.Payment {
	ps := payments()[:2]
	ps[0].RemittanceID = "R2"
	ps[0].Posting.MatchedBy = "ssn" // R2 is JONES's: the SSN found SMITH's order
	ps[1].Posting = &withholding.Posting{PaymentID: 11, Status: withholding.PostingHeld, OrderRef: 2, CaseID: "CASE2",
		Reason: withholding.ExSSNMismatch, ExceptionKey: "ssn_mismatch|p11", RunDate: day("2026-11-20")}
	return ps
}
