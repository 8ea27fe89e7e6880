package edi_test

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// MustReadAll reads every record of data, failing on any problem.
func MustReadAll(tb testing.TB, name string, data []byte) ([]edi.Record, *edi.Reader) {
	tb.Helper()
	rd := edi.NewReader(bytes.NewReader(data), name)
	var recs []edi.Record
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return recs, rd
		}
		if err != nil {
			tb.Fatalf("read %s line %d: %v", name, rd.Line(), err)
		}
		recs = append(recs, rec)
	}
}

// rewrite writes recs back through a Writer of the same kind.
func rewrite(tb testing.TB, kind edi.Kind, crlf bool, recs []edi.Record) ([]byte, error) {
	tb.Helper()
	var out bytes.Buffer
	w := edi.NewWriter(&out, edi.WriterOptions{Kind: kind, CRLF: crlf})
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./edi -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s: generated file differs from the golden file (run with -update if the change is intended)", name)
	}
}

// TestGoldenRoundTrip: a generated file equals its golden file, validates
// clean, and reading then writing it gives the same bytes.
func TestGoldenRoundTrip(t *testing.T) {
	var iwo bytes.Buffer
	if err := edisynth.WriteIWOFile(&iwo, 1, 60); err != nil {
		t.Fatal(err)
	}
	var ack bytes.Buffer
	if err := edisynth.WriteAckFile(&ack, bytes.NewReader(iwo.Bytes()), "iwo", 1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		golden string
		data   []byte
		kind   edi.Kind
	}{
		{"iwo-seed1.golden", iwo.Bytes(), edi.KindIWO},
		{"ack-seed1.golden", ack.Bytes(), edi.KindAck},
		{"iwo-result.golden", resultFile(t, iwo.Bytes()), edi.KindIWOResult},
		{"ack-result.golden", ackResultFile(t, ack.Bytes()), edi.KindAckResult},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			checkGolden(t, tc.golden, tc.data)
			recs, rd := MustReadAll(t, tc.golden, tc.data)
			if rd.Kind() != tc.kind {
				t.Errorf("kind %s, want %s", rd.Kind(), tc.kind)
			}
			again, err := rewrite(t, tc.kind, rd.CRLF(), recs)
			if err != nil {
				t.Fatalf("rewrite: %v", err)
			}
			if !bytes.Equal(again, tc.data) {
				t.Errorf("write → read → write is not byte-identical")
			}
		})
	}
}

// resultFile turns an IWO file into the portal's result for it: S codes,
// and the first DTL flagged with two error fields.
func resultFile(t *testing.T, iwo []byte) []byte {
	recs, _ := MustReadAll(t, "iwo", iwo)
	flagged := false
	for _, r := range recs {
		switch r := r.(type) {
		case *edi.Header:
			r.Code = r.Code[:2] + "S"
		case *edi.Trailer:
			r.Code = r.Code[:2] + "S"
			r.StateSentCount = r.RecordCount
		case *edi.IWO:
			if !flagged {
				r.ErrorField1, r.ErrorField2, r.MultipleErrors = "EMPLOYEE SSN", "EMPLOYEE BIRTH DATE", "T"
				flagged = true
			}
		}
	}
	out, err := rewrite(t, edi.KindIWOResult, false, recs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ackResultFile(t *testing.T, ack []byte) []byte {
	recs, _ := MustReadAll(t, "ack", ack)
	for _, r := range recs {
		switch r := r.(type) {
		case *edi.Header:
			r.Code = r.Code[:2] + "K"
		case *edi.Trailer:
			r.Code = r.Code[:2] + "K"
			r.EmployerSentCount = r.RecordCount
		case *edi.Ack:
			if r.Reason == "W" {
				r.ErrorField1 = "CORRECTED FEIN"
			}
		}
	}
	out, err := rewrite(t, edi.KindAckResult, true, recs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
