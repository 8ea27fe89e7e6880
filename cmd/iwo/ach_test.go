package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestACHPaymentsCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gen.ach")
	if code, _, stderr := runIWO(t, "gen", "ach", "--count", "300", "--out", path, "--seed", "3"); code != 0 {
		t.Fatalf("iwo gen ach: exit %d: %s", code, stderr)
	}
	code, out, stderr := runIWO(t, "ach", "payments", path)
	if code != 0 {
		t.Fatalf("iwo ach payments: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 300 {
		t.Fatalf("%d json lines for 300 entries", len(lines))
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatalf("first line %q: %v", lines[0], err)
	}
	for _, k := range achColumns {
		if _, ok := m[k]; !ok {
			t.Errorf("json payment has no key %q: %s", k, lines[0])
		}
	}
	if ssn, _ := m["ssn"].(string); !strings.HasPrefix(ssn, "***-**-") || m["raw"] != "" {
		t.Errorf("default output: ssn %q, raw %q; want the SSN masked and raw left out", ssn, m["raw"])
	}
	_, clear, _ := runIWO(t, "ach", "payments", "--show-ssn", path)
	var c map[string]any
	if err := json.Unmarshal([]byte(strings.SplitN(clear, "\n", 2)[0]), &c); err != nil {
		t.Fatal(err)
	}
	if ssn, _ := c["ssn"].(string); len(ssn) != 9 || !strings.HasPrefix(c["raw"].(string), "DED*") {
		t.Errorf("--show-ssn: ssn %q, raw %q; want both as received", ssn, c["raw"])
	}
	var withSSN []string // the clear listing's SSNs, to look for in the masked one
	for line := range strings.SplitSeq(strings.TrimSpace(clear), "\n") {
		var p struct{ SSN string }
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		withSSN = append(withSSN, p.SSN)
	}

	code, out, _ = runIWO(t, "ach", "payments", "--format", "csv", path)
	if code != 0 {
		t.Fatalf("csv: exit %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != len(lines)+1 || strings.Join(rows[0], ",") != strings.Join(achColumns, ",") {
		t.Fatalf("csv: %d rows, header %v, err %v", len(rows), rows[0], err)
	}
	if ssn := rows[1][13]; !strings.HasPrefix(ssn, "***-**-") {
		t.Errorf("csv: ssn column %q, want masked", ssn)
	}
	// The SSN is nowhere else in a masked row either: not in the DED text
	// (raw), not in a message.
	for i, ssn := range withSSN {
		if len(ssn) == 9 && strings.Contains(strings.Join(rows[i+1], ","), ssn) {
			t.Errorf("csv: row %d still carries the SSN: %v", i+1, rows[i+1])
			break
		}
	}

	// --format none: only the one-line summary, on stdout.
	code, out, stderr = runIWO(t, "ach", "payments", path, "--format", "none")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, path+": ok") || stderr != "" {
		t.Errorf("none: exit %d stdout %q stderr %q", code, out, stderr)
	}

	// A structurally bad file: exit 1 with FILE:LINE errors.
	data, _ := os.ReadFile(path)
	bad := strings.Replace(string(data), "\n8", "\n4", 1)
	badPath := filepath.Join(dir, "bad.ach")
	if err := os.WriteFile(badPath, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runIWO(t, "ach", "payments", badPath, "--format", "none")
	if code != 1 || !strings.Contains(stderr, badPath+":") || !strings.Contains(stderr, "unknown record type") {
		t.Errorf("bad file: exit %d stderr %q", code, stderr)
	}

	if code, _, _ := runIWO(t, "ach", "payments", path, "--format", "xml"); code != 2 {
		t.Errorf("--format xml: exit %d, want 2", code)
	}
}

// TestACHPaymentsRefusedFiles checks that a file that is refused prints
// nothing on stdout: a truncated file (its payments read well until the
// missing controls at its end), binary data, an e-IWO file, an empty file.
func TestACHPaymentsRefusedFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gen.ach")
	if code, _, stderr := runIWO(t, "gen", "ach", "--count", "300", "--out", path, "--seed", "3", "--clean"); code != 0 {
		t.Fatalf("iwo gen ach: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	iwoPath := filepath.Join(dir, "iwo.txt")
	if code, _, stderr := runIWO(t, "gen", "iwo", "--count", "5", "--out", iwoPath); code != 0 {
		t.Fatalf("iwo gen iwo: exit %d: %s", code, stderr)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name     string
		path     string
		maxLines int // stderr lines at most
	}{
		{"Truncated", write("cut.ach", data[:len(data)*2/3]), defaultMaxProblems + 1},
		{"Binary", write("bin.ach", append([]byte{0x7f, 'E', 'L', 'F', 0, 0, 1}, make([]byte, 5000)...)), 1},
		{"EIWO", iwoPath, 1},
		{"Empty", write("empty.ach", nil), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, format := range []string{"json", "csv", "none"} {
				code, out, stderr := runIWO(t, "ach", "payments", "--format", format, tc.path)
				lines := strings.Count(stderr, "\n")
				if code != 1 || out != "" || lines == 0 || lines > tc.maxLines || !strings.HasPrefix(stderr, tc.path+":") {
					t.Errorf("--format %s: exit %d, %d bytes on stdout, %d lines on stderr (at most %d):\n%s",
						format, code, len(out), lines, tc.maxLines, stderr)
				}
			}
		})
	}
}
