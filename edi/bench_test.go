package edi_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/withholding"
)

const (
	benchBatches  = 100
	benchPerBatch = 1000 // 100,000 DTL records
)

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// writeBench writes 100,000 DTLs: 100 employers × 1,000 IWOs made from one
// template with unique tracking IDs.
func writeBench(b *testing.B, out io.Writer, tmpl *edi.IWO) {
	w := edi.NewWriter(out, edi.WriterOptions{Kind: edi.KindIWO, FIPS: "06000", Created: edisynth.StampDefault(), Sequence: 1})
	d := *tmpl
	for e := range benchBatches {
		d.EmployerEIN = withholding.FEIN(fmt.Sprintf("9%08d", e))
		for i := range benchPerBatch {
			d.TrackingID = edi.TrackingIDFor("06", uint64(e*benchPerBatch+i))
			if err := w.Write(&d); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkWrite100kDTL(b *testing.B) {
	tmpl := edisynth.IWOs(1, 1)[0]
	var size countWriter
	writeBench(b, &size, tmpl)
	b.SetBytes(size.n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		writeBench(b, io.Discard, tmpl)
	}
}

// linesReader serves a 100,000-DTL file from one copy of each distinct
// line, so the benchmark measures the reader and not memory.
type linesReader struct {
	head, tail []byte   // file header, file trailer
	batch      [][]byte // per batch: header, DTL, trailer
	b, i       int      // batch, line within batch (0 header, 1..n DTL, n+1 trailer)
	cur        []byte
	started    bool
}

func (r *linesReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		switch {
		case !r.started:
			r.cur, r.started = r.head, true
		case r.b == benchBatches:
			if r.tail == nil {
				return 0, io.EOF
			}
			r.cur, r.tail = r.tail, nil
		default:
			switch {
			case r.i == 0:
				r.cur = r.batch[3*r.b]
			case r.i <= benchPerBatch:
				r.cur = r.batch[3*r.b+1]
			default:
				r.cur = r.batch[3*r.b+2]
			}
			r.i++
			if r.i > benchPerBatch+1 {
				r.b, r.i = r.b+1, 0
			}
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func BenchmarkReadValidate100kDTL(b *testing.B) {
	// Write a file with one DTL per batch, then widen each batch to 1,000.
	var small bytes.Buffer
	tmpl := *edisynth.IWOs(1, 1)[0]
	w := edi.NewWriter(&small, edi.WriterOptions{Kind: edi.KindIWO, FIPS: "06000", Created: edisynth.StampDefault(), Sequence: 1})
	for e := range benchBatches {
		tmpl.EmployerEIN = withholding.FEIN(fmt.Sprintf("9%08d", e))
		if err := w.Write(&tmpl); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	ls := split(small.Bytes())
	r := linesReader{head: []byte(ls[0]), tail: []byte(ls[len(ls)-2])}
	for i := 1; i < len(ls)-2; i++ {
		if ls[i][:3] == "BTI" {
			ls.set(i, edi.TrailerIWO, "Record Count", fmt.Sprintf("%05d", benchPerBatch))
		}
		r.batch = append(r.batch, []byte(ls[i]))
	}
	var total int64
	for _, l := range ls {
		total += int64(len(l))
	}
	total += int64(len(ls[2])) * benchBatches * (benchPerBatch - 1)
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		rr := r
		es, err := edi.Validate(&rr, "bench")
		if err != nil || len(es) != 0 {
			b.Fatalf("bench file: %v %v", err, es[:min(len(es), 3)])
		}
	}
}
