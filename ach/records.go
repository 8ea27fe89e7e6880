package ach

import "io"

// recordBufSize is the read buffer of a records source: a few thousand
// records per read system call.
const recordBufSize = 256 << 10

// records cuts a NACHA byte stream into records. It replaces bufio.Scanner
// in the reader's hot loop: the usual line (94 characters and LF or CRLF,
// all printable) is recognised and checked in one pass over its bytes; any
// other shape goes through Reader.split, which handles CR line ends, short
// lines and files with no line breaks.
type records struct {
	src  io.Reader
	buf  []byte
	r, w int // unread data is buf[r:w]
	eof  bool
	err  error // read error; io.EOF only sets eof
}

func newRecords(src io.Reader) *records {
	return &records{src: src, buf: make([]byte, recordBufSize)}
}

// next returns the next record without its line end. clean reports that
// the record is exactly 94 printable ASCII characters ended by a newline,
// so the caller need not check its bytes again. The record is valid until
// the following call. ok is false at the end of the input.
func (s *records) next(split func([]byte, bool) (int, []byte, error)) (tok []byte, clean, ok bool) {
	for {
		if s.w-s.r > RecordLength {
			b := s.buf[s.r:s.w]
			switch {
			case b[RecordLength] == '\n' && badByte(b[:RecordLength]) < 0:
				s.r += RecordLength + 1
				return b[:RecordLength], true, true
			case b[RecordLength] == '\r' && len(b) > RecordLength+1 && b[RecordLength+1] == '\n' &&
				badByte(b[:RecordLength]) < 0:
				s.r += RecordLength + 2
				return b[:RecordLength], true, true
			}
		}
		if s.r < s.w || s.eof {
			adv, tok, _ := split(s.buf[s.r:s.w], s.eof)
			if adv > 0 || tok != nil {
				s.r += adv
				return tok, false, true
			}
			if s.eof {
				return nil, false, false
			}
		}
		s.fill()
	}
}

// fill moves the unread data to the front of the buffer and reads more.
func (s *records) fill() {
	if s.r > 0 {
		s.w = copy(s.buf, s.buf[s.r:s.w])
		s.r = 0
	}
	for empty := 0; ; empty++ {
		n, err := s.src.Read(s.buf[s.w:])
		s.w += n
		switch {
		case err == io.EOF:
			s.eof = true
			return
		case err != nil:
			s.err, s.eof = err, true
			return
		case n > 0:
			return
		case empty >= 100:
			s.err, s.eof = io.ErrNoProgress, true
			return
		}
	}
}

// Err returns the read error, or nil when the input ended normally.
func (s *records) Err() error { return s.err }
