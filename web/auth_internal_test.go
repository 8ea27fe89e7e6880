package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// TestRefusedSignInRunsBcrypt: whether the name exists, is disabled or
// has the wrong password, a refused sign-in makes exactly one bcrypt
// comparison, of a real hash at HashPassword's cost, so its time does not
// tell names apart.
func TestRefusedSignInRunsBcrypt(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hash, err := HashPassword("the right password")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{
		Services: Services{Employers: db, Orders: db, Documents: db, Payments: db, Exceptions: db, JobRuns: db, Files: db, Accounts: db, Audit: db},
		Users:    []User{{Name: "jdoe", Role: RoleHelpline, PasswordHash: hash}, {Name: "gone", Role: RoleHelpline, PasswordHash: hash}},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := db.UpdateUser(ctx, "gone", withholding.UserUpdate{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	var compared []string
	s.compare = func(h, pw string) error {
		compared = append(compared, h)
		return bcryptCompare(h, pw)
	}
	h := s.Handler()
	for _, tt := range []struct {
		name, user, pw string
		dummy          bool
	}{
		{"UnknownUser", "nobody", "the right password", true},
		{"DisabledUser", "gone", "the right password", true},
		{"WrongPassword", "jdoe", "a wrong password", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			compared = nil
			req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"user": {tt.user}, "password": {tt.pw}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", rec.Code)
			}
			if len(compared) != 1 {
				t.Fatalf("%d bcrypt comparisons, want 1", len(compared))
			}
			if got := compared[0] == dummyHashOnce(); got != tt.dummy {
				t.Errorf("compared against the dummy hash: %v, want %v", got, tt.dummy)
			}
			// The dummy costs what a real hash costs.
			if !strings.HasPrefix(compared[0], hash[:7]) {
				t.Errorf("compared hash %.7s…, want the cost prefix %.7s", compared[0], hash)
			}
		})
	}
}
