package report_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
)

// BenchmarkWriteEmployerStatement writes the statement of an employer of
// the state-sized night (docs/scaling.md): 60 orders, 12 payments posted
// tonight, 3 open exceptions. The report job writes one per employer with
// activity, so its time per statement decides the nightly report's.
func BenchmarkWriteEmployerStatement(b *testing.B) {
	emp := &withholding.Employer{FEIN: "900000001", Name: "ACME PAYROLL", PayFrequency: withholding.Biweekly}
	orders := make([]*withholding.Order, 60)
	for i := range orders {
		orders[i] = &withholding.Order{ID: int64(i + 1), CaseID: withholding.CaseID(fmt.Sprintf("C%09d", i)),
			RemittanceID: withholding.RemittanceID(fmt.Sprintf("R%09d", i)), EmployerFEIN: emp.FEIN,
			Obligor: withholding.Person{Last: "DOE", First: fmt.Sprintf("JOHN%d", i), SSN: withholding.SSN(fmt.Sprintf("9%08d", i))},
			Status:  withholding.StatusAccepted,
			Amounts: withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 20000, Frequency: withholding.Monthly}}}
	}
	pays := benchPayments(12)
	for i, p := range pays {
		p.FEIN = emp.FEIN
		p.Credited = p.Amount
		p.Posting = &withholding.Posting{Status: withholding.PostingPosted, OrderRef: orders[i*5].ID, CaseID: orders[i*5].CaseID}
	}
	exs := benchExceptions(3)
	dir := b.TempDir()
	in := withholding.EmployerStatement{Agency: "SDU", Contact: "PO BOX 1", RunDate: day("2026-11-20"), From: day("2026-11-19"), To: day("2026-11-20"),
		Employer: emp, Orders: orders, Payments: pays, Exceptions: exs}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := report.WriteEmployerStatement(filepath.Join(dir, fmt.Sprintf("s%d.xlsx", i%16)), in); err != nil {
			b.Fatal(err)
		}
	}
}
