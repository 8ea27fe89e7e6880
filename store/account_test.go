package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

func testUsers(t *testing.T, db *store.DB) {
	u := &withholding.User{Name: "jdoe", Role: "helpline", PasswordHash: "$2a$10$hash"}
	mustOK(t, db.CreateUser(ctx, u), "create user")
	if u.Created.IsZero() || !u.Updated.Equal(u.Created) {
		t.Errorf("created user: Created %v Updated %v, want both set and equal", u.Created, u.Updated)
	}
	mustCode(t, db.CreateUser(ctx, &withholding.User{Name: "jdoe", Role: "admin", PasswordHash: "x"}), withholding.ECONFLICT, "create a taken name")
	mustCode(t, db.CreateUser(ctx, &withholding.User{Name: " ", Role: "admin", PasswordHash: "x"}), withholding.EINVALID, "create without a name")
	mustCode(t, db.CreateUser(ctx, &withholding.User{Name: "x", Role: "admin"}), withholding.EINVALID, "create without a hash")
	mustOK(t, db.CreateUser(ctx, &withholding.User{Name: "amy", Role: "admin", PasswordHash: "h"}), "create second user")

	got, err := db.FindUserByName(ctx, "jdoe")
	mustOK(t, err, "find user")
	if got.Role != "helpline" || got.PasswordHash != "$2a$10$hash" || got.Disabled || !got.Created.Equal(u.Created) {
		t.Errorf("found %+v, want what was created (%+v)", got, u)
	}
	_, err = db.FindUserByName(ctx, "JDOE")
	mustCode(t, err, withholding.ENOTFOUND, "find user by another case")

	all, err := db.FindUsers(ctx)
	mustOK(t, err, "find users")
	if len(all) != 2 || all[0].Name != "amy" || all[1].Name != "jdoe" {
		t.Errorf("FindUsers = %v, want amy and jdoe by name", all)
	}

	role, yes := "supervisor", true
	got, err = db.UpdateUser(ctx, "jdoe", withholding.UserUpdate{Role: &role, Disabled: &yes})
	mustOK(t, err, "update user")
	if got.Role != "supervisor" || !got.Disabled || got.PasswordHash != "$2a$10$hash" {
		t.Errorf("updated user %+v: want role supervisor, disabled, hash unchanged", got)
	}
	if again, _ := db.FindUserByName(ctx, "jdoe"); again.Role != "supervisor" || !again.Disabled {
		t.Errorf("stored user %+v: update not kept", again)
	}
	empty := ""
	_, err = db.UpdateUser(ctx, "jdoe", withholding.UserUpdate{PasswordHash: &empty})
	mustCode(t, err, withholding.EINVALID, "update to an empty hash")
	_, err = db.UpdateUser(ctx, "nobody", withholding.UserUpdate{Role: &role})
	mustCode(t, err, withholding.ENOTFOUND, "update a missing user")
}

func testSessions(t *testing.T, db *store.DB) {
	for _, name := range []string{"jdoe", "amy"} {
		mustOK(t, db.CreateUser(ctx, &withholding.User{Name: name, Role: "helpline", PasswordHash: "h"}), "create user")
	}
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	newSession := func(hash, user string, expires time.Time) {
		t.Helper()
		mustOK(t, db.CreateSession(ctx, &withholding.Session{TokenHash: hash, User: user, Created: now, Expires: expires}), "create session "+hash)
	}
	mustCode(t, db.CreateSession(ctx, &withholding.Session{TokenHash: "x", User: "nobody", Created: now, Expires: now}), withholding.ENOTFOUND, "session for no user")
	newSession("a1", "jdoe", now.Add(8*time.Hour))
	newSession("a2", "jdoe", now.Add(8*time.Hour))
	newSession("b1", "amy", now.Add(-time.Minute))

	s, u, err := db.FindSession(ctx, "a1")
	mustOK(t, err, "find session")
	if s.User != "jdoe" || u.Name != "jdoe" || u.Role != "helpline" || !s.Expires.Equal(now.Add(8*time.Hour)) || !s.Created.Equal(now) {
		t.Errorf("FindSession(a1) = %+v, %+v", s, u)
	}
	_, _, err = db.FindSession(ctx, "zz")
	mustCode(t, err, withholding.ENOTFOUND, "find a missing session")

	// Signing out ends one session.
	mustOK(t, db.DeleteSession(ctx, "a1"), "delete session")
	_, _, err = db.FindSession(ctx, "a1")
	mustCode(t, err, withholding.ENOTFOUND, "find a deleted session")
	mustOK(t, db.DeleteSession(ctx, "a1"), "delete a deleted session")

	// A new password ends every session of its user, and only theirs.
	newSession("a3", "jdoe", now.Add(time.Hour))
	hash := "h2"
	_, err = db.UpdateUser(ctx, "jdoe", withholding.UserUpdate{PasswordHash: &hash})
	mustOK(t, err, "reset password")
	for _, h := range []string{"a2", "a3"} {
		_, _, err = db.FindSession(ctx, h)
		mustCode(t, err, withholding.ENOTFOUND, "session "+h+" after a password reset")
	}
	_, _, err = db.FindSession(ctx, "b1")
	mustOK(t, err, "another user's session after a reset")

	// A role change keeps sessions (the role is read on each request);
	// disabling ends them.
	newSession("a4", "jdoe", now.Add(time.Hour))
	role := "admin"
	_, err = db.UpdateUser(ctx, "jdoe", withholding.UserUpdate{Role: &role})
	mustOK(t, err, "change role")
	if _, u, err := db.FindSession(ctx, "a4"); err != nil || u.Role != "admin" {
		t.Errorf("session after a role change: %v, %v; want it kept with role admin", u, err)
	}
	yes := true
	_, err = db.UpdateUser(ctx, "jdoe", withholding.UserUpdate{Disabled: &yes})
	mustOK(t, err, "disable")
	_, _, err = db.FindSession(ctx, "a4")
	mustCode(t, err, withholding.ENOTFOUND, "session after disabling")
	// A session made for a disabled user (a race with disabling) is not
	// found either.
	newSession("a5", "jdoe", now.Add(time.Hour))
	_, _, err = db.FindSession(ctx, "a5")
	mustCode(t, err, withholding.ENOTFOUND, "session of a disabled user")

	n, err := db.DeleteExpiredSessions(ctx, now)
	mustOK(t, err, "delete expired")
	if n != 1 {
		t.Errorf("DeleteExpiredSessions removed %d, want 1 (b1)", n)
	}
	_, _, err = db.FindSession(ctx, "b1")
	mustCode(t, err, withholding.ENOTFOUND, "expired session after clean-up")
}

func testAudit(t *testing.T, db *store.DB) {
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	entries := []*withholding.AuditEntry{
		{At: t0, User: "jdoe", Action: withholding.AuditViewOrder, Subject: "order:1", Addr: "10.0.0.1"},
		{At: t0.Add(time.Hour), User: "amy", Action: withholding.AuditRevealSSN, Subject: "order:1", Detail: "case CS1"},
		{At: t0.Add(24 * time.Hour), User: "amy", Action: withholding.AuditResolveException, Subject: "exception:7", Detail: "called about 123-45-6789 and 123456789"},
	}
	for _, e := range entries {
		mustOK(t, db.RecordAudit(ctx, e), "record audit")
		if e.ID == 0 {
			t.Fatal("RecordAudit left ID zero")
		}
	}
	mustCode(t, db.RecordAudit(ctx, &withholding.AuditEntry{Action: withholding.AuditSignIn}), withholding.EINVALID, "audit without a user")
	mustCode(t, db.RecordAudit(ctx, &withholding.AuditEntry{User: "x"}), withholding.EINVALID, "audit without an action")

	ids := func(es []*withholding.AuditEntry) []int64 {
		var out []int64
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	e1, e2, e3 := entries[0].ID, entries[1].ID, entries[2].ID
	for _, tt := range []struct {
		name string
		f    withholding.AuditFilter
		want []int64
		n    int
	}{
		{"All", withholding.AuditFilter{}, []int64{e3, e2, e1}, 3},
		{"User", withholding.AuditFilter{User: "amy"}, []int64{e3, e2}, 2},
		{"Action", withholding.AuditFilter{Action: withholding.AuditRevealSSN}, []int64{e2}, 1},
		{"Subject", withholding.AuditFilter{Subject: "order:1"}, []int64{e2, e1}, 2},
		{"From", withholding.AuditFilter{From: t0.Add(time.Hour)}, []int64{e3, e2}, 2},
		{"ToExclusive", withholding.AuditFilter{To: t0.Add(time.Hour)}, []int64{e1}, 1},
		{"Page", withholding.AuditFilter{Offset: 1, Limit: 1}, []int64{e2}, 3},
		{"NoMatch", withholding.AuditFilter{User: "amy", Subject: "exception:8"}, nil, 0},
	} {
		got, n, err := db.FindAudit(ctx, tt.f)
		mustOK(t, err, "find audit "+tt.name)
		if g := ids(got); n != tt.n || !slices.Equal(g, tt.want) {
			t.Errorf("FindAudit %s = %v (%d), want %v (%d)", tt.name, g, n, tt.want, tt.n)
		}
	}
	got, _, err := db.FindAudit(ctx, withholding.AuditFilter{Action: withholding.AuditResolveException})
	mustOK(t, err, "find resolve")
	if d := got[0].Detail; d != "called about ***-**-6789 and ***-**-6789" {
		t.Errorf("stored detail %q: want SSN-like numbers masked", d)
	}
	got, _, _ = db.FindAudit(ctx, withholding.AuditFilter{User: "jdoe"})
	if e := got[0]; !e.At.Equal(t0) || e.Addr != "10.0.0.1" || e.Action != withholding.AuditViewOrder || e.Subject != "order:1" {
		t.Errorf("stored entry %+v differs from the recorded one", e)
	}
}

func testAPITokens(t *testing.T, db *store.DB) {
	cms := &withholding.APIToken{Name: "cms", Role: "helpline", TokenHash: "h1"}
	mustOK(t, db.CreateAPIToken(ctx, cms), "create token")
	if cms.Created.IsZero() || !cms.Revoked.IsZero() {
		t.Errorf("created token %+v: want Created set, not revoked", cms)
	}
	mustCode(t, db.CreateAPIToken(ctx, &withholding.APIToken{Name: "cms", Role: "admin", TokenHash: "h2"}), withholding.ECONFLICT, "create a name in use")
	mustCode(t, db.CreateAPIToken(ctx, &withholding.APIToken{Name: "other", Role: "admin", TokenHash: "h1"}), withholding.ECONFLICT, "create a hash in use")
	mustCode(t, db.CreateAPIToken(ctx, &withholding.APIToken{Name: "x", Role: "admin"}), withholding.EINVALID, "create without a hash")
	got, err := db.FindAPIToken(ctx, "h1")
	mustOK(t, err, "find token")
	if got.Name != "cms" || got.Role != "helpline" || !got.Created.Equal(cms.Created) || !got.Revoked.IsZero() {
		t.Errorf("FindAPIToken = %+v, want %+v", got, cms)
	}
	_, err = db.FindAPIToken(ctx, "h2")
	mustCode(t, err, withholding.ENOTFOUND, "find an unknown hash")

	mustOK(t, db.RevokeAPIToken(ctx, "cms"), "revoke token")
	_, err = db.FindAPIToken(ctx, "h1")
	mustCode(t, err, withholding.ENOTFOUND, "find a revoked token")
	mustCode(t, db.RevokeAPIToken(ctx, "cms"), withholding.ENOTFOUND, "revoke twice")
	all, err := db.FindAPITokens(ctx)
	mustOK(t, err, "find tokens")
	if len(all) != 1 || all[0].Revoked.IsZero() {
		t.Errorf("FindAPITokens = %+v, want cms, revoked", all)
	}
	// A revoked name may be given a new token; the old one stays dead.
	mustOK(t, db.CreateAPIToken(ctx, &withholding.APIToken{Name: "cms", Role: "supervisor", TokenHash: "h3"}), "re-create a revoked name")
	if got, err := db.FindAPIToken(ctx, "h3"); err != nil || got.Role != "supervisor" {
		t.Errorf("new token: %+v, %v", got, err)
	}
	_, err = db.FindAPIToken(ctx, "h1")
	mustCode(t, err, withholding.ENOTFOUND, "find the replaced token")
}
