package edi

import (
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// Kind is the family of an e-IWO file: the third letter of its header and
// trailer document codes.
type Kind byte

// File kinds (spec §2.1).
const (
	KindIWO       Kind = 'I' // IWO file: state → portal → employer (DTL records)
	KindAck       Kind = 'A' // acknowledgment file: employer → portal → state (ACK records)
	KindIWOResult Kind = 'S' // the portal's result for an IWO file (DTL records with errors)
	KindAckResult Kind = 'K' // the portal's result for an ACK file (ACK records with errors)
)

// Valid reports whether k is one of the four kinds.
func (k Kind) Valid() bool {
	return k == KindIWO || k == KindAck || k == KindIWOResult || k == KindAckResult
}

// String returns the kind's letter.
func (k Kind) String() string { return string(rune(k)) }

// IWOFamily reports whether files of kind k carry DTL records (I and S).
func (k Kind) IWOFamily() bool { return k == KindIWO || k == KindIWOResult }

// RecordLen returns the length of every record in a file of kind k.
func (k Kind) RecordLen() int {
	if k.IWOFamily() {
		return IWORecordLen
	}
	return AckRecordLen
}

// DetailCode returns "DTL" for the IWO family and "ACK" for the other.
func (k Kind) DetailCode() string {
	if k.IWOFamily() {
		return "DTL"
	}
	return "ACK"
}

// FileKind returns the ledger's name for k.
func (k Kind) FileKind() withholding.FileKind {
	switch k {
	case KindIWO:
		return withholding.KindIWOFile
	case KindAck:
		return withholding.KindAckFile
	case KindIWOResult:
		return withholding.KindIWOResult
	case KindAckResult:
		return withholding.KindAckResult
	}
	return ""
}

func (k Kind) headerLayout() *Layout {
	if k.IWOFamily() {
		return HeaderIWO
	}
	return HeaderAck
}

func (k Kind) trailerLayout() *Layout {
	if k.IWOFamily() {
		return TrailerIWO
	}
	return TrailerAck
}

func (k Kind) detailLayout() *Layout {
	switch k {
	case KindIWOResult:
		return DTLResult
	case KindIWO:
		return DTL
	}
	return ACK
}

// Record is one line of an e-IWO file: *Header, *Trailer, *IWO or *Ack.
type Record interface {
	// DocumentCode returns the record's code: "FHI", "BTA", "DTL", "ACK"…
	DocumentCode() string
	// visit walks the record's elements in layout order.
	visit(v visitor)
	// rules returns the cross-element problems of a record of a file of
	// kind k; elements in bad already failed their format check.
	rules(k Kind, l *Layout, bad *badSet) []problem
}

// Header is a file header (FH?) or batch header (BH?): Chart D-1.
type Header struct {
	// Code is the document code: FH or BH plus the file kind's letter.
	Code          string `json:"code"`
	ControlNumber string `json:"control_number"`
	// FIPS is the 5-digit State FIPS Code (2-digit state + "000").
	FIPS       string           `json:"fips"`
	EIN        withholding.FEIN `json:"ein,omitempty"`
	PrimaryEIN withholding.FEIN `json:"primary_ein,omitempty"`
	// Created is the creation date and time, as written (no time zone).
	Created    time.Time `json:"created"`
	ErrorField string    `json:"error_field,omitempty"`
}

// DocumentCode returns h.Code.
func (h *Header) DocumentCode() string { return h.Code }

// IsBatch reports whether h is a batch header.
func (h *Header) IsBatch() bool { return len(h.Code) == 3 && h.Code[0] == 'B' }

// Kind returns the file kind h belongs to (its third letter).
func (h *Header) Kind() Kind {
	if len(h.Code) != 3 {
		return 0
	}
	return Kind(h.Code[2])
}

func (h *Header) visit(v visitor) {
	v.text("Document Code", &h.Code)
	v.text("Control Number", &h.ControlNumber)
	v.digits("State FIPS Code", &h.FIPS)
	v.digits("EIN", (*string)(&h.EIN))
	v.digits("Primary EIN", (*string)(&h.PrimaryEIN))
	v.datetime("Creation Date", "Creation Time", &h.Created)
	v.text("Error Field Name", &h.ErrorField)
}

func (h *Header) rules(k Kind, l *Layout, bad *badSet) []problem {
	var ps []problem
	// Kansas puts the employer's EIN on every batch header, and receivers
	// route batches by it. [Kansas]
	if h.IsBatch() && h.EIN == "" && !bad.has(l.Index("EIN")) {
		ps = append(ps, ruleProblem("EIN", "batch header needs the employer EIN"))
	}
	return ps
}

// Trailer is a file trailer (FT?) or batch trailer (BT?): Chart D-2. The
// Writer computes its counts.
type Trailer struct {
	Code              string `json:"code"`
	ControlNumber     string `json:"control_number"`
	BatchCount        int    `json:"batch_count"`
	RecordCount       int    `json:"record_count"`
	EmployerSentCount int    `json:"employer_sent_count"`
	StateSentCount    int    `json:"state_sent_count"`
	ErrorField        string `json:"error_field,omitempty"`
}

// DocumentCode returns t.Code.
func (t *Trailer) DocumentCode() string { return t.Code }

// IsBatch reports whether t is a batch trailer.
func (t *Trailer) IsBatch() bool { return len(t.Code) == 3 && t.Code[0] == 'B' }

func (t *Trailer) visit(v visitor) {
	v.text("Document Code", &t.Code)
	v.text("Control Number", &t.ControlNumber)
	v.number("Batch Count", &t.BatchCount)
	v.number("Record Count", &t.RecordCount)
	v.number("Employer Sent Count", &t.EmployerSentCount)
	v.number("State Sent Count", &t.StateSentCount)
	v.text("Error Field Name", &t.ErrorField)
}

func (t *Trailer) rules(Kind, *Layout, *badSet) []problem { return nil }

// layoutFor returns the layout of a record with document code c in a file
// of kind k, or nil when c is not a code of that family.
func layoutFor(k Kind, c string) *Layout {
	if len(c) != 3 {
		return nil
	}
	switch {
	case c == "DTL" && k.IWOFamily(), c == "ACK" && !k.IWOFamily():
		return k.detailLayout()
	case c[2] != byte(k):
		return nil
	case c[:2] == "FH" || c[:2] == "BH":
		return k.headerLayout()
	case c[:2] == "FT" || c[:2] == "BT":
		return k.trailerLayout()
	}
	return nil
}

// newRecord returns an empty record for code c.
func newRecord(c string) Record {
	switch {
	case c == "DTL":
		return new(IWO)
	case c == "ACK":
		return new(Ack)
	case c[1] == 'H':
		return new(Header)
	}
	return new(Trailer)
}

// encode formats r as a record of a file of kind k into buf (reused) and
// returns the line without terminator, plus every problem: values that do
// not fit and the same element and cross-element checks the Reader applies.
func encode(k Kind, r Record, buf []byte) ([]byte, []problem) {
	l := layoutFor(k, r.DocumentCode())
	if l == nil {
		return buf, []problem{formatProblem("Document Code", "%q is not a record of a %s file", r.DocumentCode(), k)}
	}
	enc := newEncoder(l, buf)
	r.visit(enc)
	enc.done()
	ps := enc.ps
	if len(ps) > 0 {
		return enc.buf, ps
	}
	var bad badSet
	ps = checkElements(l, string(enc.buf), ps, &bad)
	ps = append(ps, r.rules(k, l, &bad)...)
	return enc.buf, ps
}

// decode checks line (exactly l.Len bytes) against l and reads it into a
// new record.
func decode(k Kind, l *Layout, code, line string) (Record, []problem) {
	var bad badSet
	ps := checkElements(l, line, nil, &bad)
	r := newRecord(code)
	dec := &decoder{cursor: cursor{l: l}, line: line}
	r.visit(dec)
	dec.done()
	return r, append(ps, r.rules(k, l, &bad)...)
}
