package reconcile

import (
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

func TestPackedDate(t *testing.T) {
	for _, d := range []withholding.Date{{}, {Year: 2026, Month: 11, Day: 20}, {Year: 1999, Month: 12, Day: 31}, {Year: 9999, Month: 1, Day: 1}} {
		if got := packDate(d).date(); got != d {
			t.Errorf("packDate(%v).date() = %v", d, got)
		}
	}
}

// TestOrderList checks that an order reads back from the list as it was
// given, empty fields and a FEIN without an employer included.
func TestOrderList(t *testing.T) {
	emp := &withholding.Employer{FEIN: "900000001", PayFrequency: withholding.Weekly}
	l := newOrderList([]*withholding.Employer{{FEIN: "900000001"}, emp})
	in := []*withholding.Order{
		{ID: 7, CaseID: "CASE1", RemittanceID: "R1", EmployerFEIN: "900000001", PayeeFIPS: "0603700",
			Obligor:   withholding.Person{Last: "Castellano", First: "Maria", SSN: "900112222"},
			Amounts:   withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 52000, Frequency: withholding.Annually}},
			StartDate: withholding.Date{Year: 2026, Month: 1, Day: 2}, EndDate: withholding.Date{Year: 2027, Month: 3, Day: 4},
			Status: withholding.StatusAccepted},
		{ID: 8, CaseID: "CASE2", EmployerFEIN: "900000009", Status: withholding.StatusPending},
		{ID: 9, EmployerFEIN: "900000001", Status: withholding.StatusAccepted, PayeeFIPS: "06"},
	}
	for _, o := range in {
		l.add(o)
	}
	if l.len() != len(in) {
		t.Fatalf("len = %d, want %d", l.len(), len(in))
	}
	for i, o := range in {
		got := l.at(int32(i))
		wantEmp := emp
		if o.EmployerFEIN != emp.FEIN {
			wantEmp = nil
		}
		want := order{ID: o.ID, CaseID: o.CaseID, RemittanceID: o.RemittanceID, EmployerFEIN: o.EmployerFEIN, SSN: o.Obligor.SSN,
			Status: o.Status, StartDate: o.StartDate, EndDate: o.EndDate, employer: wantEmp}
		if wantEmp != nil {
			want.perPay = o.PerPay(wantEmp.PayFrequency).Total
		}
		if got != want {
			t.Errorf("order %d: got %+v, want %+v", o.ID, got, want)
		}
		if code, fips := l.nameCode(int32(i)), l.fips(int32(i)); code != NameCode(o.Obligor.Last, o.Obligor.First) || fips != o.PayeeFIPS {
			t.Errorf("order %d: name code %q and FIPS %q, want %q and %q", o.ID, code, fips, NameCode(o.Obligor.Last, o.Obligor.First), o.PayeeFIPS)
		}
	}
	if got := l.at(0).perPay; got != 1000 {
		t.Errorf("per-pay total of $520.00 a year, weekly: %d cents, want 1000", got)
	}
}
