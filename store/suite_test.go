package store_test

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// opener opens a fresh, empty, migrated store for one test.
type opener func(tb testing.TB) *store.DB

// runSuite runs the store test suite against the backend open gives. The
// SQLite unit tests and the PostgreSQL integration tests both call it.
func runSuite(t *testing.T, open opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, *store.DB)
	}{
		{"Employers", testEmployers},
		{"Orders", testOrders},
		{"EachOrder", testEachOrder},
		{"OrderPerPay", testOrderPerPay},
		{"BriefListingText", testBriefListingText},
		{"PackedPayments", testPackedPayments},
		{"PackedListings", testPackedListings},
		{"Files", testFiles},
		{"FileSearch", testFileSearch},
		{"SumPayments", testSumPayments},
		{"ApplyPayments", testApplyPayments},
		{"ApplyPaymentsFailureCommitsNothing", testApplyPaymentsFailure},
		{"ApplyPaymentsCancelledCommitsNothing", testApplyPaymentsCancelled},
		{"ApplyPaymentsManyBatches", testApplyPaymentsManyBatches},
		{"ApplyPaymentsFileSizes", testApplyPaymentsFileSizes},
		{"FileSum", testFileSum},
		{"RecordSentAndApplyAcknowledgments", testRecordSentAndAcks},
		{"RecordSentManyBatches", testRecordSentManyBatches},
		{"DocumentsNewestFirst", testDocumentsNewestFirst},
		{"EmployersWithIWOs", testEmployersWithIWOs},
		{"ApplyAcknowledgmentsFailureCommitsNothing", testApplyAcksFailure},
		{"ControlNumberAppliedOncePerSender", testControlNumbers},
		{"ControlNumberRace", testControlNumberRace},
		{"SentControlNumbers", testSentControlNumbers},
		{"Exceptions", testExceptions},
		{"EachException", testEachException},
		{"ExceptionsManyBatches", testExceptionsManyBatches},
		{"ExceptionQueue", testExceptionQueue},
		{"Search", testSearch},
		{"ResolveQuarantine", testResolveQuarantine},
		{"Postings", testPostings},
		{"PostingsFailureCommitsNothing", testPostingsFailure},
		{"Books", testBooks},
		{"JobRuns", testJobRuns},
		{"MarkJobRunsKilled", testMarkJobRunsKilled},
		{"TryLock", testTryLock},
		{"ImportEmployers", testImportEmployers},
		{"ImportEmployersSpreadsheet", testImportEmployersSpreadsheet},
		{"ImportOrders", testImportOrders},
		{"ImportOrdersBadRows", testImportOrdersBadRows},
		{"ImportOrdersReimport", testImportOrdersReimport},
		{"ImportOrdersPerPay", testImportOrdersPerPay},
		{"ImportOrdersChecksDatabase", testImportOrdersChecksDatabase},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"APITokens", testAPITokens},
		{"Audit", testAudit},
		{"ImportOrdersBatches", testImportOrdersBatches},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

func mustCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := withholding.ErrorCode(err); got != code {
		t.Fatalf("%s: error kind %q (%v), want %q", what, got, err, code)
	}
}

func mustOK(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func date(s string) withholding.Date {
	d, err := withholding.ParseDate("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func sampleEmployer(fein string) *withholding.Employer {
	return &withholding.Employer{
		FEIN: withholding.FEIN(fein), Name: "Prairie Mills Inc " + fein,
		Address: withholding.Address{Line1: "100 Grain Elevator Rd", City: "Topeka", State: "KS", ZIP: "66603", ZIP4: "1234"},
		Contact: withholding.Contact{Name: "Payroll Desk", Phone: "7855550100", Email: "payroll@example.com"},
		EIWO:    true, Partner: "prairie", PayFrequency: withholding.Biweekly, PayAnchor: date("2026-01-09"),
	}
}

func sampleOrder(caseID string, fein string) *withholding.Order {
	return &withholding.Order{
		CaseID: withholding.CaseID(caseID), OrderID: "ORD-" + withholding.OrderID(caseID), RemittanceID: withholding.RemittanceID(caseID),
		EmployerFEIN: withholding.FEIN(fein),
		Obligor:      withholding.Person{Last: "Doe", First: "John", Middle: "Q", SSN: "900112222", BirthDate: date("1985-04-12")},
		Obligee:      withholding.Person{Last: "Roe", First: "Jane"},
		Children:     []withholding.Person{{Last: "Doe", First: "Amy", BirthDate: date("2015-06-01")}},
		IssuingState: "KANSAS", IssuingJurisdiction: "SHAWNEE", IssuingTribunal: "DISTRICT COURT", PayeeFIPS: "2000003",
		Amounts: withholding.Amounts{
			CurrentSupport: withholding.Obligation{Amount: 41200, Frequency: withholding.Monthly},
			PastDueSupport: withholding.Obligation{Amount: 5000, Frequency: withholding.Monthly},
			OtherReason:    "",
		},
		ArrearsOver12Weeks: true,
		StartDate:          date("2026-01-01"),
		Status:             withholding.StatusPending,
		PendingAction:      withholding.ActionOriginal,
	}
}

// sumOf returns the SHA-256 (hex) of s.
func sumOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// mustFile records an inbound file whose SHA-256 is derived from name.
func mustFile(t *testing.T, db *store.DB, name string, kind withholding.FileKind) *withholding.File {
	t.Helper()
	f := &withholding.File{Direction: withholding.Inbound, Partner: "sdu", Kind: kind, RemoteName: name,
		LocalPath: "/var/lib/iwo/in/" + name, Size: 1234, SHA256: sumOf(name)}
	mustOK(t, db.CreateFile(ctx, f), "create file "+name)
	return f
}

func samplePayment(i int) *withholding.Payment {
	return &withholding.Payment{
		Line: 3 + 2*i, Batch: 1, Trace: withholding.TraceNumber(fmt.Sprintf("0910000%08d", i)), SEC: "CCD",
		TransactionCode: 22, CompanyID: "1480123456", CompanyName: "PRAIRIE MILLS", EffectiveDate: date("2026-11-20"),
		EntryAmount: withholding.Cents(20000 + i), Credited: withholding.Cents(20000 + i), ApplicationID: "CS", RemittanceID: withholding.RemittanceID("KS" + strconv.Itoa(i%1000)),
		PayDate: date("2026-11-19"), Amount: withholding.Cents(20000 + i), SSN: "900112222", Medical: "N", Name: "DOE",
		FIPS: "2000003", Kind: withholding.KindPayment, Raw: "DED*CS*KS1*261119*20000*900112222*N*DOE*2000003\\",
		FEIN: "480123456",
	}
}

// payments yields n sample payments, then err if not nil.
func payments(n int, err error) iter.Seq2[*withholding.Payment, error] {
	return func(yield func(*withholding.Payment, error) bool) {
		for i := range n {
			if !yield(samplePayment(i), nil) {
				return
			}
		}
		if err != nil {
			yield(nil, err)
		}
	}
}

// seqOf yields ps, as ApplyPayments reads them.
func seqOf(ps ...*withholding.Payment) iter.Seq2[*withholding.Payment, error] {
	return func(yield func(*withholding.Payment, error) bool) {
		for _, p := range ps {
			if !yield(p, nil) {
				return
			}
		}
	}
}

func testEmployers(t *testing.T, db *store.DB) {
	e := sampleEmployer("480123456")
	mustOK(t, db.UpsertEmployer(ctx, e), "upsert")
	got, err := db.FindEmployerByFEIN(ctx, e.FEIN)
	mustOK(t, err, "find")
	if !reflect.DeepEqual(got, e) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, e)
	}
	e.Name, e.EIWO, e.PayAnchor = "Prairie Mills LLC", false, withholding.Date{}
	e.PayFrequency = ""
	mustOK(t, db.UpsertEmployer(ctx, e), "replace")
	got, _ = db.FindEmployerByFEIN(ctx, e.FEIN)
	if !reflect.DeepEqual(got, e) {
		t.Errorf("replace:\n got %+v\nwant %+v", got, e)
	}
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("910000001")), "second")

	for _, tc := range []struct {
		filter withholding.EmployerFilter
		want   int
	}{
		{withholding.EmployerFilter{}, 2},
		{withholding.EmployerFilter{Query: "llc"}, 1},
		{withholding.EmployerFilter{Query: "910000001"}, 1},
		{withholding.EmployerFilter{Query: "100%"}, 0},
		{withholding.EmployerFilter{Limit: 1}, 2},
	} {
		list, n, err := db.FindEmployers(ctx, tc.filter)
		mustOK(t, err, fmt.Sprintf("find %+v", tc.filter))
		if n != tc.want {
			t.Errorf("find %+v: total %d, want %d", tc.filter, n, tc.want)
		}
		if tc.filter.Limit > 0 && len(list) != tc.filter.Limit {
			t.Errorf("find %+v: %d rows, want %d", tc.filter, len(list), tc.filter.Limit)
		}
	}
	_, err = db.FindEmployerByFEIN(ctx, "000000000")
	mustCode(t, err, withholding.ENOTFOUND, "find missing")
	mustCode(t, db.UpsertEmployer(ctx, &withholding.Employer{FEIN: "12-345"}), withholding.EINVALID, "bad FEIN")
}

func testOrders(t *testing.T, db *store.DB) {
	o := sampleOrder("KS0001", "480123456")
	mustOK(t, db.CreateOrder(ctx, o), "create")
	if o.ID == 0 {
		t.Fatal("create did not set ID")
	}
	got, err := db.FindOrderByID(ctx, o.ID)
	mustOK(t, err, "find")
	if !reflect.DeepEqual(got, o) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, o)
	}
	mustCode(t, db.CreateOrder(ctx, sampleOrder("KS0001", "480123456")), withholding.ECONFLICT, "duplicate")
	mustCode(t, db.CreateOrder(ctx, sampleOrder("", "480123456")), withholding.EINVALID, "no case ID")

	o2 := sampleOrder("KS0002", "910000001")
	o2.Obligor.SSN = "900334444"
	o2.PendingAction = ""
	o2.Status = withholding.StatusAccepted
	o2.Children = nil
	mustOK(t, db.CreateOrder(ctx, o2), "create second")

	sent, tracking, reason := withholding.StatusRejected, withholding.TrackingID("200000000000000000000000000001"), "N02"
	upd, err := db.UpdateOrder(ctx, o.ID, withholding.OrderUpdate{Status: &sent, TrackingID: &tracking, RejectReason: &reason})
	mustOK(t, err, "update")
	if upd.Status != sent || upd.TrackingID != tracking || upd.RejectReason != reason || upd.PendingAction != withholding.ActionOriginal {
		t.Errorf("update: got %+v", upd)
	}
	_, err = db.UpdateOrder(ctx, 999999, withholding.OrderUpdate{Status: &sent})
	mustCode(t, err, withholding.ENOTFOUND, "update missing")
	_, err = db.FindOrderByID(ctx, 999999)
	mustCode(t, err, withholding.ENOTFOUND, "find missing")

	ssn, fein, caseID, org, none := withholding.SSN("900334444"), withholding.FEIN("480123456"), withholding.CaseID("KS0002"), withholding.ActionOriginal, withholding.Action("")
	for _, tc := range []struct {
		name   string
		filter withholding.OrderFilter
		want   int
	}{
		{"all", withholding.OrderFilter{}, 2},
		{"ssn", withholding.OrderFilter{SSN: &ssn}, 1},
		{"fein", withholding.OrderFilter{EmployerFEIN: &fein}, 1},
		{"feins both", withholding.OrderFilter{EmployerFEINs: []withholding.FEIN{fein, "910000001"}}, 2},
		{"feins one known", withholding.OrderFilter{EmployerFEINs: []withholding.FEIN{"999999999", fein}}, 1},
		{"feins none known", withholding.OrderFilter{EmployerFEINs: []withholding.FEIN{"999999999"}}, 0},
		{"feins and status", withholding.OrderFilter{EmployerFEINs: []withholding.FEIN{fein, "910000001"}, Status: &sent}, 1},
		{"case", withholding.OrderFilter{CaseID: &caseID}, 1},
		{"status", withholding.OrderFilter{Status: &sent}, 1},
		{"pending ORG", withholding.OrderFilter{PendingAction: &org}, 1},
		{"pending empty is no filter", withholding.OrderFilter{PendingAction: &none}, 2},
		{"needs IWO", withholding.OrderFilter{NeedsIWO: true}, 1},
		{"id", withholding.OrderFilter{ID: &o2.ID}, 1},
		{"paged", withholding.OrderFilter{Offset: 1}, 2},
	} {
		list, n, err := db.FindOrders(ctx, tc.filter)
		mustOK(t, err, tc.name)
		if n != tc.want {
			t.Errorf("%s: total %d, want %d", tc.name, n, tc.want)
		}
		if wantRows := tc.want - tc.filter.Offset; len(list) != wantRows {
			t.Errorf("%s: %d rows, want %d", tc.name, len(list), wantRows)
		}
		streamed, err := collectSeq(db.EachOrder(ctx, tc.filter))
		mustOK(t, err, tc.name+": each")
		if !reflect.DeepEqual(streamed, list) {
			t.Errorf("%s: EachOrder streamed %d orders unlike FindOrders' %d", tc.name, len(streamed), len(list))
		}
		brief := tc.filter
		brief.Brief = true
		streamed = streamed[:0]
		for o, err := range db.EachOrder(ctx, brief) {
			mustOK(t, err, tc.name+": brief")
			c := *o // a brief listing may reuse its Order
			streamed = append(streamed, &c)
		}
		if len(streamed) != len(list) {
			t.Fatalf("%s: brief listing has %d orders, want %d", tc.name, len(streamed), len(list))
		}
		for i, o := range list {
			want := &withholding.Order{ID: o.ID, CaseID: o.CaseID, OrderID: o.OrderID, RemittanceID: o.RemittanceID, EmployerFEIN: o.EmployerFEIN,
				Obligor:   withholding.Person{Last: o.Obligor.Last, First: o.Obligor.First, SSN: o.Obligor.SSN},
				PayeeFIPS: o.PayeeFIPS, Amounts: o.Amounts, Stated: o.Stated, StartDate: o.StartDate, EndDate: o.EndDate, Status: o.Status}
			want.Amounts.OtherReason = ""
			if !reflect.DeepEqual(streamed[i], want) {
				t.Errorf("%s: brief order %d:\n got %+v\nwant %+v", tc.name, o.ID, streamed[i], want)
			}
		}
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := collectSeq(db.EachOrder(canceled, withholding.OrderFilter{})); !errors.Is(err, context.Canceled) {
		t.Errorf("EachOrder with a canceled context: err = %v, want context.Canceled", err)
	}
}

// testEachOrder reads orders (EachOrderByEmployer) of several employers in pages of two: by
// FEIN, then ID, each once, though the reader clears the pending action
// of the orders behind it as it goes (as send-iwos's RecordSent does).
func testEachOrder(t *testing.T, db *store.DB) {
	db.OrderPage = 2
	var want []*withholding.Order
	for i, fein := range []string{"480000003", "480000001", "480000002", "480000001", "480000003", "480000001", "480000002"} {
		o := sampleOrder(fmt.Sprintf("KS%04d", i), fein)
		if i == 3 {
			o.PendingAction = ""
		}
		mustOK(t, db.CreateOrder(ctx, o), "create")
		if o.PendingAction != "" {
			want = append(want, o)
		}
	}
	slices.SortFunc(want, func(a, b *withholding.Order) int {
		return cmp.Or(cmp.Compare(a.EmployerFEIN, b.EmployerFEIN), cmp.Compare(a.ID, b.ID))
	})
	var got []int64
	none := withholding.Action("")
	for o, err := range db.EachOrderByEmployer(ctx, withholding.OrderFilter{NeedsIWO: true, Offset: 5, Limit: 1}) {
		mustOK(t, err, "each order")
		got = append(got, o.ID)
		_, err := db.UpdateOrder(ctx, o.ID, withholding.OrderUpdate{PendingAction: &none})
		mustOK(t, err, "clear pending action")
	}
	wantIDs := make([]int64, len(want))
	for i, o := range want {
		wantIDs[i] = o.ID
	}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("orders %v, want %v (by FEIN, then ID)", got, wantIDs)
	}
	left, err := collectSeq(db.EachOrderByEmployer(ctx, withholding.OrderFilter{NeedsIWO: true}))
	mustOK(t, err, "each order left")
	if len(left) != 0 {
		t.Errorf("%d orders still need an IWO, want none", len(left))
	}

	fein := withholding.FEIN("480000001")
	mine, err := collectSeq(db.EachOrderByEmployer(ctx, withholding.OrderFilter{EmployerFEIN: &fein}))
	mustOK(t, err, "each order of one employer")
	if len(mine) != 3 || mine[0].ID > mine[1].ID || mine[1].ID > mine[2].ID {
		t.Errorf("orders of %s: %d, want 3 by ID", fein, len(mine))
	}
	n := 0
	for range db.EachOrderByEmployer(ctx, withholding.OrderFilter{}) {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("stopped after %d orders, want 3", n)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = collectSeq(db.EachOrderByEmployer(cancelled, withholding.OrderFilter{}))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}

	// IDAfter and IDThrough split a brief listing of every order in two
	// halves by ID, as reconciliation reads it: together, every order once.
	every, err := collectIDs(db.EachOrder(ctx, withholding.OrderFilter{Brief: true}))
	mustOK(t, err, "each order")
	at := every[len(every)/2-1]
	lower, err := collectIDs(db.EachOrder(ctx, withholding.OrderFilter{Brief: true, IDThrough: at}))
	mustOK(t, err, "lower half")
	upper, err := collectIDs(db.EachOrder(ctx, withholding.OrderFilter{Brief: true, IDAfter: at}))
	mustOK(t, err, "upper half")
	if len(every) != 7 || !slices.Equal(lower, every[:len(every)/2]) || !slices.Equal(upper, every[len(every)/2:]) {
		t.Errorf("halves at ID %d: %v and %v, want %v split after its %dth", at, lower, upper, every, len(every)/2)
	}
	// IDs selects those orders, by ID; an unknown ID finds nothing.
	some, err := collectIDs(db.EachOrder(ctx, withholding.OrderFilter{IDs: []int64{every[5], every[1], every[6] + 100}}))
	mustOK(t, err, "orders by ID")
	if want := []int64{every[1], every[5]}; !slices.Equal(some, want) {
		t.Errorf("orders by ID: %v, want %v", some, want)
	}
}

// collectIDs returns the IDs of a listing's orders, in its order.
func collectIDs(s iter.Seq2[*withholding.Order, error]) ([]int64, error) {
	var ids []int64
	for o, err := range s {
		if err != nil {
			return ids, err
		}
		ids = append(ids, o.ID)
	}
	return ids, nil
}

func testFiles(t *testing.T, db *store.DB) {
	a := mustFile(t, db, "ach-1.txt", withholding.KindACHFile)
	b := mustFile(t, db, "ack-1.txt", withholding.KindAckFile)
	if a.State != withholding.FileReceived || a.CreatedAt.IsZero() {
		t.Errorf("create: state %q created %v", a.State, a.CreatedAt)
	}
	out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo-1.txt", ControlNumber: "20000261120120000000",
		Size: 2307, SHA256: sumOf("iwo-1.txt")}
	mustOK(t, db.CreateFile(ctx, out), "create outbound")
	if out.State != withholding.FileSent {
		t.Errorf("outbound default state %q", out.State)
	}
	got, err := db.FindFileByID(ctx, a.ID)
	mustOK(t, err, "find")
	if !reflect.DeepEqual(got, a) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, a)
	}
	mustOK(t, db.SetFileState(ctx, b.ID, withholding.FileQuarantined, "bad header"), "set state")
	got, _ = db.FindFileByID(ctx, b.ID)
	if got.State != withholding.FileQuarantined || got.Error != "bad header" {
		t.Errorf("set state: got %q %q", got.State, got.Error)
	}
	mustCode(t, db.SetFileState(ctx, 999999, withholding.FileParsed, ""), withholding.ENOTFOUND, "set state missing")
	mustCode(t, db.SetFileState(ctx, b.ID, "bogus", ""), withholding.EINVALID, "set bogus state")
	mustCode(t, db.CreateFile(ctx, &withholding.File{Direction: "sideways"}), withholding.EINVALID, "bad direction")
	_, err = db.FindFileByID(ctx, 999999)
	mustCode(t, err, withholding.ENOTFOUND, "find missing")

	in, quarantined, ach := withholding.Inbound, withholding.FileQuarantined, withholding.KindACHFile
	list, n, err := db.FindFiles(ctx, withholding.FileFilter{})
	mustOK(t, err, "find all")
	if n != 3 || len(list) != 3 || list[0].ID != out.ID || list[2].ID != a.ID {
		t.Errorf("find all: n=%d, want newest first", n)
	}
	for _, tc := range []struct {
		name   string
		filter withholding.FileFilter
		want   int
	}{
		{"inbound", withholding.FileFilter{Direction: &in}, 2},
		{"state", withholding.FileFilter{State: &quarantined}, 1},
		{"kind", withholding.FileFilter{Kind: &ach}, 1},
		{"sha", withholding.FileFilter{SHA256: &a.SHA256}, 1},
		{"since past", withholding.FileFilter{Since: a.CreatedAt.Add(-time.Hour)}, 3},
		{"since future", withholding.FileFilter{Since: time.Now().Add(time.Hour)}, 0},
	} {
		_, n, err := db.FindFiles(ctx, tc.filter)
		mustOK(t, err, tc.name)
		if n != tc.want {
			t.Errorf("%s: %d files, want %d", tc.name, n, tc.want)
		}
	}
}

// testFileSearch covers the help line's look-ups in the ledger: by name,
// SHA-256 prefix, control number, partner and day, newest first, paged.
func testFileSearch(t *testing.T, db *store.DB) {
	day := time.Date(2026, 11, 17, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return day }
	create := func(f *withholding.File) *withholding.File {
		t.Helper()
		if f.SHA256 == "" {
			f.Size, f.SHA256 = 100, sumOf(f.RemoteName)
		}
		mustOK(t, db.CreateFile(ctx, f), "create "+f.RemoteName)
		day = day.Add(24 * time.Hour)
		return f
	}
	ach := create(&withholding.File{Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile, RemoteName: "CS_20261117.ach"})
	ack := create(&withholding.File{Direction: withholding.Inbound, Partner: "acme", Kind: withholding.KindAckFile, RemoteName: "ack-acme-1.txt",
		ControlNumber: "2000000202611180000001", Sender: "acme"})
	iwo := create(&withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo-20261119.txt",
		ControlNumber: "2000000202611190000002"})
	odd := create(&withholding.File{Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile, RemoteName: "cs_100%_2026.ach"})

	in, bank, control := withholding.Inbound, "bank", ack.ControlNumber
	for _, tc := range []struct {
		name   string
		filter withholding.FileFilter
		want   []int64 // newest first
	}{
		{"name ignores case", withholding.FileFilter{Name: "cs_"}, []int64{odd.ID, ach.ID}},
		{"name percent is literal", withholding.FileFilter{Name: "%"}, []int64{odd.ID}},
		{"name underscore is literal", withholding.FileFilter{Name: "_"}, []int64{odd.ID, ach.ID}},
		{"name no match", withholding.FileFilter{Name: "nothing"}, nil},
		{"sha prefix", withholding.FileFilter{SHA256Prefix: ack.SHA256[:8]}, []int64{ack.ID}},
		{"sha prefix whole", withholding.FileFilter{SHA256Prefix: iwo.SHA256}, []int64{iwo.ID}},
		{"control number", withholding.FileFilter{ControlNumber: &control}, []int64{ack.ID}},
		{"partner and direction", withholding.FileFilter{Partner: &bank, Direction: &in}, []int64{odd.ID, ach.ID}},
		{"day range", withholding.FileFilter{Since: ack.CreatedAt, Until: iwo.CreatedAt}, []int64{ack.ID}},
		{"until only", withholding.FileFilter{Until: ack.CreatedAt}, []int64{ach.ID}},
		{"page", withholding.FileFilter{Offset: 1, Limit: 2}, []int64{iwo.ID, ack.ID}},
	} {
		list, n, err := db.FindFiles(ctx, tc.filter)
		mustOK(t, err, tc.name)
		var got []int64
		for _, f := range list {
			got = append(got, f.ID)
		}
		want := len(tc.want)
		if tc.filter.Limit > 0 {
			want = 4
		}
		if n != want || !slices.Equal(got, tc.want) {
			t.Errorf("%s: files %v of %d, want %v of %d", tc.name, got, n, tc.want, want)
		}
	}
	for _, bad := range []string{"abc", "ZZZZZZZZ", ack.SHA256 + "0"} {
		_, _, err := db.FindFiles(ctx, withholding.FileFilter{SHA256Prefix: bad})
		mustCode(t, err, withholding.EINVALID, "SHA-256 prefix "+bad)
	}
}

// testSumPayments counts and totals a file's payments by kind.
func testSumPayments(t *testing.T, db *store.DB) {
	f := mustFile(t, db, "ach-sum.txt", withholding.KindACHFile)
	other := mustFile(t, db, "ach-other.txt", withholding.KindACHFile)
	prenote := samplePayment(9)
	prenote.Kind, prenote.Amount, prenote.EntryAmount = withholding.KindPrenote, 0, 0
	_, err := db.ApplyPayments(ctx, f.ID, seqOf(samplePayment(0), samplePayment(1), samplePayment(2), prenote))
	mustOK(t, err, "apply")
	_, err = db.ApplyPayments(ctx, other.ID, payments(2, nil))
	mustOK(t, err, "apply other")
	got, err := db.SumPayments(ctx, withholding.PaymentFilter{FileID: &f.ID, Limit: 1})
	mustOK(t, err, "sum")
	want := []withholding.PaymentSum{{Kind: withholding.KindPayment, Count: 3, Amount: 20000 + 20001 + 20002}, {Kind: withholding.KindPrenote, Count: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sum of file %d: %+v, want %+v", f.ID, got, want)
	}
	none := int64(999999)
	got, err = db.SumPayments(ctx, withholding.PaymentFilter{FileID: &none})
	mustOK(t, err, "sum of no payments")
	if len(got) != 0 {
		t.Errorf("sum of a file without payments: %+v, want none", got)
	}
}

func testApplyPayments(t *testing.T, db *store.DB) {
	f := mustFile(t, db, "ach-apply.txt", withholding.KindACHFile)
	p := samplePayment(0)
	p.Problems = []string{"DED05: SSN missing"}
	p.Warnings = []string{"DED: lower case upper-cased"}
	p.Termination = true
	seq := func(yield func(*withholding.Payment, error) bool) {
		_ = yield(p, nil) && yield(samplePayment(1), nil)
	}
	n, err := db.ApplyPayments(ctx, f.ID, seq)
	mustOK(t, err, "apply")
	if n != 2 {
		t.Errorf("apply stored %d, want 2", n)
	}
	got, total, err := db.FindPayments(ctx, withholding.PaymentFilter{FileID: &f.ID})
	mustOK(t, err, "find payments")
	if total != 2 || len(got) != 2 {
		t.Fatalf("find payments: %d/%d, want 2", len(got), total)
	}
	want := *p
	want.ID, want.FileID = got[0].ID, f.ID
	if !reflect.DeepEqual(got[0], &want) {
		t.Errorf("payment round trip:\n got %+v\nwant %+v", got[0], &want)
	}
	file, _ := db.FindFileByID(ctx, f.ID)
	if file.State != withholding.FileApplied || file.Records != 2 {
		t.Errorf("file after apply: state %q records %d", file.State, file.Records)
	}
	if ok, err := db.AppliedSHA256(ctx, f.SHA256); err != nil || !ok {
		t.Errorf("AppliedSHA256 after apply: %v, %v", ok, err)
	}

	_, err = db.ApplyPayments(ctx, f.ID, payments(1, nil))
	mustCode(t, err, withholding.ECONFLICT, "second apply of the same file")
	again := &withholding.File{Direction: withholding.Inbound, Kind: withholding.KindACHFile, RemoteName: "ach-apply-copy.txt", SHA256: f.SHA256}
	mustOK(t, db.CreateFile(ctx, again), "record copy")
	_, err = db.ApplyPayments(ctx, again.ID, payments(1, nil))
	mustCode(t, err, withholding.ECONFLICT, "apply of another file with the same SHA-256")
	if _, n, _ := db.FindPayments(ctx, withholding.PaymentFilter{}); n != 2 {
		t.Errorf("after refused applies: %d payments, want 2", n)
	}

	noSum := &withholding.File{Direction: withholding.Inbound, Kind: withholding.KindACHFile, RemoteName: "nosum"}
	mustOK(t, db.CreateFile(ctx, noSum), "record file without sum")
	_, err = db.ApplyPayments(ctx, noSum.ID, payments(1, nil))
	mustCode(t, err, withholding.EINVALID, "apply without SHA-256")
	_, err = db.ApplyPayments(ctx, 999999, payments(1, nil))
	mustCode(t, err, withholding.ENOTFOUND, "apply to a missing file")

	// Filters.
	ssn, kind, caseID := withholding.SSN("900112222"), withholding.KindPayment, withholding.RemittanceID("KS1")
	for _, tc := range []struct {
		name   string
		filter withholding.PaymentFilter
		want   int
	}{
		{"ssn", withholding.PaymentFilter{SSN: &ssn}, 2},
		{"kind", withholding.PaymentFilter{Kind: &kind}, 2},
		{"case", withholding.PaymentFilter{RemittanceID: &caseID}, 1},
		{"since", withholding.PaymentFilter{Since: date("2026-11-20")}, 2},
		{"until", withholding.PaymentFilter{Until: date("2026-11-19")}, 0},
		{"ids", withholding.PaymentFilter{IDs: []int64{got[0].ID, 999999}}, 1},
	} {
		_, n, err := db.FindPayments(ctx, tc.filter)
		mustOK(t, err, tc.name)
		if n != tc.want {
			t.Errorf("%s: %d payments, want %d", tc.name, n, tc.want)
		}
	}
}

// countPayments counts the payments stored for file id.
func countPayments(t *testing.T, db *store.DB, id int64) int {
	t.Helper()
	_, n, err := db.FindPayments(ctx, withholding.PaymentFilter{FileID: &id})
	mustOK(t, err, "count payments")
	return n
}

func testApplyPaymentsFailure(t *testing.T, db *store.DB) {
	f := mustFile(t, db, "ach-half.txt", withholding.KindACHFile)
	boom := errors.New("addenda 7 is garbage")
	// 1,000 good rows span several SQLite batches and a COPY in flight
	// before the failure.
	_, err := db.ApplyPayments(ctx, f.ID, payments(1000, boom))
	if !errors.Is(err, boom) {
		t.Fatalf("apply with failure after 1000 rows: got %v, want %v", err, boom)
	}
	if n := countPayments(t, db, f.ID); n != 0 {
		t.Errorf("failed apply left %d payments", n)
	}
	file, _ := db.FindFileByID(ctx, f.ID)
	if file.State != withholding.FileReceived || file.Records != 0 {
		t.Errorf("failed apply changed the ledger: state %q records %d", file.State, file.Records)
	}
	if ok, _ := db.AppliedSHA256(ctx, f.SHA256); ok {
		t.Error("failed apply marked the SHA-256 applied")
	}
	// The file can then be applied, once.
	n, err := db.ApplyPayments(ctx, f.ID, payments(1000, nil))
	mustOK(t, err, "apply after failure")
	if n != 1000 || countPayments(t, db, f.ID) != 1000 {
		t.Errorf("apply after failure stored %d", n)
	}
	_, err = db.ApplyPayments(ctx, f.ID, payments(1000, nil))
	mustCode(t, err, withholding.ECONFLICT, "apply after success")
	if n := countPayments(t, db, f.ID); n != 1000 {
		t.Errorf("refused apply changed the payments: %d", n)
	}
}

func testApplyPaymentsCancelled(t *testing.T, db *store.DB) {
	f := mustFile(t, db, "ach-cancel.txt", withholding.KindACHFile)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	seq := func(yield func(*withholding.Payment, error) bool) {
		for i := range 5000 {
			if i == 2500 {
				cancel()
			}
			if !yield(samplePayment(i), nil) {
				return
			}
		}
	}
	_, err := db.ApplyPayments(cctx, f.ID, seq)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled apply: got %v, want context.Canceled", err)
	}
	if n := countPayments(t, db, f.ID); n != 0 {
		t.Errorf("cancelled apply left %d payments", n)
	}
	if ok, _ := db.AppliedSHA256(ctx, f.SHA256); ok {
		t.Error("cancelled apply marked the SHA-256 applied")
	}
}

func testApplyPaymentsManyBatches(t *testing.T, db *store.DB) {
	f := mustFile(t, db, "ach-many.txt", withholding.KindACHFile)
	const total = 2345 // not a multiple of any batch size
	n, err := db.ApplyPayments(ctx, f.ID, payments(total, nil))
	mustOK(t, err, "apply")
	if n != total {
		t.Errorf("stored %d, want %d", n, total)
	}
	i := 0
	var lastID int64
	for p, err := range db.EachPayment(ctx, withholding.PaymentFilter{FileID: &f.ID}) {
		mustOK(t, err, "each payment")
		if p.ID <= lastID || p.Trace != samplePayment(i).Trace {
			t.Fatalf("payment %d: id %d trace %s, want order of the file", i, p.ID, p.Trace)
		}
		lastID = p.ID
		i++
		if i == 2000 {
			break // stopping early must release the query
		}
	}
	if i != 2000 {
		t.Errorf("EachPayment yielded %d before the break", i)
	}
	page, n2, err := db.FindPayments(ctx, withholding.PaymentFilter{FileID: &f.ID, Offset: 2340, Limit: 10})
	mustOK(t, err, "page")
	if n2 != total || len(page) != 5 {
		t.Errorf("last page: %d rows of %d, want 5 of %d", len(page), n2, total)
	}
}

// testApplyPaymentsFileSizes applies files of every shape of batch, one
// after the other on one store (SQLite writes them in statements of a few
// fixed sizes, prepared once and reused by each file's transaction): each
// file's payments are stored whole, in its order, under its ID.
func testApplyPaymentsFileSizes(t *testing.T, db *store.DB) {
	for k, size := range []int{0, 1, 9, 10, 11, 99, 100, 101, 212, 1} {
		f := mustFile(t, db, fmt.Sprintf("ach-sizes-%d.txt", k), withholding.KindACHFile)
		n, err := db.ApplyPayments(ctx, f.ID, payments(size, nil))
		mustOK(t, err, fmt.Sprintf("apply a file of %d payments", size))
		if n != size {
			t.Errorf("file of %d: stored %d", size, n)
		}
		stored, _, err := db.FindPayments(ctx, withholding.PaymentFilter{FileID: &f.ID})
		mustOK(t, err, "find payments")
		if len(stored) != size {
			t.Errorf("file of %d: %d payments read back", size, len(stored))
		}
		for i, p := range stored {
			want := samplePayment(i)
			if (i > 0 && p.ID <= stored[i-1].ID) || p.FileID != f.ID || p.Trace != want.Trace || p.Line != want.Line ||
				p.EntryAmount != want.EntryAmount || p.RemittanceID != want.RemittanceID || p.Raw != want.Raw {
				t.Fatalf("file of %d, payment %d: %+v, want %+v in the file's order", size, i, p, want)
			}
		}
	}
}

// testFileSum covers the size and SHA-256 of an outbound file recorded
// before it was written: required before it is sent, set once, never
// changed.
func testFileSum(t *testing.T, db *store.DB) {
	o := sampleOrder("KS0200", "480123456")
	mustOK(t, db.CreateOrder(ctx, o), "create order")
	out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo.txt", State: withholding.FileParsed}
	mustOK(t, db.CreateFile(ctx, out), "record outbound file before writing it")
	doc := &withholding.Document{TrackingID: "200000000000000000000000000200", OrderRef: o.ID, CaseID: o.CaseID,
		FEIN: o.EmployerFEIN, Action: withholding.ActionOriginal}
	mustCode(t, db.RecordSent(ctx, out.ID, slices.Values([]*withholding.Document{doc})), withholding.EINVALID, "record sent without a SHA-256")
	if _, n, _ := db.FindDocuments(ctx, 0, 0, 0); n != 0 {
		t.Errorf("%d documents stored by a refused RecordSent", n)
	}

	sum := sumOf("the IWO file's bytes")
	mustCode(t, db.SetFileSum(ctx, out.ID, 2307, "ABC"), withholding.EINVALID, "malformed SHA-256")
	mustCode(t, db.SetFileSum(ctx, out.ID, -1, sum), withholding.EINVALID, "negative size")
	mustCode(t, db.SetFileSum(ctx, 999999, 2307, sum), withholding.ENOTFOUND, "unknown file")
	mustOK(t, db.SetFileSum(ctx, out.ID, 2307, sum), "set sum")
	mustOK(t, db.SetFileSum(ctx, out.ID, 2307, sum), "set the same sum again")
	mustCode(t, db.SetFileSum(ctx, out.ID, 2307, sumOf("other bytes")), withholding.ECONFLICT, "another SHA-256")
	mustCode(t, db.SetFileSum(ctx, out.ID, 2308, sum), withholding.ECONFLICT, "another size")
	mustOK(t, db.RecordSent(ctx, out.ID, slices.Values([]*withholding.Document{doc})), "record sent")
	got, err := db.FindFileByID(ctx, out.ID)
	mustOK(t, err, "find")
	if got.State != withholding.FileSent || got.Size != 2307 || got.SHA256 != sum {
		t.Errorf("sent file: state %s size %d sha %q, want sent with 2307 bytes and %s", got.State, got.Size, got.SHA256, sum)
	}
	sha := sum
	if list, n, err := db.FindFiles(ctx, withholding.FileFilter{SHA256: &sha}); err != nil || n != 1 || list[0].ID != out.ID {
		t.Errorf("find by SHA-256: %d files (%v), want the sent file", n, err)
	}

	for _, state := range []withholding.FileState{"", withholding.FileSent, withholding.FileArchived} {
		f := &withholding.File{Direction: withholding.Outbound, Kind: withholding.KindReportFile, RemoteName: "report.xlsx", State: state}
		mustCode(t, db.CreateFile(ctx, f), withholding.EINVALID, "outbound file recorded as "+string(state)+" without a SHA-256")
	}
}

func testRecordSentAndAcks(t *testing.T, db *store.DB) {
	o := sampleOrder("KS0100", "480123456")
	mustOK(t, db.CreateOrder(ctx, o), "create order")
	out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo.txt", SHA256: sumOf("iwo.txt")}
	mustOK(t, db.CreateFile(ctx, out), "record outbound file")
	doc := &withholding.Document{TrackingID: "200000000000000000000000000100", OrderRef: o.ID, CaseID: o.CaseID,
		FEIN: o.EmployerFEIN, Action: withholding.ActionOriginal, FileControl: "F1", BatchControl: "B1"}
	mustOK(t, db.RecordSent(ctx, out.ID, slices.Values([]*withholding.Document{doc})), "record sent")
	if doc.ID == 0 || doc.FileID != out.ID || doc.SentAt.IsZero() {
		t.Errorf("record sent did not fill the document: %+v", doc)
	}
	got, err := db.FindDocumentByTrackingID(ctx, doc.TrackingID)
	mustOK(t, err, "find document")
	if !reflect.DeepEqual(got, doc) {
		t.Errorf("document round trip:\n got %+v\nwant %+v", got, doc)
	}
	eachDocuments := func(what string, want int, statuses ...withholding.Disposition) {
		t.Helper()
		docs, err := collectSeq(db.EachDocument(ctx, withholding.DocumentFilter{Statuses: statuses}))
		mustOK(t, err, what)
		if len(docs) != want || (want == 1 && docs[0].TrackingID != doc.TrackingID) {
			t.Errorf("%s: %d documents, want %d", what, len(docs), want)
		}
	}
	eachDocuments("every document", 1)
	eachDocuments("unanswered", 1, "")
	eachDocuments("rejected or flagged", 0, withholding.DispRejected, withholding.DispPortalError)
	order, _ := db.FindOrderByID(ctx, o.ID)
	if order.Status != withholding.StatusSent || order.PendingAction != "" || order.TrackingID != doc.TrackingID {
		t.Errorf("order after send: status %q pending %q tracking %q", order.Status, order.PendingAction, order.TrackingID)
	}
	if f, _ := db.FindFileByID(ctx, out.ID); f.State != withholding.FileSent || f.Records != 1 {
		t.Errorf("outbound file after send: %q %d", f.State, f.Records)
	}
	// Recording the same tracking ID again is refused and changes nothing.
	out2 := &withholding.File{Direction: withholding.Outbound, Kind: withholding.KindIWOFile, RemoteName: "iwo2.txt", SHA256: sumOf("iwo2.txt")}
	mustOK(t, db.CreateFile(ctx, out2), "record second outbound")
	dup := *doc
	mustCode(t, db.RecordSent(ctx, out2.ID, slices.Values([]*withholding.Document{&dup})), withholding.ECONFLICT, "same tracking ID")
	if _, n, _ := db.FindDocuments(ctx, 0, 0, 0); n != 1 {
		t.Errorf("documents after refused send: %d", n)
	}
	_, err = db.FindDocumentByTrackingID(ctx, "nope")
	mustCode(t, err, withholding.ENOTFOUND, "find missing document")

	in := mustFile(t, db, "ack.txt", withholding.KindAckFile)
	ack := &withholding.Acknowledgment{Line: 2, Action: withholding.ActionOriginal, TrackingID: doc.TrackingID, CaseID: o.CaseID,
		OrderID: o.OrderID, FEIN: o.EmployerFEIN, SSN: o.Obligor.SSN, Employee: withholding.Person{Last: "Doe", First: "John", SSN: o.Obligor.SSN},
		Status: withholding.DispAccepted, TerminationDate: date("2026-12-31"), FinalPaymentCents: 1234}
	accepted := withholding.StatusAccepted
	ex := &withholding.Exception{Type: withholding.ExEmployerNotice, Severity: withholding.SeverityLow, Key: "employer_notice|KS0100|2026-11-20", CaseID: o.CaseID, OrderRef: o.ID, Message: "employer will end withholding"}
	err = db.ApplyAcknowledgments(ctx, in.ID, []*withholding.Acknowledgment{ack}, map[int64]withholding.OrderUpdate{o.ID: {Status: &accepted}}, []*withholding.Exception{ex})
	mustOK(t, err, "apply acks")
	acks, n, err := db.FindAcknowledgments(ctx, in.ID, nil, 0, 0)
	mustOK(t, err, "find acks")
	if n != 1 || !reflect.DeepEqual(acks[0], ack) {
		t.Errorf("ack round trip (%d):\n got %+v\nwant %+v", n, acks[0], ack)
	}
	if _, n, _ := db.FindAcknowledgments(ctx, 0, &doc.TrackingID, 0, 0); n != 1 {
		t.Errorf("acks by tracking ID: %d", n)
	}
	got, _ = db.FindDocumentByTrackingID(ctx, doc.TrackingID)
	if got.Status != withholding.DispAccepted || got.AcknowledgedAt.IsZero() {
		t.Errorf("document after ack: %q at %v", got.Status, got.AcknowledgedAt)
	}
	eachDocuments("unanswered after the ack", 0, "", withholding.DispRejected)
	eachDocuments("accepted", 1, withholding.DispAccepted, withholding.DispRejected)
	if order, _ := db.FindOrderByID(ctx, o.ID); order.Status != withholding.StatusAccepted {
		t.Errorf("order after ack: %q", order.Status)
	}
	exs, _, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{})
	if len(exs) != 1 || exs[0].FileID != in.ID || ex.ID != exs[0].ID {
		t.Errorf("exceptions after ack: %+v", exs)
	}
	err = db.ApplyAcknowledgments(ctx, in.ID, []*withholding.Acknowledgment{ack}, nil, nil)
	mustCode(t, err, withholding.ECONFLICT, "second apply of acks")
	if _, n, _ := db.FindAcknowledgments(ctx, 0, nil, 0, 0); n != 1 {
		t.Errorf("acks after refused apply: %d", n)
	}
}

func testApplyAcksFailure(t *testing.T, db *store.DB) {
	in := mustFile(t, db, "ack-fail.txt", withholding.KindAckFile)
	acks := []*withholding.Acknowledgment{{Line: 2, CaseID: "X", Status: withholding.DispRejected}}
	ex := &withholding.Exception{Type: withholding.ExIWORejected, Key: "iwo_rejected|X", Severity: withholding.SeverityHigh}
	accepted := withholding.StatusAccepted
	err := db.ApplyAcknowledgments(ctx, in.ID, acks, map[int64]withholding.OrderUpdate{424242: {Status: &accepted}}, []*withholding.Exception{ex})
	mustCode(t, err, withholding.ENOTFOUND, "apply acks with a missing order")
	if _, n, _ := db.FindAcknowledgments(ctx, 0, nil, 0, 0); n != 0 {
		t.Errorf("failed apply left %d acks", n)
	}
	if _, n, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{}); n != 0 {
		t.Errorf("failed apply left %d exceptions", n)
	}
	if ok, _ := db.AppliedSHA256(ctx, in.SHA256); ok {
		t.Error("failed apply marked the file applied")
	}
}

func testExceptions(t *testing.T, db *store.DB) {
	mk := func(key string, typ withholding.ExceptionType) *withholding.Exception {
		return &withholding.Exception{Type: typ, Severity: withholding.SeverityMedium, Key: key, CaseID: "KS0001",
			FEIN: "480123456", SSN: "900112222", PaymentIDs: []int64{7, 9}, Amount: 20000, Expected: 41200,
			DueDate: date("2026-11-20"), Message: "short", SuggestedAction: "call the employer", OpenedOn: date("2026-11-21")}
	}
	first := []*withholding.Exception{mk("short|KS0001|2026-11-20", withholding.ExShortPayment), mk("missing|KS0002|2026-11-20", withholding.ExMissingPayment)}
	n, err := db.UpsertExceptions(ctx, first)
	mustOK(t, err, "upsert")
	if n != 2 || first[0].ID == 0 || first[0].Status != withholding.ExceptionOpen {
		t.Fatalf("upsert created %d, first %+v", n, first[0])
	}
	got, total, err := db.FindExceptions(ctx, withholding.ExceptionFilter{})
	mustOK(t, err, "find")
	if total != 2 || !reflect.DeepEqual(got[0], first[0]) {
		t.Errorf("round trip (%d):\n got %+v\nwant %+v", total, got[0], first[0])
	}
	// Resolve one, then reconcile the same day again: nothing is added and
	// the resolved one stays resolved.
	resolved, note := withholding.ExceptionResolved, "paid on the 22nd"
	upd, err := db.UpdateException(ctx, first[0].ID, withholding.ExceptionUpdate{Status: &resolved, By: "jsmith", Note: &note})
	mustOK(t, err, "resolve")
	if upd.Status != resolved || upd.ResolvedBy != "jsmith" || upd.ResolvedAt.IsZero() || upd.Note != note {
		t.Errorf("resolve: %+v", upd)
	}
	again := []*withholding.Exception{mk("short|KS0001|2026-11-20", withholding.ExShortPayment), mk("late|KS0003|2026-11-20", withholding.ExLatePayment)}
	n, err = db.UpsertExceptions(ctx, again)
	mustOK(t, err, "upsert again")
	if n != 1 || again[0].ID != first[0].ID {
		t.Errorf("upsert again created %d, existing ID %d want %d", n, again[0].ID, first[0].ID)
	}
	if e, _, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{Status: &resolved}); len(e) != 1 {
		t.Errorf("resolved exceptions after re-upsert: %d", len(e))
	}
	open := withholding.ExceptionOpen
	upd, err = db.UpdateException(ctx, first[0].ID, withholding.ExceptionUpdate{Status: &open})
	mustOK(t, err, "reopen")
	if upd.ResolvedBy != "" || !upd.ResolvedAt.IsZero() {
		t.Errorf("reopen kept resolution: %+v", upd)
	}
	typ, caseID := withholding.ExLatePayment, withholding.CaseID("KS0001")
	if _, n, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{Type: &typ}); n != 1 {
		t.Errorf("by type: %d", n)
	}
	if _, n, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{CaseID: &caseID}); n != 3 {
		t.Errorf("by case: %d", n)
	}
	_, err = db.UpdateException(ctx, 999999, withholding.ExceptionUpdate{Status: &open})
	mustCode(t, err, withholding.ENOTFOUND, "update missing")
	bogus := withholding.ExceptionStatus("bogus")
	_, err = db.UpdateException(ctx, first[0].ID, withholding.ExceptionUpdate{Status: &bogus})
	mustCode(t, err, withholding.EINVALID, "bogus status")
	_, err = db.UpsertExceptions(ctx, []*withholding.Exception{mk("new|1", withholding.ExReturn), {Type: withholding.ExReturn}})
	mustCode(t, err, withholding.EINVALID, "exception without key")
	if _, n, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{}); n != 3 {
		t.Errorf("failed upsert left %d exceptions, want 3", n)
	}
}

// testEachException streams exceptions in the operations workbook's order
// (opened, then most severe, then ID) and by a batch of employers.
func testEachException(t *testing.T, db *store.DB) {
	mk := func(key string, fein withholding.FEIN, sev withholding.Severity, opened string) *withholding.Exception {
		return &withholding.Exception{Type: withholding.ExShortPayment, Severity: sev, Key: key, FEIN: fein,
			SSN: "900112222", PaymentIDs: []int64{7}, Amount: 100, OpenedOn: date(opened)}
	}
	exs := []*withholding.Exception{
		mk("a", "480000001", withholding.SeverityLow, "2026-11-21"),
		mk("b", "480000002", withholding.SeverityHigh, "2026-11-21"),
		mk("c", "480000003", withholding.SeverityMedium, "2026-11-20"),
		mk("d", "480000001", withholding.SeverityHigh, "2026-11-22"),
		mk("e", "480000002", withholding.SeverityLow, "2026-11-21"),
	}
	_, err := db.UpsertExceptions(ctx, exs)
	mustOK(t, err, "upsert")
	keys := func(f withholding.ExceptionFilter) []string {
		t.Helper()
		var out []string
		for e, err := range db.EachException(ctx, f) {
			mustOK(t, err, "each exception")
			out = append(out, e.Key)
		}
		return out
	}
	if got, want := keys(withholding.ExceptionFilter{Sort: withholding.ExceptionsReport}), []string{"c", "b", "a", "e", "d"}; !slices.Equal(got, want) {
		t.Errorf("report order %v, want %v", got, want)
	}
	if got, want := keys(withholding.ExceptionFilter{}), []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("default order %v, want %v", got, want)
	}
	open := withholding.ExceptionOpen
	if got, want := keys(withholding.ExceptionFilter{FEINs: []withholding.FEIN{"480000001", "480000003"}, Status: &open}), []string{"a", "c", "d"}; !slices.Equal(got, want) {
		t.Errorf("by FEINs %v, want %v", got, want)
	}
	if _, n, err := db.FindExceptions(ctx, withholding.ExceptionFilter{FEINs: []withholding.FEIN{"480000002"}}); err != nil || n != 2 {
		t.Errorf("find by FEINs: %d, %v", n, err)
	}
	for _, err := range db.EachException(ctx, withholding.ExceptionFilter{Sort: "bogus"}) {
		mustCode(t, err, withholding.EINVALID, "unknown sort")
	}
}

func testJobRuns(t *testing.T, db *store.DB) {
	r := &withholding.JobRun{Job: "fetch-ach", Instance: "host/1"}
	mustOK(t, db.CreateJobRun(ctx, r), "create")
	if r.ID == 0 || r.Status != withholding.RunRunning || r.Started.IsZero() {
		t.Fatalf("create: %+v", r)
	}
	r.Status, r.Files, r.Counts, r.Error = withholding.RunPartial, 3, map[string]int64{"payments": 12, "cents": 123456}, "partner b: timeout"
	mustOK(t, db.FinishJobRun(ctx, r), "finish")
	r2 := &withholding.JobRun{Job: "send-iwo"}
	mustOK(t, db.CreateJobRun(ctx, r2), "create second")
	runs, n, err := db.FindJobRuns(ctx, "", 0, 0)
	mustOK(t, err, "find")
	if n != 2 || runs[0].ID != r2.ID {
		t.Errorf("find all: %d, want newest first", n)
	}
	runs, n, _ = db.FindJobRuns(ctx, "fetch-ach", 0, 10)
	if n != 1 || !reflect.DeepEqual(runs[0], r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", runs[0], r)
	}
	mustCode(t, db.FinishJobRun(ctx, &withholding.JobRun{ID: 999999}), withholding.ENOTFOUND, "finish missing")
	mustCode(t, db.CreateJobRun(ctx, &withholding.JobRun{}), withholding.EINVALID, "no job name")
}

func testMarkJobRunsKilled(t *testing.T, db *store.DB) {
	stale := &withholding.JobRun{Job: "send-iwos", Instance: "host/1"}
	other := &withholding.JobRun{Job: "pull-acks", Instance: "host/1"}
	done := &withholding.JobRun{Job: "send-iwos", Instance: "host/1", Status: withholding.RunSucceeded}
	for _, r := range []*withholding.JobRun{stale, other, done} {
		mustOK(t, db.CreateJobRun(ctx, r), "create")
	}
	elsewhere := &withholding.JobRun{Job: "send-iwos", Instance: "host/2"}
	mustOK(t, db.CreateJobRun(ctx, elsewhere), "create")
	running, err := db.RunningJobRuns(ctx, "send-iwos")
	mustOK(t, err, "running")
	if len(running) != 2 || running[0].ID != stale.ID || running[1].ID != elsewhere.ID {
		t.Fatalf("running runs of send-iwos: %+v, want %d and %d", running, stale.ID, elsewhere.ID)
	}
	killed, err := db.MarkJobRunsKilled(ctx, "send-iwos", "host/1", "killed: host/1 is gone")
	mustOK(t, err, "mark killed")
	if len(killed) != 1 || killed[0].ID != stale.ID || killed[0].Status != withholding.RunKilled ||
		killed[0].Error != "killed: host/1 is gone" || killed[0].Ended.IsZero() || killed[0].Instance != "host/1" {
		t.Fatalf("marked killed: %+v, want run %d", killed, stale.ID)
	}
	runs, _, err := db.FindJobRuns(ctx, "", 0, 10)
	mustOK(t, err, "find")
	want := map[int64]withholding.RunStatus{stale.ID: withholding.RunKilled, other.ID: withholding.RunRunning, done.ID: withholding.RunSucceeded, elsewhere.ID: withholding.RunRunning}
	for _, r := range runs {
		if r.Status != want[r.ID] {
			t.Errorf("run %d (%s): %s, want %s", r.ID, r.Job, r.Status, want[r.ID])
		}
	}
	again, err := db.MarkJobRunsKilled(ctx, "send-iwos", "host/1", "again")
	if err != nil || len(again) != 0 {
		t.Errorf("second mark: %v %v, want nothing of host/1 left running", again, err)
	}
	all, err := db.MarkJobRunsKilled(ctx, "send-iwos", "", "every instance")
	if err != nil || len(all) != 1 || all[0].ID != elsewhere.ID {
		t.Errorf("mark of every instance: %+v %v, want run %d of host/2", all, err, elsewhere.ID)
	}
}

func testTryLock(t *testing.T, db *store.DB) {
	unlock, ok, err := db.TryLock(ctx, "fetch-ach")
	mustOK(t, err, "lock")
	if !ok {
		t.Fatal("free lock not taken")
	}
	if _, ok, err := db.TryLock(ctx, "fetch-ach"); err != nil || ok {
		t.Fatalf("held lock taken again: ok %v err %v", ok, err)
	}
	other, ok, err := db.TryLock(ctx, "send-iwo")
	if err != nil || !ok {
		t.Fatalf("another name: ok %v err %v", ok, err)
	}
	other()
	unlock()
	unlock() // a second call is harmless
	again, ok, err := db.TryLock(ctx, "fetch-ach")
	if err != nil || !ok {
		t.Fatalf("released lock not taken: ok %v err %v", ok, err)
	}
	again()
	_, _, err = db.TryLock(ctx, "")
	mustCode(t, err, withholding.EINVALID, "empty lock name")
}

// mustPostingPayments applies a file of three payments: two from
// 480123456 settled on 2026-11-20 and 2026-12-01, one from 480999999 on
// 2026-11-20. It returns them with their IDs.
func mustPostingPayments(t *testing.T, db *store.DB) []*withholding.Payment {
	t.Helper()
	f := mustFile(t, db, "postings.ach", withholding.KindACHFile)
	ps := []*withholding.Payment{samplePayment(0), samplePayment(1), samplePayment(2)}
	ps[1].EffectiveDate = date("2026-12-01")
	ps[2].FEIN = "480999999"
	_, err := db.ApplyPayments(ctx, f.ID, seqOf(ps...))
	mustOK(t, err, "apply payments")
	got, _, err := db.FindPayments(ctx, withholding.PaymentFilter{FileID: &f.ID})
	mustOK(t, err, "find payments")
	if len(got) != 3 {
		t.Fatalf("stored %d payments, want 3", len(got))
	}
	return got
}

func testPostings(t *testing.T, db *store.DB) {
	ps := mustPostingPayments(t, db)
	held := &withholding.Exception{Type: withholding.ExUnidentified, Severity: withholding.SeverityHigh, Key: "unidentified|p" + strconv.FormatInt(ps[1].ID, 10), FEIN: "480123456"}
	night := []*withholding.Posting{
		{PaymentID: ps[0].ID, Status: withholding.PostingPosted, OrderRef: 0, CaseID: "KS0001", RunDate: date("2026-11-20")},
		{PaymentID: ps[1].ID, Status: withholding.PostingHeld, Reason: held.Type, ExceptionKey: held.Key, RunDate: date("2026-12-01")},
		{PaymentID: ps[2].ID, Status: withholding.PostingPosted, CaseID: "KS0002", RunDate: date("2026-11-20")},
	}
	nov20 := &withholding.Night{Date: date("2026-11-20"), WindowStart: time.Date(2026, 11, 19, 8, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}
	ne, np, err := db.RecordReconciliation(ctx, nov20, withholding.ExceptionSeq(held), slices.Values(night))
	mustOK(t, err, "record")
	if ne != 1 || np != 3 {
		t.Fatalf("record created %d exceptions, %d postings; want 1, 3", ne, np)
	}
	if stored, n, err := db.FindExceptions(ctx, withholding.ExceptionFilter{Key: &held.Key}); err != nil || n != 1 || stored[0].Status != withholding.ExceptionOpen {
		t.Fatalf("held exception stored: %d, %v; want 1 open", n, err)
	}
	all, err := db.FindPostings(ctx, withholding.PaymentFilter{})
	mustOK(t, err, "find all")
	if !reflect.DeepEqual(all, night) {
		t.Errorf("round trip:\n got %+v\nwant %+v", all, night)
	}

	// Re-running the night, even with a different outcome for a payment,
	// adds and changes nothing: the first posting stands.
	rerun := []*withholding.Posting{
		{PaymentID: ps[0].ID, Status: withholding.PostingHeld, Reason: withholding.ExDuplicatePayment, ExceptionKey: "dup", RunDate: date("2026-11-21")},
		{PaymentID: ps[1].ID, Status: withholding.PostingHeld, Reason: held.Type, ExceptionKey: held.Key, RunDate: date("2026-12-01")},
	}
	ne, np, err = db.RecordReconciliation(ctx, nov20, withholding.ExceptionSeq(&withholding.Exception{Type: held.Type, Key: held.Key}), slices.Values(rerun))
	mustOK(t, err, "record again")
	if ne != 0 || np != 0 {
		t.Errorf("re-run created %d exceptions, %d postings; want none", ne, np)
	}
	again, err := db.FindPostings(ctx, withholding.PaymentFilter{})
	mustOK(t, err, "find after re-run")
	if !reflect.DeepEqual(again, night) {
		t.Errorf("after re-run:\n got %+v\nwant %+v", again, night)
	}

	// By employer and settlement month.
	fein := withholding.FEIN("480123456")
	nov, err := db.FindPostings(ctx, withholding.PaymentFilter{FEIN: &fein, Since: date("2026-11-01"), Until: date("2026-11-30")})
	mustOK(t, err, "find November")
	if len(nov) != 1 || nov[0].PaymentID != ps[0].ID {
		t.Errorf("November postings of %s: %+v, want payment %d only", fein, nov, ps[0].ID)
	}
}

func testPostingsFailure(t *testing.T, db *store.DB) {
	ps := mustPostingPayments(t, db)
	ex := &withholding.Exception{Type: withholding.ExUnidentified, Key: "unidentified|x"}
	for _, tc := range []struct {
		name string
		p    *withholding.Posting
	}{
		{"ErrStatusUnknown", &withholding.Posting{PaymentID: ps[0].ID, Status: "bogus", RunDate: date("2026-11-20")}},
		{"ErrPaymentRequired", &withholding.Posting{Status: withholding.PostingPosted, RunDate: date("2026-11-20")}},
		{"ErrRunDateRequired", &withholding.Posting{PaymentID: ps[0].ID, Status: withholding.PostingPosted}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := &withholding.Posting{PaymentID: ps[1].ID, Status: withholding.PostingPosted, RunDate: date("2026-11-20")}
			n := &withholding.Night{Date: date("2026-11-20"), WindowStart: time.Date(2026, 11, 19, 8, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}
			_, _, err := db.RecordReconciliation(ctx, n, withholding.ExceptionSeq(ex), slices.Values([]*withholding.Posting{good, tc.p}))
			mustCode(t, err, withholding.EINVALID, tc.name)
			if got, _ := db.FindPostings(ctx, withholding.PaymentFilter{}); len(got) != 0 {
				t.Errorf("failed record left postings %+v", got)
			}
			if _, n, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{}); n != 0 {
				t.Errorf("failed record left %d exceptions", n)
			}
			if _, err := db.FindNight(ctx, date("2026-11-20")); withholding.ErrorCode(err) != withholding.ENOTFOUND {
				t.Errorf("failed record left its night (err %v)", err)
			}
		})
	}

	// The exceptions are read a batch at a time, and written as they are
	// read, in the one transaction: a sequence that fails, or an exception
	// without a key, after two full batches have been written must still
	// leave nothing.
	errRead := errors.New("read failed")
	for _, tc := range []struct {
		name string
		bad  func(yield func(*withholding.Exception, error) bool) bool
		code string // the error's kind, or "" for errRead itself
	}{
		{"ErrSequence", func(yield func(*withholding.Exception, error) bool) bool { return yield(nil, errRead) }, ""},
		{"ErrKeyRequired", func(yield func(*withholding.Exception, error) bool) bool {
			return yield(&withholding.Exception{Type: withholding.ExUnidentified}, nil)
		}, withholding.EINVALID},
	} {
		t.Run("Exceptions"+tc.name, func(t *testing.T) {
			exs := func(yield func(*withholding.Exception, error) bool) {
				for i := range 1100 {
					if !yield(&withholding.Exception{Type: withholding.ExUnidentified, Key: "unidentified|" + strconv.Itoa(i)}, nil) {
						return
					}
				}
				tc.bad(yield)
			}
			n := &withholding.Night{Date: date("2026-11-20"), WindowStart: time.Date(2026, 11, 19, 8, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}
			_, _, err := db.RecordReconciliation(ctx, n, exs, nil)
			if tc.code == "" && !errors.Is(err, errRead) {
				t.Fatalf("record: %v, want the sequence's error", err)
			} else if tc.code != "" {
				mustCode(t, err, tc.code, tc.name)
			}
			if _, n, _ := db.FindExceptions(ctx, withholding.ExceptionFilter{}); n != 0 {
				t.Errorf("failed record left %d exceptions", n)
			}
			if _, err := db.FindNight(ctx, date("2026-11-20")); withholding.ErrorCode(err) != withholding.ENOTFOUND {
				t.Errorf("failed record left its night (err %v)", err)
			}
		})
	}
}

// testBooks records two nights and reads them back: the nights and their
// windows, payments with their postings (by order and by night), and the
// night totals, which must add up the postings' credited amounts.
func testBooks(t *testing.T, db *store.DB) {
	ps := mustPostingPayments(t, db)
	f := mustFile(t, db, "returns.ach", withholding.KindACHFile)
	ret := samplePayment(7)
	ret.Kind, ret.Credited, ret.EntryAmount = withholding.KindReturn, 0, 1234
	_, err := db.ApplyPayments(ctx, f.ID, seqOf(ret))
	mustOK(t, err, "apply return")

	o := sampleOrder("KS0001", "480123456")
	mustOK(t, db.CreateOrder(ctx, o), "create order")
	day1, day2 := date("2026-11-20"), date("2026-11-21")
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	held := &withholding.Exception{Type: withholding.ExSSNMismatch, Severity: withholding.SeverityHigh, Key: "ssn|1", OrderRef: o.ID, OpenedOn: day1}
	n1 := &withholding.Night{Date: day1, WindowStart: at(19, 8), WindowEnd: time.Now().Add(time.Hour)}
	_, _, err = db.RecordReconciliation(ctx, n1, withholding.ExceptionSeq(held), slices.Values([]*withholding.Posting{
		{PaymentID: ps[0].ID, Status: withholding.PostingPosted, OrderRef: o.ID, CaseID: o.CaseID, RunDate: day1},
		{PaymentID: ps[1].ID, Status: withholding.PostingHeld, OrderRef: o.ID, CaseID: o.CaseID, Reason: held.Type, ExceptionKey: held.Key, RunDate: day1},
	}))
	mustOK(t, err, "record night 1")
	stored, n, err := db.FindExceptions(ctx, withholding.ExceptionFilter{Key: &held.Key})
	if err != nil || n != 1 {
		t.Fatalf("exception %q recorded: %d found (%v), want 1", held.Key, n, err)
	}
	held.ID = stored[0].ID // RecordReconciliation reads no IDs back
	// A re-run of the same day keeps the start and takes the later end.
	_, _, err = db.RecordReconciliation(ctx, &withholding.Night{Date: day1, WindowStart: at(20, 1), WindowEnd: n1.WindowEnd.Add(time.Minute)}, nil, nil)
	mustOK(t, err, "re-record night 1")
	got, err := db.FindNight(ctx, day1)
	mustOK(t, err, "find night 1")
	if !got.WindowStart.Equal(n1.WindowStart) || !got.WindowEnd.Equal(n1.WindowEnd.Add(time.Minute).Truncate(time.Microsecond)) {
		t.Errorf("night 1 window %s – %s, want %s – %s", got.WindowStart, got.WindowEnd, n1.WindowStart, n1.WindowEnd.Add(time.Minute))
	}
	_, _, err = db.RecordReconciliation(ctx, &withholding.Night{Date: day2, WindowStart: got.WindowEnd, WindowEnd: got.WindowEnd.Add(time.Hour)}, nil,
		slices.Values([]*withholding.Posting{{PaymentID: ps[2].ID, Status: withholding.PostingZero, RunDate: day2}}))
	mustOK(t, err, "record night 2")
	prev, err := db.PreviousNight(ctx, day2)
	mustOK(t, err, "previous night")
	if prev.Date != day1 {
		t.Errorf("previous night of %s is %s, want %s", day2, prev.Date, day1)
	}
	_, err = db.PreviousNight(ctx, day1)
	mustCode(t, err, withholding.ENOTFOUND, "no night before the first")
	_, err = db.FindNight(ctx, date("2026-11-22"))
	mustCode(t, err, withholding.ENOTFOUND, "night not recorded")

	// Payments with their postings: by order (posted and held against it)
	// and by night.
	byOrder, err := collectSeq(db.EachPayment(ctx, withholding.PaymentFilter{OrderRef: &o.ID, WithPosting: true}))
	mustOK(t, err, "payments of the order")
	if len(byOrder) != 2 || byOrder[0].Posting == nil || byOrder[0].Posting.Status != withholding.PostingPosted ||
		byOrder[1].Posting == nil || byOrder[1].Posting.Status != withholding.PostingHeld || byOrder[1].Posting.ExceptionKey != held.Key {
		t.Fatalf("payments of order %d: %+v", o.ID, byOrder)
	}
	if byOrder[0].Credited != ps[0].Credited {
		t.Errorf("credited %s, want %s", byOrder[0].Credited, ps[0].Credited)
	}
	onDay2, err := collectSeq(db.EachPayment(ctx, withholding.PaymentFilter{PostedOn: &day2, WithPosting: true}))
	mustOK(t, err, "payments of night 2")
	if len(onDay2) != 1 || onDay2[0].ID != ps[2].ID || onDay2[0].Posting.Status != withholding.PostingZero {
		t.Errorf("payments reconciled on %s: %+v", day2, onDay2)
	}
	// Brief: the identifiers, kind and FEIN, and the posting's status and
	// night, nothing else.
	for _, withPosting := range []bool{true, false} {
		brief, err := collectSeq(db.EachPayment(ctx, withholding.PaymentFilter{OrderRef: &o.ID, WithPosting: withPosting, Brief: true}))
		mustOK(t, err, "brief payments of the order")
		if len(brief) != len(byOrder) {
			t.Fatalf("brief: %d payments, want %d", len(brief), len(byOrder))
		}
		for i, full := range byOrder {
			want := &withholding.Payment{ID: full.ID, FileID: full.FileID, Kind: full.Kind, FEIN: full.FEIN}
			if withPosting {
				want.Posting = &withholding.Posting{PaymentID: full.ID, Status: full.Posting.Status, RunDate: full.Posting.RunDate}
			}
			if !reflect.DeepEqual(brief[i], want) {
				t.Errorf("brief payment %d (with posting %v):\n got %+v\nwant %+v", i, withPosting, brief[i], want)
			}
		}
	}
	plain, err := collectSeq(db.EachPayment(ctx, withholding.PaymentFilter{OrderRef: &o.ID}))
	mustOK(t, err, "payments without postings")
	if len(plain) != 2 || plain[0].Posting != nil {
		t.Errorf("without WithPosting the posting is read: %+v", plain[0].Posting)
	}

	// The exception holding a payment, by its posting's key.
	key := byOrder[1].Posting.ExceptionKey
	if got, n, err := db.FindExceptions(ctx, withholding.ExceptionFilter{Key: &key}); err != nil || n != 1 || got[0].ID != held.ID {
		t.Errorf("exception by key %q: %d found (%v), want exception %d", key, n, err, held.ID)
	}

	// Night totals add up the postings of the night.
	tot, err := db.NightTotals(ctx, day1)
	mustOK(t, err, "night totals")
	want := withholding.Tally{Count: 2, Amount: ps[0].Credited + ps[1].Credited}
	if tot.Received != want || tot.Posted != (withholding.Tally{Count: 1, Amount: ps[0].Credited}) ||
		tot.Held != (withholding.Tally{Count: 1, Amount: ps[1].Credited}) || tot.ByEmployer["480123456"] != want {
		t.Errorf("night 1 totals %+v", tot)
	}
	if tot.Returns != (withholding.Tally{Count: 1, Amount: 1234}) {
		t.Errorf("night 1 returns %+v, want the one return in its window", tot.Returns)
	}
	if tot.OpenExceptions[withholding.ExSSNMismatch] != 1 {
		t.Errorf("night 1 open exceptions %v", tot.OpenExceptions)
	}
	// Resolved after the night's report: still open in that night's books.
	mustOK(t, db.RecordReport(ctx, day1), "record report")
	resolved := withholding.ExceptionResolved
	_, err = db.UpdateException(ctx, held.ID, withholding.ExceptionUpdate{Status: &resolved, By: "test"})
	mustOK(t, err, "resolve")
	tot, err = db.NightTotals(ctx, day1)
	mustOK(t, err, "night totals after resolution")
	if tot.OpenExceptions[withholding.ExSSNMismatch] != 1 {
		t.Errorf("resolved after the report: night 1 open exceptions %v, want it still counted", tot.OpenExceptions)
	}
	mustCode(t, db.RecordReport(ctx, date("2026-11-23")), withholding.ENOTFOUND, "report of a night not recorded")
	_, err = db.NightTotals(ctx, date("2026-11-23"))
	mustCode(t, err, withholding.ENOTFOUND, "totals of a night not recorded")
	_, _, err = db.RecordReconciliation(ctx, &withholding.Night{}, nil, nil)
	mustCode(t, err, withholding.EINVALID, "night without a date")
}

func collectSeq[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
