package employer_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// TestComputeUsesStatedPerPay: an IWO received in a file states $528.00 a
// month as $121.86 a week (issue 17's example; iwo's own conversion gives
// $121.85) and leaves its biweekly line blank. A weekly pay withholds the
// stated $121.86; a biweekly pay withholds iwo's conversion, $243.69.
func TestComputeUsesStatedPerPay(t *testing.T) {
	g := synth.New(17)
	emps := g.Employers(1)
	o := g.Orders(emps, 1)[0]
	o.Amounts = withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 528_00, Frequency: withholding.Monthly}}
	d := iwoOf(o, emps[0], withholding.ActionOriginal)
	d.CCPAPercent = 50
	d.PerWeekly, d.PerBiweekly = 121_86, 0 // as the issuing state's system wrote them
	file, err := employer.ReadIWOFile(bytes.NewReader(writeIWOs(t, 1, []*edi.IWO{d})), "stated.iwo")
	if err != nil {
		t.Fatalf("read IWO file: %v", err)
	}
	book := employer.LoadBook([]*employer.Received{file}, nil)
	for _, tc := range []struct {
		freq  withholding.Frequency
		want  withholding.Cents
		basis string
	}{
		{withholding.Weekly, 121_86, "as stated on the IWO (item 13a)"},
		{withholding.Biweekly, 243_69, "computed from the monthly amounts"},
	} {
		line := employer.PayLine{Line: 2, SSN: o.Obligor.SSN, Last: o.Obligor.Last, First: o.Obligor.First,
			PayDate: day, Frequency: tc.freq, Disposable: 2000_00}
		ws, err := employer.Compute([]employer.PayLine{line}, book, employer.Settings{})
		if err != nil {
			t.Fatalf("%s: %v", tc.freq, err)
		}
		if len(ws) != 1 || len(ws[0].Items()) != 1 {
			t.Fatalf("%s: %d withholdings, want one with one DED item", tc.freq, len(ws))
		}
		if got := ws[0].Items()[0].Amount; got != tc.want {
			t.Errorf("%s pay remits %s, want %s", tc.freq, got, tc.want)
		}
		if !slices.ContainsFunc(ws[0].Result.Explanation, func(s string) bool { return strings.Contains(s, tc.basis) }) {
			t.Errorf("%s pay: explanation does not say %q: %q", tc.freq, tc.basis, ws[0].Result.Explanation)
		}
	}
}
