package edi

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// ControlNumber returns the 22-character control number iwo gives a file
// (batch 0) or its batch n (1–9999): the 5-digit State FIPS code, the
// creation date as YYMMDD, seq as 7 digits and the batch as 4 digits, e.g.
// "06000" "261102" "0000042" "0001". The FIPS prefix follows the chart's
// recommendation (spec §3); the rest is iwo's choice. Control numbers are
// unique as long as the caller never reuses seq on the same day (e.g. the
// file ledger's ID), which keeps the portal's "never reused" rule.
// MaxBatches is the most batches one file can carry: batch control numbers
// have four digits. A sender with more employers writes several files.
const MaxBatches = 9999

func ControlNumber(fips string, created time.Time, seq uint64, batch int) (string, error) {
	if len(fips) != 5 || !allDigits(fips) {
		return "", fmt.Errorf("make control number: FIPS code %q is not 5 digits: %w", fips, ErrFormat)
	}
	if seq > 9_999_999 {
		return "", fmt.Errorf("make control number: sequence %d exceeds 7 digits: %w", seq, ErrFormat)
	}
	if batch < 0 || batch > MaxBatches {
		return "", fmt.Errorf("make control number: batch %d exceeds 4 digits: %w", batch, ErrFormat)
	}
	return fmt.Sprintf("%s%s%07d%04d", fips, created.Format("060102"), seq, batch), nil
}

// WriterOptions configure a Writer.
type WriterOptions struct {
	Kind Kind
	// FIPS is the State FIPS Code (5 digits, "06000") put on headers the
	// writer makes and leading its control numbers. In acknowledgment
	// files it is the state the file answers.
	FIPS string
	// EIN and PrimaryEIN go on the file header (blank in state files).
	EIN, PrimaryEIN withholding.FEIN
	// Created is the creation date and time on headers the writer makes.
	Created time.Time
	// Sequence makes this file's control numbers unique (see ControlNumber).
	Sequence uint64
	// CRLF ends records with CR LF instead of LF.
	CRLF bool
	// File names the output in errors.
	File string
	// XML writes an e-IWO XML document (see ReadXML) instead of a flat
	// file; CRLF does not apply.
	XML bool
}

// Writer writes an e-IWO file. It makes the file header, batch headers and
// trailers itself unless given, assigns control numbers (never twice in a
// file), computes batch and record counts, and opens one batch per employer
// EIN: give it IWOs or ACKs grouped by employer (SortIWOs, SortAcks). Every
// record is checked exactly as the Reader checks it, so a Writer never
// writes a record a receiver would reject for its format or rules.
//
// For a round trip, give it the records a Reader returned, headers and
// trailers included: the output is then byte-identical to a valid input.
type Writer struct {
	opt WriterOptions
	w   *bufio.Writer
	buf []byte
	// detailBuf holds a detail record from its check until it is written.
	detailBuf []byte
	line      int
	state     readState

	fileControl string
	batch       *openBatch
	auto        bool // the open batch was opened by the writer
	batches     int
	records     int
	controls    map[string]bool
	eins        map[withholding.FEIN]bool
	xml         *xmlSink // the XML the flat lines become, when opt.XML
}

// NewWriter returns a Writer of a file of opt.Kind to w. Call Close to
// finish the file.
func NewWriter(w io.Writer, opt WriterOptions) *Writer {
	wr := &Writer{opt: opt, controls: map[string]bool{}, eins: map[withholding.FEIN]bool{}}
	if opt.XML {
		wr.xml = &xmlSink{w: w, kind: opt.Kind}
		w = wr.xml
	}
	wr.w = bufio.NewWriterSize(w, WriterBufferSize)
	return wr
}

// WriterBufferSize is the buffer a Writer puts in front of its output. A
// *bufio.Writer of at least this size is used as it is (bufio.NewWriterSize),
// so writers made one after the other can share one.
const WriterBufferSize = 64 << 10

// FileControlNumber returns the file header's control number once written.
func (w *Writer) FileControlNumber() string { return w.fileControl }

// BatchControlNumber returns the open batch's control number ("" outside a
// batch): after writing an IWO, the batch it went into.
func (w *Writer) BatchControlNumber() string {
	if w.batch == nil {
		return ""
	}
	return w.batch.control
}

// Checker checks records on their own, as a Writer of its Kind checks
// each before writing it: the record's elements and rules, not the file
// around it (batches, counts, control numbers). For a detail record that
// is all a Writer can refuse it for when it opens the record's batch: the
// batch header's only element of its own is the EIN, which the detail's
// Employer EIN element checks as strictly. So a caller that must know
// whether a record fits before choosing the file it goes in (send-iwos)
// checks it without writing it twice; a Writer per check made and
// checked a file header and a batch header for every record.
type Checker struct {
	Kind Kind
	buf  []byte
}

// Check returns Errors for a record a Writer of c.Kind would refuse, nil
// for one it takes.
func (c *Checker) Check(r Record) error {
	line, ps := encode(c.Kind, r, c.buf)
	c.buf = line
	if len(ps) == 0 {
		return nil
	}
	es := make(Errors, len(ps))
	for i, p := range ps {
		es[i] = &Error{Line: 1, Record: r.DocumentCode(), Element: p.element, Reason: p.reason, Kind: p.kind}
	}
	return es
}

func (w *Writer) fail(code string, ps ...problem) error { return w.failAt(w.line+1, code, ps...) }

// failAt is fail for a record that would have been line line.
func (w *Writer) failAt(line int, code string, ps ...problem) error {
	es := make(Errors, len(ps))
	for i, p := range ps {
		es[i] = &Error{File: w.opt.File, Line: line, Record: code, Element: p.element, Reason: p.reason, Kind: p.kind}
	}
	return es
}

func (w *Writer) code(prefix string) string { return prefix + w.opt.Kind.String() }

// Write writes one record: a *Header or *Trailer (file or batch, by its
// Code; blank fields are filled in), an *IWO or an *Ack. A detail record
// opens a new batch when none is open or when the open batch was opened by
// the writer for another EIN. Write returns Errors for a record it refuses;
// the file stays as it was and writing may continue.
func (w *Writer) Write(r Record) error {
	if !w.opt.Kind.Valid() {
		return fmt.Errorf("write e-IWO record: file kind %q: %w", w.opt.Kind, ErrFormat)
	}
	if w.state == stDone {
		return w.fail(r.DocumentCode(), structural("Document Code", "record after the file trailer"))
	}
	switch r := r.(type) {
	case *Header:
		if r.Code == "" || r.Code == "FH" || r.Code == "BH" {
			return fmt.Errorf("write e-IWO header: set Code to FH%s or BH%s: %w", w.opt.Kind, w.opt.Kind, ErrStructure)
		}
		if !r.IsBatch() {
			return w.fileHeader(r)
		}
		return w.batchHeader(r, false)
	case *Trailer:
		if r.IsBatch() {
			return w.batchTrailer(r)
		}
		return w.fileTrailer(r)
	case *IWO:
		return w.detail(r, r.EmployerEIN)
	case *Ack:
		return w.detail(r, r.EmployerEIN)
	}
	return fmt.Errorf("write e-IWO record: unknown record type %T", r)
}

func (w *Writer) emit(r Record) error {
	line, ps := encode(w.opt.Kind, r, w.buf)
	w.buf = line
	if len(ps) > 0 {
		return w.fail(r.DocumentCode(), ps...)
	}
	return w.put(line)
}

// put writes an encoded record as the next line.
func (w *Writer) put(line []byte) error {
	if _, err := w.w.Write(line); err != nil {
		return fmt.Errorf("write %s: %w", w.opt.File, err)
	}
	term := "\n"
	if w.opt.CRLF {
		term = "\r\n"
	}
	if _, err := w.w.WriteString(term); err != nil {
		return fmt.Errorf("write %s: %w", w.opt.File, err)
	}
	w.line++
	return nil
}

func (w *Writer) control(cn string, batch int) (string, error) {
	if cn == "" {
		var err error
		if cn, err = ControlNumber(w.opt.FIPS, w.opt.Created, w.opt.Sequence, batch); err != nil {
			return "", err
		}
	}
	if w.controls[cn] {
		return "", w.fail(w.code("BH"), structural("Control Number", "%q is already used in this file", cn))
	}
	return cn, nil
}

func (w *Writer) fill(h *Header) {
	if h.FIPS == "" {
		h.FIPS = w.opt.FIPS
	}
	if h.Created.IsZero() {
		h.Created = w.opt.Created
	}
}

func (w *Writer) fileHeader(h *Header) error {
	if w.state != stStart {
		return w.fail(h.Code, structural("Document Code", "second file header"))
	}
	w.fill(h)
	cn, err := w.control(h.ControlNumber, 0)
	if err != nil {
		return err
	}
	h.ControlNumber = cn
	if err := w.emit(h); err != nil {
		return err
	}
	w.controls[cn] = true
	w.fileControl, w.state = cn, stFile
	return nil
}

func (w *Writer) start() error {
	if w.state != stStart {
		return nil
	}
	return w.fileHeader(&Header{Code: w.code("FH"), EIN: w.opt.EIN, PrimaryEIN: w.opt.PrimaryEIN})
}

func (w *Writer) batchHeader(h *Header, auto bool) error {
	if err := w.start(); err != nil {
		return err
	}
	if err := w.closeBatch(nil); err != nil {
		return err
	}
	w.fill(h)
	cn, err := w.control(h.ControlNumber, w.batches+1)
	if err != nil {
		return err
	}
	h.ControlNumber = cn
	if err := w.emit(h); err != nil {
		return err
	}
	w.controls[cn] = true
	w.eins[h.EIN] = true
	w.batches++
	w.batch, w.auto, w.state = &openBatch{control: cn, ein: h.EIN, line: w.line}, auto, stBatch
	return nil
}

func (w *Writer) batchTrailer(t *Trailer) error {
	if w.state != stBatch {
		return w.fail(t.Code, structural("Document Code", "batch trailer with no open batch"))
	}
	return w.closeBatch(t)
}

// closeBatch writes the open batch's trailer (t's portal fields kept, its
// control number and counts computed), if a batch is open.
func (w *Writer) closeBatch(t *Trailer) error {
	if w.batch == nil {
		return nil
	}
	if t == nil {
		t = &Trailer{}
	}
	if t.Code == "" {
		t.Code = w.code("BT")
	}
	if t.ControlNumber != "" && t.ControlNumber != w.batch.control {
		return w.fail(t.Code, structural("Control Number", "%q does not match the batch header's %q", t.ControlNumber, w.batch.control))
	}
	if t.RecordCount != 0 && t.RecordCount != w.batch.count {
		return w.fail(t.Code, structural("Record Count", "says %d, the batch has %d detail records", t.RecordCount, w.batch.count))
	}
	if w.batch.count == 0 {
		return w.fail(t.Code, structural("Record Count", "batch has no detail records; a batch needs at least one"))
	}
	t.ControlNumber, t.RecordCount, t.BatchCount = w.batch.control, w.batch.count, 0
	if err := w.emit(t); err != nil {
		return err
	}
	w.batch, w.state = nil, stFile
	return nil
}

func (w *Writer) fileTrailer(t *Trailer) error {
	if err := w.start(); err != nil {
		return err
	}
	if err := w.closeBatch(nil); err != nil {
		return err
	}
	if t.Code == "" {
		t.Code = w.code("FT")
	}
	if t.ControlNumber != "" && t.ControlNumber != w.fileControl {
		return w.fail(t.Code, structural("Control Number", "%q does not match the file header's %q", t.ControlNumber, w.fileControl))
	}
	// File Record Count: Kansas sends 00000; a file total is also accepted
	// (spec §4, open question 10). Keep what the caller gives if it is one
	// of those two.
	if t.RecordCount != 0 && t.RecordCount != w.records {
		return w.fail(t.Code, structural("Record Count", "says %d; want 0 or the file's %d detail records", t.RecordCount, w.records))
	}
	t.ControlNumber, t.BatchCount = w.fileControl, w.batches
	if err := w.emit(t); err != nil {
		return err
	}
	w.state = stDone
	return nil
}

func (w *Writer) detail(r Record, ein withholding.FEIN) error {
	if r.DocumentCode() != w.opt.Kind.DetailCode() {
		return w.fail(r.DocumentCode(), structural("Document Code", "%s records do not belong in a %s file", r.DocumentCode(), w.opt.Kind.FileKind()))
	}
	open := w.batch == nil || (w.auto && w.batch.ein != ein)
	if open && w.eins[ein] {
		return w.fail(r.DocumentCode(), structural("Employer EIN", "%s already had a batch in this file; write records grouped by employer", ein))
	} else if !open && w.batch.ein != ein {
		return w.fail(r.DocumentCode(), ruleProblem("Employer EIN", "%s differs from the batch header EIN %s", ein, w.batch.ein))
	}
	// The record is checked before a batch is opened for it, so a record
	// refused leaves the file as it was, where it left the batch header
	// written for it with no record, and the file unable to close (a
	// batch needs one): send-iwos writes each IWO without checking it
	// apart first. Its own buffer, as the batch header is encoded in
	// between.
	line, ps := encode(w.opt.Kind, r, w.detailBuf)
	w.detailBuf = line
	if len(ps) > 0 {
		// The line it would have had, after the file header, the open
		// batch's trailer and its own batch header written for it.
		at := w.line + 1
		if open {
			at++
			if w.batch != nil {
				at++
			}
			if w.state == stStart {
				at++
			}
		}
		return w.failAt(at, r.DocumentCode(), ps...)
	}
	if open {
		if err := w.batchHeader(&Header{Code: w.code("BH"), EIN: ein}, true); err != nil {
			return err
		}
	}
	if err := w.put(line); err != nil {
		return err
	}
	w.batch.count++
	w.records++
	return nil
}

// Close finishes the file (closing the open batch and writing the file
// trailer unless already written) and flushes it. It does not close the
// underlying writer.
func (w *Writer) Close() error {
	if w.state != stDone {
		if err := w.fileTrailer(&Trailer{}); err != nil {
			return err
		}
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("flush %s: %w", w.opt.File, err)
	}
	if w.xml != nil {
		if err := w.xml.close(); err != nil {
			return fmt.Errorf("finish XML %s: %w", w.opt.File, err)
		}
	}
	return nil
}

// SortIWOs orders IWOs by employer EIN, keeping the order within an
// employer, so a Writer puts each employer in one batch.
func SortIWOs(ds []*IWO) {
	slices.SortStableFunc(ds, func(a, b *IWO) int { return cmp.Compare(a.EmployerEIN, b.EmployerEIN) })
}

// SortAcks orders ACKs by employer EIN, keeping the order within an employer.
func SortAcks(as []*Ack) {
	slices.SortStableFunc(as, func(a, b *Ack) int { return cmp.Compare(a.EmployerEIN, b.EmployerEIN) })
}
