package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// runUser runs an iwo command as operating-system user "ops1" with stdin.
func runUser(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "USER" {
			return "ops1"
		}
		return ""
	}
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: getenv}
	code := Main(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "iwo.db")
	db := func() *store.DB {
		t.Helper()
		d, err := store.Open(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}

	if code, out, stderr := runUser(t, "correct horse battery\n", "user", "add", "jdoe", "--role", "helpline", "--db", dbURL); code != 0 || !strings.Contains(out, "added jdoe") {
		t.Fatalf("user add: exit %d %q %s", code, out, stderr)
	}
	for _, tt := range []struct {
		name, stdin string
		args        []string
		code        int
	}{
		{"ShortPassword", "short pw\n", []string{"user", "add", "amy", "--role", "admin"}, 1},
		{"NoPassword", "", []string{"user", "add", "amy", "--role", "admin"}, 2},
		{"BadRole", "correct horse battery\n", []string{"user", "add", "amy", "--role", "boss"}, 2},
		{"NoRole", "correct horse battery\n", []string{"user", "add", "amy"}, 2},
		{"NoName", "correct horse battery\n", []string{"user", "add", "--role", "admin"}, 2},
		{"Taken", "correct horse battery\n", []string{"user", "add", "jdoe", "--role", "admin"}, 1},
		{"ResetMissing", "correct horse battery\n", []string{"user", "reset", "nobody"}, 1},
		{"DisableMissing", "", []string{"user", "disable", "nobody"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, stderr := runUser(t, tt.stdin, append(tt.args, "--db", dbURL)...); code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, stderr)
			}
		})
	}
	d := db()
	u, err := d.FindUserByName(ctx, "jdoe")
	if err != nil || u.Role != "helpline" || u.Disabled || !strings.HasPrefix(u.PasswordHash, "$2") {
		t.Fatalf("jdoe in the store: %+v, %v", u, err)
	}
	if _, err := d.FindUserByName(ctx, "amy"); withholding.ErrorCode(err) != withholding.ENOTFOUND {
		t.Errorf("amy after refused adds: %v, want not found", err)
	}

	// A reset ends the user's sessions and changes the role.
	session := func(hash string) {
		t.Helper()
		now := time.Now()
		if err := d.CreateSession(ctx, &withholding.Session{TokenHash: hash, User: "jdoe", Created: now, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	session("s1")
	if code, out, stderr := runUser(t, "another good password\n", "user", "reset", "jdoe", "--role", "operations", "--db", dbURL); code != 0 || !strings.Contains(out, "sessions have ended") {
		t.Fatalf("user reset: exit %d %q %s", code, out, stderr)
	}
	if _, _, err := d.FindSession(ctx, "s1"); withholding.ErrorCode(err) != withholding.ENOTFOUND {
		t.Errorf("session after reset: %v, want ended", err)
	}
	u, _ = d.FindUserByName(ctx, "jdoe")
	if u.Role != "operations" {
		t.Errorf("role after reset --role operations: %q", u.Role)
	}

	session("s2")
	if code, _, stderr := runUser(t, "", "user", "disable", "jdoe", "--db", dbURL); code != 0 {
		t.Fatalf("user disable: exit %d %s", code, stderr)
	}
	if _, _, err := d.FindSession(ctx, "s2"); withholding.ErrorCode(err) != withholding.ENOTFOUND {
		t.Errorf("session after disable: %v, want ended", err)
	}
	if code, out, _ := runUser(t, "", "user", "list", "--db", dbURL); code != 0 || !strings.Contains(out, "jdoe") || !strings.Contains(out, "disabled") {
		t.Errorf("user list after disable: exit %d %q", code, out)
	}
	if code, _, stderr := runUser(t, "", "user", "disable", "jdoe", "--enable", "--db", dbURL); code != 0 {
		t.Fatalf("user disable --enable: exit %d %s", code, stderr)
	}
	if u, _ = d.FindUserByName(ctx, "jdoe"); u.Disabled {
		t.Error("jdoe still disabled after --enable")
	}

	// Every change is in the audit log, made by cli:ops1, without the
	// password.
	entries, _, err := d.FindAudit(ctx, withholding.AuditFilter{User: "cli:ops1", Subject: "user:jdoe"})
	if err != nil {
		t.Fatal(err)
	}
	var actions []withholding.AuditAction
	for _, e := range entries {
		actions = append(actions, e.Action)
		if strings.Contains(e.Detail, "password ") || strings.Contains(e.Detail, "horse") {
			t.Errorf("audit detail %q holds a password", e.Detail)
		}
	}
	want := []withholding.AuditAction{withholding.AuditUserEnable, withholding.AuditUserDisable, withholding.AuditUserReset, withholding.AuditUserAdd}
	if !slices.Equal(actions, want) {
		t.Errorf("audit of jdoe's changes %v, want %v", actions, want)
	}
}

func TestUserHelpOnStdout(t *testing.T) {
	for _, cmd := range []string{"add", "reset", "disable", "list"} {
		code, out, _ := runIWO(t, "user", cmd, "-h")
		if code != 0 || !strings.Contains(out, "Usage: iwo user "+cmd) {
			t.Errorf("iwo user %s -h: exit %d, stdout %q", cmd, code, out)
		}
	}
}

func TestConfigRefusesSessionKey(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "iwo.yml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+dir+"\nconsole:\n  session_key: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runIWO(t, "config", "check", cfg)
	if code != 1 || !strings.Contains(stderr, "console.session_key") {
		t.Errorf("config check with a session key: exit %d, %q", code, stderr)
	}
}

func TestConsoleWithoutUsers(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := runIWO(t, "console", "--db", "sqlite:"+filepath.Join(dir, "iwo.db"), "--listen", "127.0.0.1:0")
	if code != 1 || !strings.Contains(stderr, "iwo user add") {
		t.Errorf("console with no users: exit %d, %q", code, stderr)
	}
}
