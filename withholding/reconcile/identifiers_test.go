package reconcile_test

import (
	"slices"
	"testing"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// TestRun_IdentifiersAsSent is issue 17's matching, one row per form real
// senders use (the sources, from the audit, in comments; facts,
// not their text). The clean night's order has case ID CASE1, order
// number ORD1, remittance ID R1, obligor SMITH, JOHN and payee FIPS 06037;
// each row changes tonight's payment's DED02 (and for names, drops the
// SSN and the case identifier so only the name and FIPS rule can match).
func TestRun_IdentifiersAsSent(t *testing.T) {
	const (
		matches = true
		none    = false
	)
	for _, tc := range []struct {
		name   string
		remit  withholding.RemittanceID // DED02; "" leaves it to the name
		dedNam string                   // DED07, for the name rows
		ids    []reconcile.IDField      // Settings.IDOrder; nil the default
		want   bool
		by     reconcile.MatchRule
	}{
		// The convention's own forms.
		{name: "RemittanceID", remit: "R1", want: matches, by: reconcile.MatchCase},
		{name: "CaseID", remit: "CASE1", want: matches, by: reconcile.MatchCase},
		// Idaho's employer page: DED02 may be the court order number at the
		// agency's discretion; Texas OAG: the court cause number.
		{name: "OrderNumber", remit: "ORD1", want: matches, by: reconcile.MatchCase},
		{name: "OrderNumberNotTried", remit: "ORD1", ids: []reconcile.IDField{reconcile.IDRemittance, reconcile.IDCase}, want: none},
		// The same identifier with dashes, spaces or letter case changed
		// (the 08-5687-D / 085687D).
		{name: "LowerCase", remit: "case1", want: matches, by: reconcile.MatchCase},
		{name: "Dashes", remit: "CA-SE-1", want: matches, by: reconcile.MatchCase},
		{name: "Spaces", remit: "CASE 1", want: matches, by: reconcile.MatchCase},
		{name: "OrderNumberDashed", remit: "ord-1", want: matches, by: reconcile.MatchCase},
		// DED07 as vendors and clerks write it (the Treasury DED structure
		// gives 7+3 letters with a comma after a short last name; Virginia
		// and West Virginia employer pages, Texas OAG and payroll vendors'
		// files show the other forms).
		{name: "NameCode", dedNam: "SMITH,JOH", want: matches, by: reconcile.MatchNameFIPS},
		{name: "NameCommaSpace", dedNam: "SMITH, JOHN", want: matches, by: reconcile.MatchNameFIPS},
		{name: "NameNoSpace", dedNam: "SMITH,JOHN", want: matches, by: reconcile.MatchNameFIPS},
		{name: "NameMixedCase", dedNam: "Smith, John", want: matches, by: reconcile.MatchNameFIPS},
		// Nothing of the order: stays unidentified.
		{name: "UnknownID", remit: "ZZ999", want: none},
		{name: "OtherName", dedNam: "JONES,JOHN", want: none},
		{name: "NameWithoutComma", dedNam: "JOHN SMITH", want: none},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := night()
			in.Settings.IDOrder = tc.ids
			var p *withholding.Payment
			for x := range in.Payments {
				p = x
			}
			p.RemittanceID = tc.remit
			if tc.dedNam != "" {
				p.Name, p.SSN = tc.dedNam, ""
				if tc.want == none {
					p.RemittanceID = ""
				}
			} else if tc.want == none {
				p.SSN, p.Name = "", "" // only DED02 could match
			}
			res := MustRun(t, in)
			if tc.want == matches {
				if len(res.Matches) != 1 || res.Matches[0].OrderRef != 1 || res.Matches[0].By != tc.by {
					t.Fatalf("matches %+v, want the payment posted to order 1 by %s", res.Matches, tc.by)
				}
				// The rule is kept on the stored posting, for the console
				// and the employer's statement.
				if ps := slices.Collect(res.Postings(in.RunDate)); len(ps) != 1 || ps[0].MatchedBy != string(tc.by) {
					t.Errorf("postings %+v, want one matched by %s", ps, tc.by)
				}
				return
			}
			if len(res.Matches) != 0 {
				t.Fatalf("matches %+v, want none", res.Matches)
			}
			if len(res.Held) != 1 || res.Held[0].Type != withholding.ExUnidentified {
				t.Errorf("held %+v, want the payment held as unidentified", res.Held)
			}
		})
	}
}

func TestNormalID(t *testing.T) {
	for in, want := range map[string]string{
		"085687D": "085687D", "08-5687-D": "085687D", "08 5687 d": "085687D", "CA/2000.123": "CA2000123", "": "",
	} {
		if got := withholding.NormalID(in); got != want {
			t.Errorf("NormalID(%q) = %q, want %q", in, got, want)
		}
	}
}
