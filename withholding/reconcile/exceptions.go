package reconcile

import (
	"bytes"
	"compress/flate"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"

	"github.com/iwoproject/iwo/withholding"
)

// Exceptions are a night's findings, kept gob-encoded and compressed from
// the moment they are found until the store writes them. Held as
// withholding.Exception values they were most of the reconcile job's
// memory: at 120,000 orders and 100,000 payments (iwo bench night
// --employers 5000 --files 800) the night finds about 180,000, and a heap
// profile taken before they were recorded held 130 MB, 94 MB of it
// exceptions and their messages. Their messages repeat the same phrases;
// compressed they took a buffer of 8 MB, and the live heap at that point
// fell to 48 MB. Encoding and reading them back cost about 0.9 CPU
// seconds of that night's 8. All reads them back one at a time.
type Exceptions struct {
	buf   bytes.Buffer
	zw    *flate.Writer
	enc   *gob.Encoder
	n     int
	types map[withholding.ExceptionType]int
	err   error // the first encoding error; All returns it
	done  bool  // the compressed stream is flushed and closed
}

// add appends e. An encoding error (none is expected: every field of an
// Exception encodes) is kept for All to return.
func (x *Exceptions) add(e *withholding.Exception) {
	if x.err != nil {
		return
	}
	if x.done {
		x.err = errors.New("reconcile: exception added after the run ended")
		return
	}
	if x.zw == nil {
		// BestSpeed: the findings are read back once, the same night; a
		// better ratio is not worth the extra CPU.
		x.zw, _ = flate.NewWriter(&x.buf, flate.BestSpeed) // the level is valid
		x.enc = gob.NewEncoder(x.zw)
		x.types = map[withholding.ExceptionType]int{}
	}
	if err := x.enc.Encode(e); err != nil {
		x.err = fmt.Errorf("encode exception %s: %w", e.Type, err)
		return
	}
	x.n++
	x.types[e.Type]++
}

// close ends the compressed stream; nothing may be added after it.
func (x *Exceptions) close() {
	if x.done {
		return
	}
	x.done = true
	if x.zw != nil && x.err == nil {
		if err := x.zw.Close(); err != nil {
			x.err = fmt.Errorf("compress exceptions: %w", err)
		}
		x.zw, x.enc = nil, nil // their buffers are not needed any more
	}
}

// Len returns how many exceptions there are.
func (x *Exceptions) Len() int {
	if x == nil {
		return 0
	}
	return x.n
}

// Types returns how many exceptions there are of each type.
func (x *Exceptions) Types() map[withholding.ExceptionType]int {
	if x == nil {
		return map[withholding.ExceptionType]int{}
	}
	return maps.Clone(x.types)
}

// All returns the exceptions in the order they were found, each a new
// value the caller may keep. It may be called more than once, but only
// after the run has returned. It yields an error, and stops, if the
// exceptions cannot be read back.
func (x *Exceptions) All() iter.Seq2[*withholding.Exception, error] {
	return func(yield func(*withholding.Exception, error) bool) {
		if x == nil || x.n == 0 {
			return
		}
		if x.err != nil || !x.done {
			err := x.err
			if err == nil {
				err = errors.New("reconcile: exceptions read before the run ended")
			}
			yield(nil, err)
			return
		}
		zr := flate.NewReader(bytes.NewReader(x.buf.Bytes()))
		defer zr.Close()
		dec := gob.NewDecoder(zr)
		for i := range x.n {
			// A new value each time: gob leaves out zero fields, so a
			// reused one would keep the previous exception's values.
			e := new(withholding.Exception)
			if err := dec.Decode(e); err != nil {
				if errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				yield(nil, fmt.Errorf("read exception %d of %d: %w", i+1, x.n, err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
	}
}
