package edi_test

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/withholding"
)

// MustIWOFile returns a valid IWO file of six IWOs in at least two batches.
func MustIWOFile(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := edisynth.WriteIWOFile(&b, 7, 6); err != nil {
		tb.Fatal(err)
	}
	if n := bytes.Count(b.Bytes(), []byte("\nBHI")); n < 2 {
		tb.Fatalf("fixture has %d batches, want at least 2", n)
	}
	return b.Bytes()
}

// MustAckFile returns a valid ACK file with an answer and an EMP notice.
func MustAckFile(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	w := edi.NewWriter(&b, edi.WriterOptions{Kind: edi.KindAck, FIPS: "06000", Created: time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC), Sequence: 3})
	emp := withholding.Person{Last: "GARCIA", First: "ANA", SSN: "900112222"}
	for _, a := range []*edi.Ack{
		{Action: withholding.ActionOriginal, CaseID: "CA0000123456", EmployerEIN: "912345678", Employee: emp, TrackingID: "060000000000000000000000000001", Status: withholding.DispAccepted},
		{Action: withholding.ActionEmployer, EmployerEIN: "912345678", Employee: emp, Status: withholding.DispTerminated, TerminationDate: withholding.NewDate(2026, 10, 30)},
	} {
		if err := w.Write(a); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// lines is a file being broken on purpose.
type lines []string

func split(b []byte) lines { return strings.SplitAfter(string(b), "\n") }

func (ls lines) bytes() []byte { return []byte(strings.Join(ls, "")) }

// find returns the index of the nth (0-based) line starting with code.
func (ls lines) find(code string, nth int) int {
	for i, l := range ls {
		if strings.HasPrefix(l, code) {
			if nth == 0 {
				return i
			}
			nth--
		}
	}
	panic("no line " + code)
}

// set puts raw (left-justified, space-padded) into element name of line i.
func (ls lines) set(i int, l *edi.Layout, name, raw string) {
	e := l.Elements[l.Index(name)]
	v := raw + strings.Repeat(" ", e.Len-len(raw))
	ls[i] = ls[i][:e.Start-1] + v + ls[i][e.End():]
}

// get returns element name of line i.
func (ls lines) get(i int, l *edi.Layout, name string) string {
	e := l.Elements[l.Index(name)]
	return ls[i][e.Start-1 : e.End()]
}

func (ls lines) delete(i int) lines { return append(ls[:i:i], ls[i+1:]...) }

func (ls lines) insert(i int, s string) lines {
	return append(ls[:i:i], append([]string{s}, ls[i:]...)...)
}

var errLine = regexp.MustCompile(`^t\.txt:\d+: \S+ [^:]+: .+$`)

// TestValidationRules breaks exactly one rule per case and checks the
// problems reported: how many, which element, which kind, and the format
// FILE:LINE: RECORD ELEMENT: reason.
func TestValidationRules(t *testing.T) {
	iwoFile, ackFile := MustIWOFile(t), MustAckFile(t)
	type want struct {
		n       int
		element string
		kind    error
	}
	for _, tc := range []struct {
		name   string
		ack    bool
		break_ func(ls lines) lines
		want   want
	}{
		// §8.1 structure
		{"FirstRecordNotFileHeader", false, func(ls lines) lines {
			return ls.delete(0)
		}, want{2, "Document Code", edi.ErrStructure}}, // and then the file trailer matches no file header
		{"BatchTrailerControlMismatch", false, func(ls lines) lines {
			ls.set(ls.find("BTI", 0), edi.TrailerIWO, "Control Number", "0600099999999999999999")
			return ls
		}, want{1, "Control Number", edi.ErrStructure}},
		{"BatchTrailerWithoutHeader", false, func(ls lines) lines {
			i := ls.find("BTI", 0)
			return ls.insert(i+1, ls[i])
		}, want{1, "Document Code", edi.ErrStructure}},
		{"MissingBatchTrailer", false, func(ls lines) lines { return ls.delete(ls.find("BTI", 1)) }, want{1, "Document Code", edi.ErrStructure}},
		{"FileBatchCount", false, func(ls lines) lines {
			ls.set(len(ls)-2, edi.TrailerIWO, "Batch Count", "00009")
			return ls
		}, want{1, "Batch Count", edi.ErrStructure}},
		{"FileRecordCount", false, func(ls lines) lines {
			ls.set(len(ls)-2, edi.TrailerIWO, "Record Count", "00999")
			return ls
		}, want{1, "Record Count", edi.ErrStructure}},
		{"BatchRecordCount", false, func(ls lines) lines {
			ls.set(ls.find("BTI", 0), edi.TrailerIWO, "Record Count", "00099")
			return ls
		}, want{1, "Record Count", edi.ErrStructure}},
		{"BatchTrailerBatchCount", false, func(ls lines) lines {
			ls.set(ls.find("BTI", 0), edi.TrailerIWO, "Batch Count", "00001")
			return ls
		}, want{1, "Batch Count", edi.ErrStructure}},
		{"EmptyBatch", false, func(ls lines) lines {
			bh, bt := ls.find("BHI", 0), ls.find("BTI", 0)
			ls.set(bt, edi.TrailerIWO, "Record Count", "00000")
			return append(ls[:bh+1:bh+1], ls[bt:]...)
		}, want{1, "Record Count", edi.ErrStructure}},
		{"DetailOutsideBatch", false, func(ls lines) lines {
			i := ls.find("BTI", 0)
			return ls.insert(i+1, ls[ls.find("DTL", 0)])
		}, want{1, "Document Code", edi.ErrStructure}},
		{"InvalidDocumentCode", false, func(ls lines) lines {
			return ls.insert(2, "XYZ"+ls[2][3:])
		}, want{1, "Document Code", edi.ErrFormat}},
		{"MixedFamilies", false, func(ls lines) lines {
			return ls.insert(2, "ACK"+ls[2][3:])
		}, want{1, "Document Code", edi.ErrStructure}},
		{"DuplicateControlNumber", false, func(ls lines) lines {
			first := ls.get(ls.find("BHI", 0), edi.HeaderIWO, "Control Number")
			ls.set(ls.find("BHI", 1), edi.HeaderIWO, "Control Number", first)
			ls.set(ls.find("BTI", 1), edi.TrailerIWO, "Control Number", first)
			return ls
		}, want{1, "Control Number", edi.ErrStructure}},
		{"FileTrailerControlMismatch", false, func(ls lines) lines {
			ls.set(len(ls)-2, edi.TrailerIWO, "Control Number", "0600011111111111111111")
			return ls
		}, want{1, "Control Number", edi.ErrStructure}},
		{"MissingFileTrailer", false, func(ls lines) lines { return ls[:len(ls)-2] }, want{1, "Record", edi.ErrStructure}},
		{"RecordAfterFileTrailer", false, func(ls lines) lines {
			return append(ls[:len(ls)-1:len(ls)-1], ls[len(ls)-2], "")
		}, want{1, "Document Code", edi.ErrStructure}},
		{"RecordLength", false, func(ls lines) lines {
			i := ls.find("DTL", 0)
			ls[i] = ls[i][:len(ls[i])-2] + "\n"
			return ls
		}, want{1, "Record", edi.ErrFormat}},
		{"NoFinalTerminator", false, func(ls lines) lines {
			ls[len(ls)-2] = strings.TrimSuffix(ls[len(ls)-2], "\n")
			return ls
		}, want{1, "Record", edi.ErrStructure}},
		{"MixedTerminators", false, func(ls lines) lines {
			ls[2] = strings.TrimSuffix(ls[2], "\n") + "\r\n"
			return ls
		}, want{1, "Record", edi.ErrStructure}},
		{"BatchHeaderWithoutEIN", false, func(ls lines) lines {
			ls.set(ls.find("BHI", 0), edi.HeaderIWO, "EIN", "")
			return ls
		}, want{1, "EIN", edi.ErrRule}},
		// §8.1.8 and §8.3 element formats
		{"CreationDate", false, func(ls lines) lines {
			ls.set(0, edi.HeaderIWO, "Creation Date", "20261301")
			return ls
		}, want{1, "Creation Date", edi.ErrFormat}},
		{"CreationTime", false, func(ls lines) lines {
			ls.set(0, edi.HeaderIWO, "Creation Time", "246000")
			return ls
		}, want{1, "Creation Time", edi.ErrFormat}},
		{"DocumentDateNotReal", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Document Date", "20260230")
			return ls
		}, want{1, "Document Date", edi.ErrFormat}},
		{"NumberNotNumeric", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Employer Address ZIP Code", "9A123")
			return ls
		}, want{1, "Employer Address ZIP Code", edi.ErrFormat}},
		{"AmountNotNumeric", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Withhold Amount per Monthly Pay", "0000001234 ")
			return ls
		}, want{1, "Withhold Amount per Monthly Pay", edi.ErrFormat}},
		{"ActionCodeNotInList", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Document Action Code", "NEW")
			return ls
		}, want{1, "Document Action Code", edi.ErrFormat}},
		{"FrequencyCodeUnknown", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Current Child Support Frequency", "Z")
			return ls
		}, want{1, "Current Child Support Frequency", edi.ErrFormat}},
		{"RequiredBlank", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Employee Last Name", "")
			return ls
		}, want{1, "Employee Last Name", edi.ErrFormat}},
		{"FillerNotBlank", false, func(ls lines) lines {
			i := ls.find("DTL", 0)
			ls[i] = ls[i][:4] + "X" + ls[i][5:]
			return ls
		}, want{1, "Filler", edi.ErrFormat}},
		{"NotPrintable", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Employer Name", "ACME\x01")
			return ls
		}, want{1, "Employer Name", edi.ErrFormat}},
		// §8.3 cross-element rules
		{"CaseIDAsterisk", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Case Identifier", "CA12*34")
			return ls
		}, want{1, "Case Identifier", edi.ErrRule}},
		{"CaseIDLeadingSpace", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Case Identifier", " CA1234")
			return ls
		}, want{1, "Case Identifier", edi.ErrRule}},
		{"IssuingStateLeadingSpace", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Issuing State/Tribe/Territory Name", " CALIFORNIA")
			return ls
		}, want{1, "Issuing State/Tribe/Territory Name", edi.ErrRule}},
		{"EmployerNameStart", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Employer Name", "-ACME")
			return ls
		}, want{1, "Employer Name", edi.ErrRule}},
		{"EmployerAddressStart", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Employer Address Line 1", "#12 MAIN")
			return ls
		}, want{1, "Employer Address Line 1", edi.ErrRule}},
		{"AmountWithoutFrequency", false, func(ls lines) lines {
			i := ls.find("DTL", 0)
			ls.set(i, edi.DTL, "Current Spousal Support Amount", "00000010000")
			return ls
		}, want{1, "Current Spousal Support Frequency", edi.ErrRule}},
		{"OtherAmountWithoutReason", false, func(ls lines) lines {
			i := ls.find("DTL", 0)
			ls.set(i, edi.DTL, "Other Obligation Amount", "00000010000")
			ls.set(i, edi.DTL, "Other Obligation Frequency", "M")
			return ls
		}, want{1, "Other Obligation Reason", edi.ErrRule}},
		{"ChildIncomplete", false, func(ls lines) lines {
			i := ls.find("DTL", 0)
			for _, n := range []string{"Last Name", "First Name", "Birth Date"} {
				ls.set(i, edi.DTL, "Child 6 "+n, "")
			}
			ls.set(i, edi.DTL, "Child 6 First Name", "NOAH")
			return ls
		}, want{2, "Child 6 Last Name", edi.ErrRule}}, // and Child 6 Birth Date
		{"LumpSumNotLUM", false, func(ls lines) lines {
			i := ls.find("DTL", 0)
			ls.set(i, edi.DTL, "Document Action Code", "ORG")
			ls.set(i, edi.DTL, "Lump Sum Payment Amount", "00000050000")
			return ls
		}, want{1, "Lump Sum Payment Amount", edi.ErrRule}},
		{"LUMWithoutLumpSum", false, func(ls lines) lines {
			i := ls.find("DTL", 0)
			ls.set(i, edi.DTL, "Document Action Code", "LUM")
			ls.set(i, edi.DTL, "Lump Sum Payment Amount", "00000000000")
			return ls
		}, want{1, "Lump Sum Payment Amount", edi.ErrRule}},
		{"EINDiffersFromBatch", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTL, "Employer EIN", "999999999")
			return ls
		}, want{1, "Employer EIN", edi.ErrRule}},
		{"PortalErrorsInIWOFile", false, func(ls lines) lines {
			ls.set(ls.find("DTL", 0), edi.DTLResult, "First Error Field Name", "EMPLOYEE SSN")
			return ls
		}, want{1, "Filler", edi.ErrFormat}},
		// §8.4 acknowledgment rules
		{"ReasonNotAllowedForDisposition", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 0), edi.ACK, "Disposition Reason Code", "D")
			return ls
		}, want{1, "Disposition Reason Code", edi.ErrRule}},
		{"RejectedWithoutReason", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 0), edi.ACK, "Disposition Status Code", "R")
			return ls
		}, want{1, "Disposition Reason Code", edi.ErrRule}},
		{"ZOnlyOnTRM", true, func(ls lines) lines {
			i := ls.find("ACK", 0)
			ls.set(i, edi.ACK, "Disposition Status Code", "R")
			ls.set(i, edi.ACK, "Disposition Reason Code", "Z")
			return ls
		}, want{1, "Disposition Reason Code", edi.ErrRule}},
		{"WNeedsCorrectedFEIN", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 0), edi.ACK, "Disposition Reason Code", "W")
			return ls
		}, want{1, "Corrected FEIN", edi.ErrRule}},
		{"MNeedsStateCode", true, func(ls lines) lines {
			i := ls.find("ACK", 0)
			ls.set(i, edi.ACK, "Disposition Status Code", "R")
			ls.set(i, edi.ACK, "Disposition Reason Code", "M")
			return ls
		}, want{1, "Multiple IWO State Code", edi.ErrRule}},
		{"ActionStatusCombination", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 0), edi.ACK, "Disposition Status Code", "T")
			return ls
		}, want{1, "Disposition Status Code", edi.ErrRule}},
		{"EMPNeedsTLS", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 1), edi.ACK, "Disposition Status Code", "A")
			return ls
		}, want{1, "Disposition Status Code", edi.ErrRule}},
		{"EMPNeedsSSN", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 1), edi.ACK, "Employee SSN", "")
			return ls
		}, want{1, "Employee SSN", edi.ErrRule}},
		{"EMPTerminationNeedsDate", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 1), edi.ACK, "Termination Date", "")
			return ls
		}, want{1, "Termination Date", edi.ErrRule}},
		{"AnswerNeedsTrackingID", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 0), edi.ACK, "Document Tracking Identifier", "")
			return ls
		}, want{1, "Document Tracking Identifier", edi.ErrRule}},
		{"SSNNotNumericIsMasked", true, func(ls lines) lines {
			ls.set(ls.find("ACK", 0), edi.ACK, "Employee SSN", "90011X222")
			return ls
		}, want{1, "Employee SSN", edi.ErrFormat}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := iwoFile
			if tc.ack {
				base = ackFile
			}
			data := tc.break_(split(base)).bytes()
			es, err := edi.Validate(bytes.NewReader(data), "t.txt")
			if err != nil {
				t.Fatalf("%s: I/O error %v", tc.name, err)
			}
			if len(es) != tc.want.n {
				t.Fatalf("%s: %d problems, want %d:\n%v", tc.name, len(es), tc.want.n, es)
			}
			e := es[0]
			if e.Element != tc.want.element || !errors.Is(e, tc.want.kind) {
				t.Errorf("%s: first problem %q (%v), want element %q kind %v", tc.name, e, e.Kind, tc.want.element, tc.want.kind)
			}
			for _, e := range es {
				if !errLine.MatchString(e.Error()) {
					t.Errorf("%s: %q is not FILE:LINE: RECORD ELEMENT: reason", tc.name, e)
				}
				if strings.Contains(e.Error(), "90011") {
					t.Errorf("%s: %q shows SSN digits", tc.name, e)
				}
			}
		})
	}
}

func TestValidFixtures(t *testing.T) {
	for name, data := range map[string][]byte{"iwo": MustIWOFile(t), "ack": MustAckFile(t)} {
		es, err := edi.Validate(bytes.NewReader(data), name)
		if err != nil || len(es) != 0 {
			t.Errorf("%s fixture: %v %v", name, err, es)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	es, err := edi.Validate(bytes.NewReader(nil), "empty")
	if err != nil || len(es) != 1 || !errors.Is(es[0], edi.ErrStructure) {
		t.Fatalf("empty file: %v %v", es, err)
	}
	if got := es[0].Error(); got != "empty:1: FH? Record: file is empty" {
		t.Errorf("empty file error %q", got)
	}
}

// TestAllErrorsReported: problems in several records are all reported.
func TestAllErrorsReported(t *testing.T) {
	ls := split(MustIWOFile(t))
	var want []int
	for n := 0; n < 3; n++ {
		i := ls.find("DTL", n)
		ls.set(i, edi.DTL, "Document Date", "20269999")
		want = append(want, i+1)
	}
	es, _ := edi.Validate(bytes.NewReader(ls.bytes()), "f")
	var got []int
	for _, e := range es {
		got = append(got, e.Line)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems on lines %v, want %v: %v", got, want, es)
	}
}
