package ach

import (
	"fmt"
	"runtime/debug"
)

// The reader's work splits in two halves of about the same cost: scanning
// and checking the records (structure, controls, check digits), and turning
// each complete entry into payments (classification, DED parsing). Payments
// runs them as a two-stage pipeline: a goroutine scans the file, building
// entries (and copying their records) straight into a chunk, and hands each
// full chunk over; the caller's goroutine turns the chunks' entries into
// payments in file order. On two or more cores the halves overlap; on one,
// the cost is a channel operation per chunk of 256 entries.
//
// A payment never holds a pointer into a chunk (entryPayments copies what
// it keeps), so chunks are recycled once parsed.

const (
	chunkEntries = 256      // entries per chunk
	chunkBytes   = 64 << 10 // record bytes per chunk, unless one entry needs more
	chunksAhead  = 4        // chunks the scanner may run ahead of the parser
)

// chunk is a run of complete, checked entries whose records live in buf.
type chunk struct {
	ents []Entry
	buf  textBuf
	// panicked carries a panic of the scanning goroutine to the caller's.
	panicked any
}

func newChunk() *chunk {
	c := &chunk{ents: make([]Entry, 0, chunkEntries)}
	c.buf.grow(chunkBytes)
	return c
}

// reset empties c for reuse, dropping its references to batch headers,
// addenda slices and record buffers it has replaced (see recordString).
func (c *chunk) reset() {
	clear(c.ents)
	c.ents = c.ents[:0]
	c.buf.reset()
}

// pipeline scans the file on a second goroutine and calls each for every
// complete entry, in file order, on this one. It returns false when each
// did. When it returns, the scanning goroutine has ended, and r.sum and the
// structural errors are complete (if each never returned false).
func (r *Reader) pipeline(each func(*Entry) bool) bool {
	out := make(chan *chunk, chunksAhead)
	free := make(chan *chunk, chunksAhead+2)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		r.produce(out, free, stop)
	}()
	defer func() {
		close(stop)
		for range out { // let a blocked send finish
		}
		<-done
	}()
	for c := range out {
		if c.panicked != nil {
			panic(c.panicked)
		}
		for i := range c.ents {
			if !each(&c.ents[i]) {
				return false
			}
		}
		c.reset()
		select {
		case free <- c:
		default:
		}
	}
	return true
}

// produce runs the scanner, sending full chunks to out, until the file ends
// or stop is closed.
func (r *Reader) produce(out chan<- *chunk, free <-chan *chunk, stop <-chan struct{}) {
	send := func(c *chunk) bool {
		select {
		case out <- c:
			return true
		case <-stop:
			return false
		}
	}
	defer func() {
		if p := recover(); p != nil {
			send(&chunk{panicked: fmt.Sprintf("ach reader: %v\n\n%s", p, debug.Stack())})
		}
	}()
	r.dispatch = func(c *chunk) (*chunk, bool) {
		if !send(c) {
			return nil, false
		}
		select {
		case next := <-free:
			return next, true
		default:
			return newChunk(), true
		}
	}
	ok := r.scan(func(*Entry, error) bool { return true })
	if ok && len(r.cur.ents) > 0 {
		send(r.cur)
	}
}
