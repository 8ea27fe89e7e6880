package edi_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/iwoproject/iwo/edi"
)

// FuzzReader: the reader never panics, and whatever it accepts without a
// single problem a Writer writes back byte for byte.
func FuzzReader(f *testing.F) {
	// Small seeds keep the coverage-guided fuzzer fast: one ACK file (five
	// 548-byte records), its CR LF twin, the head of an IWO file.
	ack := MustAckFile(f)
	f.Add(ack)
	f.Add(bytes.ReplaceAll(ack, []byte("\n"), []byte("\r\n")))
	f.Add(MustIWOFile(f)[:3000])
	f.Add([]byte("FHI\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := edi.NewReader(bytes.NewReader(data), "fuzz")
		var recs []edi.Record
		clean := true
		for {
			rec, err := rd.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if edi.AsErrors(err) == nil && err != nil {
				t.Fatalf("I/O error from a bytes.Reader: %v", err)
			}
			if err != nil {
				clean = false
			}
			if rec != nil {
				recs = append(recs, rec)
			}
		}
		if !clean {
			return
		}
		out, err := rewrite(t, rd.Kind(), rd.CRLF(), recs)
		if err != nil {
			t.Fatalf("accepted file cannot be written back: %v", err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("accepted file written back differently:\n in: %q\nout: %q", data, out)
		}
	})
}
