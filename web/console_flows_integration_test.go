//go:build integration

package web_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

// TestIntegrationConsoleFlowsInChromium is issue 16's acceptance test: an
// operations user, in real headless Chromium, finds an employer by its
// dashed FEIN and an obligor by name and SSN last four, opens the order and
// sees every payment posted to it, works out the order's withholding from
// its page (the domain calculator's answer), filters the exception queue
// to one type and resolves two in bulk, resolves a quarantined file and
// runs a job now; an admin then reads each of those actions in the audit
// log. Every page is saved as a screenshot.
func TestIntegrationConsoleFlowsInChromium(t *testing.T) {
	f := mustFixture(t, withScheduler)
	bg := context.Background()
	MustUser(t, f.db, "ops", web.RoleOperations, "ops-password-1")
	MustUser(t, f.db, "adm", web.RoleAdmin, "admin-password-1")
	b := mustBooks(t, f)
	o := b.o
	missing := mustQueue(t, f, withholding.ExMissingPayment, withholding.SeverityMedium, 4, "No payment for pay date %d")
	mustQueue(t, f, withholding.ExIWORejected, withholding.SeverityHigh, 3, "IWO %d rejected by the employer")
	bad, fixed := mustQuarantined(t, f)
	emp, err := f.db.FindEmployerByFEIN(bg, o.EmployerFEIN)
	if err != nil {
		t.Fatal(err)
	}

	ctx := mustBrowserFor(t, 5*time.Minute)
	shoot := func(name string) { t.Helper(); browserShot(t, ctx, "flows-"+name) }
	text := func(sel string) string { t.Helper(); return browserText(t, ctx, sel) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browserDo(t, ctx, what, steps...)
	}
	// next marks the page so that a wait for sel ends only on the page the
	// steps lead to, not on the one they start from.
	next := func(what, sel string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		steps = append([]chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`document.body.dataset.before = "1"`)}, steps...)
		if err := chromedp.Do(ctx, append(steps, chromedp.WaitVisible("body:not([data-before]) "+sel))...); err != nil {
			browserShot(t, context.WithoutCancel(ctx), "flows-failed")
			t.Fatalf("%s: %v", what, err)
		}
	}
	signIn := func(user, pw string) {
		t.Helper()
		do("sign in as "+user,
			chromedp.Navigate(f.srv.URL+"/"),
			chromedp.WaitVisible("#user"),
			chromedp.SendKeys("#user", user),
			chromedp.SendKeys("#password", pw),
			chromedp.Click("#signin"),
			chromedp.WaitVisible("#q"),
		)
	}

	signIn("ops", "ops-password-1")
	shoot("search")
	next("find the employer by its dashed FEIN", "#employers", chromedp.SendKeys("#q", dashed(emp.FEIN)), chromedp.Click("#search"))
	employers := text("#employers")
	shoot("search-fein")
	next("open the employer", "#employer", chromedp.Click(fmt.Sprintf(`#employers a[href="/employers/%s"]`, emp.FEIN)))
	shoot("employer")
	nameLast4 := o.Obligor.Last + " " + o.Obligor.SSN.Last4()
	next("find the obligor by name and last four", "#orders",
		chromedp.Click(`header a[href="/"]`), chromedp.WaitVisible("#q"), chromedp.SendKeys("#q", nameLast4), chromedp.Click("#search"))
	orders := text("#orders")
	shoot("search-name-last4")

	next("open the order", "#payments", chromedp.Click(fmt.Sprintf(`#orders a[href="/orders/%d"]`, o.ID)))
	payments, posted := text("#payments"), text("#total-posted")
	shoot("order")
	next("calculate for this order", "#result", chromedp.SendKeys("#calc-disposable", "900"), chromedp.Click("#calc-for-order"))
	withheld, capAmount := text("#withheld"), text("#cap-amount")
	shoot("calc")

	do("open the queue", chromedp.Navigate(f.srv.URL+"/exceptions"), chromedp.WaitVisible("#exceptions"))
	shoot("queue")
	next("filter the queue to missing payments", "#exceptions",
		chromedp.SetValue("#f-type", string(withholding.ExMissingPayment)), chromedp.Click("#filter"))
	filtered := text("#exceptions")
	filteredCount := text("#count")
	shoot("queue-missing")
	next("resolve two in bulk", "#count",
		chromedp.Click(fmt.Sprintf("#pick-%d", missing[0])),
		chromedp.Click(fmt.Sprintf("#pick-%d", missing[2])),
		chromedp.SendKeys("#note", "paid by check"),
		chromedp.Click("#bulk-resolve"))
	afterCount := text("#count")
	shoot("queue-resolved")

	do("open the quarantined file", chromedp.Navigate(fmt.Sprintf("%s/files/%d", f.srv.URL, bad.ID)), chromedp.WaitVisible("#resolve-file"))
	shoot("file-quarantined")
	next("resolve the quarantined file", "#file",
		chromedp.SendKeys("#resolve-note", "bank resent the file"),
		chromedp.SendKeys("#replacement", itoa(fixed.ID)),
		chromedp.Click("#resolve"))
	fileNote := text("#error")
	shoot("file-resolved")

	do("open the job runs", chromedp.Navigate(f.srv.URL+"/runs"), chromedp.WaitVisible("#run-now"))
	next("run a job now", "#started", chromedp.SetValue("#run-job", "pull-remittances"), chromedp.Click("#run"))
	shoot("runs")

	next("sign out", "#user", chromedp.Click(`header form button`))
	signIn("adm", "admin-password-1")
	do("read ops's actions in the audit log", chromedp.Navigate(f.srv.URL+"/audit?user=ops"), chromedp.WaitVisible("#audit"))
	audit := text("#audit")
	shoot("audit")

	if !strings.Contains(employers, emp.Name) || !strings.Contains(employers, string(emp.FEIN)) {
		t.Errorf("search %q: employers %q lack %s", dashed(emp.FEIN), employers, emp.Name)
	}
	if !strings.Contains(orders, string(o.CaseID)) || strings.Contains(orders, o.Obligor.SSN.Digits()) {
		t.Errorf("search %q: orders %q, want case %s and no full SSN", nameLast4, orders, o.CaseID)
	}
	// The two payments posted to the order, the one held against it and
	// the ones that only carry its IDs, each with its fate.
	for _, p := range []*withholding.Payment{b.mistyped, b.own, b.held, b.pending, b.elsewhere} {
		if !strings.Contains(payments, string(p.Trace)) {
			t.Errorf("order page payments lack %s:\n%s", p.Trace, payments)
		}
	}
	if strings.Count(payments, "Posted") < 2 || posted != "$400.00" {
		t.Errorf("order page: posted total %q, want $400.00 from two posted payments", posted)
	}
	req := withholding.CalcRequest{Frequency: emp.PayFrequency, Disposable: 90000, Orders: []withholding.Order{o}}
	want, err := withholding.Calculate(req.Input())
	if err != nil {
		t.Fatal(err)
	}
	if withheld != want.Withheld.Dollars() || capAmount != want.Cap.Dollars() {
		t.Errorf("calculator for the order: cap %s withheld %s, want the calculator's %s and %s", capAmount, withheld, want.Cap.Dollars(), want.Withheld.Dollars())
	}
	if strings.Contains(filtered, "IWO rejected") || !strings.Contains(filteredCount, "of 4") {
		t.Errorf("queue filtered to missing payments: %q\n%s", filteredCount, filtered)
	}
	if !strings.Contains(afterCount, "of 2") {
		t.Errorf("after resolving two: %q, want 2 open missing payments", afterCount)
	}
	resolved := withholding.ExceptionResolved
	got, _, err := f.db.FindExceptions(bg, withholding.ExceptionFilter{Status: &resolved})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range got {
		ids = append(ids, e.ID)
		if e.ResolvedBy != "ops" || e.Note != "paid by check" {
			t.Errorf("exception %d resolved by %q with note %q", e.ID, e.ResolvedBy, e.Note)
		}
	}
	if slices.Sort(ids); !slices.Equal(ids, []int64{missing[0], missing[2]}) {
		t.Errorf("resolved %v, want %d and %d", ids, missing[0], missing[2])
	}
	if file, err := f.db.FindFileByID(bg, bad.ID); err != nil || file.State != withholding.FileArchived || !strings.Contains(fileNote, "bank resent the file") {
		t.Errorf("quarantined file after resolving: %v, %v, page note %q", file, err, fileNote)
	}
	var runs []*withholding.JobRun
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if runs, _, err = f.db.FindJobRuns(bg, "pull-remittances", 0, 10); err != nil || (len(runs) == 1 && runs[0].Status != withholding.RunRunning) {
			break
		}
	}
	if err != nil || len(runs) != 1 || runs[0].Status != withholding.RunSucceeded {
		t.Errorf("after Run now: runs %+v, %v; want one that succeeded", runs, err)
	}
	for _, want := range []string{
		"view_employer", "employer:" + string(emp.FEIN), "view_order", fmt.Sprintf("order:%d", o.ID),
		"resolve_exception", fmt.Sprintf("exception:%d", missing[0]), fmt.Sprintf("exception:%d", missing[2]),
		"requeue_file", fmt.Sprintf("file:%d", bad.ID), "run_job", "job:pull-remittances", "sign_in",
	} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log of ops lacks %q:\n%s", want, audit)
		}
	}
	if strings.Contains(audit, o.Obligor.SSN.Digits()) {
		t.Error("audit log shows an SSN")
	}
}
