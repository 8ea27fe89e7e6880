package main

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// badDir holds the bad-input corpus; badExpect is its one table of
// expected outcomes (see its header).
const (
	badDir    = "../../testdata/bad"
	badExpect = badDir + "/expect.tsv"
)

// badRow is one row of testdata/bad/expect.tsv.
type badRow struct {
	line                         int
	file, check, outcome, detail string
}

// MustReadBadCorpus reads the expectation table and fails when a file in
// testdata/bad has no row or a row names no file.
func MustReadBadCorpus(tb testing.TB) []badRow {
	tb.Helper()
	f, err := os.Open(badExpect)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var rows []badRow
	named := map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "file\t") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 4 {
			tb.Fatalf("%s:%d: %d columns, want file, check, outcome, detail", badExpect, n, len(c))
		}
		r := badRow{line: n, file: c[0], check: c[1], outcome: c[2], detail: c[3]}
		rows = append(rows, r)
		named[r.file] = true
		if !strings.HasPrefix(r.file, "gen:") {
			if _, err := os.Stat(filepath.Join(badDir, r.file)); err != nil {
				tb.Errorf("%s:%d: %v", badExpect, n, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	err = filepath.WalkDir(badDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == badExpect {
			return err
		}
		rel, _ := filepath.Rel(badDir, path)
		if !named[filepath.ToSlash(rel)] {
			tb.Errorf("testdata/bad/%s has no row in %s: add its expected outcome", rel, badExpect)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// TestBadCorpus runs every committed file of testdata/bad through the
// validator its row names (iwo ach payments, iwo edi validate, iwo import
// KIND --dry-run) and checks the outcome: exit 0 when accepted, exit 1 with
// the row's detail (FILE:LINE…) in the output when rejected. Rows for the
// jobs and for generated files run in TestIntegrationBadCorpusJobs.
func TestBadCorpus(t *testing.T) {
	rows := MustReadBadCorpus(t)
	db := "sqlite:" + filepath.Join(t.TempDir(), "iwo.db")
	if code, out, errs := runIWO(t, "import", "employers", "../../testdata/import/employers.csv", "--db", db); code != 0 {
		t.Fatalf("import employers: exit %d\n%s%s", code, out, errs)
	}
	tried := 0
	for _, r := range rows {
		if strings.HasPrefix(r.file, "gen:") {
			continue
		}
		path := filepath.Join(badDir, r.file)
		args := validatorArgs(r.check, path, "--db", db)
		if args == nil {
			continue // a job: the integration suite
		}
		tried++
		code, out, errs := runIWO(t, args...)
		checkBadOutcome(t, r, code, out+errs)
	}
	t.Logf("%d bad inputs tried through the validators", tried)
}

// validatorArgs returns the command line of the validator a check names,
// nil when the check is a job; dbArgs go to an import.
func validatorArgs(check, path string, dbArgs ...string) []string {
	switch check {
	case "ach":
		return []string{"ach", "payments", path, "--format", "none"}
	case "edi":
		return []string{"edi", "validate", path}
	case "orders", "employers":
		return append([]string{"import", check, path, "--dry-run"}, dbArgs...)
	}
	return nil
}

// checkBadOutcome checks a validator's exit code and output against a row.
func checkBadOutcome(t *testing.T, r badRow, code int, out string) {
	t.Helper()
	where := badExpect + ":" + strconv.Itoa(r.line) + ": " + r.file + " (" + r.check + ")"
	switch r.outcome {
	case "accepted":
		if code != 0 {
			t.Errorf("%s: want accepted, got exit %d:\n%s", where, code, clip(out))
		}
	case "rejected", "bounded":
		if code != 1 || !strings.Contains(out, r.detail) {
			t.Errorf("%s: want rejected (exit 1) with %q, got exit %d:\n%s", where, r.detail, code, clip(out))
		}
	default:
		t.Errorf("%s: outcome %q is not one a validator has", where, r.outcome)
	}
	// A rejection never echoes an SSN of the file in clear.
	for _, ssn := range []string{"900-12-0001", "900120001", "976535347"} {
		if strings.Contains(out, ssn) {
			t.Errorf("%s: output shows the SSN %s", where, ssn)
		}
	}
}

// clip shortens a validator's output for a failure message.
func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}
