package edi_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/withholding"
)

// MustSynthFiles returns a synthetic IWO file and an acknowledgment file
// answering it.
func MustSynthFiles(tb testing.TB) (iwo, ack []byte) {
	tb.Helper()
	var i, a bytes.Buffer
	if err := edisynth.WriteIWOFile(&i, 7, 40); err != nil {
		tb.Fatal(err)
	}
	if err := edisynth.WriteAckFile(&a, bytes.NewReader(i.Bytes()), "iwo", 7); err != nil {
		tb.Fatal(err)
	}
	return i.Bytes(), a.Bytes()
}

// MustReadXML reads an XML document, failing on any problem.
func MustReadXML(tb testing.TB, name string, data []byte) []edi.Record {
	tb.Helper()
	var recs []edi.Record
	_, problems, err := edi.ReadAny(bytes.NewReader(data), name, func(rec edi.Record, _ *edi.Reader) error {
		recs = append(recs, rec)
		return nil
	})
	if err != nil || len(problems) > 0 {
		tb.Fatalf("read %s: %v %v", name, err, problems)
	}
	return recs
}

func writeXML(tb testing.TB, kind edi.Kind, recs []edi.Record) []byte {
	tb.Helper()
	var out bytes.Buffer
	w := edi.NewWriter(&out, edi.WriterOptions{Kind: kind, XML: true})
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// TestXMLRoundTrip: flat → records → XML → records → flat gives the same
// records and the same bytes, for both families.
func TestXMLRoundTrip(t *testing.T) {
	iwo, ack := MustSynthFiles(t)
	for _, tc := range []struct {
		name string
		kind edi.Kind
		flat []byte
	}{{"iwo", edi.KindIWO, iwo}, {"ack", edi.KindAck, ack}} {
		t.Run(tc.name, func(t *testing.T) {
			recs, _ := MustReadAll(t, tc.name, tc.flat)
			doc := writeXML(t, tc.kind, recs)
			if !edi.IsXML(bufio.NewReader(bytes.NewReader(doc))) || edi.IsXML(bufio.NewReader(bytes.NewReader(tc.flat))) {
				t.Fatal("IsXML does not tell the XML document from the flat file")
			}
			back := MustReadXML(t, tc.name+".xml", doc)
			if !reflect.DeepEqual(recs, back) {
				t.Fatalf("%s: records differ after the XML round trip", tc.name)
			}
			flat, err := rewrite(t, tc.kind, false, back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(flat, tc.flat) {
				t.Errorf("%s: flat file differs after the XML round trip", tc.name)
			}
			if again := writeXML(t, tc.kind, back); !bytes.Equal(again, doc) {
				t.Errorf("%s: XML not stable when written twice", tc.name)
			}
		})
	}
}

// xmlAck is a valid one-ACK XML document; tests break it.
const xmlAck = `<?xml version="1.0" encoding="UTF-8"?>
<EIWO>
  <FHA>
    <ControlNumber>0600026110200000010000</ControlNumber>
    <StateFIPSCode>06000</StateFIPSCode>
    <CreationDate>20261102</CreationDate>
    <CreationTime>101500</CreationTime>
  </FHA>
  <BHA>
    <ControlNumber>0600026110200000010001</ControlNumber>
    <StateFIPSCode>06000</StateFIPSCode>
    <EIN>123456789</EIN>
    <CreationDate>20261102</CreationDate>
    <CreationTime>101500</CreationTime>
  </BHA>
  <ACK>
    <DocumentActionCode>ORG</DocumentActionCode>
    <CaseIdentifier>CASE-1</CaseIdentifier>
    <EmployerEIN>123456789</EmployerEIN>
    <EmployeeSSN>900112222</EmployeeSSN>
    <EmployeeFirstName>ANA</EmployeeFirstName>
    <EmployeeLastName>DOE</EmployeeLastName>
    <DocumentTrackingIdentifier>061</DocumentTrackingIdentifier>
    <DispositionStatusCode>A</DispositionStatusCode>
    <FinalPaymentAmount>00000000000</FinalPaymentAmount>
    <LumpSumPaymentAmount>00000000000</LumpSumPaymentAmount>
  </ACK>
  <BTA>
    <ControlNumber>0600026110200000010001</ControlNumber>
    <BatchCount>00000</BatchCount>
    <RecordCount>00001</RecordCount>
    <EmployerSentCount>00000</EmployerSentCount>
    <StateSentCount>00000</StateSentCount>
  </BTA>
  <FTA>
    <ControlNumber>0600026110200000010000</ControlNumber>
    <BatchCount>00001</BatchCount>
    <RecordCount>00000</RecordCount>
    <EmployerSentCount>00000</EmployerSentCount>
    <StateSentCount>00000</StateSentCount>
  </FTA>
</EIWO>
`

func TestReadXML(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		recs := MustReadXML(t, "ack.xml", []byte(xmlAck))
		a, ok := recs[2].(*edi.Ack)
		if !ok || a.CaseID != "CASE-1" || a.Status != withholding.DispAccepted || a.EmployerEIN != "123456789" {
			t.Fatalf("record 3 = %#v", recs[2])
		}
	})
	t.Run("LineOfRecord", func(t *testing.T) {
		var lines []int
		_, _, err := edi.ReadXML(strings.NewReader(xmlAck), "ack.xml", func(_ edi.Record, rd *edi.Reader) error {
			lines = append(lines, rd.Line())
			return nil
		})
		if err != nil || !reflect.DeepEqual(lines, []int{3, 9, 16, 28, 35}) {
			t.Fatalf("record lines %v (%v), want the start tags' lines", lines, err)
		}
	})
	bigText := "<EIWO>" + strings.Repeat("x", edi.MaxXMLToken*4) + "</EIWO>"
	for _, tc := range []struct {
		name, doc string
		kind      error
		line      int
		element   string
	}{
		{"ErrNotWellFormed", strings.Replace(xmlAck, "</CaseIdentifier>", "</CaseId>", 1), edi.ErrXML, 18, "Record"},
		{"ErrDoctype", strings.Replace(xmlAck, "<EIWO>", `<!DOCTYPE EIWO [<!ENTITY x SYSTEM "file:///etc/passwd">]><EIWO>`, 1), edi.ErrXML, 2, "Record"},
		{"ErrUndefinedEntity", strings.Replace(xmlAck, "CASE-1", "&x;", 1), edi.ErrXML, 18, "Record"},
		{"ErrWrongRoot", strings.Replace(strings.Replace(xmlAck, "<EIWO>", "<IWO>", 1), "</EIWO>", "</IWO>", 1), edi.ErrXML, 2, "Record"},
		{"ErrUnknownElement", strings.Replace(xmlAck, "<CaseIdentifier>", "<Nickname>X</Nickname><CaseIdentifier>", 1), edi.ErrXML, 18, "Nickname"},
		{"ErrElementTwice", strings.Replace(xmlAck, "<EmployeeFirstName>", "<EmployeeLastName>DOE</EmployeeLastName><EmployeeFirstName>", 1), edi.ErrXML, 22, "EmployeeLastName"},
		{"ErrNested", strings.Replace(xmlAck, "<EmployeeFirstName>ANA", "<EmployeeFirstName><First>ANA</First>", 1), edi.ErrXML, 21, "EmployeeFirstName"},
		{"ErrTextInRecord", strings.Replace(xmlAck, "<ACK>", "<ACK>stray", 1), edi.ErrXML, 16, "Record"},
		{"ErrTruncated", xmlAck[:strings.Index(xmlAck, "<BTA>")], edi.ErrXML, 28, "Record"},
		{"ErrTokenTooLong", bigText, edi.ErrXML, 1, "Record"},
		{"ErrValueTooLong", strings.Replace(xmlAck, "CASE-1", strings.Repeat("C", 40), 1), edi.ErrFormat, 18, "CaseIdentifier"},
		{"ErrBadCode", strings.Replace(xmlAck, ">A</Disp", ">Q</Disp", 1), edi.ErrFormat, 24, "DispositionStatusCode"},
		{"ErrCount", strings.Replace(xmlAck, "<RecordCount>00001", "<RecordCount>00002", 1), edi.ErrStructure, 31, "RecordCount"},
		{"ErrControlChar", strings.Replace(xmlAck, "ANA", "A&#x9;A", 1), edi.ErrFormat, 21, "EmployeeFirstName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems, err := edi.ReadXML(strings.NewReader(tc.doc), "ack.xml", nil)
			if err != nil {
				t.Fatalf("I/O error %v, want problems", err)
			}
			for _, p := range problems {
				if errors.Is(p, tc.kind) && p.Line == tc.line && p.Element == tc.element && p.File == "ack.xml" {
					if tc.kind == edi.ErrXML && withholding.ErrorCode(problems) != withholding.EINVALID {
						t.Errorf("ErrorCode = %q, want %q", withholding.ErrorCode(problems), withholding.EINVALID)
					}
					return
				}
			}
			t.Fatalf("no %v problem on line %d element %s; got:\n%v", tc.kind, tc.line, tc.element, problems)
		})
	}
}

// TestReadXMLBounded: a document of one huge text node is refused after
// reading little more than MaxXMLToken bytes.
func TestReadXMLBounded(t *testing.T) {
	r := &countReader{r: io.MultiReader(strings.NewReader("<EIWO><FHA><ControlNumber>"), infinite{})}
	_, problems, err := edi.ReadXML(r, "huge.xml", nil)
	if err != nil || len(problems) != 1 || !errors.Is(problems[0], edi.ErrXML) {
		t.Fatalf("problems %v, err %v", problems, err)
	}
	if r.n > 4*edi.MaxXMLToken {
		t.Errorf("read %d bytes of an endless value, want about %d", r.n, edi.MaxXMLToken)
	}
}

type infinite struct{}

func (infinite) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestXMLNamesUnique: no two elements of a layout share an XML name.
func TestXMLNamesUnique(t *testing.T) {
	for _, l := range edi.Layouts {
		seen := map[string]string{}
		for _, e := range l.Elements {
			if e.Type == edi.TypeFiller {
				continue
			}
			n := edi.XMLName(e.Name)
			if prev, dup := seen[n]; dup {
				t.Errorf("%s: %q and %q are both <%s>", l.Name, prev, e.Name, n)
			}
			seen[n] = e.Name
		}
	}
	if got := edi.XMLName("Employee Last-known Address ZIP+4"); got != "EmployeeLastKnownAddressZIP4" {
		t.Errorf("XMLName = %q", got)
	}
}
