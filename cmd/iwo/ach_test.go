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
	if ssn, _ := m["ssn"].(string); len(ssn) != 9 {
		t.Errorf("ssn %q, want nine digits in clear", ssn)
	}

	code, out, _ = runIWO(t, "ach", "payments", "--format", "csv", "--mask-ssn", path)
	if code != 0 {
		t.Fatalf("csv: exit %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != len(lines)+1 || strings.Join(rows[0], ",") != strings.Join(achColumns, ",") {
		t.Fatalf("csv: %d rows, header %v, err %v", len(rows), rows[0], err)
	}
	if ssn := rows[1][13]; !strings.HasPrefix(ssn, "***-**-") {
		t.Errorf("--mask-ssn: ssn column %q", ssn)
	}
	// The SSN is nowhere else in a masked row either: not in the DED text
	// (raw), not in a message.
	for i, line := range lines {
		var p struct{ SSN string }
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		if len(p.SSN) == 9 && strings.Contains(strings.Join(rows[i+1], ","), p.SSN) {
			t.Errorf("--mask-ssn: row %d still carries the SSN: %v", i+1, rows[i+1])
			break
		}
	}

	code, out, stderr = runIWO(t, "ach", "payments", path, "--format", "none")
	if code != 0 || out != "" || !strings.Contains(stderr, "entries 300, payments") {
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
