package edi_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// TestNewIWOPerPay uses Example 1 of withholding-rules.md §5: $400/month
// current + $100/month arrears.
func TestNewIWOPerPay(t *testing.T) {
	o := &withholding.Order{
		CaseID: "CA1", Amounts: withholding.Amounts{
			CurrentSupport: withholding.Obligation{Amount: 400_00, Frequency: withholding.Monthly},
			PastDueSupport: withholding.Obligation{Amount: 100_00, Frequency: withholding.Monthly},
		},
	}
	d := edi.NewIWO(o, &withholding.Employer{FEIN: "912345678"}, withholding.ActionOriginal, "T1", withholding.NewDate(2026, 11, 2), edi.Issuer{})
	for f, want := range map[withholding.Frequency]withholding.Cents{
		withholding.Weekly: 115_39, withholding.Biweekly: 230_77, withholding.Semimonthly: 250_00, withholding.Monthly: 500_00,
	} {
		if got, _ := d.PerPay(f); got != want {
			t.Errorf("per %s pay: %s, want %s", f, got, want)
		}
	}
	if d.Total != (withholding.Obligation{Amount: 500_00, Frequency: withholding.Monthly}) {
		t.Errorf("total %+v, want 500.00 monthly", d.Total)
	}
	trm := edi.NewIWO(o, &withholding.Employer{}, withholding.ActionTerminate, "T2", withholding.Date{}, edi.Issuer{CCPAPercent: 50})
	if trm.CurrentSupport.Amount != 0 || trm.PerMonthly != 0 || trm.CCPAPercent != 0 {
		t.Errorf("TRM carries amounts: %+v", trm)
	}
}

// TestNewIWOStatedPerPay: an order's own stated line (issue 17's $528.00 a
// month stated as $121.86 a week) is what the record carries for that
// frequency, the other lines are converted, and the order read back from
// the written file withholds the stated amount.
func TestNewIWOStatedPerPay(t *testing.T) {
	o := &withholding.Order{
		CaseID:  "CA17",
		Amounts: withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 528_00, Frequency: withholding.Monthly}},
		Stated:  withholding.StatedPerPay{Weekly: 121_86},
	}
	d := edi.NewIWO(o, &withholding.Employer{FEIN: "912345678"}, withholding.ActionOriginal, "T17", withholding.NewDate(2026, 11, 2), edi.Issuer{})
	for f, want := range map[withholding.Frequency]withholding.Cents{
		withholding.Weekly: 121_86, withholding.Biweekly: 243_69, withholding.Semimonthly: 264_00, withholding.Monthly: 528_00,
	} {
		if got, _ := d.PerPay(f); got != want {
			t.Errorf("per %s pay: %s, want %s", f, got, want)
		}
	}
	if got := d.Order().PerPay(withholding.Weekly).Total; got != 121_86 {
		t.Errorf("order read back withholds %s a week, want the stated 121.86", got)
	}
}

// TestIWOOrderRoundTrip: order → IWO → file → IWO → order keeps what the
// record carries.
func TestIWOOrderRoundTrip(t *testing.T) {
	g := synth.New(11)
	emps := g.Employers(2)
	for i, o := range g.Orders(emps, 20) {
		var emp *withholding.Employer
		for j := range emps {
			if emps[j].FEIN == o.EmployerFEIN {
				emp = &emps[j]
			}
		}
		d := edi.NewIWO(&o, emp, withholding.ActionOriginal, edi.TrackingIDFor("06", uint64(i)), g.Today, edisynth.Issuer(g.Agency))
		var b bytes.Buffer
		w := edi.NewWriter(&b, edi.WriterOptions{Kind: edi.KindIWO, FIPS: "06000", Created: time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)})
		if err := w.Write(d); err != nil {
			t.Fatalf("order %s: %v", o.CaseID, err)
		}
		w.Close()
		recs, _ := MustReadAll(t, "rt", b.Bytes())
		got := recs[2].(*edi.IWO).Order()
		want := o
		want.ID, want.StartDate, want.Status, want.PendingAction = 0, withholding.Date{}, "", ""
		want.TrackingID = d.TrackingID
		if len(want.IssuingTribunal) > 35 { // NewIWO cuts free text to the element width
			want.IssuingTribunal = strings.TrimRight(want.IssuingTribunal[:35], " ")
		}
		want.Obligee.SSN, want.Obligee.BirthDate = "", withholding.Date{}
		// The record states every per-pay line, so the order read back
		// carries them as stated.
		for _, f := range withholding.StatedFrequencies {
			want.Stated.Set(f, o.PerPay(f).Total)
		}
		for k := range want.Children {
			want.Children[k].SSN = ""
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("order %s after the round trip:\n got %+v\nwant %+v", o.CaseID, *got, want)
		}
	}
}

func TestAckAcknowledgmentRoundTrip(t *testing.T) {
	k := withholding.Acknowledgment{
		Action: withholding.ActionEmployer, FEIN: "912345678", SSN: "900112222",
		Employee: withholding.Person{Last: "GARCIA", First: "ANA", SSN: "900112222"},
		Status:   withholding.DispLumpSum, LumpSumDate: withholding.NewDate(2026, 12, 1), LumpSumCents: 2500_00, LumpSumType: "BONUS",
	}
	var b bytes.Buffer
	w := edi.NewWriter(&b, edi.WriterOptions{Kind: edi.KindAck, FIPS: "06000", Created: time.Date(2026, 11, 5, 9, 0, 0, 0, time.UTC)})
	if err := w.Write(edi.AckFrom(k)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	recs, _ := MustReadAll(t, "ack", b.Bytes())
	if got := recs[2].(*edi.Ack).Acknowledgment(); !reflect.DeepEqual(got, k) {
		t.Errorf("acknowledgment after the round trip:\n got %+v\nwant %+v", got, k)
	}
}

func TestWriterGroupsByEmployer(t *testing.T) {
	ds := edisynth.IWOs(3, 12)
	// Interleave employers: the writer must refuse a second batch for an EIN.
	var other *edi.IWO
	for _, d := range ds[1:] {
		if d.EmployerEIN != ds[0].EmployerEIN {
			other = d
			break
		}
	}
	w := edi.NewWriter(&bytes.Buffer{}, edi.WriterOptions{Kind: edi.KindIWO, FIPS: "06000", Created: edisynth.StampDefault()})
	for i, d := range []*edi.IWO{ds[0], other} {
		if err := w.Write(d); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	err := w.Write(ds[0])
	if !errors.Is(err, edi.ErrStructure) {
		t.Errorf("second batch for EIN %s: got %v, want a structure error", ds[0].EmployerEIN, err)
	}
}

func TestControlNumber(t *testing.T) {
	at := time.Date(2026, 11, 2, 1, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		fips  string
		seq   uint64
		batch int
		want  string
		ok    bool
	}{
		{"06000", 42, 0, "0600026110200000420000", true},
		{"06000", 42, 17, "0600026110200000420017", true},
		{"0600", 1, 0, "", false},
		{"06000", 10_000_000, 0, "", false},
		{"06000", 1, 10_000, "", false},
	} {
		got, err := edi.ControlNumber(tc.fips, at, tc.seq, tc.batch)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ControlNumber(%q, %d, %d) = %q, %v; want %q ok=%v", tc.fips, tc.seq, tc.batch, got, err, tc.want, tc.ok)
		}
		if tc.ok && len(got) != 22 {
			t.Errorf("ControlNumber(%q, %d, %d) is %d characters, want 22", tc.fips, tc.seq, tc.batch, len(got))
		}
	}
}

// TestResponderCoversEveryOutcome: answering a few hundred IWOs produces
// every disposition/reason pair of table 6.1 and every EMP notice, and
// every answer is a valid record.
func TestResponderCoversEveryOutcome(t *testing.T) {
	var iwo, ack bytes.Buffer
	if err := edisynth.WriteIWOFile(&iwo, 9, 400); err != nil {
		t.Fatal(err)
	}
	if err := edisynth.WriteAckFile(&ack, bytes.NewReader(iwo.Bytes()), "iwo", 9); err != nil {
		t.Fatal(err)
	}
	recs, _ := MustReadAll(t, "ack", ack.Bytes())
	seen := map[string]bool{}
	for _, r := range recs {
		if a, ok := r.(*edi.Ack); ok {
			seen[string(a.Status)+a.Reason] = true
		}
	}
	for _, want := range []string{"A", "AB", "AS", "AW", "RB", "RS", "RW", "RD", "RM", "RN", "RO", "RU", "RX", "RZ", "T", "L", "S"} {
		if !seen[want] {
			t.Errorf("no ACK with disposition+reason %q in 400 answers", want)
		}
	}
}

// TestNewIWOFitsText: free text longer than its element is cut to the
// element's width, trailing blanks trimmed, in every place fitText knows
// (an employer's, an obligor's, a child's, an address), and short text is
// left alone.
func TestNewIWOFitsText(t *testing.T) {
	width := func(name string) int { return edi.DTL.Elements[edi.DTL.Index(name)].Len }
	long := strings.Repeat("ABCDE FGHI ", 20) // a blank at every fifth and tenth place
	o := &withholding.Order{CaseID: "CA1", Obligor: withholding.Person{Last: long, First: "ANN"}}
	o.Children = []withholding.Person{{Last: "KIM"}, {Last: long}}
	e := &withholding.Employer{FEIN: "912345678", Name: long, Address: withholding.Address{City: long}}
	d := edi.NewIWO(o, e, withholding.ActionOriginal, "T1", withholding.NewDate(2026, 11, 2), edi.Issuer{})
	for _, c := range []struct {
		element, got string
	}{
		{"Employer Name", d.EmployerName},
		{"Employer Address City", d.EmployerAddress.City},
		{"Employee Last Name", d.Employee.Last},
		{"Child 2 Last Name", d.Children[1].Last},
	} {
		want := strings.TrimRight(long[:width(c.element)], " ")
		if c.got != want {
			t.Errorf("%s: %q, want %q (%d wide)", c.element, c.got, want, width(c.element))
		}
	}
	if d.Employee.First != "ANN" || d.Children[0].Last != "KIM" {
		t.Errorf("short text changed: %q, %q", d.Employee.First, d.Children[0].Last)
	}
}
