package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// walkthroughRoot is where the README's employer walkthrough keeps its
// files; the test moves it into a temporary directory.
const walkthroughRoot = "/tmp/iwo-employer"

// TestREADMEEmployerWalkthrough runs the README's employer walkthrough
// (the block between the employer-walkthrough markers) line by line, as
// written, from a copy of testdata/employer: every iwo command must exit 0
// and the acknowledgment and the remittance must reach the partners. The
// shell lines may only be rm -rf, mkdir -p and cp, which the test does
// itself; anything else fails the test, so the README stays runnable.
func TestREADMEEmployerWalkthrough(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := walkthroughLines(t, string(readme))
	if len(lines) < 5 {
		t.Fatalf("README employer walkthrough: %d command lines, want the whole round", len(lines))
	}

	repo, tmp := t.TempDir(), t.TempDir()
	fix := func(s string) string { return strings.ReplaceAll(s, walkthroughRoot, tmp) }
	sample := filepath.Join(repo, "testdata", "employer")
	if err := os.MkdirAll(sample, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(employerData)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(employerData, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "employer.yml" {
			b = []byte(fix(string(b)))
		}
		if err := os.WriteFile(filepath.Join(sample, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(repo)

	inTmp := func(p string) string {
		t.Helper()
		if !strings.HasPrefix(filepath.Clean(p)+"/", tmp+"/") {
			t.Fatalf("README walkthrough touches %s, outside %s", p, walkthroughRoot)
		}
		return p
	}
	for _, line := range lines {
		f := strings.Fields(fix(line))
		switch {
		case len(f) > 2 && f[0] == "rm" && f[1] == "-rf":
			for _, p := range f[2:] {
				if err := os.RemoveAll(inTmp(p)); err != nil {
					t.Fatal(err)
				}
			}
		case len(f) > 2 && f[0] == "mkdir" && f[1] == "-p":
			for _, p := range f[2:] {
				if err := os.MkdirAll(inTmp(p), 0o755); err != nil {
					t.Fatal(err)
				}
			}
		case len(f) == 3 && f[0] == "cp":
			b, err := os.ReadFile(f[1])
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			if err := os.WriteFile(inTmp(f[2]), b, 0o644); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
		case f[0] == "bin/iwo":
			var args []string
			for _, a := range f[1:] {
				if strings.ContainsAny(a, "*?[") {
					m, err := filepath.Glob(a)
					if err != nil || len(m) == 0 {
						t.Fatalf("%s: %s matches nothing", line, a)
					}
					args = append(args, m...)
					continue
				}
				args = append(args, a)
			}
			code, _, stderr := runIWO(t, args...)
			if code != 0 {
				t.Fatalf("%s: exit %d:\n%s", line, code, stderr)
			}
		default:
			t.Fatalf("README walkthrough line the test cannot run (use rm -rf, mkdir -p, cp or bin/iwo): %s", line)
		}
	}
	for _, p := range []string{"state/inbox/ACK_20261104.txt", "sdu-bank/inbox/CS_20261106.ach"} {
		if fi, err := os.Stat(filepath.Join(tmp, p)); err != nil || fi.Size() == 0 {
			t.Errorf("after the walkthrough %s/%s: %v", walkthroughRoot, p, err)
		}
	}
	if got := remitted(t, filepath.Join(tmp, "CS_20261106.ach")); len(got) < 5 {
		t.Errorf("the walkthrough's remittance pays %d orders, want at least 5", len(got))
	}
}

// walkthroughLines returns the command lines of the README's employer
// walkthrough: continuation lines joined, comments and blank lines left
// out.
func walkthroughLines(t *testing.T, readme string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(readme, "<!-- employer-walkthrough:begin -->")
	block, _, ok2 := strings.Cut(rest, "<!-- employer-walkthrough:end -->")
	if !ok || !ok2 {
		t.Fatal("README.md: employer-walkthrough markers missing")
	}
	var out []string
	var cur string
	for _, l := range strings.Split(block, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "```") || strings.HasPrefix(l, "#") || (l == "" && cur == "") {
			continue
		}
		if more, ok := strings.CutSuffix(l, "\\"); ok {
			cur += more + " "
			continue
		}
		if cur+l != "" {
			out = append(out, cur+l)
		}
		cur = ""
	}
	return out
}
