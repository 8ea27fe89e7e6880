package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgressPlainLines checks progress where stderr is not a terminal: a
// plain line per interval naming the pass, a new pass after a rewind, and
// nothing at all for a small file.
func TestProgressPlainLines(t *testing.T) {
	every := progressEvery
	progressEvery = 0 // a line for every read
	t.Cleanup(func() { progressEvery = every })

	dir := t.TempDir()
	big := filepath.Join(dir, "big.csv")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(progressMin + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var errb bytes.Buffer
	e := &env{stderr: &errb}
	f, err = os.Open(big)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := newProgress(e, big, "checking")
	r := p.reader(f, "importing")
	buf := make([]byte, progressMin/2+1)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	p.done()
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "checking, 50% of 8 MB") || !strings.Contains(lines[1], "importing, 50% of 8 MB") {
		t.Errorf("progress lines %q", lines)
	}

	small := filepath.Join(dir, "small.csv")
	if err := os.WriteFile(small, []byte("a,b\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p := newProgress(e, small, "checking"); p != nil {
		t.Errorf("progress for a small file")
	}
}
