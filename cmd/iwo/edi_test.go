package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestGenValidateShow(t *testing.T) {
	dir := t.TempDir()
	iwo, ack := filepath.Join(dir, "iwo.txt"), filepath.Join(dir, "ack.txt")
	if code, _, errs := runIWO(t, "gen", "iwo", "--count", "40", "--out", iwo, "--seed", "5"); code != 0 {
		t.Fatalf("gen iwo: exit %d: %s", code, errs)
	}
	if code, _, errs := runIWO(t, "gen", "ack", "--in", iwo, "--out", ack, "--seed", "5"); code != 0 {
		t.Fatalf("gen ack: exit %d: %s", code, errs)
	}
	code, out, errs := runIWO(t, "edi", "validate", iwo, ack)
	if code != 0 || errs != "" {
		t.Fatalf("edi validate generated files: exit %d: %s", code, errs)
	}
	// One "FILE: ok, …" line per valid file, on stdout.
	if got := strings.Split(strings.TrimSpace(out), "\n"); len(got) != 2 || !strings.HasPrefix(got[0], iwo+": ok, ") || !strings.HasPrefix(got[1], ack+": ok, ") {
		t.Errorf("edi validate: stdout %q, want one ok line per file", out)
	}

	// Same seed, same bytes.
	again := filepath.Join(dir, "again.txt")
	runIWO(t, "gen", "iwo", "--count", "40", "--out", again, "--seed", "5")
	a, _ := os.ReadFile(iwo)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("gen iwo with the same seed wrote different files")
	}

	// A broken file: exit 1, one FILE:LINE: RECORD ELEMENT: reason per problem.
	bad := filepath.Join(dir, "bad.txt")
	lines := strings.SplitAfter(string(a), "\n")
	lines[2] = lines[2][:9] + "20261399" + lines[2][17:] // DTL Document Date
	os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644)
	code, _, errs = runIWO(t, "edi", "validate", bad)
	if code != 1 || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(bad)+`:3: DTL Document Date: .+$`).MatchString(errs) {
		t.Errorf("edi validate broken file: exit %d, stderr %q", code, errs)
	}

	for _, format := range []string{"text", "json"} {
		code, out, errs := runIWO(t, "edi", "show", iwo, "--format", format)
		if code != 0 {
			t.Fatalf("edi show --format %s: exit %d: %s", format, code, errs)
		}
		if !strings.Contains(out, "***-**-") || clearSSN.MatchString(out) {
			t.Errorf("edi show --format %s does not mask SSNs", format)
		}
	}
	// A file with problems shows nothing on stdout, unless --partial.
	if code, out, errs := runIWO(t, "edi", "show", bad); code != 1 || out != "" || errs == "" {
		t.Errorf("edi show broken file: exit %d, %d bytes on stdout, stderr %q", code, len(out), errs)
	}
	if code, out, errs := runIWO(t, "edi", "show", "--partial", bad); code != 1 || !strings.Contains(out, "DTL") || errs == "" {
		t.Errorf("edi show --partial broken file: exit %d, %d bytes on stdout, stderr %q", code, len(out), errs)
	}
	_, out, _ = runIWO(t, "edi", "show", iwo, "--show-ssn")
	if strings.Contains(out, "***-**-") {
		t.Error("edi show --show-ssn still masks")
	}
	if code, _, _ := runIWO(t, "edi", "show", iwo, "--format", "xml"); code != 2 {
		t.Errorf("edi show --format xml: exit %d, want 2", code)
	}
}

// clearSSN matches an SSN in clear in show's text or JSON output.
var clearSSN = regexp.MustCompile(`SSN +\d{9}|"ssn":"\d{9}"`)

// TestEDIValidateBoundedOutput checks that a file that is no e-IWO at all
// (here a long line, then many short junk lines) prints a bounded list.
func TestEDIValidateBoundedOutput(t *testing.T) {
	name := filepath.Join(t.TempDir(), "junk.txt")
	junk := strings.Repeat("X", 100_000) + "\n" + strings.Repeat("junk\n", 5000)
	if err := os.WriteFile(name, []byte(junk), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runIWO(t, "edi", "validate", "--max-problems", "10", name)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if code != 1 || len(lines) != 11 {
		t.Fatalf("exit %d, %d lines, want exit 1 and 10 problems plus a count:\n%s", code, len(lines), errs)
	}
	if !strings.Contains(lines[0], name+":1: XXX Record: line is 100001 bytes, longer than any e-IWO record") {
		t.Errorf("first problem %q: want the over-long line", lines[0])
	}
	if want := "more problem(s) not shown (--max-problems 10)"; !strings.Contains(lines[10], want) {
		t.Errorf("last line %q: want %q", lines[10], want)
	}
}

// TestEDIWrongKind checks that a file that is plainly not an e-IWO file is
// one line, not a problem per line of it.
func TestEDIWrongKind(t *testing.T) {
	dir := t.TempDir()
	achPath := filepath.Join(dir, "remit.ach")
	if code, _, stderr := runIWO(t, "gen", "ach", "--count", "2000", "--out", achPath); code != 0 {
		t.Fatalf("iwo gen ach: exit %d: %s", code, stderr)
	}
	bin := filepath.Join(dir, "book.xlsx")
	if err := os.WriteFile(bin, append([]byte("PK\x03\x04\x14\x00\x06\x00"), make([]byte, 3000)...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{achPath, bin} {
		for _, cmd := range [][]string{{"edi", "validate", path}, {"edi", "show", path}} {
			code, out, stderr := runIWO(t, cmd...)
			if code != 1 || out != "" || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, path+":1: ") {
				t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1 and one line", cmd, code, out, stderr)
			}
		}
	}
}

// TestEDIValidateXML checks that validate and show read e-IWO XML as they
// read flat files.
func TestEDIValidateXML(t *testing.T) {
	dir := t.TempDir()
	x := mustXMLCopy(t, employerData+"received.iwo", dir, "IWO.XML")
	code, out, errs := runIWO(t, "edi", "validate", x)
	if code != 0 || errs != "" || !strings.HasPrefix(out, x+": ok, ") {
		t.Errorf("edi validate XML: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, errs = runIWO(t, "edi", "show", x)
	if code != 0 || errs != "" || !strings.Contains(out, "DTL") || clearSSN.MatchString(out) {
		t.Errorf("edi show XML: exit %d, stderr %q, %d bytes out", code, errs, len(out))
	}
}
