package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

// MustUser adds a console user with password pw to db.
func MustUser(tb testing.TB, db *store.DB, name string, role web.Role, pw string) {
	tb.Helper()
	if err := db.CreateUser(context.Background(), &withholding.User{Name: name, Role: string(role), PasswordHash: mustHash(tb, pw)}); err != nil {
		tb.Fatal(err)
	}
}

// clock is a settable time for the console's Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// post sends form to path with extra headers and returns the status and
// the Location header.
func post(tb testing.TB, c *http.Client, u string, form url.Values, hdr map[string]string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

// signIn posts a sign-in and returns the status without following the
// redirect, and the client (holding the cookie when it worked).
func (f *fixture) signIn(tb testing.TB, user, pw string) (int, *http.Client) {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	code, _ := post(tb, c, f.srv.URL+"/login", url.Values{"user": {user}, "password": {pw}}, nil)
	return code, c
}

func (f *fixture) openException(tb testing.TB) int64 {
	tb.Helper()
	open := withholding.ExceptionOpen
	exs, _, err := f.db.FindExceptions(context.Background(), withholding.ExceptionFilter{Status: &open})
	if err != nil || len(exs) == 0 {
		tb.Fatalf("open exceptions %v, %v", exs, err)
	}
	return exs[0].ID
}

func TestCrossOriginPostRefused(t *testing.T) {
	f := mustFixture(t)
	sup := f.client(t, "sup", "sup-pass")
	sup.CheckRedirect = noRedirect
	id := f.openException(t)
	resolve := url.Values{"action": {"resolve"}, "note": {"forged"}}
	for _, hdr := range []map[string]string{
		{"Origin": "http://evil.example"},
		// Another port of the same host is the same site, so the
		// SameSite cookie goes with it; it is another origin.
		{"Origin": "http://127.0.0.1:1"},
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site", "Origin": "http://other.localhost"},
	} {
		if code, _ := post(t, sup, f.srv.URL+"/exceptions/"+itoa(id), resolve, hdr); code != http.StatusForbidden {
			t.Errorf("resolve with %v: status %d, want 403", hdr, code)
		}
	}
	if f.openException(t) != id {
		t.Fatal("a cross-origin POST closed the exception")
	}
	// Signing in from another site (login CSRF) and signing out are
	// refused too.
	anon := &http.Client{CheckRedirect: noRedirect}
	if code, _ := post(t, anon, f.srv.URL+"/login", url.Values{"user": {"sup"}, "password": {"sup-pass"}}, map[string]string{"Origin": "http://evil.example"}); code != http.StatusForbidden {
		t.Errorf("cross-origin sign-in: status %d, want 403", code)
	}
	if code, _ := post(t, sup, f.srv.URL+"/logout", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}); code != http.StatusForbidden {
		t.Errorf("cross-origin sign-out: status %d, want 403", code)
	}
	// The console's own pages post as the same origin.
	if code, loc := post(t, sup, f.srv.URL+"/exceptions/"+itoa(id), resolve, map[string]string{"Origin": f.srv.URL, "Sec-Fetch-Site": "same-origin"}); code != http.StatusSeeOther || loc != "/exceptions" {
		t.Errorf("same-origin resolve: status %d location %q, want 303 to /exceptions", code, loc)
	}
}

func TestRevokedSessionRefused(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		revoke func(t *testing.T, f *fixture, c *http.Client)
	}{
		{"SignOut", func(t *testing.T, f *fixture, c *http.Client) {
			if code, loc := post(t, c, f.srv.URL+"/logout", nil, nil); code != http.StatusSeeOther || loc != "/login" {
				t.Fatalf("sign out: status %d location %q", code, loc)
			}
		}},
		{"PasswordReset", func(t *testing.T, f *fixture, _ *http.Client) {
			h := mustHash(t, "a brand new password")
			if _, err := f.db.UpdateUser(ctx, "sup", withholding.UserUpdate{PasswordHash: &h}); err != nil {
				t.Fatal(err)
			}
		}},
		{"Disable", func(t *testing.T, f *fixture, _ *http.Client) {
			yes := true
			if _, err := f.db.UpdateUser(ctx, "sup", withholding.UserUpdate{Disabled: &yes}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := mustFixture(t)
			code, c := f.signIn(t, "sup", "sup-pass")
			if code != http.StatusSeeOther {
				t.Fatalf("sign in: status %d", code)
			}
			u, _ := url.Parse(f.srv.URL)
			cookies := c.Jar.Cookies(u)
			if len(cookies) != 1 {
				t.Fatalf("cookies after sign-in: %v", cookies)
			}
			// A copy of the cookie, as an attacker who read it would hold.
			jar, _ := cookiejar.New(nil)
			jar.SetCookies(u, cookies)
			stolen := &http.Client{Jar: jar, CheckRedirect: noRedirect}
			if code, _ := get(t, stolen, f.srv.URL+"/exceptions"); code != http.StatusOK {
				t.Fatalf("copied cookie before revoking: status %d, want 200", code)
			}
			tt.revoke(t, f, c)
			for _, path := range []string{"/exceptions", "/orders/1"} {
				if code, _ := get(t, stolen, f.srv.URL+path); code != http.StatusSeeOther {
					t.Errorf("GET %s with a revoked session: status %d, want a redirect to sign in", path, code)
				}
			}
			if code, _ := post(t, stolen, f.srv.URL+"/exceptions/"+itoa(f.openException(t)), url.Values{"action": {"resolve"}}, nil); code != http.StatusSeeOther {
				t.Errorf("POST with a revoked session: status %d, want a redirect to sign in", code)
			}
			if f.openException(t) == 0 {
				t.Error("a revoked session closed an exception")
			}
		})
	}
	t.Run("DisabledCannotSignIn", func(t *testing.T) {
		f := mustFixture(t)
		yes := true
		if _, err := f.db.UpdateUser(ctx, "sup", withholding.UserUpdate{Disabled: &yes}); err != nil {
			t.Fatal(err)
		}
		if code, _ := f.signIn(t, "sup", "sup-pass"); code != http.StatusUnauthorized {
			t.Errorf("disabled user signing in: status %d, want 401", code)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		clk := &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
		f := mustFixture(t, func(c *web.Config) { c.Now = clk.Now })
		_, c := f.signIn(t, "hl", "hl-pass")
		if code, _ := get(t, c, f.srv.URL+"/"); code != http.StatusOK {
			t.Fatalf("fresh session: status %d", code)
		}
		clk.Add(8*time.Hour + time.Second)
		if code, _ := get(t, c, f.srv.URL+"/"); code != http.StatusSeeOther {
			t.Errorf("session after 8 hours: status %d, want a redirect to sign in", code)
		}
	})
}

// TestSessionFixation: a token planted in the browser before sign-in is
// not the one signed in.
func TestSessionFixation(t *testing.T) {
	f := mustFixture(t)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(f.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "iwo_session", Value: "planted-by-attacker"}})
	c := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	if code, _ := post(t, c, f.srv.URL+"/login", url.Values{"user": {"sup"}, "password": {"sup-pass"}}, nil); code != http.StatusSeeOther {
		t.Fatalf("sign in: status %d", code)
	}
	if got := jar.Cookies(u); len(got) != 1 || got[0].Value == "planted-by-attacker" || len(got[0].Value) < 43 {
		t.Errorf("cookie after sign-in %v: want a new random token", got)
	}
	planted := &http.Client{CheckRedirect: noRedirect}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "iwo_session", Value: "planted-by-attacker"})
	resp, err := planted.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("planted token after the victim signed in: status %d, want a redirect", resp.StatusCode)
	}
}

func TestSignInThrottled(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	f := mustFixture(t, func(c *web.Config) { c.Now = clk.Now })
	for i := range 5 {
		if code, _ := f.signIn(t, "sup", "guess"+itoa(int64(i))); code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: status %d, want 401", i+1, code)
		}
	}
	// The bucket is empty: even the right password is refused, so a
	// guesser cannot tell a right guess.
	if code, _ := f.signIn(t, "sup", "sup-pass"); code != http.StatusTooManyRequests {
		t.Fatalf("right password while throttled: status %d, want 429", code)
	}
	clk.Add(30 * time.Second)
	if code, _ := f.signIn(t, "sup", "sup-pass"); code != http.StatusTooManyRequests {
		t.Errorf("right password half a window later: status %d, want 429", code)
	}
	// Other names are not locked out by guesses at this one.
	if code, _ := f.signIn(t, "hl", "hl-pass"); code != http.StatusSeeOther {
		t.Errorf("another user while sup is throttled: status %d, want 303", code)
	}
	clk.Add(31 * time.Second)
	if code, _ := f.signIn(t, "sup", "sup-pass"); code != http.StatusSeeOther {
		t.Errorf("right password after the window: status %d, want 303", code)
	}
	refused, _, err := f.db.FindAudit(context.Background(), withholding.AuditFilter{Action: withholding.AuditSignInRefused})
	if err != nil || len(refused) != 5 {
		t.Errorf("refused sign-ins in the audit log: %d, %v; want 5", len(refused), err)
	}
}

// TestSignInThrottledPerAddress: one address guessing many names is slowed
// down too.
func TestSignInThrottledPerAddress(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	f := mustFixture(t, func(c *web.Config) { c.Now = clk.Now })
	for i := range 30 {
		if code, _ := f.signIn(t, "user"+itoa(int64(i)), "guess"); code != http.StatusUnauthorized {
			t.Fatalf("unknown user %d: status %d, want 401", i, code)
		}
	}
	if code, _ := f.signIn(t, "hl", "hl-pass"); code != http.StatusTooManyRequests {
		t.Errorf("sign-in from a guessing address: status %d, want 429", code)
	}
	clk.Add(10 * time.Second)
	if code, _ := f.signIn(t, "hl", "hl-pass"); code != http.StatusSeeOther {
		t.Errorf("sign-in once the address's bucket refilled: status %d, want 303", code)
	}
}

func TestNextOnlySameSitePath(t *testing.T) {
	f := mustFixture(t)
	for next, want := range map[string]string{
		"/orders/1?reveal=ssn":   "/orders/1?reveal=ssn",
		"/":                      "/",
		"":                       "/",
		"//evil.example/":        "/",
		"/\\evil.example/":       "/",
		"\\\\evil.example":       "/",
		"https://evil.example/":  "/",
		"javascript:alert(1)":    "/",
		"/\t/evil.example":       "/",
		"orders/1":               "/",
		"/%2F%2Fevil.example":    "/%2F%2Fevil.example", // a path on this site
		"http:/\\/evil.example/": "/",
	} {
		c := &http.Client{CheckRedirect: noRedirect}
		code, loc := post(t, c, f.srv.URL+"/login", url.Values{"user": {"hl"}, "password": {"hl-pass"}, "next": {next}}, nil)
		if code != http.StatusSeeOther || loc != want {
			t.Errorf("sign in with next=%q: status %d location %q, want %q", next, code, loc, want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := mustFixture(t)
	resp, err := http.Get(f.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("Referrer-Policy %q, want same-origin", got)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain HTTP without a TLS proxy sent HSTS %q", got)
	}
	code, c := f.signIn(t, "hl", "hl-pass")
	u, _ := url.Parse(f.srv.URL)
	if code != http.StatusSeeOther || len(c.Jar.Cookies(u)) != 1 {
		t.Fatalf("sign in: status %d", code)
	}

	// Behind a TLS-terminating proxy: Secure cookie, HSTS, and the
	// client's address from the proxy's X-Forwarded-For entry.
	p := mustFixture(t, func(c *web.Config) { c.TLSProxy = true })
	req, _ := http.NewRequest(http.MethodPost, p.srv.URL+"/login", strings.NewReader(url.Values{"user": {"hl"}, "password": {"hl-pass"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", "6.6.6.6, 192.0.2.7")
	resp, err = (&http.Client{CheckRedirect: noRedirect}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("HSTS behind a TLS proxy %q, want max-age", got)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].Secure || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie behind a TLS proxy %+v: want Secure, HttpOnly, SameSite=Strict", cookies)
	}
	ins, _, err := p.db.FindAudit(context.Background(), withholding.AuditFilter{Action: withholding.AuditSignIn})
	if err != nil || len(ins) != 1 || ins[0].Addr != "192.0.2.7" {
		t.Errorf("sign-in audit %v, %v: want one from the proxy's client 192.0.2.7", ins, err)
	}
}

// TestPermissions: what each role may and may not do.
func TestPermissions(t *testing.T) {
	f := mustFixture(t)
	MustUser(t, f.db, "ops", web.RoleOperations, "ops-password-1")
	MustUser(t, f.db, "adm", web.RoleAdmin, "adm-password-1")
	o := f.orders[0]
	for _, tt := range []struct {
		user, pw                 string
		close, reveal, auditPage bool
	}{
		{"hl", "hl-pass", false, false, false},
		{"ops", "ops-password-1", true, false, false},
		{"sup", "sup-pass", true, true, false},
		{"adm", "adm-password-1", true, true, true},
	} {
		t.Run(tt.user, func(t *testing.T) {
			c := f.client(t, tt.user, tt.pw)
			c.CheckRedirect = noRedirect
			_, body := get(t, c, f.srv.URL+"/orders/1?reveal=ssn")
			if got := strings.Contains(body, o.Obligor.SSN.Digits()); got != tt.reveal {
				t.Errorf("%s revealing an SSN: shown %v, want %v", tt.user, got, tt.reveal)
			}
			if got := strings.Contains(body, `href="/audit"`); got != tt.auditPage {
				t.Errorf("%s: audit link shown %v, want %v", tt.user, got, tt.auditPage)
			}
			code, _ := get(t, c, f.srv.URL+"/audit")
			if (code == http.StatusOK) != tt.auditPage || (!tt.auditPage && code != http.StatusForbidden) {
				t.Errorf("%s GET /audit: status %d, allowed %v", tt.user, code, tt.auditPage)
			}
			// A bad action is refused after the permission check, so
			// nothing changes while the answer tells them apart.
			code, _ = post(t, c, f.srv.URL+"/exceptions/"+itoa(f.openException(t)), url.Values{"action": {"neither"}}, nil)
			if want := map[bool]int{true: http.StatusBadRequest, false: http.StatusForbidden}[tt.close]; code != want {
				t.Errorf("%s closing an exception: status %d, want %d", tt.user, code, want)
			}
		})
	}
	// Every view, reveal and refusal of a reveal is in the audit log; the
	// help line's and operations' tries are views.
	views, _, _ := f.db.FindAudit(context.Background(), withholding.AuditFilter{Action: withholding.AuditViewOrder})
	reveals, _, _ := f.db.FindAudit(context.Background(), withholding.AuditFilter{Action: withholding.AuditRevealSSN, Subject: "order:1"})
	if len(views) != 2 || len(reveals) != 2 {
		t.Errorf("audit: %d views and %d reveals of order 1, want 2 and 2", len(views), len(reveals))
	}
}

func TestSSNSearchByPost(t *testing.T) {
	f := mustFixture(t)
	c := f.client(t, "hl", "hl-pass")
	c.CheckRedirect = noRedirect
	o := f.orders[3]
	code, loc := post(t, c, f.srv.URL+"/search/ssn", url.Values{"ssn": {o.Obligor.SSN.Digits()[:3] + "-" + o.Obligor.SSN.Digits()[3:5] + "-" + o.Obligor.SSN.Digits()[5:]}}, nil)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/orders/") || strings.Contains(loc, o.Obligor.SSN.Digits()[5:]) {
		t.Fatalf("SSN search: status %d location %q, want a redirect to the order without the number", code, loc)
	}
	_, body := get(t, c, f.srv.URL+loc)
	if !strings.Contains(body, string(o.CaseID)) {
		t.Errorf("SSN search led to %s, not case %s", loc, o.CaseID)
	}
	// A number no order has: a page that does not print it back.
	resp, err := c.PostForm(f.srv.URL+"/search/ssn", url.Values{"ssn": {"123456780"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if page := string(b); resp.StatusCode != http.StatusOK || strings.Contains(page, "123456780") || strings.Contains(page, "6780") || !strings.Contains(page, "No order has this SSN") {
		t.Errorf("SSN search without a match: status %d, page echoes the number or lacks the answer", resp.StatusCode)
	}
	if code, _ := post(t, c, f.srv.URL+"/search/ssn", url.Values{"ssn": {"12345"}}, nil); code != http.StatusBadRequest {
		t.Errorf("short SSN: status %d, want 400", code)
	}
	if code, _ := get(t, c, f.srv.URL+"/search/ssn?ssn="+o.Obligor.SSN.Digits()); code != http.StatusMethodNotAllowed {
		t.Errorf("SSN search by GET: status %d, want 405", code)
	}
	searches, _, err := f.db.FindAudit(context.Background(), withholding.AuditFilter{Action: withholding.AuditSearchSSN})
	if err != nil || len(searches) != 2 || searches[1].Subject != "order:"+strings.TrimPrefix(loc, "/orders/") || searches[0].Detail != "orders found: 0" {
		t.Errorf("SSN searches audited: %+v, %v; want two, the first naming its order", searches, err)
	}
}

func TestAuditPage(t *testing.T) {
	f := mustFixture(t)
	MustUser(t, f.db, "adm", web.RoleAdmin, "adm-password-1")
	sup := f.client(t, "sup", "sup-pass")
	get(t, sup, f.srv.URL+"/orders/2?reveal=ssn")
	get(t, sup, f.srv.URL+"/employers/"+string(f.emps[0].FEIN))
	adm := f.client(t, "adm", "adm-password-1")
	for q, want := range map[string][]string{
		"":                            {"reveal_ssn", "view_employer", "sign_in"},
		"?user=sup&action=reveal_ssn": {"reveal_ssn", "order:2"},
		"?subject=employer:" + string(f.emps[0].FEIN): {"view_employer"},
	} {
		code, body := get(t, adm, f.srv.URL+"/audit"+q)
		_, body, _ = strings.Cut(body, `<table id="audit">`)
		if code != http.StatusOK {
			t.Errorf("GET /audit%s: status %d", q, code)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET /audit%s lacks %q", q, w)
			}
		}
	}
	_, body := get(t, adm, f.srv.URL+"/audit?action=reveal_ssn")
	if _, table, _ := strings.Cut(body, `<table id="audit">`); !strings.Contains(table, "reveal_ssn") || strings.Contains(table, "view_employer") {
		t.Error("audit filtered to reveals lists an employer view")
	}
	if code, _ := get(t, adm, f.srv.URL+"/audit?from=yesterday"); code != http.StatusBadRequest {
		t.Errorf("bad date: status %d, want 400", code)
	}
	if code, _ := get(t, adm, f.srv.URL+"/audit?action=drop_table"); code != http.StatusBadRequest {
		t.Errorf("unknown action: status %d, want 400", code)
	}
	if code, _ := get(t, adm, f.srv.URL+"/audit?from=2000-01-01&to=2000-01-02"); code != http.StatusOK {
		t.Errorf("empty date range: status %d", code)
	}
}

func TestSSNSearchNeedsSignIn(t *testing.T) {
	f := mustFixture(t)
	code, loc := post(t, &http.Client{CheckRedirect: noRedirect}, f.srv.URL+"/search/ssn", url.Values{"ssn": {f.orders[0].Obligor.SSN.Digits()}}, nil)
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("SSN search signed out: status %d location %q, want a redirect to sign in", code, loc)
	}
}
