package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportCommands(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "iwo.db")
	employers, orders := "../../testdata/import/employers.csv", "../../testdata/import/orders.csv"

	code, _, stderr := runIWO(t, "import", "orders", orders, "--db", db)
	if code != 1 || !strings.Contains(stderr, orders+":2: employer_fein: no employer 480000101; import employers first") ||
		!strings.Contains(stderr, "6 problem(s); nothing was imported") {
		t.Fatalf("orders before employers: exit %d, stderr\n%s", code, stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "employers", employers, "--db", db}, "5 created, 0 updated, 0 unchanged"},
		{[]string{"import", "employers", "--db", db, employers}, "0 created, 0 updated, 5 unchanged"},
		{[]string{"import", "orders", orders, "--db", db}, "6 created, 0 amended, 0 terminated, 0 unchanged"},
		{[]string{"import", "orders", orders, "--db", db, "--dry-run"}, "dry run, nothing written: " + orders + ": 0 created, 0 amended, 0 terminated, 6 unchanged"},
	} {
		code, stdout, stderr := runIWO(t, tc.args...)
		if code != 0 || !strings.Contains(stdout, tc.want) {
			t.Errorf("iwo %s: exit %d stdout %q stderr %q, want %q", strings.Join(tc.args, " "), code, stdout, stderr, tc.want)
		}
	}

	// A re-import with a changed amount and a new end date.
	b, err := os.ReadFile(orders)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	lines[1] = strings.Replace(lines[1], "412.00,monthly", "450.00,monthly", 1)
	lines[3] = strings.TrimSuffix(lines[3], ",") + ",2026-12-31"
	changed := filepath.Join(dir, "orders-changed.csv")
	if err := os.WriteFile(changed, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIWO(t, "import", "orders", changed, "--db", db)
	if code != 0 || !strings.Contains(stdout, "0 created, 1 amended, 1 terminated, 4 unchanged") {
		t.Errorf("re-import: exit %d stdout %q stderr %q", code, stdout, stderr)
	}

	bad := filepath.Join(dir, "bad.csv")
	lines[2] = strings.Replace(lines[2], "078-05-1122", "078-05", 1)
	lines[5] = strings.Replace(lines[5], "2026-01-01", "01/01/2026", 1)
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runIWO(t, "import", "orders", bad, "--db", db)
	for _, want := range []string{bad + ":3: obligor_ssn: want 9 digits (dashes allowed)", bad + ":6: start_date: \"01/01/2026\" is not a date; want YYYY-MM-DD", bad + ": 2 problem(s); nothing was imported"} {
		if code != 1 || !strings.Contains(stderr, want) {
			t.Errorf("bad file: exit %d, stderr\n%s\nwant %q", code, stderr, want)
		}
	}
	if code, _, _ := runIWO(t, "import", "orders", "--db", db); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
}

func TestDatabaseURL(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "iwo.yml")
	if err := os.WriteFile(cfgFile, []byte("database: postgres://iwo@db.example/iwo\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		flag string
		vars map[string]string
		want string
	}{
		{"flag wins", "sqlite:/x.db", map[string]string{"IWO_DB": "sqlite:/y.db", "IWO_CONFIG": cfgFile}, "sqlite:/x.db"},
		{"env", "", map[string]string{"IWO_DB": "sqlite:/y.db", "IWO_CONFIG": cfgFile}, "sqlite:/y.db"},
		{"config", "", map[string]string{"IWO_CONFIG": cfgFile}, "postgres://iwo@db.example/iwo"},
		{"IWO_DATA", "", map[string]string{"IWO_DATA": "/srv/iwo", "HOME": "/home/a"}, "sqlite:/srv/iwo/iwo.db"},
		{"XDG", "", map[string]string{"XDG_DATA_HOME": "/home/a/.data", "HOME": "/home/a"}, "sqlite:/home/a/.data/iwo/iwo.db"},
		{"home", "", map[string]string{"HOME": "/home/a"}, "sqlite:/home/a/.local/share/iwo/iwo.db"},
	} {
		e := &env{getenv: func(k string) string { return tc.vars[k] }}
		got, err := databaseURL(e, tc.flag, nil)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

// TestImportBadFiles imports each file of testdata/bad and checks that
// every bad row is named as FILE:LINE: column: reason and nothing is
// imported.
func TestImportBadFiles(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "iwo.db")
	if code, _, stderr := runIWO(t, "import", "employers", "../../testdata/import/employers.csv", "--db", db); code != 0 {
		t.Fatalf("import sample employers: %s", stderr)
	}
	const dir = "../../testdata/bad/"
	for _, tc := range []struct {
		kind, file string
		want       []string
	}{
		{"orders", "orders-ssn.csv", []string{
			":2: obligor_ssn: not an SSN: the SSA never assigns area numbers",
			":3: obligor_ssn: not an SSN: the SSA never assigns area numbers",
			":4: obligor_ssn: not an SSN: the SSA never assigns group number",
			":5: obligor_ssn: not an SSN: the SSA never assigns serial number",
			": 4 problem(s); nothing was imported",
		}},
		{"orders", "orders-text.csv", []string{
			":2: obligor_last: contains control character U+0000",
			":3: obligor_last: not valid UTF-8 text",
			":4: obligor_last: \"MUÑOZ\": an e-IWO carries only printable ASCII",
		}},
		{"employers", "employers-name.csv", []string{
			":2: name: \"(The) Mill Co\": must start with a letter or digit",
			":3: name: \"Café Azul\": an e-IWO carries only printable ASCII",
			":4: address_line1: \"#4 Elevator Rd\": must start with a letter or digit",
			":5: name: contains control character U+0000",
		}},
	} {
		code, _, stderr := runIWO(t, "import", tc.kind, dir+tc.file, "--db", db)
		for _, w := range tc.want {
			if code != 1 || !strings.Contains(stderr, dir+tc.file+w) {
				t.Errorf("import %s %s: exit %d, stderr\n%s\nwant %q", tc.kind, tc.file, code, stderr, w)
			}
		}
		if strings.Contains(stderr, "-12-3456") || strings.Contains(stderr, "00-0000") {
			t.Errorf("import %s %s: stderr shows an SSN:\n%s", tc.kind, tc.file, stderr)
		}
	}
}
