package ach

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"iter"
	"strings"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/withholding"
)

// DefaultMaxErrors is how many structural problems a Reader lists before it
// only counts the rest.
const DefaultMaxErrors = 100

// MaxCTXAddenda is the most addenda records a CTX entry may carry (and an
// ATX or TRX entry: see multiAddenda).
const MaxCTXAddenda = 9999

// multiAddenda reports the SEC codes whose entries may carry up to
// MaxCTXAddenda addenda 05, counted in the entry's positions 55-58: CTX,
// and ATX (an acknowledgment of a CTX) and TRX (truncated checks), which
// NACHA lays out the same way. iwo posts CTX only; the others are read so
// that their file's remittances are not refused with them (moov-io/ach's
// own ATX and TRX samples, two addenda each, were rejected whole).
func multiAddenda(sec string) bool { return sec == moov.CTX || sec == moov.ATX || sec == moov.TRX }

// Options configure a Reader.
type Options struct {
	// Name is the file name used in error messages ("-" when empty).
	Name string
	// Profile chooses how DED segments are parsed; the zero value is the
	// lenient default.
	Profile Profile
	// MaxErrors caps the structural problems listed; 0 means DefaultMaxErrors.
	MaxErrors int
	// ReusePayment makes Payments yield the same *withholding.Payment each
	// time, overwritten by the next item, instead of a new one. It is for
	// consumers that use each payment before asking for the next (storing
	// it as a row, printing it) and saves allocating a ~420-byte payment per
	// item. The strings and slices in a payment are never overwritten: a
	// consumer may keep those, or copy the struct (cp := *p) to keep it all.
	ReusePayment bool
}

// Summary describes a file after it has been read.
type Summary struct {
	Lines       int // physical lines (records), padding included
	Batches     int
	Entries     int
	Addenda     int
	TotalDebit  withholding.Cents
	TotalCredit withholding.Cents

	// PaymentCounts are filled by Payments.
	PaymentCounts

	// Err is the structural error, nil when the file is valid.
	Err *FileError
}

// PaymentCounts count the payments Payments yielded, by kind.
type PaymentCounts struct {
	Payments     int               // payments yielded, every kind
	Posted       int               // kind payment
	Prenotes     int               // kind prenote
	Returns      int               // kind return
	NOCs         int               // kind noc
	Other        int               // kind other
	WithProblems int               // payments with at least one problem
	PaymentCents withholding.Cents // sum of Credited over kind payment: what the bank credited
}

// Valid reports whether the file was structurally valid.
func (s Summary) Valid() bool { return s.Err == nil }

// Reader streams the entries and payments of one NACHA file. It reads the
// file once: call either Entries or Payments, once.
type Reader struct {
	src  io.Reader
	opts Options
	sum  Summary
	errs []*RecordError
	used bool

	// scanning
	line       int
	tokForced  bool // the token just returned was cut at 94 bytes, not at a newline
	prevForced bool

	// file state
	header      bool
	control     bool
	fileEntries int // entry + addenda records
	fileHash    int64
	fileDebit   int64
	fileCredit  int64
	records     int // records up to the file control, for the block count

	// batch state
	bh         *BatchHeader
	bEntries   int // entry + addenda records
	bHash      int64
	bDebit     int64
	bCredit    int64
	lastTrace  string
	pending    *Entry
	lastNumber int

	// cur holds the entries being read and their records (see
	// recordString); dispatch, when set, hands a chunk of complete entries
	// on and returns the next chunk (see pipeline.go). Without it, entries
	// are yielded one by one and cur is reused.
	cur      *chunk
	dispatch func(*chunk) (*chunk, bool)
	arena    arena
}

// NewReader returns a Reader of the NACHA file in r.
func NewReader(r io.Reader, opts Options) *Reader {
	if opts.Name == "" {
		opts.Name = "-"
	}
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = DefaultMaxErrors
	}
	return &Reader{src: r, opts: opts}
}

// Summary returns the totals of what has been read so far; after the
// iteration ends it describes the whole file.
func (r *Reader) Summary() Summary { return r.sum }

func (r *Reader) fail(line int, record, field, format string, args ...any) {
	if len(r.errs) >= r.opts.MaxErrors {
		if r.sum.Err == nil {
			r.sum.Err = &FileError{File: r.opts.Name}
		}
		r.sum.Err.Omitted++
		return
	}
	reason := format
	if len(args) > 0 {
		reason = fmt.Sprintf(format, args...)
	}
	e := &RecordError{File: r.opts.Name, Line: line, Record: record, Field: field, Reason: reason}
	r.errs = append(r.errs, e)
	if r.sum.Err == nil {
		r.sum.Err = &FileError{File: r.opts.Name}
	}
	r.sum.Err.Errors = r.errs
}

// split cuts records at a newline (LF, CRLF or CR), or every 94 bytes when a
// file has no line breaks.
func (r *Reader) split(data []byte, atEOF bool) (int, []byte, error) {
	r.tokForced = false
	if len(data) == 0 {
		return 0, nil, nil
	}
	n := min(len(data), RecordLength+1)
	w := data[:n]
	i := bytes.IndexByte(w, '\n')
	if i >= 0 {
		w = w[:i]
	}
	if j := bytes.IndexByte(w, '\r'); j >= 0 {
		adv := j + 1
		if j+1 < len(data) {
			if data[j+1] == '\n' {
				adv++
			}
		} else if !atEOF {
			return 0, nil, nil // need one more byte to tell CR from CRLF
		}
		return adv, data[:j], nil
	}
	if i >= 0 {
		return i + 1, data[:i], nil
	}
	if len(data) > RecordLength {
		r.tokForced = true
		return RecordLength, data[:RecordLength], nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}

const spaces94 = "                                                                                              "

var nines94 = strings.Repeat("9", RecordLength)

// Entries yields each entry detail record with its addenda, in file order,
// once the entry is complete. When the file is structurally invalid the last
// pair yielded is (nil, *FileError). Each *Entry is a copy the caller may
// keep.
func (r *Reader) Entries() iter.Seq2[*Entry, error] {
	return r.each(func(e *Entry) *Entry { return e.clone() })
}

// each runs the reader, passing every entry through conv before yielding it.
func (r *Reader) each(conv func(*Entry) *Entry) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		if err := r.claim(); err != nil {
			yield(nil, err)
			return
		}
		ok := r.scan(func(e *Entry, err error) bool {
			if e != nil {
				e = conv(e)
			}
			return yield(e, err)
		})
		if !ok {
			return
		}
		if r.sum.Err != nil {
			yield(nil, r.sum.Err)
		}
	}
}

// clone copies e and its records out of the reader's buffers. The fields
// sliced from a record are sliced again from its copy, at the columns entry
// and addenda took them from.
func (e *Entry) clone() *Entry {
	c := *e
	c.Record = strings.Clone(e.Record)
	c.RDFI = c.Record[3:12]
	c.setTexts()
	c.Trace = withholding.TraceNumber(c.Record[79:94])
	if len(e.Addenda) <= 1 {
		c.Addenda = c.one[:len(e.Addenda)]
	} else {
		c.Addenda = make([]Addenda, len(e.Addenda))
	}
	for i, a := range e.Addenda {
		rec := strings.Clone(a.Record)
		a.Type = rec[1:3]
		a.Text = rec[3 : 3+len(a.Text)] // 76 or 80 characters, by type
		a.Record = rec
		c.Addenda[i] = a
	}
	return &c
}

// setTexts fills the entry's text fields that nothing in the reader needs
// (the Payments path leaves them empty): account, identification, name and
// discretionary data, without trailing spaces.
func (e *Entry) setTexts() {
	rec := e.Record
	e.Account = trimRight(rec[12:29])
	e.Identification = trimRight(rec[39:54])
	e.Discretionary = trimRight(rec[76:78])
	if e.Batch != nil && e.Batch.SEC == moov.CTX {
		e.Name = trimRight(rec[58:74])
	} else {
		e.Name = trimRight(rec[54:76])
	}
}

var errReused = fmt.Errorf("ach reader used twice")

// claim marks the reader used: a file is read once.
func (r *Reader) claim() error {
	if r.used {
		return fmt.Errorf("read %s: %w", r.opts.Name, errReused)
	}
	r.used = true
	return nil
}

// scan runs the record loop; it returns false when yield asked to stop.
func (r *Reader) scan(yield func(*Entry, error) bool) bool {
	src := newRecords(r.src)
	if r.cur == nil {
		r.cur = newChunk()
	}
	for {
		tok, clean, ok := src.next(r.split)
		if !ok {
			break
		}
		forced, prevForced := r.tokForced && !clean, r.prevForced
		r.prevForced = forced
		if prevForced && !forced && len(tok) < RecordLength {
			// The tail of a line longer than 94 characters.
			if strings.TrimSpace(string(tok)) != "" {
				r.fail(r.line, recFile, "", "line is longer than %d characters", RecordLength)
			}
			continue
		}
		r.line++
		r.sum.Lines++
		if len(tok) == 0 || tok[0] <= ' ' && isBlank(tok) {
			continue
		}
		if tok[0] == '6' && !r.startEntry(yield) {
			return false
		}
		rec := r.recordString(tok)
		if !clean {
			// tok, not rec: rec only adds spaces.
			if i := badByte(tok); i >= 0 {
				r.fail(r.line, recordName(rec[0]), "", "position %d: character %q is not allowed in a NACHA file", i+1, rec[i])
				continue
			}
		}
		if !r.record(rec, yield) {
			return false
		}
	}
	if err := src.Err(); err != nil {
		r.fail(r.line, recFile, "", "read: %v", err)
	}
	if !r.flushEntry(yield) {
		return false
	}
	if r.bh != nil {
		r.fail(r.bh.Line, recBatchHeader, "", "batch %d has no batch control record", r.bh.Number)
		r.bh = nil
	}
	if !r.header {
		r.fail(0, recFile, "", "no file header record")
	}
	if !r.control {
		r.fail(r.line, recFile, "", "no file control record")
	}
	return true
}

// startEntry completes the pending entry and makes room in r.cur for a
// new one, handing the chunk on when it is full. It returns false when the
// entry's consumer asked to stop.
func (r *Reader) startEntry(yield func(*Entry, error) bool) bool {
	if !r.flushEntry(yield) {
		return false
	}
	c := r.cur
	if len(c.ents) < cap(c.ents) && c.buf.room() >= 2*RecordLength {
		return true
	}
	if r.dispatch == nil {
		c.reset() // every entry in it was yielded already
		return true
	}
	next, ok := r.dispatch(c)
	r.cur = next
	return ok
}

// recordString returns tok, padded to 94 characters, as a string. Entry and
// addenda records are appended to r.cur's buffer, so the hot path allocates
// nothing per record; they stay valid as long as the chunk's entries are in
// use (until it is reset). Payments and Entries copy what they keep.
func (r *Reader) recordString(tok []byte) string {
	switch tok[0] {
	case '6', '7':
	default:
		if len(tok) < RecordLength {
			// Trailing spaces are often stripped in transit; put them back.
			return string(tok) + spaces94[len(tok):]
		}
		return string(tok)
	}
	buf := &r.cur.buf
	if buf.room() < RecordLength {
		// Only the addenda of an entry with very many (CTX) get here:
		// the records already read stay in the old buffer, which lives
		// on while they are referenced.
		buf.grow(chunkBytes)
	}
	pad := ""
	if len(tok) < RecordLength {
		pad = spaces94[len(tok):]
	}
	return buf.addBytes(tok, pad)
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// badByte returns the index of the first byte outside printable ASCII, or -1.
func badByte(s []byte) int {
	if printable(s) {
		return -1
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return i
		}
	}
	return -1
}

// printable reports whether every byte of s is printable ASCII (0x20–0x7e).
func printable(s []byte) bool {
	if len(s) == RecordLength {
		return printable94(s)
	}
	var bad uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		bad |= notPrintable8(le64b(s[i:]))
	}
	if i < len(s) && len(s) >= 8 {
		bad |= notPrintable8(le64b(s[len(s)-8:])) // overlaps the word before
	} else {
		for ; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e {
				return false
			}
		}
	}
	return bad&(0x80*lo8) == 0
}

// printable94 is printable for one record, unrolled: twelve words, the last
// overlapping the one before.
func printable94(s []byte) bool {
	_ = s[93]
	bad := notPrintable8(le64b(s[0:8])) | notPrintable8(le64b(s[8:16])) | notPrintable8(le64b(s[16:24])) |
		notPrintable8(le64b(s[24:32])) | notPrintable8(le64b(s[32:40])) | notPrintable8(le64b(s[40:48])) |
		notPrintable8(le64b(s[48:56])) | notPrintable8(le64b(s[56:64])) | notPrintable8(le64b(s[64:72])) |
		notPrintable8(le64b(s[72:80])) | notPrintable8(le64b(s[80:88])) | notPrintable8(le64b(s[86:94]))
	return bad&(0x80*lo8) == 0
}

// le64b is le64 for a byte slice.
func le64b(b []byte) uint64 { return binary.LittleEndian.Uint64(b) }

// lo8 has a one in every byte; multiples of it repeat a byte in a word.
const lo8 = 0x0101010101010101

// notPrintable8 sets the high bit of each byte of x that is not printable
// ASCII (and maybe of others, when some byte is not). In each byte of
// y = x&0x7f, y+0x60 carries into the high bit when y ≥ 0x20 and y+0x01
// when y ≥ 0x7f, and neither sum crosses into the next byte.
func notPrintable8(x uint64) uint64 {
	y := x & (0x7f * lo8)
	return x | ^(y + 0x60*lo8) | (y + lo8)
}

func recordName(c byte) string {
	switch c {
	case '1':
		return recFileHeader
	case '5':
		return recBatchHeader
	case '6':
		return recEntry
	case '7':
		return recAddenda
	case '8':
		return recBatchControl
	case '9':
		return recFileControl
	}
	return "Record"
}

func (r *Reader) record(rec string, yield func(*Entry, error) bool) bool {
	if r.control {
		if rec != nines94 {
			r.fail(r.line, recordName(rec[0]), "", "record after the file control")
		}
		return true
	}
	if !r.header && rec[0] != '1' {
		r.fail(r.line, recordName(rec[0]), "", "file does not start with a file header record")
		r.header = true // report once
	}
	if rec[0] != '7' {
		if !r.flushEntry(yield) {
			return false
		}
	}
	r.records++
	switch rec[0] {
	case '1':
		if r.header && r.line != 1 && r.records > 1 {
			r.fail(r.line, recFileHeader, "", "second file header record")
			return true
		}
		r.header = true
		r.fileHeader(rec)
	case '5':
		if r.bh != nil {
			r.fail(r.line, recBatchHeader, "", "batch %d has no batch control record before this batch header", r.bh.Number)
		}
		r.batchHeader(rec)
	case '6':
		r.entry(rec)
	case '7':
		r.addenda(rec)
	case '8':
		r.batchControl(rec)
	case '9':
		if rec == nines94 {
			r.records--
			r.fail(r.line, recFileControl, "", "padding record before the file control")
			return true
		}
		r.fileControl(rec)
	default:
		r.fail(r.line, "Record", "RecordType", "unknown record type %q", rec[0])
	}
	return true
}

// fileHeader checks record type 1.
func (r *Reader) fileHeader(rec string) {
	l := r.line
	if rec[1:3] != "01" {
		r.fail(l, recFileHeader, "PriorityCode", "%q, want 01", rec[1:3])
	}
	if !routingField(rec[3:13]) {
		r.fail(l, recFileHeader, "ImmediateDestination", "%q is not a routing number", rec[3:13])
	}
	if !routingField(rec[13:23]) && trimSpace(rec[13:23]) == "" {
		r.fail(l, recFileHeader, "ImmediateOrigin", "blank")
	}
	if _, ok := yymmdd(rec[23:29]); !ok {
		r.fail(l, recFileHeader, "FileCreationDate", "%q is not a YYMMDD date", rec[23:29])
	}
	if t := rec[29:33]; trimSpace(t) != "" {
		if v, ok := digits(t); !ok || v/100 > 23 || v%100 > 59 {
			r.fail(l, recFileHeader, "FileCreationTime", "%q is not an HHMM time", t)
		}
	}
	if c := rec[33]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
		r.fail(l, recFileHeader, "FileIDModifier", "%q, want A-Z or 0-9", c)
	}
	if rec[34:37] != "094" {
		r.fail(l, recFileHeader, "RecordSize", "%q, want 094", rec[34:37])
	}
	if rec[37:39] != "10" {
		r.fail(l, recFileHeader, "BlockingFactor", "%q, want 10", rec[37:39])
	}
	if rec[39] != '1' {
		r.fail(l, recFileHeader, "FormatCode", "%q, want 1", rec[39])
	}
}

// routingField reports whether a 10-character routing field holds a
// routing number: " "+9 digits or 10 digits.
func routingField(s string) bool {
	t := trimSpace(s)
	_, ok := digits(t)
	return ok && (len(t) == 9 || len(t) == 10)
}

func (r *Reader) batchHeader(rec string) {
	l := r.line
	bh := &BatchHeader{
		Line:             l,
		Record:           rec,
		CompanyName:      trimRight(rec[4:20]),
		Discretionary:    trimRight(rec[20:40]),
		CompanyID:        trimSpace(rec[40:50]),
		SEC:              rec[50:53],
		EntryDescription: trimRight(rec[53:63]),
		DescriptiveDate:  trimRight(rec[63:69]),
		ODFI:             rec[79:87],
	}
	sc, ok := digits(rec[1:4])
	bh.ServiceClass = int(sc)
	switch {
	case !ok:
		r.fail(l, recBatchHeader, "ServiceClassCode", "%q is not a number", rec[1:4])
	case sc != moov.MixedDebitsAndCredits && sc != moov.CreditsOnly && sc != moov.DebitsOnly && sc != moov.AutomatedAccountingAdvices:
		r.fail(l, recBatchHeader, "ServiceClassCode", "%d, want 200, 220, 225 or 280", sc)
	}
	switch {
	case !isAlnum(bh.SEC):
		r.fail(l, recBatchHeader, "StandardEntryClassCode", "%q is not an SEC code", bh.SEC)
	case sc == moov.AutomatedAccountingAdvices || bh.SEC == moov.ADV:
		// ADV entries have another layout and are ACH operator advices,
		// never remittances: refuse the file rather than misread it.
		r.fail(l, recBatchHeader, "StandardEntryClassCode", "ADV (automated accounting advice) files are not supported")
	case bh.SEC == moov.IAT || trimSpace(rec[4:20]) == moov.IATCOR:
		bh.iat = true
		// The IAT header has another layout from position 5 to 50; its
		// entries are reported as kind other.
		bh.CompanyName = ""
		bh.Discretionary = ""
	default:
		if trimSpace(bh.CompanyName) == "" {
			r.fail(l, recBatchHeader, "CompanyName", "blank")
		}
		if bh.CompanyID == "" {
			r.fail(l, recBatchHeader, "CompanyIdentification", "blank")
		}
		if trimSpace(bh.EntryDescription) == "" {
			r.fail(l, recBatchHeader, "CompanyEntryDescription", "blank")
		}
	}
	// An unreadable effective entry date is not structural: NACHA has the
	// ACH operator settle such entries on its next settlement date, so the
	// money arrived and refusing the file would refuse it. But the payment
	// then has no date to judge lateness by (reconcile skips the check for
	// a zero date), so each payment of the batch carries a problem and goes
	// to a person instead of posting as if on time.
	if bh.EffectiveDate, ok = yymmdd(rec[69:75]); !ok {
		bh.effectiveProblem = fmt.Sprintf("batch header (line %d) effective entry date %q is not a real YYMMDD date; the bank settled the entry on a date the file does not say", l, rec[69:75])
	}
	if c := rec[78]; c != '0' && c != '1' && c != '2' {
		r.fail(l, recBatchHeader, "OriginatorStatusCode", "%q, want 0, 1 or 2", c)
	}
	if _, ok := digits(bh.ODFI); !ok {
		r.fail(l, recBatchHeader, "ODFIIdentification", "%q is not 8 digits", bh.ODFI)
	}
	n, ok := digits(rec[87:94])
	bh.Number = int(n)
	if !ok {
		r.fail(l, recBatchHeader, "BatchNumber", "%q is not a number", rec[87:94])
	} else if bh.Number <= r.lastNumber {
		r.fail(l, recBatchHeader, "BatchNumber", "%d does not ascend (previous %d)", bh.Number, r.lastNumber)
	}
	if ok {
		r.lastNumber = bh.Number
	}
	bh.feinVal, bh.feinSet = feinOf(bh.CompanyID), true
	r.bh = bh
	r.bEntries, r.bHash, r.bDebit, r.bCredit, r.lastTrace = 0, 0, 0, 0, ""
	r.sum.Batches++
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return len(s) > 0
}

func (r *Reader) entry(rec string) {
	l := r.line
	r.sum.Entries++
	r.fileEntries++
	if r.bh == nil {
		r.fail(l, recEntry, "", "entry outside a batch")
		return
	}
	r.bEntries++
	r.cur.ents = append(r.cur.ents, Entry{}) // startEntry made room
	e := &r.cur.ents[len(r.cur.ents)-1]
	*e = Entry{
		Line:             l,
		Batch:            r.bh,
		Record:           rec,
		RDFI:             rec[3:12], // Entry.clone slices RDFI and Trace again from the copy
		AddendaIndicator: rec[78],
		Trace:            withholding.TraceNumber(rec[79:94]),
	}
	e.Addenda = e.one[:0]
	tc, ok := digits(rec[1:3])
	e.TransactionCode = int(tc)
	credit, debit := IsCredit(int(tc)), IsDebit(int(tc))
	if !ok || !credit && !debit {
		r.fail(l, recEntry, "TransactionCode", "%q is not a transaction code", rec[1:3])
	}
	rdfi, ok := digits(rec[3:11])
	if !ok {
		r.fail(l, recEntry, "RDFIIdentification", "%q is not 8 digits", rec[3:11])
	} else if cd := checkDigit(rec[3:11]); int(rec[11])-'0' != cd {
		r.fail(l, recEntry, "CheckDigit", "%q, want %d for routing %s", rec[11], cd, rec[3:11])
	}
	r.bHash += rdfi
	r.fileHash += rdfi
	if rec[12:29] == spaces94[:17] {
		r.fail(l, recEntry, "DFIAccountNumber", "blank")
	}
	amt, ok := digits(rec[29:39])
	if !ok {
		r.fail(l, recEntry, "Amount", "%q is not a number of cents", rec[29:39])
	}
	e.Amount = withholding.Cents(amt)
	if IsPrenote(int(tc)) && amt != 0 {
		r.fail(l, recEntry, "Amount", "prenote (transaction code %d) must be zero, got %d", tc, amt)
	}
	switch {
	case credit:
		r.bCredit += amt
		r.fileCredit += amt
		r.sum.TotalCredit += withholding.Cents(amt)
		if r.bh.ServiceClass == moov.DebitsOnly {
			r.fail(l, recEntry, "TransactionCode", "credit %d in a debits-only (225) batch", tc)
		}
	case debit:
		r.bDebit += amt
		r.fileDebit += amt
		r.sum.TotalDebit += withholding.Cents(amt)
		if r.bh.ServiceClass == moov.CreditsOnly {
			r.fail(l, recEntry, "TransactionCode", "debit %d in a credits-only (220) batch", tc)
		}
	}
	if multiAddenda(r.bh.SEC) {
		n, ok := digits(rec[54:58])
		if !ok {
			r.fail(l, recEntry, "AddendaRecords", "%q is not a number (%s positions 55-58)", rec[54:58], r.bh.SEC)
		}
		e.AddendaCount = int(n)
		if e.AddendaCount > MaxCTXAddenda {
			r.fail(l, recEntry, "AddendaRecords", "%d exceeds %d", n, MaxCTXAddenda)
		}
	}
	if c := e.AddendaIndicator; c != '0' && c != '1' {
		r.fail(l, recEntry, "AddendaRecordIndicator", "%q, want 0 or 1", c)
	}
	trace := rec[79:94]
	if _, ok := digits(trace); !ok {
		r.fail(l, recEntry, "TraceNumber", "%q is not 15 digits", trace)
	} else if r.lastTrace != "" && trace <= r.lastTrace {
		r.fail(l, recEntry, "TraceNumber", "%s is not greater than the previous trace %s in the batch", trace, r.lastTrace)
	} else if trace[:8] != r.bh.ODFI {
		r.fail(l, recEntry, "TraceNumber", "%s does not start with the batch's ODFI %s", trace, r.bh.ODFI)
	}
	r.lastTrace = trace
	r.pending = e
}

// ValidRouting reports whether s is a nine-digit ABA routing number whose
// last digit is the check digit of the first eight.
func ValidRouting(s string) bool {
	if len(s) != 9 {
		return false
	}
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return int(s[8]-'0') == checkDigit(s[:8])
}

// checkDigit returns the ABA check digit of eight routing digits (weights
// 3, 7, 1), as moov.CalculateCheckDigit does without its conversions.
func checkDigit(s string) int {
	_ = s[7]
	sum := 3*int(s[0]-'0') + 7*int(s[1]-'0') + int(s[2]-'0') +
		3*int(s[3]-'0') + 7*int(s[4]-'0') + int(s[5]-'0') +
		3*int(s[6]-'0') + 7*int(s[7]-'0')
	return (10 - sum%10) % 10
}

func (r *Reader) addenda(rec string) {
	l := r.line
	r.sum.Addenda++
	r.fileEntries++
	if r.bh != nil {
		r.bEntries++
	}
	e := r.pending
	if e == nil {
		r.fail(l, recAddenda, "", "addenda without an entry detail record")
		return
	}
	// Entry.clone slices Type and Text again from the copy of the record.
	a := Addenda{Line: l, Record: rec, Type: rec[1:3]}
	switch a.Type {
	case "05":
		a.Text = rec[3:83]
		seq, ok := digits(rec[83:87])
		a.Sequence = int(seq)
		if !ok {
			r.fail(l, recAddenda, "SequenceNumber", "%q is not a number", rec[83:87])
		}
		// Compared as numbers when the text differs: some senders
		// space-fill this numeric field.
		if seq := rec[87:94]; seq != string(e.Trace[8:]) {
			got, ok := digits(trimSpace(seq))
			want, _ := digits(string(e.Trace[8:]))
			if !ok || got != want {
				r.fail(l, recAddenda, "EntryDetailSequenceNumber", "%q does not match the entry's trace %s", seq, e.Trace)
			}
		}
	case "98":
		a.Text = rec[3:79]
		if c := rec[3:6]; moov.LookupChangeCode(c) == nil {
			r.fail(l, recAddenda, "ChangeCode", "%q is not a NACHA change code", c)
		}
	case "99":
		a.Text = rec[3:79]
		if c := rec[3:6]; moov.LookupReturnCode(c) == nil {
			r.fail(l, recAddenda, "ReturnCode", "%q is not a NACHA return code", c)
		}
	default:
		a.Text = rec[3:83]
	}
	e.Addenda = append(e.Addenda, a)
}

// flushEntry validates the pending entry's addenda and yields it.
func (r *Reader) flushEntry(yield func(*Entry, error) bool) bool {
	e := r.pending
	if e == nil {
		return true
	}
	r.pending = nil
	l := e.Line
	n05, nRet := 0, 0
	for i := range e.Addenda {
		a := &e.Addenda[i]
		switch a.Type {
		case "05":
			n05++
			if a.Sequence != n05 {
				r.fail(a.Line, recAddenda, "SequenceNumber", "%d, want %d", a.Sequence, n05)
			}
		case "98", "99":
			nRet++
		}
	}
	switch {
	case e.AddendaIndicator == '1' && len(e.Addenda) == 0:
		r.fail(l, recEntry, "AddendaRecordIndicator", "1 but no addenda record follows")
	case e.AddendaIndicator == '0' && len(e.Addenda) > 0:
		r.fail(l, recEntry, "AddendaRecordIndicator", "0 but %d addenda records follow", len(e.Addenda))
	}
	if !e.Batch.iat && (nRet > 1 || nRet == 1 && len(e.Addenda) > 1) {
		r.fail(l, recEntry, "Addenda", "a return or notification of change carries exactly one addenda 98/99, got %d addenda", len(e.Addenda))
	}
	switch {
	case multiAddenda(e.Batch.SEC):
		if nRet == 0 && n05 != e.AddendaCount {
			r.fail(l, recEntry, "AddendaRecords", "positions 55-58 say %d addenda, %d follow", e.AddendaCount, n05)
		}
	case e.Batch.iat:
		// IAT carries addenda 10–18; not a remittance, counted only.
	default:
		if n05 > 1 {
			r.fail(l, recEntry, "Addenda", "%s entry carries %d addenda 05, at most 1 allowed", e.Batch.SEC, n05)
		}
	}
	return yield(e, nil)
}

func (r *Reader) batchControl(rec string) {
	l := r.line
	bh := r.bh
	if bh == nil {
		r.fail(l, recBatchControl, "", "batch control without a batch header")
		return
	}
	r.bh = nil
	if rec[1:4] != bh.Record[1:4] {
		r.fail(l, recBatchControl, "ServiceClassCode", "%q does not match the batch header's %q", rec[1:4], bh.Record[1:4])
	}
	r.checkCount(l, recBatchControl, "EntryAddendaCount", rec[4:10], int64(r.bEntries))
	r.checkCount(l, recBatchControl, "EntryHash", rec[10:20], r.bHash%10_000_000_000)
	r.checkCount(l, recBatchControl, "TotalDebitEntryDollarAmount", rec[20:32], r.bDebit)
	r.checkCount(l, recBatchControl, "TotalCreditEntryDollarAmount", rec[32:44], r.bCredit)
	if id := trimSpace(rec[44:54]); id != bh.CompanyID && !bh.iat {
		r.fail(l, recBatchControl, "CompanyIdentification", "%q does not match the batch header's %q", id, bh.CompanyID)
	}
	if rec[79:87] != bh.ODFI {
		r.fail(l, recBatchControl, "ODFIIdentification", "%q does not match the batch header's %q", rec[79:87], bh.ODFI)
	}
	if rec[87:94] != bh.Record[87:94] {
		r.fail(l, recBatchControl, "BatchNumber", "%q does not match the batch header's %q", rec[87:94], bh.Record[87:94])
	}
}

// checkCount compares a numeric control field with the computed value.
func (r *Reader) checkCount(line int, record, field, s string, want int64) {
	v, ok := digits(s)
	switch {
	case !ok:
		r.fail(line, record, field, "%q is not a number", s)
	case v != want:
		r.fail(line, record, field, "%d, computed %d", v, want)
	}
}

func (r *Reader) fileControl(rec string) {
	l := r.line
	if r.bh != nil {
		r.fail(r.bh.Line, recBatchHeader, "", "batch %d has no batch control record", r.bh.Number)
		r.bh = nil
	}
	r.control = true
	r.checkCount(l, recFileControl, "BatchCount", rec[1:7], int64(r.sum.Batches))
	r.checkCount(l, recFileControl, "BlockCount", rec[7:13], int64((r.records+9)/10))
	r.checkCount(l, recFileControl, "EntryAddendaCount", rec[13:21], int64(r.fileEntries))
	r.checkCount(l, recFileControl, "EntryHash", rec[21:31], r.fileHash%10_000_000_000)
	r.checkCount(l, recFileControl, "TotalDebitEntryDollarAmountInFile", rec[31:43], r.fileDebit)
	r.checkCount(l, recFileControl, "TotalCreditEntryDollarAmountInFile", rec[43:55], r.fileCredit)
}
