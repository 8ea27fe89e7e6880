package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/ach/achsynth"
	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// shiftedACH returns a remittance file with one entry detail record shifted
// left by the width of its amount field, after the employer put the
// employee's SSN in the entry's identification number (positions 40-54):
// the SSN lands in the amount field, and the structural error the reader
// reports quotes it. It also returns every SSN in the file's DED addenda,
// the shifted one first.
func shiftedACH(t *testing.T) ([]byte, []string) {
	t.Helper()
	var b bytes.Buffer
	if _, err := achsynth.Generate(&b, achsynth.Options{Count: 5, Seed: 3, Clean: true}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	var ssns []string
	entry := -1
	for i, l := range lines {
		if !strings.HasPrefix(l, "705") {
			continue
		}
		el := strings.Split(strings.TrimRight(l[3:83], " \\"), "*")
		if len(el) < 6 || !withholding.SSN(el[5]).Valid() {
			continue
		}
		ssns = append(ssns, el[5])
		if entry < 0 && strings.HasPrefix(lines[i-1], "6") {
			entry = i - 1
		}
	}
	if entry < 0 {
		t.Fatal("generated file has no entry with a DED addenda")
	}
	rec := lines[entry]
	rec = rec[:39] + ssns[0] + "      " + rec[54:] // identification number: the SSN
	lines[entry] = rec[:29] + rec[39:]             // the amount field lost: 84 characters
	return []byte(strings.Join(lines, "\n") + "\n"), ssns
}

// leaks returns the SSNs (plain or dashed) that text shows in full.
func leaks(text string, ssns []string) []string {
	var out []string
	for _, s := range ssns {
		if strings.Contains(text, s) || strings.Contains(text, s[:3]+"-"+s[3:5]+"-"+s[5:]) {
			out = append(out, s)
		}
	}
	return out
}

// workbookText returns every cell of every sheet of the workbook at path.
func workbookText(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatalf("%s sheet %s: %v", path, sh, err)
		}
		for _, r := range rows {
			b.WriteString(sh + ": " + strings.Join(r, "\t") + "\n")
		}
	}
	return b.String()
}

// TestStructuralErrorMasksSSN pulls a remittance file whose shifted entry
// puts an SSN into the field a structural error quotes, then runs the night
// (reconcile and report). The SSN must show in none of the places the error
// text reaches: the job log, the CLI's error, files.error, job_runs.error and
// the operations workbook's Files sheet pushed to the operations partner.
func TestStructuralErrorMasksSSN(t *testing.T) {
	cfg, bank := jobsConfig(t, "")
	data, ssns := shiftedACH(t)
	if err := os.WriteFile(filepath.Join(bank, "in", "shifted.ach"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runIWO(t, "run", "pull-remittances", "--config", cfg)
	if code == 0 || !strings.Contains(stdout, "quarantined 1") {
		t.Fatalf("pull-remittances: exit %d, want a failed run that quarantines the file\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	masked := "***-**-" + ssns[0][5:]
	if !strings.Contains(stderr, masked) {
		t.Errorf("log does not quote the masked SSN %s (did the error change?):\n%s", masked, stderr)
	}
	if l := leaks(stdout+stderr, ssns); l != nil {
		t.Errorf("log and output show SSNs %v:\n%s\n%s", l, stdout, stderr)
	}
	code, stdout, stderr = runIWO(t, "run", "night", "--config", cfg)
	if code != 0 {
		t.Fatalf("night: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if l := leaks(stdout+stderr, ssns); l != nil {
		t.Errorf("night log and output show SSNs %v:\n%s\n%s", l, stdout, stderr)
	}

	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(filepath.Dir(cfg), "iwo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	files, _, err := db.FindFiles(ctx, withholding.FileFilter{})
	if err != nil {
		t.Fatal(err)
	}
	quarantined := 0
	for _, f := range files {
		if f.State == withholding.FileQuarantined {
			quarantined++
			if !strings.Contains(f.Error, masked) {
				t.Errorf("files.error of %s does not quote the masked SSN %s: %q", f.RemoteName, masked, f.Error)
			}
		}
		if l := leaks(f.Error, ssns); l != nil {
			t.Errorf("files.error of %s shows SSNs %v: %q", f.RemoteName, l, f.Error)
		}
	}
	if quarantined != 1 {
		t.Errorf("%d files quarantined, want 1", quarantined)
	}
	runs, _, err := db.FindJobRuns(ctx, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if l := leaks(r.Error, ssns); l != nil {
			t.Errorf("job_runs.error of run %d (%s) shows SSNs %v: %q", r.ID, r.Job, l, r.Error)
		}
	}
	if len(runs) < 2 || !strings.Contains(runs[len(runs)-1].Error, masked) {
		t.Errorf("the pull-remittances run's error does not quote the masked SSN %s", masked)
	}

	books, _ := filepath.Glob(filepath.Join(filepath.Dir(cfg), "data", "reports", "*", "operations-*.xlsx"))
	if len(books) != 1 {
		t.Fatalf("operations workbooks %v, want one", books)
	}
	text := workbookText(t, books[0])
	if !strings.Contains(text, report.SheetFiles+": ") || !strings.Contains(text, masked) {
		t.Errorf("workbook's %s sheet does not list the quarantined file with the masked SSN %s:\n%s", report.SheetFiles, masked, text)
	}
	if l := leaks(text, ssns); l != nil {
		t.Errorf("operations workbook shows SSNs %v:\n%s", l, text)
	}

	// What iwo created for the night holds SSNs: the store, staging, the
	// quarantine copy and the reports are its owner's only.
	t.Run("DataDirPrivate", func(t *testing.T) {
		root := filepath.Dir(cfg)
		n := mustBePrivate(t, filepath.Join(root, "data"))
		for _, p := range []string{"iwo.db", "iwo.db-wal", "iwo.db-shm"} {
			n += mustBePrivate(t, filepath.Join(root, p))
		}
		for _, want := range []string{"reports", "quarantine", "staging"} {
			if _, err := os.Stat(filepath.Join(root, "data", want)); err != nil {
				t.Errorf("data/%s not created: %v", want, err)
			}
		}
		if n < 8 {
			t.Errorf("checked %d paths, want the store and the data directory's files", n)
		}
	})
}

// mustBePrivate checks that root and everything under it is its owner's
// only: directories 0700, files 0600. It returns the number of paths
// checked.
func mustBePrivate(t *testing.T, root string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n++
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = os.ModeDir | 0o700
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	return n
}
