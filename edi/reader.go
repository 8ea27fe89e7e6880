package edi

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/iwoproject/iwo/withholding"
)

type readState uint8

const (
	stStart readState = iota // before the file header
	stFile                   // inside the file, between batches
	stBatch                  // inside a batch
	stDone                   // after the file trailer
)

type openBatch struct {
	control string
	ein     withholding.FEIN
	line    int
	count   int
}

// MaxLineLen is the longest line, terminator included, a Reader reads as a
// record: the longest e-IWO record (IWORecordLen, 2,307 bytes) with room
// for a partner's stray padding. A longer line is no e-IWO record; the
// Reader reports it as one problem and skips it without holding it, so a
// file that is one line of hundreds of megabytes (a binary or a file
// whose line ends were lost) costs a buffer's worth of memory.
const MaxLineLen = 4096

// Reader reads an e-IWO file of any kind one record at a time and checks it
// as a receiver would (spec §8): each element against its layout, the
// cross-element rules of each record, and the file's structure (nesting,
// control numbers, counts). It holds one record (at most MaxLineLen bytes)
// and one open batch in memory, so a file of any size streams.
type Reader struct {
	file  string
	br    *bufio.Reader
	line  int
	kind  Kind
	state readState

	crlf, termKnown bool
	unterminated    bool
	eof             bool

	raw    string  // the last record, without terminator
	layout *Layout // its layout

	fileControl string
	batch       *openBatch
	batches     int
	records     int
	controls    map[string]int // control number → line it was first used on

	// lineOf maps a flat line number to the line of the input, for XML
	// documents (ReadXML); nil for flat files.
	lineOf func(int) int
}

// NewReader returns a Reader of r. name is the file name errors carry.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{file: name, br: bufio.NewReaderSize(r, MaxLineLen+1), controls: map[string]int{}}
}

// Kind returns the file's kind, known once the first record is read (0
// before, or when the first record does not say).
func (r *Reader) Kind() Kind { return r.kind }

// Line returns the line number of the record Next returned last.
// In an XML document (ReadXML) it is the line of the record's start tag.
func (r *Reader) Line() int {
	if r.lineOf != nil {
		return r.lineOf(r.line)
	}
	return r.line
}

// Raw returns the last record as read, without its line terminator.
func (r *Reader) Raw() string { return r.raw }

// Layout returns the layout of the last record (nil when its document code
// is unknown).
func (r *Reader) Layout() *Layout { return r.layout }

// CRLF reports whether the file's records end with CR LF (else LF).
func (r *Reader) CRLF() bool { return r.crlf }

// FileControlNumber returns the file header's control number once read.
func (r *Reader) FileControlNumber() string { return r.fileControl }

// Next returns the next record: a *Header, *Trailer, *IWO or *Ack.
//
// When the record has problems, Next returns it (nil when it could not be
// decoded at all, e.g. an unknown document code) together with an Errors
// value listing every problem; the caller may keep reading. At the end of
// the input Next first returns any end-of-file problems (a missing trailer)
// as Errors with a nil Record, then io.EOF. Any other error is an I/O
// failure and ends reading.
func (r *Reader) Next() (Record, error) {
	if r.eof {
		return nil, io.EOF
	}
	raw, long, err := r.readLine()
	if errors.Is(err, io.EOF) && len(raw) == 0 && long == 0 {
		r.eof = true
		if err := r.finish(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", r.file, err)
	}
	r.line++
	if long > 0 {
		// Not a record: checking its elements or its place in the file
		// would only echo this one problem.
		code := string(raw)
		r.raw, r.layout = "", nil
		return nil, r.errors(sanitize(code), []problem{structural("Record",
			"line is %d bytes, longer than any e-IWO record (at most %d with its terminator); skipped", long, MaxLineLen)})
	}
	var ps []problem
	raw, ps = r.terminator(raw, errors.Is(err, io.EOF), ps)
	line := string(raw)

	code := line
	if len(code) > 3 {
		code = code[:3]
	}
	if r.line == 1 || r.kind == 0 {
		ps = r.start(code, ps)
	}
	l := layoutFor(r.kind, code)
	r.raw, r.layout = line, l
	if l == nil {
		ps = append(ps, r.unknownCode(code))
		return nil, r.errors(sanitize(code), ps)
	}
	var rec Record
	if len(line) != l.Len {
		ps = append(ps, formatProblem("Record", "%d bytes, want %d", len(line), l.Len))
		// Decode a padded copy for the structure checks only: element
		// checks on a record of the wrong length would only echo this.
		fixed := make([]byte, l.Len)
		copy(fixed, line)
		for i := min(len(line), l.Len); i < l.Len; i++ {
			fixed[i] = ' '
		}
		rec, _ = decode(r.kind, l, code, string(fixed))
	} else {
		var rps []problem
		rec, rps = decode(r.kind, l, code, line)
		ps = append(ps, rps...)
	}
	ps = r.structure(rec, ps)
	return rec, r.errors(code, ps)
}

// readLine returns the next line including its terminator; the slice is
// valid until the next call. A line longer than MaxLineLen is read to its
// end and dropped: readLine then returns its length as long and, in b, at
// most its first three bytes (its would-be document code).
func (r *Reader) readLine() (b []byte, long int, err error) {
	b, err = r.br.ReadSlice('\n')
	if len(b) <= MaxLineLen {
		return b, 0, err
	}
	long = len(b)
	code := bytes.Clone(b[:3])
	for errors.Is(err, bufio.ErrBufferFull) {
		b, err = r.br.ReadSlice('\n')
		long += len(b)
	}
	if errors.Is(err, io.EOF) {
		err = nil // the next call sees the end
	}
	return code, long, err
}

// terminator strips the line terminator and checks it matches line 1's.
func (r *Reader) terminator(b []byte, atEOF bool, ps []problem) ([]byte, []problem) {
	if atEOF || !bytes.HasSuffix(b, []byte("\n")) {
		r.unterminated = true
		return b, append(ps, problem{"Record", "the file's last record has no line terminator", ErrStructure})
	}
	b = b[:len(b)-1]
	crlf := bytes.HasSuffix(b, []byte("\r"))
	if crlf {
		b = b[:len(b)-1]
	}
	if !r.termKnown {
		r.crlf, r.termKnown = crlf, true
	} else if crlf != r.crlf {
		ps = append(ps, problem{"Record", "line terminator differs from line 1 (mixed LF and CR LF)", ErrStructure})
	}
	return b, ps
}

// start learns the file's kind from its first record.
func (r *Reader) start(code string, ps []problem) []problem {
	if r.kind != 0 {
		return ps
	}
	if len(code) == 3 && Kind(code[2]).Valid() && (code[:2] == "FH" || code[:2] == "BH" || code[:2] == "FT" || code[:2] == "BT") {
		r.kind = Kind(code[2])
	} else if code == "DTL" {
		r.kind = KindIWO
	} else if code == "ACK" {
		r.kind = KindAck
	}
	if r.line == 1 && (len(code) != 3 || code[:2] != "FH" || !r.kind.Valid()) {
		ps = append(ps, problem{"Document Code", fmt.Sprintf("%s: a file starts with a file header (FHI, FHA, FHS or FHK)", strconv.Quote(code)), ErrStructure})
		r.state = stFile // report the missing header once
	}
	return ps
}

func (r *Reader) unknownCode(code string) problem {
	if r.kind.Valid() && len(code) == 3 && (code == "DTL" || code == "ACK" || Kind(code[2]).Valid()) {
		return problem{"Document Code", fmt.Sprintf("%s does not belong in a %s file (mixed file families)", code, r.kind.FileKind()), ErrStructure}
	}
	return problem{"Document Code", fmt.Sprintf("%s: not a valid document code", strconv.Quote(code)), ErrFormat}
}

func (r *Reader) errors(code string, ps []problem) error {
	if len(ps) == 0 {
		return nil
	}
	es := make(Errors, len(ps))
	for i, p := range ps {
		es[i] = &Error{File: r.file, Line: r.line, Record: code, Element: p.element, Reason: p.reason, Kind: p.kind}
	}
	return es
}

func structural(el, format string, args ...any) problem {
	return problem{el, fmt.Sprintf(format, args...), ErrStructure}
}

func (r *Reader) useControl(cn string, ps []problem) []problem {
	if cn == "" {
		return ps
	}
	if at, dup := r.controls[cn]; dup {
		return append(ps, structural("Control Number", "%q was already used on line %d; control numbers are never reused", cn, at))
	}
	r.controls[cn] = r.line
	return ps
}

func (r *Reader) afterEnd(ps []problem) []problem {
	return append(ps, structural("Document Code", "record after the file trailer"))
}

// structure checks where rec sits in the file (spec §8.1).
func (r *Reader) structure(rec Record, ps []problem) []problem {
	switch rec := rec.(type) {
	case *Header:
		if !rec.IsBatch() {
			switch r.state {
			case stStart:
			case stDone:
				ps = r.afterEnd(ps)
			default:
				ps = append(ps, structural("Document Code", "second file header"))
			}
			if r.state == stStart {
				r.fileControl = rec.ControlNumber
				r.state = stFile
			}
			return r.useControl(rec.ControlNumber, ps)
		}
		switch r.state {
		case stStart:
			ps = append(ps, structural("Document Code", "batch header before the file header"))
		case stBatch:
			ps = append(ps, structural("Document Code", "batch %q (line %d) has no batch trailer before this batch header", r.batch.control, r.batch.line))
		case stDone:
			ps = r.afterEnd(ps)
		}
		ps = r.useControl(rec.ControlNumber, ps)
		r.batch = &openBatch{control: rec.ControlNumber, ein: rec.EIN, line: r.line}
		r.batches++
		r.state = stBatch
	case *Trailer:
		if rec.IsBatch() {
			if r.state != stBatch {
				if r.state == stDone {
					return r.afterEnd(ps)
				}
				return append(ps, structural("Document Code", "batch trailer with no open batch header"))
			}
			b := r.batch
			if rec.ControlNumber != b.control {
				ps = append(ps, structural("Control Number", "%q does not match batch header %q (line %d)", rec.ControlNumber, b.control, b.line))
			}
			if b.count == 0 {
				ps = append(ps, structural("Record Count", "batch has no detail records; a batch needs at least one"))
			} else if rec.RecordCount != b.count {
				ps = append(ps, structural("Record Count", "says %d, the batch has %d detail records", rec.RecordCount, b.count))
			}
			if rec.BatchCount != 0 {
				ps = append(ps, structural("Batch Count", "must be 00000 on a batch trailer, got %d", rec.BatchCount))
			}
			r.batch, r.state = nil, stFile
			return ps
		}
		switch r.state {
		case stDone:
			return append(ps, structural("Document Code", "second file trailer"))
		case stBatch:
			ps = append(ps, structural("Document Code", "batch %q (line %d) has no batch trailer", r.batch.control, r.batch.line))
		}
		if rec.ControlNumber != r.fileControl {
			ps = append(ps, structural("Control Number", "%q does not match file header %q", rec.ControlNumber, r.fileControl))
		}
		if rec.BatchCount != r.batches {
			ps = append(ps, structural("Batch Count", "says %d, the file has %d batches", rec.BatchCount, r.batches))
		}
		if rec.RecordCount != 0 && rec.RecordCount != r.records {
			ps = append(ps, structural("Record Count", "says %d; want 00000 or the file's %d detail records", rec.RecordCount, r.records))
		}
		r.batch, r.state = nil, stDone
	case *IWO:
		ps = r.detail(rec.EmployerEIN, ps)
	case *Ack:
		ps = r.detail(rec.EmployerEIN, ps)
	}
	return ps
}

func (r *Reader) detail(ein withholding.FEIN, ps []problem) []problem {
	r.records++
	switch r.state {
	case stBatch:
		r.batch.count++
		// Batches are per employer EIN (spec §2.1) [Kansas].
		if r.batch.ein != "" && ein != "" && ein != r.batch.ein {
			ps = append(ps, ruleProblem("Employer EIN", "%s differs from the batch header EIN %s", ein, r.batch.ein))
		}
	case stDone:
		ps = r.afterEnd(ps)
	default:
		ps = append(ps, structural("Document Code", "detail record outside a batch"))
	}
	return ps
}

// finish reports what the end of the file leaves open.
func (r *Reader) finish() error {
	var ps []problem
	code := "FT" + r.kind.String()
	if !r.kind.Valid() {
		code = "FT?"
	}
	switch {
	case r.line == 0:
		ps = append(ps, structural("Record", "file is empty"))
		code = "FH?"
	case r.state == stBatch:
		ps = append(ps, structural("Record", "file ends inside batch %q (line %d): missing batch and file trailers", r.batch.control, r.batch.line))
	case r.state != stDone:
		ps = append(ps, structural("Record", "file ends without a file trailer"))
	}
	if len(ps) == 0 {
		return nil
	}
	r.line++
	defer func() { r.line-- }()
	return r.errors(code, ps)
}

// sanitize makes a document code safe to print.
func sanitize(code string) string {
	q := strconv.Quote(code)
	if q[1:len(q)-1] == code && code != "" {
		return code
	}
	return q
}

// Validate reads a whole file and returns every problem in it (nil when it
// is valid). err reports an I/O failure only.
func Validate(in io.Reader, name string) (problems Errors, err error) {
	_, problems, err = Read(in, name, nil)
	return problems, err
}
