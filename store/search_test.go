package store_test

import (
	"slices"
	"testing"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// testSearch covers the console's search queries: dashed FEIN, obligor
// name prefixes either way round, SSN last four with a name or employer,
// order ID and trace number.
func testSearch(t *testing.T, db *store.DB) {
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("903080944")), "employer")
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("480123456")), "employer")
	people := []struct {
		caseID, fein, last, first string
		ssn                       withholding.SSN
	}{
		{"KS1", "903080944", "Smith", "Anna", "900111234"},
		{"KS2", "903080944", "Smithers", "Bob", "900221234"},
		{"KS3", "480123456", "SMITH", "Carl", "900335678"},
		{"KS4", "480123456", "Jones", "Anna", "900441234"},
	}
	ids := map[string]int64{}
	for _, p := range people {
		o := sampleOrder(p.caseID, p.fein)
		o.Obligor.Last, o.Obligor.First, o.Obligor.SSN = p.last, p.first, p.ssn
		mustOK(t, db.CreateOrder(ctx, o), "order "+p.caseID)
		ids[p.caseID] = o.ID
	}
	emps, n, err := db.FindEmployers(ctx, withholding.EmployerFilter{Query: "90-3080944"})
	mustOK(t, err, "find employer by dashed FEIN")
	if n != 1 || emps[0].FEIN != "903080944" {
		t.Errorf("dashed FEIN found %d employers, want 903080944", n)
	}
	fein := withholding.FEIN("903080944")
	tests := []struct {
		name   string
		filter withholding.OrderFilter
		want   []string
	}{
		// By name: Smith Anna, SMITH Carl, Smithers Bob.
		{"LastPrefixAnyCase", withholding.OrderFilter{ObligorLast: "smi"}, []string{"KS1", "KS3", "KS2"}},
		{"LastWhole", withholding.OrderFilter{ObligorLast: "SMITH"}, []string{"KS1", "KS3", "KS2"}},
		{"LastAndFirst", withholding.OrderFilter{ObligorLast: "smith", ObligorFirst: "c"}, []string{"KS3"}},
		{"FirstOnly", withholding.OrderFilter{ObligorFirst: "anna"}, []string{"KS1", "KS4"}},
		{"NameAndLast4", withholding.OrderFilter{ObligorLast: "smith", SSNLast4: "1234"}, []string{"KS1", "KS2"}},
		{"FirstNameAnyCase", withholding.OrderFilter{ObligorLast: "jones", ObligorFirst: "ANNA"}, []string{"KS4"}},
		{"EmployerAndLast4", withholding.OrderFilter{EmployerFEIN: &fein, SSNLast4: "1234"}, []string{"KS1", "KS2"}},
		{"NoMatch", withholding.OrderFilter{ObligorLast: "smiz"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := db.FindOrders(ctx, tc.filter)
			mustOK(t, err, tc.name)
			var cases []string
			for _, o := range got {
				cases = append(cases, string(o.CaseID))
			}
			if n != len(tc.want) || !slices.Equal(cases, tc.want) {
				t.Errorf("%+v: found %v (count %d), want %v", tc.filter, cases, n, tc.want)
			}
		})
	}
	_, _, err = db.FindOrders(ctx, withholding.OrderFilter{ObligorLast: "smith", SSNLast4: "12a4"})
	mustCode(t, err, withholding.EINVALID, "last four not digits")

	oid := withholding.OrderID("ORD-KS3")
	got, _, err := db.FindOrders(ctx, withholding.OrderFilter{OrderID: &oid})
	mustOK(t, err, "by order ID")
	if len(got) != 1 || got[0].ID != ids["KS3"] {
		t.Errorf("order ID %s found %v", oid, got)
	}

	f := mustFile(t, db, "remit.ach", withholding.KindACHFile)
	_, err = db.ApplyPayments(ctx, f.ID, payments(3, nil))
	mustOK(t, err, "apply")
	trace := samplePayment(1).Trace
	pays, n, err := db.FindPayments(ctx, withholding.PaymentFilter{Trace: &trace})
	mustOK(t, err, "by trace")
	if n != 1 || pays[0].Trace != trace {
		t.Errorf("trace %s found %d payments", trace, n)
	}
}

// testExceptionQueue covers the work queue: filters, sorts, counts by
// type, assignment and bulk updates that change all or nothing.
func testExceptionQueue(t *testing.T, db *store.DB) {
	mk := func(key string, typ withholding.ExceptionType, sev withholding.Severity, opened string, amount withholding.Cents) *withholding.Exception {
		return &withholding.Exception{Type: typ, Severity: sev, Key: key, FEIN: "480123456", Amount: amount,
			Message: key, OpenedOn: date(opened)}
	}
	exs := []*withholding.Exception{
		mk("a", withholding.ExShortPayment, withholding.SeverityMedium, "2026-11-02", 100),
		mk("b", withholding.ExShortPayment, withholding.SeverityHigh, "2026-11-05", 300),
		mk("c", withholding.ExIWORejected, withholding.SeverityLow, "2026-11-01", 200),
		mk("d", withholding.ExShortPayment, withholding.SeverityLow, "2026-11-09", 0),
	}
	_, err := db.UpsertExceptions(ctx, exs)
	mustOK(t, err, "upsert")
	keys := func(filter withholding.ExceptionFilter) []string {
		t.Helper()
		got, _, err := db.FindExceptions(ctx, filter)
		mustOK(t, err, "find")
		var out []string
		for _, e := range got {
			out = append(out, e.Key)
		}
		return out
	}
	for sort, want := range map[withholding.ExceptionSort][]string{
		withholding.ExceptionsOldest:   {"c", "a", "b", "d"},
		withholding.ExceptionsNewest:   {"d", "b", "a", "c"},
		withholding.ExceptionsSeverity: {"b", "a", "c", "d"},
		withholding.ExceptionsAmount:   {"b", "c", "a", "d"},
		withholding.ExceptionsType:     {"c", "a", "b", "d"},
	} {
		if got := keys(withholding.ExceptionFilter{Sort: sort}); !slices.Equal(got, want) {
			t.Errorf("sort %s: %v, want %v", sort, got, want)
		}
	}
	_, _, err = db.FindExceptions(ctx, withholding.ExceptionFilter{Sort: "bogus"})
	mustCode(t, err, withholding.EINVALID, "unknown sort")
	if got := keys(withholding.ExceptionFilter{Sort: withholding.ExceptionsOldest, Offset: 1, Limit: 2}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("second page of two from 1: %v", got)
	}
	if got := keys(withholding.ExceptionFilter{OpenedBefore: date("2026-11-05")}); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("opened before the 5th: %v", got)
	}
	if got := keys(withholding.ExceptionFilter{OpenedAfter: date("2026-11-02"), OpenedBefore: date("2026-11-09")}); !slices.Equal(got, []string{"b"}) {
		t.Errorf("opened after the 2nd, before the 9th: %v", got)
	}
	low := withholding.SeverityLow
	if got := keys(withholding.ExceptionFilter{Severity: &low}); !slices.Equal(got, []string{"c", "d"}) {
		t.Errorf("low severity: %v", got)
	}

	who := "ann"
	_, err = db.UpdateExceptions(ctx, []int64{exs[0].ID, exs[2].ID}, withholding.ExceptionUpdate{AssignedTo: &who})
	mustOK(t, err, "assign")
	if got := keys(withholding.ExceptionFilter{AssignedTo: &who}); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("assigned to ann: %v", got)
	}
	nobody := ""
	if got := keys(withholding.ExceptionFilter{AssignedTo: &nobody}); !slices.Equal(got, []string{"b", "d"}) {
		t.Errorf("unassigned: %v", got)
	}

	counts, err := db.CountExceptions(ctx, withholding.ExceptionFilter{Type: ptr(withholding.ExIWORejected)})
	mustOK(t, err, "count")
	want := []withholding.ExceptionCount{{Type: withholding.ExShortPayment, Count: 3}, {Type: withholding.ExIWORejected, Count: 1}}
	if !slices.Equal(counts, want) {
		t.Errorf("counts (type filter ignored): %v, want %v", counts, want)
	}

	// A bulk resolve with one unknown ID changes nothing.
	resolved, note := withholding.ExceptionResolved, "paid"
	_, err = db.UpdateExceptions(ctx, []int64{exs[1].ID, 999999}, withholding.ExceptionUpdate{Status: &resolved, By: "ann", Note: &note})
	mustCode(t, err, withholding.ENOTFOUND, "bulk with a missing ID")
	open := withholding.ExceptionOpen
	if got := keys(withholding.ExceptionFilter{Status: &open}); len(got) != 4 {
		t.Errorf("after a failed bulk resolve %d open, want 4", len(got))
	}
	done, err := db.UpdateExceptions(ctx, []int64{exs[3].ID, exs[1].ID}, withholding.ExceptionUpdate{Status: &resolved, By: "ann", Note: &note})
	mustOK(t, err, "bulk resolve")
	if len(done) != 2 || done[0].Key != "d" || done[1].ResolvedBy != "ann" || done[1].Note != "paid" {
		t.Errorf("bulk resolve returned %+v", done)
	}
	if got := keys(withholding.ExceptionFilter{Status: &resolved}); !slices.Equal(got, []string{"b", "d"}) {
		t.Errorf("resolved: %v, want exactly b and d", got)
	}
	if got := keys(withholding.ExceptionFilter{IDs: []int64{exs[2].ID, exs[0].ID}}); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("by IDs: %v", got)
	}
}

func ptr[T any](v T) *T { return &v }

// testResolveQuarantine: only a quarantined inbound file can be resolved;
// it leaves the quarantined list, and its bytes are still unapplied.
func testResolveQuarantine(t *testing.T, db *store.DB) {
	f := mustFile(t, db, "bad.ach", withholding.KindACHFile)
	_, err := db.ResolveQuarantine(ctx, f.ID, "fixed")
	mustCode(t, err, withholding.ECONFLICT, "resolve a received file")
	mustOK(t, db.SetFileState(ctx, f.ID, withholding.FileQuarantined, "line 3: bad DED"), "quarantine")
	got, err := db.ResolveQuarantine(ctx, f.ID, "resolved by sup: partner sent a fixed file\nwas: line 3: bad DED")
	mustOK(t, err, "resolve")
	if got.State != withholding.FileArchived || got.Error != "resolved by sup: partner sent a fixed file\nwas: line 3: bad DED" {
		t.Errorf("resolved file: state %s error %q", got.State, got.Error)
	}
	_, err = db.ResolveQuarantine(ctx, f.ID, "again")
	mustCode(t, err, withholding.ECONFLICT, "resolve twice")
	_, err = db.ResolveQuarantine(ctx, 999999, "x")
	mustCode(t, err, withholding.ENOTFOUND, "resolve a missing file")
	q := withholding.FileQuarantined
	if _, n, _ := db.FindFiles(ctx, withholding.FileFilter{State: &q}); n != 0 {
		t.Errorf("%d quarantined files left", n)
	}
	if applied, _ := db.AppliedSHA256(ctx, f.SHA256); applied {
		t.Error("a resolved quarantined file counts as applied")
	}
	// Files with a partner are the transfers; a local report copy has none.
	local := &withholding.File{Direction: withholding.Outbound, Kind: withholding.KindReportFile, RemoteName: "ops.xlsx", SHA256: sumOf("ops")}
	mustOK(t, db.CreateFile(ctx, local), "local copy")
	if _, n, _ := db.FindFiles(ctx, withholding.FileFilter{WithPartner: true}); n != 1 {
		t.Errorf("files with a partner: %d, want 1", n)
	}
}
