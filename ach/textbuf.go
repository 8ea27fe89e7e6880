package ach

import "unsafe"

// textBuf is a byte buffer that hands out strings sharing its memory: add
// appends bytes and returns them as a string without a second copy. It is
// the only code in iwo that uses unsafe (withholding.TestUnsafeFenced keeps
// it so).
//
// Why: the reader turns every entry and addenda record, and the texts each
// payment keeps (trace, DED), into strings. A string(b) conversion would
// allocate for each; appended to a block and viewed in place they cost a
// few allocations per thousand entries, so the heap stays flat (~4 MB for a
// 1,000,000-entry file) and the garbage collector stays out of the way. It
// is a large part of the reader's lead over github.com/moov-io/ach's Reader
// (at least 8 times its throughput; docs/ach.md). The benchmark that proves
// it, reporting the ratio as x-moov-throughput and the peak heap of both:
//
//	go test ./ach -run '^$' -bench Read1M -count 3
//
// What makes it safe: bytes are never written again while a string may
// point at them. add only appends, within the block's capacity; a full
// block is replaced by grow, not moved, and the strings already handed out
// keep the old one alive. reset is the one exception, rewinding the block
// so its bytes are overwritten: only a chunk of records (pipeline.go) calls
// it, once every entry in the chunk has been used, and nothing taken from a
// chunk keeps its strings (entryPayments copies what a payment keeps into
// the arena's textBuf, which is never reset; Entry.clone copies records).
type textBuf struct{ b []byte }

// room is how many bytes can be added before the block must grow.
func (t *textBuf) room() int { return cap(t.b) - len(t.b) }

// grow starts a new, empty block of n bytes. The old block lives on while
// strings in it are referenced.
func (t *textBuf) grow(n int) { t.b = make([]byte, 0, n) }

// reset empties the block for reuse, overwriting every string it handed
// out: call it only when none of them is in use any more.
func (t *textBuf) reset() { t.b = t.b[:0] }

// addBytes appends p and then pad, and returns them as one string. The
// caller makes room first (room, grow).
func (t *textBuf) addBytes(p []byte, pad string) string {
	start := len(t.b)
	t.b = append(t.b, p...)
	t.b = append(t.b, pad...)
	return t.since(start)
}

// addStrings appends s and then u, and returns them as one string. The
// caller makes room first (room, grow).
func (t *textBuf) addStrings(s, u string) string {
	start := len(t.b)
	t.b = append(t.b, s...)
	t.b = append(t.b, u...)
	return t.since(start)
}

// since returns the bytes added from offset start on, as a string sharing
// the block's memory.
func (t *textBuf) since(start int) string {
	if start == len(t.b) {
		return ""
	}
	return unsafe.String(&t.b[start], len(t.b)-start)
}
