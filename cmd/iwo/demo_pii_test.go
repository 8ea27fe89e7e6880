package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

// TestDemoShowsNoFullSSN plays a small demo and looks for the full SSN of
// any of its orders, plain or dashed, everywhere iwo writes text for people:
// the jobs' log, the demo's output, every job run (error and counts),
// every ledger error, every workbook cell and exceptions CSV, and the
// console's pages as the help-line sees them. The employers' rosters and
// the partner files (IWOs, acknowledgments, bank files) carry SSNs by
// design and are not scanned.
func TestDemoShowsNoFullSSN(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runIWO(t, "demo", "--dir", dir, "--employers", "20", "--orders", "150", "--nights", "3", "--seed", "5")
	if code != 0 {
		t.Fatalf("iwo demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "iwo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	orders, _, err := db.FindOrders(ctx, withholding.OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var ssns []string
	for _, o := range orders {
		ssns = append(ssns, o.Obligor.SSN.Digits())
	}
	if len(ssns) != 150 {
		t.Fatalf("%d orders in the store, want 150", len(ssns))
	}
	scan := func(where, text string) {
		t.Helper()
		if l := leaks(text, ssns); l != nil {
			t.Errorf("%s shows full SSNs %v", where, l)
		}
	}

	log, err := os.ReadFile(filepath.Join(dir, "iwo.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "job ended") {
		t.Errorf("iwo.log holds no job's end: the demo's log is not captured\n%s", log)
	}
	scan("iwo.log", string(log))
	scan("demo output", stdout+stderr)

	runs, _, err := db.FindJobRuns(ctx, "", 0, 0)
	if err != nil || len(runs) == 0 {
		t.Fatalf("job runs: %d, %v", len(runs), err)
	}
	for _, r := range runs {
		scan(fmt.Sprintf("job run %d (%s)", r.ID, r.Job), fmt.Sprint(r.Error, r.Counts))
	}
	files, _, err := db.FindFiles(ctx, withholding.FileFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var withError []*withholding.File
	for _, f := range files {
		if f.Error != "" {
			withError = append(withError, f)
			scan("files.error of "+f.RemoteName, f.Error)
		}
	}
	if len(withError) == 0 {
		t.Error("no ledger entry has an error: the demo's quarantined file is missing")
	}

	var books, csvs int
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case strings.HasSuffix(p, ".xlsx"):
			books++
			scan(rel, workbookText(t, p))
		case strings.HasSuffix(p, ".csv") && !strings.HasPrefix(rel, "employers"+string(filepath.Separator)):
			csvs++
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			scan(rel, string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if books < 3 || csvs < 3 {
		t.Errorf("scanned %d workbooks and %d CSV files, want each night's reports", books, csvs)
	}

	// The console, as the help-line.
	hash, err := web.HashPassword("hl-pass")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{
		Services: web.Services{Employers: db, Orders: db, Documents: db, Payments: db, Exceptions: db, JobRuns: db, Files: db, Accounts: db, Audit: db},
		Users:    []web.User{{Name: "hl", Role: web.RoleHelpline, PasswordHash: hash}},
		Agency:   "Demo agency",
		Location: time.UTC,
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if resp, err := c.PostForm(ts.URL+"/login", url.Values{"user": {"hl"}, "password": {"hl-pass"}}); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	pages := []string{"/runs", "/files", "/files?state=quarantined", "/exceptions"}
	for _, f := range withError {
		pages = append(pages, fmt.Sprintf("/files/%d", f.ID))
	}
	for _, o := range orders[:10] {
		pages = append(pages, fmt.Sprintf("/orders/%d", o.ID), "/employers/"+string(o.EmployerFEIN))
	}
	for _, p := range pages {
		resp, err := c.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d, %v", p, resp.StatusCode, err)
		}
		scan("console page "+p, string(body))
	}
}
