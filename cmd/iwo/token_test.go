package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

// TestUserTokenCommands makes an API token with the command, calls the
// console's API with it, revokes it and is refused.
func TestUserTokenCommands(t *testing.T) {
	ctx := context.Background()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "iwo.db")
	code, token, stderr := runUser(t, "", "user", "token", "add", "cms", "--db", dbURL)
	token = strings.TrimSpace(token)
	if code != 0 || len(token) < 40 || strings.ContainsAny(token, " \n") || !strings.Contains(stderr, "only this once") {
		t.Fatalf("token add: exit %d, stdout %q, stderr %q; want the token alone on stdout", code, token, stderr)
	}
	db, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := web.New(web.Config{Services: web.Services{Employers: db, Orders: db, Documents: db, Payments: db, Exceptions: db,
		JobRuns: db, Files: db, Accounts: db, Audit: db, APITokens: db}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	call := func() int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/employers/123456789", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The token works: the employer is not there, which it may learn.
	if got := call(); got != http.StatusNotFound {
		t.Errorf("call with the new token: status %d, want 404 (signed in, no such employer)", got)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"ErrInUse", []string{"user", "token", "add", "cms"}, 1},
		{"ErrBadRole", []string{"user", "token", "add", "other", "--role", "boss"}, 2},
		{"ErrNoName", []string{"user", "token", "add"}, 2},
		{"ErrRevokeMissing", []string{"user", "token", "revoke", "nobody"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, stderr := runUser(t, "", append(tc.args, "--db", dbURL)...); code != tc.code {
				t.Errorf("exit %d (%s), want %d", code, stderr, tc.code)
			}
		})
	}
	if code, out, _ := runUser(t, "", "user", "token", "add", "-h"); code != 0 || !strings.Contains(out, "shown") {
		t.Errorf("token add -h: exit %d, stdout %q; want the help on stdout", code, out)
	}
	if code, out, stderr := runUser(t, "", "user", "token", "revoke", "cms", "--db", dbURL); code != 0 || !strings.Contains(out, "revoked") {
		t.Fatalf("token revoke: exit %d %q %s", code, out, stderr)
	}
	if got := call(); got != http.StatusUnauthorized {
		t.Errorf("call with the revoked token: status %d, want 401", got)
	}
	if code, out, _ := runUser(t, "", "user", "token", "list", "--db", dbURL); code != 0 || !strings.Contains(out, "cms") || strings.Contains(out, token) {
		t.Errorf("token list: exit %d %q; want cms, never the token", code, out)
	}
	for _, a := range []withholding.AuditAction{withholding.AuditAPITokenAdd, withholding.AuditAPITokenRevoke} {
		got, _, err := db.FindAudit(ctx, withholding.AuditFilter{Action: a, Subject: "api_token:cms"})
		if err != nil || len(got) != 1 || got[0].User != "cli:ops1" {
			t.Errorf("audit %s: %v, %v; want one by cli:ops1", a, got, err)
		}
	}
}
