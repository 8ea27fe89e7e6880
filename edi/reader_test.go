package edi_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/edi"
)

// repeatReader yields n bytes of c, then tail, without holding them.
type repeatReader struct {
	c    byte
	n    int
	tail *strings.Reader
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return r.tail.Read(p)
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.c
	}
	r.n -= k
	return k, nil
}

// TestReaderLongLine checks that a line longer than any record is one
// structure problem on its own line, and that reading goes on with the
// next line.
func TestReaderLongLine(t *testing.T) {
	ls := split(MustIWOFile(t))
	dtl := ls.find("DTL", 0)
	long := "DTL" + strings.Repeat("X", 10_000) + "\n"
	ls[dtl] = long
	es, err := edi.Validate(bytes.NewReader(ls.bytes()), "long.txt")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, e := range es {
		if e.Line == dtl+1 && e.Element == "Record" && strings.Contains(e.Reason, "longer than any e-IWO record") {
			found = true
			if !errors.Is(e, edi.ErrStructure) || e.Record != "DTL" {
				t.Errorf("long line: got %v (kind %v), want a DTL structure problem", e, e.Kind)
			}
		}
	}
	if !found {
		t.Fatalf("no over-long line problem on line %d; got:\n%v", dtl+1, es)
	}
	// The line after it is read as itself: the batch trailer counts one
	// detail record fewer, and nothing else is wrong.
	for _, e := range es {
		if e.Line != dtl+1 && e.Element != "Record Count" {
			t.Errorf("unexpected problem after the long line: %v", e)
		}
	}
}

// TestReaderLongLineBounded reads a 50 MB line, without a line end, and
// checks both what is reported and that the reader did not hold the line:
// it may allocate a few buffers, not the line.
func TestReaderLongLineBounded(t *testing.T) {
	const size = 50 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rd := edi.NewReader(&repeatReader{c: 'X', n: size, tail: strings.NewReader("")}, "big.txt")
	var es edi.Errors
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		x := edi.AsErrors(err)
		if x == nil {
			t.Fatalf("Next: %v", err)
		}
		es = append(es, x...)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("reading a %d-byte line allocated %d bytes; want under 1 MiB", size, alloc)
	}
	if len(es) != 2 || es[0].Line != 1 || !strings.Contains(es[0].Reason, "52428800 bytes, longer than any e-IWO record") || es[1].Line != 2 {
		t.Errorf("got %d problems, want the over-long line 1 then the missing trailer:\n%v", len(es), es)
	}
}

// BenchmarkReadLongLine reads a 50 MB single-line file; B/op shows that
// the line is never held.
func BenchmarkReadLongLine(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		rd := edi.NewReader(&repeatReader{c: 'X', n: 50 << 20, tail: strings.NewReader("\n")}, "big.txt")
		for {
			if _, err := rd.Next(); errors.Is(err, io.EOF) {
				break
			}
		}
	}
}

// TestReaderLongLineFile reads testdata/bad/long-line.iwo: a file header
// padded to 5,000 bytes.
func TestReaderLongLineFile(t *testing.T) {
	f, err := os.Open("../testdata/bad/long-line.iwo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	es, err := edi.Validate(f, "long-line.iwo")
	if err != nil || len(es) != 2 || es[0].Error() != "long-line.iwo:1: FHI Record: line is 5004 bytes, longer than any e-IWO record (at most 4096 with its terminator); skipped" {
		t.Errorf("got %v, %v", es, err)
	}
}
