package store_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

func readSample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/import/" + name)
	if err != nil {
		t.Fatalf("read sample: %v", err)
	}
	return string(b)
}

// mustImportSamples imports the shared sample employers and orders.
func mustImportSamples(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := db.ImportEmployers(ctx, "employers.csv", strings.NewReader(readSample(t, "employers.csv")), false); err != nil {
		t.Fatalf("import sample employers: %v", err)
	}
	if _, err := db.ImportOrders(ctx, "orders.csv", strings.NewReader(readSample(t, "orders.csv")), false); err != nil {
		t.Fatalf("import sample orders: %v", err)
	}
}

func testImportEmployers(t *testing.T, db *store.DB) {
	src := readSample(t, "employers.csv")
	res, err := db.ImportEmployers(ctx, "employers.csv", strings.NewReader(src), true)
	mustOK(t, err, "dry run")
	if res.Created != 5 {
		t.Errorf("dry run: %+v, want 5 created", res)
	}
	if _, n, _ := db.FindEmployers(ctx, withholding.EmployerFilter{}); n != 0 {
		t.Fatalf("dry run wrote %d employers", n)
	}
	res, err = db.ImportEmployers(ctx, "employers.csv", strings.NewReader(src), false)
	mustOK(t, err, "import")
	if res != (store.ImportResult{Created: 5}) {
		t.Errorf("import: %+v, want 5 created", res)
	}
	e, err := db.FindEmployerByFEIN(ctx, "480000404")
	mustOK(t, err, "find imported")
	want := withholding.Employer{FEIN: "480000404", Name: "Cottonwood Schools, USD 999",
		Address: withholding.Address{Line1: "15 Schoolhouse Ln", City: "Council Grove", State: "KS", ZIP: "66846"},
		Contact: withholding.Contact{Name: "Business Office", Phone: "6205550190"}, EIWO: true,
		PayFrequency: withholding.Monthly, PayAnchor: date("2026-01-30")}
	if *e != want {
		t.Errorf("imported employer:\n got %+v\nwant %+v", *e, want)
	}
	res, err = db.ImportEmployers(ctx, "employers.csv", strings.NewReader(src), false)
	mustOK(t, err, "re-import")
	if res != (store.ImportResult{Unchanged: 5}) {
		t.Errorf("re-import: %+v, want 5 unchanged", res)
	}
	changed := strings.Replace(src, "Flint Hills Trucking LLC", "Flint Hills Freight LLC", 1)
	res, err = db.ImportEmployers(ctx, "employers.csv", strings.NewReader(changed), false)
	mustOK(t, err, "import changed")
	if res != (store.ImportResult{Updated: 1, Unchanged: 4}) {
		t.Errorf("import changed: %+v, want 1 updated 4 unchanged", res)
	}

	const header = "fein,name,address_line1,city,state,zip,contact_phone,contact_email,eiwo,pay_frequency,pay_anchor\n"
	const good = "480000999,Acme,1 Main St,Topeka,KS,66603,785-555-0100,a@b.example,Y,weekly,2026-01-02\n"
	for _, tc := range []struct {
		name, csv, want string
	}{
		{"ErrFEIN", header + strings.Replace(good, "480000999", "48-000", 1), "e.csv:2: fein: \"48-000\": want 9 digits"},
		{"ErrNameRequired", header + strings.Replace(good, "Acme", "", 1), "e.csv:2: name: required"},
		{"ErrNameNotASCII", header + strings.Replace(good, "Acme", "Acmé", 1), "e.csv:2: name: \"Acmé\": an e-IWO carries only printable ASCII"},
		{"ErrNameStart", header + strings.Replace(good, "Acme", "(The) Acme", 1), "e.csv:2: name: \"(The) Acme\": must start with a letter or digit"},
		{"ErrNameNUL", header + strings.Replace(good, "Acme", "Ac\x00me", 1), "e.csv:2: name: contains control character U+0000"},
		{"ErrState", header + strings.Replace(good, ",KS,", ",Kansas,", 1), "e.csv:2: state: longer than 2 characters"},
		{"ErrZIP", header + strings.Replace(good, "66603", "6660", 1), "e.csv:2: zip: \"6660\": want 5 digits"},
		{"ErrPhone", header + strings.Replace(good, "785-555-0100", "555-0100", 1), "e.csv:2: contact_phone: \"555-0100\": want a 10-digit phone number"},
		{"ErrEmail", header + strings.Replace(good, "a@b.example", "payroll", 1), "e.csv:2: contact_email: \"payroll\" is not an email address"},
		{"ErrEIWO", header + strings.Replace(good, ",Y,", ",maybe,", 1), "e.csv:2: eiwo: \"maybe\": want Y or N"},
		{"ErrFrequency", header + strings.Replace(good, "weekly", "fortnightly", 1), "e.csv:2: pay_frequency: unknown frequency"},
		{"ErrAnchorAlone", header + strings.Replace(good, "weekly", "", 1), "e.csv:2: pay_anchor: pay_frequency and pay_anchor go together"},
		{"ErrDuplicate", header + good + good, "e.csv:3: fein: employer 480000999 already on line 2"},
		{"ErrUnknownColumn", strings.Replace(header, "eiwo", "eiwo_flag", 1) + good, "e.csv:1: eiwo_flag: unknown column"},
		{"ErrMissingColumn", strings.Replace(header, "zip,", "", 1) + strings.Replace(good, "66603,", "", 1), "e.csv:1: zip: required column missing"},
		{"ErrFieldCount", header + "480000999,Acme\n", "e.csv:2: (row): has 2 fields, the header has 11"},
		{"ErrEmpty", "", "e.csv:1: (header): file is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ImportEmployers(ctx, "e.csv", strings.NewReader(tc.csv), false)
			mustCode(t, err, withholding.EINVALID, tc.name)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error\n%v\nwant it to contain %q", tc.name, err, tc.want)
			}
			if _, err := db.FindEmployerByFEIN(ctx, "480000999"); withholding.ErrorCode(err) != withholding.ENOTFOUND {
				t.Errorf("%s: a rejected file wrote its good rows", tc.name)
			}
		})
	}
}

// testImportEmployersSpreadsheet imports what spreadsheets write: a byte
// order mark before a quoted header, an FEIN with its dash, and trailing
// rows of empty cells.
func testImportEmployersSpreadsheet(t *testing.T, db *store.DB) {
	src := "\ufeff\"fein\",\"name\",\"address_line1\",\"city\",\"state\",\"zip\"\r\n" +
		"48-0000999,Acme,1 Main St,Topeka,KS,66603\r\n" +
		",,,,,\r\n,,,,,\r\n"
	res, err := db.ImportEmployers(ctx, "e.csv", strings.NewReader(src), false)
	mustOK(t, err, "import")
	if res != (store.ImportResult{Created: 1}) {
		t.Errorf("import: %+v, want 1 created", res)
	}
	if _, err := db.FindEmployerByFEIN(ctx, "480000999"); err != nil {
		t.Errorf("the FEIN 48-0000999 is not stored as 480000999: %v", err)
	}
}

func testImportOrders(t *testing.T, db *store.DB) {
	mustImportSamples(t, db)
	orders, n, err := db.FindOrders(ctx, withholding.OrderFilter{})
	mustOK(t, err, "find")
	if n != 6 {
		t.Fatalf("imported %d orders, want 6", n)
	}
	for _, o := range orders {
		if o.Status != withholding.StatusPending || o.PendingAction != withholding.ActionOriginal {
			t.Errorf("order %s: status %q pending %q, want pending ORG", o.CaseID, o.Status, o.PendingAction)
		}
	}
	o := orders[0]
	want := withholding.Order{
		ID: o.ID, CaseID: "KS0000000100001", OrderID: "SN2019DM000417", RemittanceID: "KS0000000100001", EmployerFEIN: "480000101",
		Obligor:      withholding.Person{Last: "HALVERSON", First: "MARCUS", Middle: "J", SSN: "078051121", BirthDate: date("1984-03-17")},
		Obligee:      withholding.Person{Last: "HALVERSON", First: "BRIANNA"},
		Children:     []withholding.Person{{Last: "HALVERSON", First: "TESSA", BirthDate: date("2014-08-02")}, {Last: "HALVERSON", First: "OWEN", BirthDate: date("2017-11-23")}},
		IssuingState: "KANSAS", IssuingJurisdiction: "SALINE", IssuingTribunal: "DISTRICT COURT", PayeeFIPS: "2000003",
		Amounts: withholding.Amounts{
			CurrentSupport: withholding.Obligation{Amount: 41200, Frequency: withholding.Monthly},
			PastDueSupport: withholding.Obligation{Amount: 5000, Frequency: withholding.Monthly},
			CurrentMedical: withholding.Obligation{Amount: 3500, Frequency: withholding.Monthly},
		},
		ArrearsOver12Weeks: true, StartDate: date("2026-01-01"),
		Status: withholding.StatusPending, PendingAction: withholding.ActionOriginal,
	}
	if !reflect.DeepEqual(o, &want) {
		t.Errorf("imported order:\n got %+v\nwant %+v", o, &want)
	}
	res, err := db.ImportOrders(ctx, "orders.csv", strings.NewReader(readSample(t, "orders.csv")), false)
	mustOK(t, err, "re-import")
	if res != (store.ImportResult{Unchanged: 6}) {
		t.Errorf("re-import of the same file: %+v, want 6 unchanged", res)
	}
}

// ordersHeader and goodOrder make small orders files for the bad-row table.
const ordersHeader = "case_id,order_id,employer_fein,obligor_last,obligor_first,obligor_ssn,children,issuing_state,payee_fips,current_support,current_support_freq,other,other_freq,other_reason,arrears_over_12_weeks,start_date,end_date\n"
const goodOrder = "KS1,ORD1,480000101,DOE,JOHN,078-11-2222,DOE|AMY|2015-06-01,KANSAS,2000003,412.00,monthly,,,,N,2026-01-01,\n"

func testImportOrdersBadRows(t *testing.T, db *store.DB) {
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("480000101")), "employer")
	for _, tc := range []struct {
		name, csv, want string
	}{
		{"ErrCaseIDRequired", ordersHeader + strings.Replace(goodOrder, "KS1,", ",", 1), "o.csv:2: case_id: required"},
		{"ErrCaseIDTooLong", ordersHeader + strings.Replace(goodOrder, "KS1,", "KS1234567890123456,", 1), "o.csv:2: case_id: longer than 15 characters"},
		{"ErrCaseIDAsterisk", ordersHeader + strings.Replace(goodOrder, "KS1,", "KS*1,", 1), "o.csv:2: case_id: \"KS*1\": must not contain \\ or *"},
		{"ErrFEIN", ordersHeader + strings.Replace(goodOrder, "480000101", "48000010", 1), "o.csv:2: employer_fein: \"48000010\": want 9 digits"},
		{"ErrSSN", ordersHeader + strings.Replace(goodOrder, "078-11-2222", "078-11-222", 1), "o.csv:2: obligor_ssn: want 9 digits (dashes allowed)"},
		{"ErrSSNArea000", ordersHeader + strings.Replace(goodOrder, "078-11-2222", "000-11-2222", 1), "o.csv:2: obligor_ssn: not an SSN: the SSA never assigns area numbers"},
		{"ErrSSNAllZero", ordersHeader + strings.Replace(goodOrder, "078-11-2222", "000-00-0000", 1), "o.csv:2: obligor_ssn: not an SSN"},
		{"ErrSSNArea666", ordersHeader + strings.Replace(goodOrder, "078-11-2222", "666-11-2222", 1), "o.csv:2: obligor_ssn: not an SSN: the SSA never assigns area numbers"},
		{"ErrSSNGroup00", ordersHeader + strings.Replace(goodOrder, "078-11-2222", "078-00-2222", 1), "o.csv:2: obligor_ssn: not an SSN: the SSA never assigns group number"},
		{"ErrSSNSerial0000", ordersHeader + strings.Replace(goodOrder, "078-11-2222", "078-11-0000", 1), "o.csv:2: obligor_ssn: not an SSN: the SSA never assigns serial number"},
		{"ErrNameNUL", ordersHeader + strings.Replace(goodOrder, "DOE,JOHN", "DO\x00E,JOHN", 1), "o.csv:2: obligor_last: contains control character U+0000"},
		{"ErrNameInvalidUTF8", ordersHeader + strings.Replace(goodOrder, "DOE,JOHN", "DO\xe9,JOHN", 1), "o.csv:2: obligor_last: not valid UTF-8 text"},
		{"ErrNameNotASCII", ordersHeader + strings.Replace(goodOrder, "DOE,JOHN", "DOÉ,JOHN", 1), "o.csv:2: obligor_last: \"DOÉ\": an e-IWO carries only printable ASCII"},
		{"ErrChildNotASCII", ordersHeader + strings.Replace(goodOrder, "DOE|AMY", "DOE|AMÝ", 1), "o.csv:2: children: child 1 \"DOE|AMÝ|2015-06-01\": an e-IWO carries only printable ASCII"},
		{"ErrStartDate", ordersHeader + strings.Replace(goodOrder, "2026-01-01", "2026-02-30", 1), "o.csv:2: start_date: \"2026-02-30\" is not a date; want YYYY-MM-DD"},
		{"ErrEndBeforeStart", ordersHeader + strings.Replace(goodOrder, "2026-01-01,", "2026-01-01,2025-12-31", 1), "o.csv:2: end_date: 2025-12-31 is before start_date 2026-01-01"},
		{"ErrAmount", ordersHeader + strings.Replace(goodOrder, "412.00", "412.005", 1), "o.csv:2: current_support: amount \"412.005\": want at most two decimals"},
		{"ErrAmountNegative", ordersHeader + strings.Replace(goodOrder, "412.00", "-412.00", 1), "o.csv:2: current_support: \"-412.00\": must not be negative"},
		{"ErrFrequencyMissing", ordersHeader + strings.Replace(goodOrder, ",monthly,", ",,", 1), "o.csv:2: current_support_freq: required when current_support is given"},
		{"ErrFrequencyUnknown", ordersHeader + strings.Replace(goodOrder, ",monthly,", ",fortnightly,", 1), "o.csv:2: current_support_freq: unknown frequency \"fortnightly\""},
		{"ErrFrequencyAlone", ordersHeader + strings.Replace(goodOrder, ",,,,N", ",,weekly,,N", 1), "o.csv:2: other: required when other_freq is given"},
		{"ErrOtherReason", ordersHeader + strings.Replace(goodOrder, ",,,,N", ",10.00,weekly,,N", 1), "o.csv:2: other_reason: required when other is given"},
		{"ErrNoAmount", ordersHeader + strings.Replace(goodOrder, "412.00,monthly", ",", 1), "o.csv:2: current_support: the row orders no amount"},
		{"ErrChildren", ordersHeader + strings.Replace(goodOrder, "DOE|AMY|2015-06-01", "DOE AMY", 1), "o.csv:2: children: child 1 \"DOE AMY\": want Last|First|YYYY-MM-DD"},
		{"ErrChildBirthDate", ordersHeader + strings.Replace(goodOrder, "2015-06-01", "2015-13-01", 1), "o.csv:2: children: child 1 birth date \"2015-13-01\""},
		{"ErrFIPS", ordersHeader + strings.Replace(goodOrder, "2000003", "20000", 1), "o.csv:2: payee_fips: \"20000\": want 7 digits"},
		{"ErrArrearsFlag", ordersHeader + strings.Replace(goodOrder, ",N,", ",maybe,", 1), "o.csv:2: arrears_over_12_weeks: \"maybe\": want Y or N"},
		{"ErrDuplicateOrder", ordersHeader + goodOrder + goodOrder, "o.csv:3: order_id: order KS1/ORD1 already on line 2"},
		{"ErrFieldCount", ordersHeader + "KS1,ORD1\n", "o.csv:2: (row): has 2 fields, the header has 17"},
		{"ErrBareQuote", ordersHeader + strings.Replace(goodOrder, "DOE,JOHN", "DO\"E,JOHN", 1), "o.csv:2: (row): bare \" in non-quoted-field"},
		{"ErrMissingColumn", strings.Replace(ordersHeader, "payee_fips,", "", 1) + strings.Replace(goodOrder, "2000003,", "", 1), "o.csv:1: payee_fips: required column missing"},
		{"ErrUnknownEmployer", ordersHeader + strings.Replace(goodOrder, "480000101", "480000999", 1), "o.csv:2: employer_fein: no employer 480000999; import employers first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(tc.csv), false)
			mustCode(t, err, withholding.EINVALID, tc.name)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error\n%v\nwant it to contain %q", tc.name, err, tc.want)
			}
			if strings.Contains(err.Error(), "078-11-222") || strings.Contains(err.Error(), "07811222") {
				t.Errorf("%s: error shows an SSN: %v", tc.name, err)
			}
			if _, n, _ := db.FindOrders(ctx, withholding.OrderFilter{}); n != 0 {
				t.Errorf("%s: a rejected file wrote %d orders", tc.name, n)
			}
		})
	}

	// Every bad row is listed, in line order, and the good rows are not
	// imported either.
	src := ordersHeader + goodOrder +
		strings.Replace(strings.Replace(goodOrder, "ORD1", "ORD2", 1), "480000101", "x", 1) +
		strings.Replace(goodOrder, "ORD1", "ORD3", 1) +
		strings.Replace(strings.Replace(goodOrder, "ORD1", "ORD4", 1), "2026-01-01", "soon", 1)
	_, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(src), false)
	var ie *store.ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("mixed file: got %v, want *store.ImportErrors", err)
	}
	var lines []int
	for _, e := range ie.Errs {
		lines = append(lines, e.Line)
	}
	if len(ie.Errs) != 2 || lines[0] != 3 || lines[1] != 5 {
		t.Errorf("mixed file: problems on lines %v, want [3 5]:\n%v", lines, err)
	}
	if _, n, _ := db.FindOrders(ctx, withholding.OrderFilter{}); n != 0 {
		t.Errorf("mixed file wrote %d orders", n)
	}
}

func testImportOrdersReimport(t *testing.T, db *store.DB) {
	mustImportSamples(t, db)
	src := readSample(t, "orders.csv")
	byCase := func(c string) *withholding.Order {
		t.Helper()
		id := withholding.CaseID(c)
		list, _, err := db.FindOrders(ctx, withholding.OrderFilter{CaseID: &id})
		if err != nil || len(list) != 1 {
			t.Fatalf("find %s: %v (%d)", c, err, len(list))
		}
		return list[0]
	}
	// The IWOs for orders 1, 3 and 5 went out and were accepted; 2, 4 and 6
	// were never sent.
	out := &withholding.File{Direction: withholding.Outbound, Kind: withholding.KindIWOFile, RemoteName: "iwo.txt", SHA256: sumOf("iwo.txt")}
	mustOK(t, db.CreateFile(ctx, out), "outbound file")
	var docs []*withholding.Document
	for i, c := range []string{"KS0000000100001", "KS0000000100003", "KS0000000100005"} {
		o := byCase(c)
		docs = append(docs, &withholding.Document{TrackingID: withholding.TrackingID("2000000000000000000000000000" + string(rune('1'+i))), OrderRef: o.ID, CaseID: o.CaseID, FEIN: o.EmployerFEIN, Action: withholding.ActionOriginal})
	}
	mustOK(t, db.RecordSent(ctx, out.ID, slices.Values(docs)), "record sent")
	accepted := withholding.StatusAccepted
	for _, doc := range docs {
		_, err := db.UpdateOrder(ctx, doc.OrderRef, withholding.OrderUpdate{Status: &accepted})
		mustOK(t, err, "accept")
	}

	lines := strings.Split(src, "\n")
	// 1 (sent): amount change → AMD.  3 (sent): end date → TRM.
	// 2 (never sent): amount change → still ORG, counted amended.
	// 4 (never sent): end date → terminated, nothing to send.
	// A new order → ORG.  5 and 6 unchanged.
	lines[1] = strings.Replace(lines[1], "412.00,monthly", "450.00,monthly", 1)
	lines[2] = strings.Replace(lines[2], "276.92,biweekly", "300.00,biweekly", 1)
	lines[3] = strings.TrimSuffix(lines[3], ",") + ",2026-12-31"
	lines[4] = strings.TrimSuffix(lines[4], ",") + ",2026-06-30"
	newOrder := strings.NewReplacer("KS0000000100006", "KS0000000100007", "JO2023DM000777", "JO2024DM000012").Replace(lines[6])
	changed := strings.Join(append(lines[:len(lines)-1], newOrder, ""), "\n")

	res, err := db.ImportOrders(ctx, "orders.csv", strings.NewReader(changed), true)
	mustOK(t, err, "dry run")
	want := store.ImportResult{Created: 1, Amended: 2, Terminated: 2, Unchanged: 2}
	if res != want {
		t.Errorf("dry run: %+v, want %+v", res, want)
	}
	if o := byCase("KS0000000100001"); o.PendingAction != "" {
		t.Fatalf("dry run changed order 1: pending %q", o.PendingAction)
	}
	res, err = db.ImportOrders(ctx, "orders.csv", strings.NewReader(changed), false)
	mustOK(t, err, "re-import")
	if res != want {
		t.Errorf("re-import: %+v, want %+v", res, want)
	}
	for _, tc := range []struct {
		caseID  string
		status  withholding.OrderStatus
		pending withholding.Action
	}{
		{"KS0000000100001", withholding.StatusAccepted, withholding.ActionAmend},
		{"KS0000000100002", withholding.StatusPending, withholding.ActionOriginal},
		{"KS0000000100003", withholding.StatusAccepted, withholding.ActionTerminate},
		{"KS0000000100004", withholding.StatusTerminated, ""},
		{"KS0000000100005", withholding.StatusAccepted, ""},
		{"KS0000000100006", withholding.StatusPending, withholding.ActionOriginal},
		{"KS0000000100007", withholding.StatusPending, withholding.ActionOriginal},
	} {
		o := byCase(tc.caseID)
		if o.Status != tc.status || o.PendingAction != tc.pending {
			t.Errorf("order %s after re-import: status %q pending %q, want %q %q", tc.caseID, o.Status, o.PendingAction, tc.status, tc.pending)
		}
	}
	if o := byCase("KS0000000100001"); o.Amounts.CurrentSupport.Amount != 45000 || o.TrackingID != docs[0].TrackingID {
		t.Errorf("amended order: amount %v tracking %q", o.Amounts.CurrentSupport.Amount, o.TrackingID)
	}
	if o := byCase("KS0000000100003"); o.EndDate != date("2026-12-31") {
		t.Errorf("terminated order: end date %v", o.EndDate)
	}
	res, err = db.ImportOrders(ctx, "orders.csv", strings.NewReader(changed), false)
	mustOK(t, err, "import again")
	if res != (store.ImportResult{Unchanged: 7}) {
		t.Errorf("importing the same file again: %+v, want 7 unchanged", res)
	}
}

func testImportOrdersChecksDatabase(t *testing.T, db *store.DB) {
	mustImportSamples(t, db)
	lines := strings.Split(readSample(t, "orders.csv"), "\n")
	for _, tc := range []struct {
		name, row, want string
	}{
		{"ErrEmployerChanged", strings.Replace(lines[1], "480000101", "480000202", 1), "o.csv:2: employer_fein: order KS0000000100001/SN2019DM000417 is with employer 480000101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(lines[0]+"\n"+tc.row+"\n"), false)
			mustCode(t, err, withholding.EINVALID, tc.name)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error\n%v\nwant it to contain %q", tc.name, err, tc.want)
			}
		})
	}
	// Rows are written as they are read, in one transaction: a conflict
	// after good rows (new and amended orders) rolls them back. As a file
	// and as a reader that cannot seek.
	newRow := strings.Replace(lines[2], "SG2021DM001123", "SG2021DM009999", 1)
	amended := strings.Replace(lines[3], "95.00,weekly", "99.00,weekly", 1)
	conflict := strings.Replace(lines[4], "480000404", "480000101", 1)
	src := lines[0] + "\n" + newRow + "\n" + amended + "\n" + conflict + "\n"
	for _, r := range []io.Reader{strings.NewReader(src), struct{ io.Reader }{strings.NewReader(src)}} {
		_, err := db.ImportOrders(ctx, "o.csv", r, false)
		mustCode(t, err, withholding.EINVALID, "conflict after good rows")
		if !strings.Contains(err.Error(), "o.csv:4: employer_fein: order KS0000000100004/MR2022DM000310 is with employer 480000404") {
			t.Errorf("conflict after good rows (%T): %v", r, err)
		}
		if os, _, _ := db.FindOrders(ctx, withholding.OrderFilter{}); len(os) != 6 {
			t.Errorf("conflict after good rows (%T): %d orders stored, want the 6 samples", r, len(os))
		}
		caseID := withholding.CaseID("KS0000000100003")
		o, _, _ := db.FindOrders(ctx, withholding.OrderFilter{CaseID: &caseID})
		if len(o) != 1 || o[0].Amounts.CurrentSupport.Amount != 9500 || o[0].PendingAction != withholding.ActionOriginal {
			t.Errorf("conflict after good rows (%T): amended order was written: %+v", r, o)
		}
	}

	// A file with a bad row lists the problems of its rows alone, not a
	// conflict with a stored order before them.
	bad := strings.Replace(lines[5], "2026-", "2026-13-", 1)
	_, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(lines[0]+"\n"+conflict+"\n"+newRow+"\n"+bad+"\n"), false)
	var ie *store.ImportErrors
	if !errors.As(err, &ie) || len(ie.Errs) != 1 || ie.Errs[0].Line != 4 {
		t.Fatalf("conflict, then a bad row: %v, want the bad row's problem alone, on line 4", err)
	}
	if os, _, _ := db.FindOrders(ctx, withholding.OrderFilter{}); len(os) != 6 {
		t.Errorf("conflict, then a bad row: %d orders stored, want the 6 samples", len(os))
	}

	// An end date cannot be removed once set.
	ended := strings.TrimSuffix(lines[1], ",") + ",2026-12-31"
	_, err = db.ImportOrders(ctx, "o.csv", strings.NewReader(lines[0]+"\n"+ended+"\n"), false)
	mustOK(t, err, "set end date")
	_, err = db.ImportOrders(ctx, "o.csv", strings.NewReader(lines[0]+"\n"+lines[1]+"\n"), false)
	mustCode(t, err, withholding.EINVALID, "clear end date")
	if !strings.Contains(err.Error(), "o.csv:2: end_date: order KS0000000100001/SN2019DM000417 ended on 2026-12-31; the end date cannot be removed") {
		t.Errorf("clear end date: %v", err)
	}
}

// batchOrders makes an orders file of the rows from to to-1: two orders a
// case (the store looks rows up by case), at employer 480000101 unless
// row says otherwise; row returns the amount, employer and end date of
// row i.
func batchOrders(from, to int, row func(i int) (amount, fein, end string)) string {
	var b strings.Builder
	b.WriteString(ordersHeader)
	for i := from; i < to; i++ {
		amount, fein, end := row(i)
		fmt.Fprintf(&b, "KS%d,ORD%d,%s,DOE,JOHN,078-11-2222,DOE|AMY|2015-06-01,KANSAS,2000003,%s,monthly,,,,N,2026-01-01,%s\n", i/2, i, fein, amount, end)
	}
	return b.String()
}

// testImportOrdersBatches imports files of more rows than the store
// looks up and writes at once: new, amended, ended and unchanged orders
// spread over every batch are counted and stored as row by row, and a
// conflict in a late batch rolls back the rows of the batches before it.
// Each file goes in both as a file and as a plain reader (no Seek).
func testImportOrdersBatches(t *testing.T, db *store.DB) {
	for _, fein := range []string{"480000101", "480000202"} {
		mustOK(t, db.UpsertEmployer(ctx, sampleEmployer(fein)), "employer")
	}
	const n = 1234
	plain := func(int) (string, string, string) { return "412.00", "480000101", "" }
	res, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(batchOrders(0, n, plain)), false)
	mustOK(t, err, "first import")
	if res != (store.ImportResult{Created: n}) {
		t.Fatalf("first import: %+v, want %d created", res, n)
	}
	if _, count, _ := db.FindOrders(ctx, withholding.OrderFilter{}); count != n {
		t.Fatalf("first import stored %d orders, want %d", count, n)
	}

	// Every third row amended, every fifth (not third) ended, 100 new rows.
	changed := func(i int) (string, string, string) {
		switch {
		case i%3 == 0:
			return "450.00", "480000101", ""
		case i%5 == 0:
			return "412.00", "480000101", "2026-12-31"
		}
		return plain(i)
	}
	var want store.ImportResult
	for i := range n + 100 {
		switch {
		case i >= n:
			want.Created++
		case i%3 == 0:
			want.Amended++
		case i%5 == 0:
			want.Terminated++
		default:
			want.Unchanged++
		}
	}
	src := batchOrders(0, n+100, changed)
	res, err = db.ImportOrders(ctx, "o.csv", struct{ io.Reader }{strings.NewReader(src)}, true)
	mustOK(t, err, "dry run")
	if res != want {
		t.Errorf("dry run: %+v, want %+v", res, want)
	}

	// A conflict in the last batch, after changed rows in every batch:
	// nothing is written, and the problem names its line.
	conflict := func(i int) (string, string, string) {
		if i == n-4 {
			return "412.00", "480000202", ""
		}
		return changed(i)
	}
	for _, r := range []io.Reader{strings.NewReader(batchOrders(0, n+100, conflict)), struct{ io.Reader }{strings.NewReader(batchOrders(0, n+100, conflict))}} {
		_, err = db.ImportOrders(ctx, "o.csv", r, false)
		var ie *store.ImportErrors
		if !errors.As(err, &ie) || len(ie.Errs) != 1 || ie.Errs[0].Line != n-4+2 || ie.Errs[0].Column != "employer_fein" {
			t.Fatalf("conflict in the last batch (%T): %v, want one problem, employer_fein on line %d", r, err, n-4+2)
		}
		mustCode(t, err, withholding.EINVALID, "conflict in the last batch")
		if _, count, _ := db.FindOrders(ctx, withholding.OrderFilter{}); count != n {
			t.Fatalf("conflict in the last batch (%T): %d orders stored, want %d", r, count, n)
		}
		caseID := withholding.CaseID("KS0")
		if os, _, _ := db.FindOrders(ctx, withholding.OrderFilter{CaseID: &caseID}); len(os) != 2 || os[0].Amounts.CurrentSupport.Amount != 41200 {
			t.Fatalf("conflict in the last batch (%T): order KS0/ORD0 was amended", r)
		}
	}

	res, err = db.ImportOrders(ctx, "o.csv", strings.NewReader(src), false)
	mustOK(t, err, "re-import")
	if res != want {
		t.Errorf("re-import: %+v, want %+v", res, want)
	}
	orders, count, err := db.FindOrders(ctx, withholding.OrderFilter{})
	mustOK(t, err, "find")
	if count != n+100 {
		t.Fatalf("re-import stored %d orders, want %d", count, n+100)
	}
	for _, o := range orders {
		var i int
		if _, err := fmt.Sscanf(string(o.OrderID), "ORD%d", &i); err != nil {
			t.Fatalf("order ID %q: %v", o.OrderID, err)
		}
		amount, _, end := changed(i)
		wantStatus, wantPending := withholding.StatusPending, withholding.ActionOriginal
		if end != "" && i < n { // a new order with an end date still needs its ORG
			wantStatus, wantPending = withholding.StatusTerminated, ""
		}
		if got := o.Amounts.CurrentSupport.Amount.String(); got != amount || o.Status != wantStatus || o.PendingAction != wantPending || o.CaseID != withholding.CaseID(fmt.Sprintf("KS%d", i/2)) {
			t.Fatalf("order %s/%s: amount %s status %q pending %q, want %s %q %q", o.CaseID, o.OrderID, got, o.Status, o.PendingAction, amount, wantStatus, wantPending)
		}
	}
	res, err = db.ImportOrders(ctx, "o.csv", struct{ io.Reader }{strings.NewReader(src)}, false)
	mustOK(t, err, "import again")
	if res != (store.ImportResult{Unchanged: n + 100}) {
		t.Errorf("importing the same file again (one pass): %+v, want %d unchanged", res, n+100)
	}
}
