package edi

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/iwoproject/iwo/withholding"
)

// e-IWO XML. OCSS lets each employer choose flat file or XML; the public
// material shows that the XML carries the same elements as the flat file
// with the universal file and batch headers and trailers (release 08-01),
// but not the schema's element names. iwo's XML is therefore the flat file
// spelled as XML, every name a hypothesis (docs/eiwo.md, "e-IWO XML"):
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<EIWO>
//	  <FHA><ControlNumber>…</ControlNumber>…</FHA>
//	  <BHA>…</BHA>
//	  <ACK><DocumentActionCode>ORG</DocumentActionCode>…</ACK>
//	  <BTA>…</BTA>
//	  <FTA>…</FTA>
//	</EIWO>
//
// Each record is an element named by its document code, a child of the
// root in file order; each of its elements is a child named by XMLName
// of the layout element's name, holding the flat value without its
// padding (amounts as 11 digits of cents, dates CCYYMMDD). Blank elements
// are left out. Reading turns each record back into its flat line and
// hands it to the flat Reader, so an XML file is checked exactly as a
// flat one (every element, every rule, the structure); problems name the
// XML line and element.

// XMLRoot is the root element of an e-IWO XML document. [hypothesis]
const XMLRoot = "EIWO"

// ErrXML is the kind of a problem in the XML itself: not well formed, a
// DOCTYPE, an element where none belongs, a value too long. It is an
// EINVALID withholding.Error, so withholding.ErrorCode reports it as bad
// input.
var ErrXML error = &withholding.Error{Code: withholding.EINVALID, Message: "malformed e-IWO XML"}

// MaxXMLToken bounds what the XML reader holds at once: one tag or one run
// of text, at most this many bytes. Every e-IWO value is shorter than
// IWORecordLen; the bound keeps a hostile file (one text node of gigabytes)
// from being held in memory.
const MaxXMLToken = 64 << 10

// MaxXMLSize is the largest XML document read, in bytes (1 GiB, about
// 400,000 IWOs). The reader streams, so this bounds time, not memory.
var MaxXMLSize int64 = 1 << 30

// XMLName returns the XML element name of a layout element: its words
// capitalised and joined, punctuation dropped ("Employee Last-known
// Address ZIP+4" → "EmployeeLastKnownAddressZIP4"). [hypothesis]
func XMLName(name string) string {
	var b strings.Builder
	up := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isLetter(c) || isDigit(c):
			if up && c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			up = false
		default:
			up = true
		}
	}
	return b.String()
}

// xmlNames maps each layout's XML element names to element indexes.
var xmlNames = sync.OnceValue(func() map[*Layout]map[string]int {
	m := map[*Layout]map[string]int{}
	for _, l := range Layouts {
		m[l] = map[string]int{}
		for i, e := range l.Elements {
			if e.Type != TypeFiller && e.Name != "Document Code" {
				m[l][XMLName(e.Name)] = i
			}
		}
	}
	return m
})

// IsXML reports whether the input br starts (after a byte order mark and
// white space) with '<': an XML document, never a flat e-IWO file, whose
// first byte is the F of its file header. It only peeks.
func IsXML(br *bufio.Reader) bool {
	b, _ := br.Peek(512)
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '<'
}

// ReadAny is Read of a flat file or an XML document (ReadXML), told apart
// by content (IsXML).
func ReadAny(in io.Reader, name string, visit func(rec Record, rd *Reader) error) (*Header, Errors, error) {
	br := bufio.NewReader(in)
	if IsXML(br) {
		return ReadXML(br, name, visit)
	}
	return Read(br, name, visit)
}

// StreamAny is Stream of a flat file or an XML document, told apart by
// content (IsXML): a flat file's problems are handed to problem as they are
// found; an XML document's, which ReadXML gathers, at its end.
func StreamAny(in io.Reader, name string, visit func(rec Record, rd *Reader) error, problem func(Errors) error) (*Header, error) {
	br := bufio.NewReader(in)
	if !IsXML(br) {
		return Stream(br, name, visit, problem)
	}
	h, es, err := ReadXML(br, name, visit)
	if err == nil && len(es) > 0 && problem != nil {
		err = problem(es)
	}
	return h, err
}

// ReadXML is Read of an e-IWO XML document: every problem, in file order,
// each naming the XML line and element. A document that is not well formed
// stops reading at that point with one problem of kind ErrXML. In visit,
// rd.Line() is the XML line of the record's start tag.
//
// Reading is bounded: one token at most MaxXMLToken bytes, the document at
// most MaxXMLSize, three levels of elements. A DOCTYPE or any other <!…>
// declaration is refused, so no DTD is read and no entity is declared;
// encoding/xml never expands external entities anyway, and in strict mode
// it knows only the five predefined entities and character references.
func ReadXML(in io.Reader, name string, visit func(rec Record, rd *Reader) error) (*Header, Errors, error) {
	src := newXMLSource(in, name)
	rd := NewReader(src, name)
	rd.lineOf = src.lineOf
	var problems Errors
	var header *Header
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var xe *Error
		if errors.As(err, &xe) && errors.Is(xe, ErrXML) {
			problems = append(problems, xe)
			break
		}
		es := AsErrors(err)
		if err != nil && es == nil {
			return header, problems, err
		}
		problems = append(problems, src.remap(rd.line, es)...)
		src.forget(rd.line - 1) // kept for the end-of-file problems
		if rec == nil {
			continue
		}
		if h, ok := rec.(*Header); ok && rd.line == 1 && !h.IsBatch() {
			header = h
		}
		if visit != nil {
			if err := visit(rec, rd); err != nil {
				return header, problems, err
			}
		}
	}
	return header, problems, nil
}

// xmlRecord is what the source knows of one record it turned into a line.
type xmlRecord struct {
	code  string
	line  int            // XML line of the start tag
	lines map[string]int // flat element name → XML line of its element
	ps    []problem      // problems only the XML shows (value too long…)
}

// xmlSource reads an XML document and yields the flat lines of its
// records, one record at a time.
type xmlSource struct {
	file    string
	in      *countingReader
	d       *xml.Decoder
	kind    Kind
	buf     bytes.Buffer
	n       int // flat lines made
	started bool
	ended   bool
	err     error
	recs    map[int]*xmlRecord // flat line → record, until the Reader is past it
	at      int                // line where the last token started
}

func newXMLSource(in io.Reader, name string) *xmlSource {
	cr := &countingReader{br: bufio.NewReader(in)}
	d := xml.NewDecoder(cr)
	d.Strict = true
	cr.d = d
	return &xmlSource{file: name, in: cr, d: d, recs: map[int]*xmlRecord{}}
}

// countingReader hands the decoder its bytes one at a time, so it can
// refuse a token longer than MaxXMLToken or a document longer than
// MaxXMLSize before the decoder has buffered it.
type countingReader struct {
	br       *bufio.Reader
	d        *xml.Decoder
	n, token int64
}

var errTokenTooLong = fmt.Errorf("a tag or text longer than %d bytes", MaxXMLToken)

func (c *countingReader) ReadByte() (byte, error) {
	if c.n-c.token > MaxXMLToken {
		return 0, errTokenTooLong
	}
	if c.n >= MaxXMLSize {
		return 0, fmt.Errorf("document longer than %d bytes", MaxXMLSize)
	}
	b, err := c.br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

func (c *countingReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := c.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = b
	return 1, nil
}

// Read implements io.Reader for the flat Reader.
func (s *xmlSource) Read(p []byte) (int, error) {
	for s.buf.Len() == 0 {
		if s.err != nil {
			return 0, s.err
		}
		s.err = s.next()
	}
	return s.buf.Read(p)
}

// token returns the next token, with line and element for errors.
func (s *xmlSource) token() (xml.Token, error) {
	s.in.token = s.in.n
	s.at, _ = s.d.InputPos()
	t, err := s.d.Token()
	if err == nil {
		return t, nil
	}
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	line, _ := s.d.InputPos()
	reason := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		reason, line = strings.TrimPrefix(se.Msg, "xml: "), se.Line
	}
	return nil, s.fail(line, "", "", "not well-formed XML: %s", reason)
}

// fail returns an ErrXML problem at line.
func (s *xmlSource) fail(line int, record, element, format string, args ...any) error {
	if record == "" {
		record = XMLRoot
	}
	if element == "" {
		element = "Record"
	}
	return &Error{File: s.file, Line: line, Record: record, Element: element, Reason: fmt.Sprintf(format, args...), Kind: ErrXML}
}

// next reads up to the next record and appends its flat line to buf; at
// the end of the document it returns io.EOF.
func (s *xmlSource) next() error {
	for {
		t, err := s.token()
		if errors.Is(err, io.EOF) {
			if !s.ended {
				line, _ := s.d.InputPos()
				return s.fail(line, "", "", "document ends before </%s>", XMLRoot)
			}
			return io.EOF
		} else if err != nil {
			return err
		}
		line, _ := s.d.InputPos()
		switch t := t.(type) {
		case xml.Directive:
			return s.fail(line, "", "", "<!%s…> refused: a DTD or declaration has no place in an e-IWO document", firstWord(t))
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return s.fail(s.at, "", "", "text outside a record")
			}
		case xml.EndElement:
			s.ended = true // the decoder checks it matches <EIWO>
		case xml.StartElement:
			switch {
			case s.ended:
				return s.fail(line, t.Name.Local, "", "element after </%s>", XMLRoot)
			case !s.started:
				if t.Name.Local != XMLRoot {
					return s.fail(line, t.Name.Local, "", "root element is <%s>, want <%s>", t.Name.Local, XMLRoot)
				}
				s.started = true
			default:
				return s.record(t.Name.Local, line)
			}
		}
	}
}

func firstWord(b []byte) string {
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// record reads the elements of the record code that started on line and
// writes its flat line.
func (s *xmlSource) record(code string, line int) error {
	if s.n == 0 {
		switch {
		case code == "DTL":
			s.kind = KindIWO
		case code == "ACK":
			s.kind = KindAck
		case len(code) == 3 && Kind(code[2]).Valid():
			s.kind = Kind(code[2])
		}
	}
	l := layoutFor(s.kind, code)
	rec := &xmlRecord{code: code, line: line, lines: map[string]int{}}
	var flat []byte
	if l != nil {
		flat = bytes.Repeat([]byte{' '}, l.Len)
		copy(flat, code)
	} else {
		flat = []byte(strings.Map(func(r rune) rune { return min(max(r, ' '), '~') }, code))
	}
	for {
		t, err := s.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return s.fail(line, code, "", "document ends inside <%s>", code)
			}
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			s.n++
			s.recs[s.n] = rec
			s.buf.Write(flat)
			s.buf.WriteByte('\n')
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return s.fail(s.at, code, "", "text directly inside <%s>; values go in its elements", code)
			}
		case xml.Directive:
			el, _ := s.d.InputPos()
			return s.fail(el, code, "", "<!%s…> refused", firstWord(t))
		case xml.StartElement:
			el, _ := s.d.InputPos()
			v, err := s.value(code, t.Name.Local, el)
			if err != nil {
				return err
			}
			if l == nil {
				continue // the Reader reports the unknown document code
			}
			i, ok := xmlNames()[l][t.Name.Local]
			if !ok {
				return s.fail(el, code, t.Name.Local, "no element <%s> in a %s record", t.Name.Local, code)
			}
			e := &l.Elements[i]
			if _, dup := rec.lines[e.Name]; dup {
				return s.fail(el, code, t.Name.Local, "element given twice")
			}
			rec.lines[e.Name] = el
			if len(v) > e.Len {
				rec.ps = append(rec.ps, formatProblem(e.Name, "%d characters, longer than the element's %d", len(v), e.Len))
				v = v[:e.Len]
			}
			for j := 0; j < len(v); j++ {
				if !isPrintable(v[j]) {
					rec.ps = append(rec.ps, formatProblem(e.Name, "character %d is not printable ASCII", j+1))
					v = strings.Repeat(" ", len(v)) // keep the line a line
					break
				}
			}
			copy(flat[e.Start-1:], v)
		}
	}
}

// value reads the text of element name up to its end tag.
func (s *xmlSource) value(code, name string, line int) (string, error) {
	var b []byte
	for {
		t, err := s.token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", s.fail(line, code, name, "document ends inside <%s>", name)
			}
			return "", err
		}
		switch t := t.(type) {
		case xml.CharData:
			if len(b)+len(t) > MaxXMLToken {
				return "", s.fail(line, code, name, "value longer than %d bytes", MaxXMLToken)
			}
			b = append(b, t...)
		case xml.EndElement:
			return string(b), nil
		case xml.StartElement:
			el, _ := s.d.InputPos()
			return "", s.fail(el, code, name, "element <%s> inside <%s>: elements hold values only", t.Name.Local, name)
		case xml.Directive:
			return "", s.fail(line, code, name, "<!%s…> refused", firstWord(t))
		}
	}
}

// lineOf returns the XML line of flat line n's record (n when unknown).
func (s *xmlSource) lineOf(n int) int {
	if r := s.recs[n]; r != nil {
		return r.line
	}
	return n
}

// remap turns the flat Reader's problems with flat line n into XML terms
// (the line of the element, its XML name) and adds the problems only the
// XML showed.
func (s *xmlSource) remap(n int, es Errors) Errors {
	r := s.recs[n]
	if r == nil {
		return es
	}
	out := make(Errors, 0, len(es)+len(r.ps))
	for _, p := range r.ps {
		out = append(out, &Error{File: s.file, Line: r.lines[p.element], Record: r.code, Element: XMLName(p.element), Reason: p.reason, Kind: p.kind})
	}
	for _, e := range es {
		e.Line = r.line
		if at, ok := r.lines[e.Element]; ok {
			e.Line = at
		}
		if e.Element != "Record" {
			e.Element = XMLName(e.Element)
		}
		out = append(out, e)
	}
	return out
}

// forget drops what the source kept of flat line n once it is read.
func (s *xmlSource) forget(n int) { delete(s.recs, n) }

// xmlSink turns the flat lines a Writer writes into XML records.
type xmlSink struct {
	w       io.Writer
	kind    Kind
	partial []byte
	out     []byte
	started bool
}

func (s *xmlSink) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.partial = append(s.partial, p...)
			break
		}
		line := p[:i]
		if len(s.partial) > 0 {
			s.partial = append(s.partial, line...)
			line = s.partial
		}
		if err := s.record(string(bytes.TrimSuffix(line, []byte("\r")))); err != nil {
			return 0, err
		}
		s.partial = s.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}

// record writes one flat line as an XML record.
func (s *xmlSink) record(line string) error {
	out := s.out[:0]
	if !s.started {
		out = append(out, xml.Header...)
		out = append(out, "<"+XMLRoot+">\n"...)
		s.started = true
	}
	code := line[:min(3, len(line))]
	l := layoutFor(s.kind, code)
	if l == nil || len(line) != l.Len {
		return fmt.Errorf("write XML: %q is no %s record: %w", code, s.kind.FileKind(), ErrStructure)
	}
	out = append(out, "  <"+code+">\n"...)
	for i := range l.Elements {
		e := &l.Elements[i]
		if e.Type == TypeFiller || e.Name == "Document Code" {
			continue
		}
		v := trimRight(line[e.Start-1 : e.End()])
		if v == "" {
			continue
		}
		n := XMLName(e.Name)
		out = append(out, "    <"+n+">"...)
		var b bytes.Buffer
		if err := xml.EscapeText(&b, []byte(v)); err != nil {
			return fmt.Errorf("write XML element %s: %w", n, err)
		}
		out = append(out, b.Bytes()...)
		out = append(out, "</"+n+">\n"...)
	}
	out = append(out, "  </"+code+">\n"...)
	s.out = out
	_, err := s.w.Write(out)
	return err
}

// close ends the document.
func (s *xmlSink) close() error {
	if !s.started {
		return nil
	}
	_, err := io.WriteString(s.w, "</"+XMLRoot+">\n")
	return err
}
