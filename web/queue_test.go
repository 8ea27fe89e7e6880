package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

// dashed writes an FEIN as it is printed and read aloud: 90-3080944.
func dashed(f withholding.FEIN) string { return string(f[:2]) + "-" + string(f[2:]) }

func TestSearchKinds(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	c := f.client(t, "hl", "hl-pass")
	o := f.orders[5]
	stored, _, err := f.db.FindOrders(ctx, withholding.OrderFilter{CaseID: &o.CaseID})
	if err != nil || len(stored) != 1 {
		t.Fatalf("find order %s: %v", o.CaseID, err)
	}
	o = *stored[0]
	MustPayments(t, f.db, &withholding.Payment{Trace: "091000019876543", SEC: "CCD", TransactionCode: 22,
		EffectiveDate: withholding.NewDate(2026, 11, 20), RemittanceID: o.RemittanceID, Amount: 5000, EntryAmount: 5000,
		Credited: 5000, SSN: o.Obligor.SSN, Kind: withholding.KindPayment, FEIN: o.EmployerFEIN})
	out := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo.txt", Size: 10, SHA256: strings.Repeat("9a", 32)}
	if err := f.db.CreateFile(ctx, out); err != nil {
		t.Fatal(err)
	}
	if err := f.db.RecordSent(ctx, out.ID, slices.Values([]*withholding.Document{{TrackingID: "TRK-000123", OrderRef: o.ID, CaseID: o.CaseID,
		FEIN: o.EmployerFEIN, Action: withholding.ActionOriginal}})); err != nil {
		t.Fatal(err)
	}
	emp := f.emps[0]
	for _, e := range f.emps {
		if e.FEIN == o.EmployerFEIN {
			emp = e
		}
	}
	orderLink := fmt.Sprintf(`href="/orders/%d"`, o.ID)
	empLink := fmt.Sprintf(`href="/employers/%s"`, emp.FEIN)
	name := strings.ToLower(o.Obligor.Last)
	tests := []struct {
		name, q string
		want    []string
	}{
		{"DashedFEIN", dashed(emp.FEIN), []string{empLink}},
		{"FEIN", string(emp.FEIN), []string{empLink}},
		{"EmployerNamePart", strings.ToLower(emp.Name[1:6]), []string{empLink}},
		{"CaseIDLowerCase", strings.ToLower(string(o.CaseID)), []string{orderLink}},
		{"OrderID", string(o.OrderID), []string{orderLink}},
		{"LastCommaFirst", name + ", " + o.Obligor.First[:2], []string{orderLink}},
		{"FirstLast", o.Obligor.First + " " + o.Obligor.Last, []string{orderLink}},
		{"LastPrefix", name[:3], []string{orderLink}},
		{"NameAndLast4", name + " " + o.Obligor.SSN.Last4(), []string{orderLink}},
		{"DashedFEINAndLast4", dashed(emp.FEIN) + " " + o.Obligor.SSN.Last4(), []string{orderLink}},
		{"EmployerNameAndLast4", emp.Name + " " + o.Obligor.SSN.Last4(), []string{orderLink}},
		{"Trace", "091000019876543", []string{"091000019876543", `href="/files/`}},
		{"TrackingID", "TRK-000123", []string{orderLink}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, c, f.srv.URL+"/?q="+url.QueryEscape(tc.q))
			if code != http.StatusOK {
				t.Fatalf("search %q: status %d", tc.q, code)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("search %q: page lacks %s", tc.q, w)
				}
			}
		})
	}
	// The last four select: the same name with other digits finds other
	// people only.
	other := "0000"
	if o.Obligor.SSN.Last4() == other {
		other = "0001"
	}
	_, body := get(t, c, f.srv.URL+"/?q="+url.QueryEscape(name+" "+other))
	if strings.Contains(body, orderLink) {
		t.Errorf("name with last four %s lists order %d, whose SSN ends %s", other, o.ID, o.Obligor.SSN.Last4())
	}
	// A full SSN is refused and not shown back; the last four alone ask
	// for a name.
	full := o.Obligor.SSN.Digits()
	code, body := get(t, c, f.srv.URL+"/?q="+url.QueryEscape(full[:3]+"-"+full[3:5]+"-"+full[5:]))
	if code != http.StatusOK || !strings.Contains(body, `id="hint"`) || strings.Contains(body, orderLink) || strings.Contains(body, full[5:]) {
		t.Errorf("full SSN searched: status %d, want a hint, no result and the number not shown back", code)
	}
	_, body = get(t, c, f.srv.URL+"/?q="+o.Obligor.SSN.Last4())
	if !strings.Contains(body, `id="hint"`) || strings.Contains(body, orderLink) {
		t.Error("last four alone: want a hint and no result")
	}
}

// mustQueue adds n open exceptions of typ for the fixture's first
// employer, opened on successive days from the 1st of November.
func mustQueue(t *testing.T, f *fixture, typ withholding.ExceptionType, sev withholding.Severity, n int, msg string) []int64 {
	t.Helper()
	var exs []*withholding.Exception
	for i := range n {
		exs = append(exs, &withholding.Exception{Type: typ, Severity: sev, Key: fmt.Sprintf("%s|%d", typ, i),
			FEIN: f.emps[0].FEIN, Amount: withholding.Cents(100 * (i + 1)), Message: fmt.Sprintf(msg, i),
			OpenedOn: withholding.NewDate(2026, 11, 1).AddDays(i % 28)})
	}
	if _, err := f.db.UpsertExceptions(context.Background(), exs); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, n)
	for i, e := range exs {
		ids[i] = e.ID
	}
	return ids
}

func TestQueueFiltersAndPages(t *testing.T) {
	f := mustFixture(t)
	mustQueue(t, f, withholding.ExIWORejected, withholding.SeverityHigh, 110, "IWO %d rejected")
	c := f.client(t, "hl", "hl-pass")
	rows := func(body string) int { return strings.Count(body, `id="exception-`) }
	_, body := get(t, c, f.srv.URL+"/exceptions")
	// 111 open: the fixture's short payment and 110 rejections.
	if rows(body) != 50 || !strings.Contains(body, "Exceptions 1–50 of 111") || !strings.Contains(body, `id="next"`) {
		t.Errorf("first page: %d rows, want 50 of 111 and a next link", rows(body))
	}
	if !strings.Contains(body, "IWO rejected</a> 110") || !strings.Contains(body, "Short payment</a> 1") {
		t.Error("counts per type missing or wrong at the top of the queue")
	}
	_, body = get(t, c, f.srv.URL+"/exceptions?page=3")
	if rows(body) != 11 || strings.Contains(body, `id="next"`) {
		t.Errorf("last page: %d rows, want 11 and no next link", rows(body))
	}
	_, body = get(t, c, f.srv.URL+"/exceptions?type=short_payment")
	if rows(body) != 1 || !strings.Contains(body, "Paid $100.00 of $200.00") {
		t.Errorf("type filter: %d rows, want the one short payment", rows(body))
	}
	_, body = get(t, c, f.srv.URL+"/exceptions?severity=medium&fein="+url.QueryEscape(dashed(f.orders[0].EmployerFEIN)))
	if rows(body) != 1 {
		t.Errorf("severity and dashed employer filter: %d rows, want 1", rows(body))
	}
	_, body = get(t, c, f.srv.URL+"/exceptions?assigned=me")
	if rows(body) != 0 {
		t.Errorf("assigned to me: %d rows before any assignment", rows(body))
	}
	for _, bad := range []string{"type=nope", "status=gone", "sort=random", "age=5", "fein=12"} {
		if code, _ := get(t, c, f.srv.URL+"/exceptions?"+bad); code != http.StatusBadRequest {
			t.Errorf("queue ?%s: status %d, want 400", bad, code)
		}
	}
	// Help line sees no tick boxes or buttons.
	if strings.Contains(body, `name="id"`) || strings.Contains(body, "bulk-resolve") {
		t.Error("help line is offered the queue's actions")
	}
}

func TestQueueBulkResolveExactlyChosen(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	ids := mustQueue(t, f, withholding.ExMissingPayment, withholding.SeverityMedium, 6, "missing %d")
	chosen := []int64{ids[1], ids[4]}
	form := url.Values{"action": {"resolve"}, "note": {"paid by check"}, "id": {itoa(chosen[0]), itoa(chosen[1])},
		"back": {"/exceptions?type=missing_payment"}}
	hl := f.client(t, "hl", "hl-pass")
	resp, err := hl.PostForm(f.srv.URL+"/exceptions", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("help line bulk resolve: status %d, want 403", resp.StatusCode)
	}
	resolved := withholding.ExceptionResolved
	if _, n, _ := f.db.FindExceptions(ctx, withholding.ExceptionFilter{Status: &resolved}); n != 0 {
		t.Fatalf("help line resolved %d exceptions", n)
	}
	sup := f.client(t, "sup", "sup-pass")
	resp, err = sup.PostForm(f.srv.URL+"/exceptions", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RequestURI() != "/exceptions?type=missing_payment" {
		t.Errorf("supervisor bulk resolve: status %d at %s, want the filtered queue back", resp.StatusCode, resp.Request.URL.RequestURI())
	}
	got, _, err := f.db.FindExceptions(ctx, withholding.ExceptionFilter{Status: &resolved})
	if err != nil {
		t.Fatal(err)
	}
	var gotIDs []int64
	for _, e := range got {
		gotIDs = append(gotIDs, e.ID)
		if e.ResolvedBy != "sup" || e.Note != "paid by check" {
			t.Errorf("exception %d resolved by %q with note %q", e.ID, e.ResolvedBy, e.Note)
		}
	}
	if !slices.Equal(gotIDs, chosen) {
		t.Errorf("resolved %v, want exactly %v", gotIDs, chosen)
	}
	// One row's own button acts on that row alone.
	resp, err = sup.PostForm(f.srv.URL+"/exceptions", url.Values{"action": {"dismiss:" + itoa(ids[0])}, "id": {itoa(ids[2])}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	dismissed := withholding.ExceptionDismissed
	if got, _, _ := f.db.FindExceptions(ctx, withholding.ExceptionFilter{Status: &dismissed}); len(got) != 1 || got[0].ID != ids[0] {
		t.Errorf("row dismiss: dismissed %v, want only %d", got, ids[0])
	}
	// Nothing ticked, or an unknown ID: refused, nothing changes.
	for _, v := range []url.Values{{"action": {"resolve"}}, {"action": {"resolve"}, "id": {itoa(ids[3]), "999999"}}} {
		resp, err = sup.PostForm(f.srv.URL+"/exceptions", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
			t.Errorf("bulk %v: status %d, want 400 or 404", v, resp.StatusCode)
		}
	}
	if _, n, _ := f.db.FindExceptions(ctx, withholding.ExceptionFilter{Status: &resolved}); n != 2 {
		t.Errorf("after refused bulk actions %d resolved, want still 2", n)
	}
}

func TestQueueAssign(t *testing.T) {
	f := mustFixture(t)
	ids := mustQueue(t, f, withholding.ExLatePayment, withholding.SeverityLow, 3, "late %d")
	sup := f.client(t, "sup", "sup-pass")
	post := func(v url.Values) int {
		t.Helper()
		resp, err := sup.PostForm(f.srv.URL+"/exceptions", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(url.Values{"action": {"assign"}, "assignee": {"me"}, "id": {itoa(ids[0]), itoa(ids[2])}}); code != http.StatusOK {
		t.Fatalf("assign to me: status %d", code)
	}
	if code := post(url.Values{"action": {"assign"}, "assignee": {"hl"}, "id": {itoa(ids[1])}}); code != http.StatusOK {
		t.Fatalf("assign to hl: status %d", code)
	}
	if code := post(url.Values{"action": {"assign"}, "assignee": {"nobody-here"}, "id": {itoa(ids[1])}}); code != http.StatusBadRequest {
		t.Errorf("assign to an unknown user: status %d, want 400", code)
	}
	_, body := get(t, sup, f.srv.URL+"/exceptions?assigned=me")
	if n := strings.Count(body, `id="exception-`); n != 2 {
		t.Errorf("sup's queue: %d rows, want 2", n)
	}
	_, body = get(t, f.client(t, "hl", "hl-pass"), f.srv.URL+"/exceptions?assigned=me")
	if n := strings.Count(body, `id="exception-`); n != 1 || !strings.Contains(body, fmt.Sprintf(`id="exception-%d"`, ids[1])) {
		t.Errorf("hl's queue: %d rows, want exception %d", n, ids[1])
	}
	post(url.Values{"action": {"unassign"}, "id": {itoa(ids[0])}})
	_, body = get(t, sup, f.srv.URL+"/exceptions?assigned=none")
	// The fixture's short payment and the one taken back.
	if n := strings.Count(body, `id="exception-`); n != 2 || !strings.Contains(body, fmt.Sprintf(`id="exception-%d"`, ids[0])) {
		t.Errorf("unassigned: %d rows, want 2 with exception %d", n, ids[0])
	}
}

func TestQueueCSV(t *testing.T) {
	f := mustFixture(t)
	mustQueue(t, f, withholding.ExReturn, withholding.SeverityHigh, 60, "=HYPERLINK(\"http://evil.example\",\"%d\")")
	c := f.client(t, "hl", "hl-pass")
	resp, err := c.Get(f.srv.URL + "/exceptions.csv?type=ach_return")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// Every match, not one page: the header and 60 returns.
	if len(recs) != 61 {
		t.Fatalf("CSV has %d records, want a header and 60 rows", len(recs))
	}
	msg := slices.Index(recs[0], "message")
	for _, r := range recs[1:] {
		if r[slices.Index(recs[0], "type")] != "ach_return" {
			t.Errorf("CSV row of type %s, filter was ach_return", r[1])
		}
		if !strings.HasPrefix(r[msg], "'=") {
			t.Errorf("CSV message %q would run as a formula", r[msg])
		}
	}
}

func TestFilesTransfersByDefault(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	for _, fl := range []*withholding.File{
		{Direction: withholding.Outbound, Kind: withholding.KindReportFile, RemoteName: "operations-2026-11-20.xlsx", SHA256: strings.Repeat("cd", 32)},
		{Direction: withholding.Inbound, Partner: "employers", Kind: withholding.KindAckFile, RemoteName: "ACK_1.txt", SHA256: strings.Repeat("ef", 32)},
	} {
		if err := f.db.CreateFile(ctx, fl); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t, "hl", "hl-pass")
	_, body := get(t, c, f.srv.URL+"/files")
	if strings.Contains(body, "operations-2026-11-20.xlsx") || !strings.Contains(body, "ACK_1.txt") {
		t.Error("files page by default: want the partner's ACK_1.txt and not the local report copy")
	}
	_, body = get(t, c, f.srv.URL+"/files?all=1")
	if !strings.Contains(body, "operations-2026-11-20.xlsx") || !strings.Contains(body, "ACK_1.txt") {
		t.Error("files page with all=1: want both files")
	}
}

// mustQuarantined records a remittance file the pull job quarantined
// ("line 3: batch header missing") and the corrected one the bank sent
// after, applied.
func mustQuarantined(t *testing.T, f *fixture) (bad, fixed *withholding.File) {
	t.Helper()
	ctx := context.Background()
	bad = &withholding.File{Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile, RemoteName: "bad.ach", SHA256: strings.Repeat("01", 32)}
	fixed = &withholding.File{Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile, RemoteName: "fixed.ach", SHA256: strings.Repeat("02", 32)}
	for _, fl := range []*withholding.File{bad, fixed} {
		if err := f.db.CreateFile(ctx, fl); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.db.SetFileState(ctx, bad.ID, withholding.FileQuarantined, "line 3: batch header missing"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.ApplyPayments(ctx, fixed.ID, func(func(*withholding.Payment, error) bool) {}); err != nil {
		t.Fatal(err)
	}
	return bad, fixed
}

func TestResolveQuarantinedFile(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	bad, fixed := mustQuarantined(t, f)
	path := fmt.Sprintf("%s/files/%d/resolve", f.srv.URL, bad.ID)
	hl := f.client(t, "hl", "hl-pass")
	_, page := get(t, hl, fmt.Sprintf("%s/files/%d", f.srv.URL, bad.ID))
	if !strings.Contains(page, `id="requeue-help"`) || strings.Contains(page, `id="resolve-file"`) {
		t.Error("help line's file page: want the explanation and no form")
	}
	resp, err := hl.PostForm(path, url.Values{"note": {"fixed"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("help line resolving a file: status %d, want 403", resp.StatusCode)
	}
	sup := f.client(t, "sup", "sup-pass")
	for _, v := range []url.Values{{"note": {""}}, {"note": {"x"}, "replacement": {itoa(bad.ID)}}, {"note": {"x"}, "replacement": {"4242"}}} {
		resp, err = sup.PostForm(path, v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("resolve with %v: status %d, want 400", v, resp.StatusCode)
		}
	}
	resp, err = sup.PostForm(path, url.Values{"note": {"bank resent the file"}, "replacement": {itoa(fixed.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("supervisor resolving: status %d", resp.StatusCode)
	}
	got, err := f.db.FindFileByID(ctx, bad.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"resolved by sup", "bank resent the file", fmt.Sprintf("replaced by ledger file %d", fixed.ID), "line 3: batch header missing"} {
		if !strings.Contains(got.Error, want) {
			t.Errorf("ledger note %q lacks %q", got.Error, want)
		}
	}
	if got.State != withholding.FileArchived {
		t.Errorf("resolved file is %s, want archived", got.State)
	}
	if !strings.Contains(f.logs.String(), "quarantined file resolved") {
		t.Error("no log line for the resolved file")
	}
	resp, err = sup.PostForm(path, url.Values{"note": {"again"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("resolving twice: status %d, want 409", resp.StatusCode)
	}
}

// countingJob is a job that reports many counts, as the report job's
// per-employer counters do.
type countingJob struct{ name string }

func (j countingJob) Name() string { return j.name }

func (j countingJob) Run(context.Context) (jobs.Result, error) {
	r := jobs.Result{Files: 2}
	r.Add("payments", 1204)
	r.Add("duplicates", 3)
	for i := range 300 {
		r.Add(fmt.Sprintf("employer:%09d", i), 1)
	}
	r.Add("quarantined", 1)
	r.Add("acks", 7)
	r.Add("growing", 2)
	return r, nil
}

// withScheduler gives the console a real scheduler over the fixture's
// store, with one job.
func withScheduler(cfg *web.Config) {
	s := jobs.NewScheduler(jobs.SchedulerConfig{Runs: cfg.JobRuns, Instance: "console", Env: jobs.Env{Logger: cfg.Logger}})
	if err := s.Add(countingJob{"pull-remittances"}, "", jobs.AnyDay); err != nil {
		panic(err)
	}
	cfg.Runner = s
}

func TestRunNow(t *testing.T) {
	f := mustFixture(t, withScheduler)
	ctx := context.Background()
	hl := f.client(t, "hl", "hl-pass")
	_, body := get(t, hl, f.srv.URL+"/runs")
	if strings.Contains(body, `id="run-now"`) {
		t.Error("help line is offered Run now")
	}
	resp, err := hl.PostForm(f.srv.URL+"/runs", url.Values{"job": {"pull-remittances"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("help line running a job: status %d, want 403", resp.StatusCode)
	}
	if _, n, _ := f.db.FindJobRuns(ctx, "", 0, 10); n != 0 {
		t.Fatalf("help line's refused run recorded %d runs", n)
	}
	sup := f.client(t, "sup", "sup-pass")
	resp, err = sup.PostForm(f.srv.URL+"/runs", url.Values{"job": {"send-everything"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown job: status %d, want 400", resp.StatusCode)
	}
	resp, err = sup.PostForm(f.srv.URL+"/runs", url.Values{"job": {"pull-remittances"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("supervisor Run now: status %d", resp.StatusCode)
	}
	runs, _, err := f.db.FindJobRuns(ctx, "pull-remittances", 0, 10)
	if err != nil || len(runs) != 1 || runs[0].Status != withholding.RunSucceeded || runs[0].Instance != "console" {
		t.Fatalf("runs after Run now: %+v, %v; want one ok run by the console's scheduler", runs, err)
	}
	_, body = get(t, sup, f.srv.URL+"/runs")
	for _, want := range []string{"1,204 payments", "300 employer (300 kinds)", "more</summary>"} {
		if !strings.Contains(body, want) {
			t.Errorf("runs page lacks %q", want)
		}
	}
	if strings.Contains(body, "employer:000000017") {
		t.Error("runs page prints raw per-employer counters")
	}
}
