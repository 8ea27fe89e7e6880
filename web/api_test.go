package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

// MustAPIToken makes a working API token called name with role and
// returns the token.
func MustAPIToken(tb testing.TB, f *fixture, name string, role web.Role) string {
	tb.Helper()
	token, hash, err := web.NewAPIToken()
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.db.CreateAPIToken(context.Background(), &withholding.APIToken{Name: name, Role: string(role), TokenHash: hash}); err != nil {
		tb.Fatal(err)
	}
	return token
}

// apiGet calls the API at path with token (none when "") and returns the
// status and the body.
func apiGet(tb testing.TB, f *fixture, token, path string) (int, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		tb.Errorf("GET %s: Content-Type %q, want application/json", path, ct)
	}
	return resp.StatusCode, b
}

func mustDecode(tb testing.TB, b []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
}

func TestAPIRefusesWithoutWorkingToken(t *testing.T) {
	f := mustFixture(t)
	token := MustAPIToken(t, f, "cms", web.RoleHelpline)
	path := fmt.Sprintf("/api/v1/orders/%d", f.orders[0].ID)
	for _, tc := range []struct{ name, auth string }{
		{"ErrNoToken", ""}, {"ErrWrongToken", "Bearer " + strings.Repeat("A", 43)}, {"ErrBasic", "Basic " + token}, {"ErrEmptyBearer", "Bearer "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("status %d, WWW-Authenticate %q; want 401 asking for a bearer token", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	// A wrong path is 401 too without a token: nothing is told about what exists.
	if code, _ := apiGet(t, f, "", "/api/v1/nothing"); code != http.StatusUnauthorized {
		t.Errorf("wrong path without a token: status %d, want 401", code)
	}
	if code, _ := apiGet(t, f, token, path); code != http.StatusOK {
		t.Fatalf("working token: status %d, want 200", code)
	}
	if err := f.db.RevokeAPIToken(context.Background(), "cms"); err != nil {
		t.Fatal(err)
	}
	if code, _ := apiGet(t, f, token, path); code != http.StatusUnauthorized {
		t.Errorf("revoked token: status %d, want 401", code)
	}
	// A console session is no API token.
	c := f.client(t, "sup", "sup-pass")
	resp, err := c.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("console cookie on the API: status %d, want 401", resp.StatusCode)
	}
}

func TestAPINotFound(t *testing.T) {
	f := mustFixture(t)
	token := MustAPIToken(t, f, "cms", web.RoleHelpline)
	for _, path := range []string{"/api/v1/nothing", "/api/v1/orders/99999", "/api/v1/orders/x", "/api/v1/orders/99999/payments", "/api/v1/employers/000000000", "/api/v1/"} {
		code, body := apiGet(t, f, token, path)
		var e struct{ Error, Code string }
		mustDecode(t, body, &e)
		if code != http.StatusNotFound || e.Code != withholding.ENOTFOUND {
			t.Errorf("GET %s: status %d code %q, want 404 not_found", path, code, e.Code)
		}
	}
	if code, _ := apiGet(t, f, token, "/api/v1/exceptions"); code != http.StatusBadRequest {
		t.Errorf("exceptions without a selection: status %d, want 400", code)
	}
}

func TestAPIOrderMasksSSN(t *testing.T) {
	f := mustFixture(t)
	o := f.orders[0]
	for _, tc := range []struct {
		name string
		role web.Role
		want string
	}{
		{"OKHelplineMasked", web.RoleHelpline, o.Obligor.SSN.Masked()},
		{"OKOperationsMasked", web.RoleOperations, o.Obligor.SSN.Masked()},
		{"OKSupervisorFull", web.RoleSupervisor, o.Obligor.SSN.Digits()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := MustAPIToken(t, f, "cms-"+string(tc.role), tc.role)
			code, body := apiGet(t, f, token, fmt.Sprintf("/api/v1/orders/%d", o.ID))
			if code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			var got web.APIOrder
			mustDecode(t, body, &got)
			if got.Obligor.SSN != tc.want {
				t.Errorf("obligor SSN %q, want %q", got.Obligor.SSN, tc.want)
			}
			if tc.want != o.Obligor.SSN.Digits() && strings.Contains(string(body), o.Obligor.SSN.Digits()) {
				t.Error("answer holds the full SSN")
			}
			if got.ID != o.ID || got.CaseID != o.CaseID || got.EmployerFEIN != o.EmployerFEIN || got.Obligor.Last != o.Obligor.Last ||
				got.Amounts.CurrentSupport != o.Amounts.CurrentSupport || got.Status != o.Status {
				t.Errorf("order %+v, want the stored order %s", got, o.CaseID)
			}
		})
	}
}

func TestAPIShapes(t *testing.T) {
	f := mustFixture(t)
	b := mustBooks(t, f)
	token := MustAPIToken(t, f, "cms", web.RoleHelpline)
	o := b.o

	code, body := apiGet(t, f, token, fmt.Sprintf("/api/v1/orders/%d/payments", o.ID))
	var pays struct {
		Count    int              `json:"count"`
		Payments []web.APIPayment `json:"payments"`
	}
	mustDecode(t, body, &pays)
	byTrace := map[withholding.TraceNumber]web.APIPayment{}
	for _, p := range pays.Payments {
		byTrace[p.Trace] = p
	}
	if code != http.StatusOK || pays.Count != 6 || len(pays.Payments) != 6 {
		t.Fatalf("payments: status %d, count %d, %d listed; want 200 and the order page's 6", code, pays.Count, len(pays.Payments))
	}
	for _, tc := range []struct {
		p       *withholding.Payment
		status  string
		onBooks bool
	}{
		{b.mistyped, "posted", true}, {b.own, "posted", true}, {b.held, "held", true}, {b.pending, "pending", false}, {b.elsewhere, "posted", false},
	} {
		got := byTrace[tc.p.Trace]
		if got.Status != tc.status || got.OnBooks != tc.onBooks || got.CreditedCents != tc.p.Credited {
			t.Errorf("payment %s: %+v, want status %s, on books %v, credited %d", tc.p.Trace, got, tc.status, tc.onBooks, tc.p.Credited)
		}
	}
	if got := byTrace[b.elsewhere.Trace]; got.PostedTo != b.other.ID {
		t.Errorf("payment posted elsewhere: posted_to %d, want order %d", got.PostedTo, b.other.ID)
	}
	if strings.Contains(string(body), o.Obligor.SSN.Digits()) {
		t.Error("payments answer holds the full SSN")
	}

	code, body = apiGet(t, f, token, "/api/v1/employers/"+dashed(o.EmployerFEIN))
	var emp withholding.Employer
	mustDecode(t, body, &emp)
	if code != http.StatusOK || emp.FEIN != o.EmployerFEIN || emp.Name == "" {
		t.Errorf("employer by dashed FEIN: status %d, %+v", code, emp)
	}

	var exs struct {
		Count      int                `json:"count"`
		Exceptions []web.APIException `json:"exceptions"`
	}
	code, body = apiGet(t, f, token, fmt.Sprintf("/api/v1/exceptions?order=%d", o.ID))
	mustDecode(t, body, &exs)
	// The fixture's short payment and the books' corrected case ID,
	// unparseable payment (its remittance ID is the case ID) and duplicate.
	if code != http.StatusOK || exs.Count != 4 || len(exs.Exceptions) != 4 {
		t.Fatalf("order's open exceptions: status %d, %d (%d listed), want 4", code, exs.Count, len(exs.Exceptions))
	}
	for _, e := range exs.Exceptions {
		if e.Status != withholding.ExceptionOpen || e.CaseID != o.CaseID || e.Label == "" || e.Label == string(e.Type) {
			t.Errorf("exception %+v: want open, case %s, a readable label", e, o.CaseID)
		}
	}
	mustQueue(t, f, withholding.ExLatePayment, withholding.SeverityLow, 2, "late %d")
	code, body = apiGet(t, f, token, "/api/v1/exceptions?fein="+dashed(f.emps[0].FEIN))
	mustDecode(t, body, &exs)
	if code != http.StatusOK || exs.Count < 2 || len(exs.Exceptions) != exs.Count {
		t.Errorf("employer's open exceptions: status %d, %d (%d listed), want at least the 2 late payments", code, exs.Count, len(exs.Exceptions))
	}
	for _, e := range exs.Exceptions {
		if e.EmployerFEIN != f.emps[0].FEIN {
			t.Errorf("employer %s's exceptions list %+v", f.emps[0].FEIN, e)
		}
	}
}

func TestAPICallsAudited(t *testing.T) {
	f := mustFixture(t)
	token := MustAPIToken(t, f, "cms", web.RoleHelpline)
	o := f.orders[0]
	apiGet(t, f, token, fmt.Sprintf("/api/v1/orders/%d", o.ID))
	apiGet(t, f, token, "/api/v1/orders/99999")
	apiGet(t, f, "", fmt.Sprintf("/api/v1/orders/%d", o.ID))
	got, n, err := f.db.FindAudit(context.Background(), withholding.AuditFilter{Action: withholding.AuditAPICall})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d API calls in the audit log, want the token's 2", n)
	}
	// Newest first.
	if got[1].User != "api:cms" || got[1].Subject != fmt.Sprintf("order:%d", o.ID) || got[0].User != "api:cms" || !strings.Contains(got[0].Detail, withholding.ENOTFOUND) {
		t.Errorf("audit entries %+v, %+v: want api:cms's view of order %d, then its not-found call", got[1], got[0], o.ID)
	}
}
