//go:build integration

package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/iwoproject/iwo/web"
)

// screenshotDir is where browser tests leave their screenshots as
// artifacts: $IWO_ARTIFACTS, else iwo-browser-artifacts in the temporary
// directory. It survives the test, so a person (or CI) can look.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("IWO_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "iwo-browser-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserShot saves a full-page PNG screenshot of the page ctx shows as
// name.png in screenshotDir.
func browserShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG; lower is JPEG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(screenshotDir(t), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", p)
}

// TestIntegrationAuditInChromium signs in as an admin in real headless
// Chromium, opens an order, reveals its SSN, finds the order again by SSN
// through the POST form (the number never in the address bar), and reads
// both the view and the reveal on the audit log page.
func TestIntegrationAuditInChromium(t *testing.T) {
	f := mustFixture(t)
	MustUser(t, f.db, "adm", web.RoleAdmin, "admin-password-1")
	ctx := mustBrowser(t)

	shoot := func(name string) { t.Helper(); browserShot(t, ctx, "audit-"+name) }
	text := func(sel string) string { t.Helper(); return browserText(t, ctx, sel) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browserDo(t, ctx, what, steps...)
	}
	location := func() string {
		t.Helper()
		u, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatalf("read the address: %v", err)
		}
		return u
	}

	o := f.orders[4]
	do("sign in",
		chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible("#user"),
		chromedp.SendKeys("#user", "adm"),
		chromedp.SendKeys("#password", "admin-password-1"),
		chromedp.Click("#signin"),
		chromedp.WaitVisible("#ssn-q"),
	)
	shoot("search")
	do("find the order by SSN",
		chromedp.SendKeys("#ssn-q", o.Obligor.SSN.Digits()),
		chromedp.Click("#search-ssn"),
		chromedp.WaitVisible("#reveal"),
	)
	orderURL := location()
	masked := text("#ssn")
	shoot("order")
	do("reveal the SSN", chromedp.Click("#reveal"), chromedp.WaitNotPresent("#reveal"))
	revealed := text("#ssn")
	revealURL := location()
	shoot("reveal")
	do("open the audit log",
		chromedp.Click(`header a[href="/audit"]`),
		chromedp.WaitVisible("#audit"),
	)
	all := text("#audit")
	shoot("log")
	do("filter to reveals",
		chromedp.SetValue("#audit-action", "reveal_ssn"),
		chromedp.Evaluate[chromedp.Void](`document.body.dataset.before = "filter"`),
		chromedp.Click("#find-audit"),
		chromedp.WaitVisible("body:not([data-before]) #audit"),
	)
	reveals := text("#audit")
	shoot("log-reveals")

	id := strings.TrimPrefix(orderURL[strings.LastIndex(orderURL, "/orders/"):], "/orders/")
	if !strings.Contains(orderURL, "/orders/") || strings.Contains(orderURL, o.Obligor.SSN.Digits()) {
		t.Errorf("SSN search landed on %q: want the order's page, the number not in the address", orderURL)
	}
	// The masked cell also holds the "show full SSN" link.
	if !strings.HasPrefix(masked, o.Obligor.SSN.Masked()) || strings.Contains(masked, o.Obligor.SSN.Digits()) || strings.TrimSpace(revealed) != o.Obligor.SSN.Digits() {
		t.Errorf("order page SSN %q then %q: want masked, then revealed", masked, revealed)
	}
	if strings.Contains(revealURL, o.Obligor.SSN.Digits()) {
		t.Errorf("reveal address %q holds the SSN", revealURL)
	}
	for _, want := range []string{"search_ssn", "view_order", "reveal_ssn", "sign_in", "order:" + id, "adm"} {
		if !strings.Contains(all, want) {
			t.Errorf("audit log lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, o.Obligor.SSN.Digits()) || strings.Contains(all, o.Obligor.SSN.Digits()[5:]) {
		t.Error("audit log page shows the SSN")
	}
	if !strings.Contains(reveals, "reveal_ssn") || strings.Contains(reveals, "view_order") || !strings.Contains(reveals, "order:"+id) {
		t.Errorf("audit log filtered to reveals:\n%s", reveals)
	}
}
