//go:build integration

package web_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iwoproject/iwo/withholding"
)

// chromiumPath finds Debian's Chromium; the test fails, not skips, without it.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: install Debian's chromium package (make check does)")
	return ""
}

// mustBrowser starts headless Chromium for one test, 1280 px wide, and
// returns its context; it ends with the test or after 90 seconds.
func mustBrowser(t *testing.T) context.Context { return mustBrowserFor(t, 90*time.Second) }

// mustBrowserFor is mustBrowser for a test of many pages, which may take
// up to d on a loaded machine.
func mustBrowserFor(t *testing.T, d time.Duration) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, d)
	t.Cleanup(cancel)
	return ctx
}

// browserText returns the text of the element sel selects.
func browserText(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return v
}

// browserDo runs steps, failing the test with what on error.
func browserDo(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestIntegrationConsoleInChromium drives the console in real headless
// Chromium: sign in, find a case, see its SSN masked, its payment's
// warning as a visible note and its fate (not yet reconciled), work out a withholding with the calculator, and
// find the payment's file in the ledger.
func TestIntegrationConsoleInChromium(t *testing.T) {
	f := mustFixture(t)
	ctx := mustBrowser(t)

	o := f.orders[2]
	MustPayments(t, f.db, &withholding.Payment{Trace: "091000010000009", SEC: "CCD", TransactionCode: 22,
		EffectiveDate: withholding.NewDate(2026, 11, 20), RemittanceID: o.RemittanceID, PayDate: withholding.NewDate(2026, 11, 13),
		Amount: 20000, EntryAmount: 20000, Credited: 20000, SSN: o.Obligor.SSN, Medical: "N", Kind: withholding.KindPayment,
		FEIN: o.EmployerFEIN, Warnings: []string{"DED: lower-case letters"}})
	text := func(sel string) string { t.Helper(); return browserText(t, ctx, sel) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browserDo(t, ctx, what, steps...)
	}
	do("sign in",
		chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible("#user"),
		chromedp.SendKeys("#user", "hl"),
		chromedp.SendKeys("#password", "hl-pass"),
		chromedp.Click("#signin"),
		chromedp.WaitVisible("#q"),
	)
	do("search for the case",
		chromedp.SendKeys("#q", string(o.CaseID)),
		chromedp.Click("#search"),
		chromedp.WaitVisible("#orders"),
	)
	ordersTable := text("#orders")
	do("open the order", chromedp.Click("#orders a"), chromedp.WaitVisible("#ssn"), chromedp.WaitVisible("#payments .note"))
	ssnCell, note, fate := text("#ssn"), text("#payments .note"), text("#payments .fate")
	do("fill the calculator",
		chromedp.Navigate(f.srv.URL+"/calc"),
		chromedp.WaitVisible("#disposable"),
		chromedp.SetValue("#frequency", "biweekly"),
		chromedp.SendKeys("#disposable", "800"),
		chromedp.SetValue("#cap", "50"),
		chromedp.SendKeys("#o0_name", "A"),
		chromedp.SendKeys("#o0_current", "600"),
		chromedp.SendKeys("#o1_name", "B"),
		chromedp.SendKeys("#o1_current", "450"),
		chromedp.Click("#calculate"),
		chromedp.WaitVisible("#result"),
	)
	withheld, cap := text("#withheld"), text("#cap-amount")
	do("find the remittance in the file ledger",
		chromedp.Click(`header a[href="/files"]`),
		chromedp.WaitVisible("#file-search"),
		chromedp.SendKeys("#name", "REMIT"),
		// The unfiltered page has a #files table too: mark it, so that
		// the wait below only ends on the results page.
		chromedp.Evaluate[chromedp.Void](`document.body.dataset.before = "search"`),
		chromedp.Click("#find-files"),
		chromedp.WaitVisible("body:not([data-before]) #files"),
	)
	filesTable := text("#files")
	do("open the file", chromedp.Click("#files td a"), chromedp.WaitVisible("#carried"))
	carried := text("#carried")
	if !strings.Contains(ordersTable, string(o.CaseID)) {
		t.Errorf("search results %q lack case %s", ordersTable, o.CaseID)
	}
	if strings.TrimSpace(ssnCell) != o.Obligor.SSN.Masked() {
		t.Errorf("order page SSN cell %q, want masked %s", ssnCell, o.Obligor.SSN.Masked())
	}
	if strings.TrimSpace(note) != "DED: lower-case letters" {
		t.Errorf("order page payment note %q, want the payment's warning", note)
	}
	// The reconcile job has not run: the page says so rather than
	// leaving the payment's fate blank.
	if strings.TrimSpace(fate) != "Not yet reconciled" {
		t.Errorf("order page payment's fate %q, want Not yet reconciled", fate)
	}
	if !strings.Contains(filesTable, "remit.ach") || !strings.Contains(filesTable, "applied") {
		t.Errorf("files table %q lacks the applied remit.ach", filesTable)
	}
	if !strings.Contains(carried, "payment") || !strings.Contains(carried, "$200.00") {
		t.Errorf("file page shows %q, want its one $200.00 payment", carried)
	}
	// Spec example 3: $800 biweekly at 50% is $400, all of it withheld.
	if cap != "$400.00" || withheld != "$400.00" {
		t.Errorf("calculator: cap %q withheld %q, want $400.00 and $400.00", cap, withheld)
	}
}
