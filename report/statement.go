package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/iwoproject/iwo/withholding"
	"github.com/xuri/excelize/v2"
)

// Sheet names of an employer statement, in order.
const (
	SheetStatement = "Statement"
	SheetOrders    = "Orders"
	// SheetPayments ("Payments") is shared with the operations workbook.
	SheetActions = "Action needed"
)

// StatementInput is one employer's activity for a statement.
type StatementInput struct {
	// Agency names the sender, e.g. "State Disbursement Unit"; Contact is
	// how the employer reaches it (a phone number or address).
	Agency, Contact string
	// RunDate is the day the statement is made; From and To bound the
	// period it covers (inclusive).
	RunDate, From, To withholding.Date

	Employer *withholding.Employer
	// Orders are the employer's orders (any status).
	Orders []*withholding.Order
	// Payments are the payments received from the employer in the period.
	Payments []*withholding.Payment
	// Posted maps payment IDs to the case they were applied to; payments
	// not in it are shown as held.
	Posted map[int64]withholding.CaseID
	// Held maps payment IDs to the exception type that holds them: from
	// the night's reconciliation (the nightly statement) or as stored by it
	// (a monthly statement); nil when not known, and every payment not
	// posted is shown as held. With Held set, a payment in neither map has
	// not been reconciled yet and is shown so, not as held.
	Held map[int64]withholding.ExceptionType
	// Exceptions are the employer's open exceptions. Those that concern only
	// the agency (caseworker alerts, portal errors) are left off.
	Exceptions []*withholding.Exception

	TmpDir string
}

// WriteEmployerStatement writes one employer's statement workbook to path:
// a cover sheet with totals, its orders with what each should withhold per
// pay and what arrived, the payments received per case, and what is missing
// or wrong with what the employer should do about it.
func WriteEmployerStatement(path string, in StatementInput) error {
	if in.Employer == nil {
		return withholding.Errorf(withholding.EINVALID, "employer statement: no employer")
	}
	f, st, err := newWorkbook(SheetStatement, in.TmpDir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := addSheets(f, SheetOrders, SheetPayments, SheetActions); err != nil {
		return err
	}

	byRemit := make(map[withholding.RemittanceID]*withholding.Order, len(in.Orders))
	for _, o := range in.Orders {
		if o.RemittanceID != "" {
			byRemit[o.RemittanceID] = o
		}
	}
	received := map[int64]Tally{} // by Order.ID
	var total, held Tally
	warned := 0
	for _, p := range in.Payments {
		if p.Kind != withholding.KindPayment {
			continue
		}
		amt := receivedAmount(p)
		total.Count++
		total.Amount += amt
		if len(p.Warnings) > 0 {
			warned++
		}
		if _, ok := paymentStatus(in, p.ID); ok {
			held.Count++
			held.Amount += amt
		}
		if o := byRemit[p.CaseID]; o != nil {
			t := received[o.ID]
			t.Count++
			t.Amount += amt
			received[o.ID] = t
		}
	}
	var actions []*withholding.Exception
	for _, e := range openExceptions(in.Exceptions, in.RunDate) {
		if _, ok := employerActions[e.Type]; ok {
			actions = append(actions, e)
		}
	}

	if err := writeStatementOrders(f, st, in, received); err != nil {
		return err
	}
	if err := writeStatementPayments(f, st, in, byRemit); err != nil {
		return err
	}
	if err := writeStatementActions(f, st, actions); err != nil {
		return err
	}
	if err := writeStatementCover(f, st, in, total, held, warned, len(actions)); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return save(f, path)
}

func personName(p withholding.Person) string {
	n := strings.TrimSpace(p.Last)
	if p.First != "" {
		n += ", " + p.First
	}
	return n
}

func writeStatementCover(f *excelize.File, st styles, in StatementInput, total, held Tally, warned, actions int) error {
	const sh = SheetStatement
	if err := f.SetColWidth(sh, "A", "A", 34); err != nil {
		return fmt.Errorf("write statement: %w", err)
	}
	if err := f.SetColWidth(sh, "B", "B", 60); err != nil {
		return fmt.Errorf("write statement: %w", err)
	}
	agency := in.Agency
	if agency == "" {
		agency = "Child support agency"
	}
	rows := [][]any{
		{excelize.Cell{StyleID: st.title, Value: "Income withholding statement"}},
		{"From", agency},
		{"Employer", in.Employer.Name},
		{"FEIN", string(in.Employer.FEIN)},
		{"Period", in.From.String() + " to " + in.To.String()},
		{"Prepared on", in.RunDate.String()},
		{},
		{excelize.Cell{StyleID: st.bold, Value: "Orders with you"}, len(in.Orders)},
		{excelize.Cell{StyleID: st.bold, Value: "Payments received"}, total.Count},
		{excelize.Cell{StyleID: st.bold, Value: "Amount received"}, st.moneyCell(total.Amount)},
		{excelize.Cell{StyleID: st.bold, Value: "Payments we could not apply"}, held.Count},
		{excelize.Cell{StyleID: st.bold, Value: "Amount we could not apply"}, st.moneyCell(held.Amount)},
		{excelize.Cell{StyleID: st.bold, Value: "Payments with format notes"}, warned},
		{excelize.Cell{StyleID: st.bold, Value: "Items that need your action"}, actions},
		{},
		{"Sheets", "Orders: what each order asks you to withhold per pay and what we received."},
		{"", "Payments: every payment received from you in the period, by case."},
		{"", excelize.Cell{StyleID: st.wrap, Value: "Format notes (on Payments): departures from the child support addenda (DED) format that we corrected automatically. On their own they do not stop a payment, but please have your payroll fix them in its ACH file."}},
		{"", "Action needed: what is missing or wrong, and what to do about it."},
	}
	if in.Contact != "" {
		rows = append(rows, []any{}, []any{"Questions", in.Contact})
	}
	for i, r := range rows {
		if err := setRow(f, sh, i+1, r...); err != nil {
			return err
		}
	}
	return nil
}

func writeStatementOrders(f *excelize.File, st styles, in StatementInput, received map[int64]Tally) error {
	cols := []column{
		{"Case", 17}, {"Remittance ID", 17}, {"Employee", 28}, {"SSN", 13}, {"Status", 11},
		{"Pay frequency", 13}, {"Withhold per pay", 14}, {"Payments received", 10}, {"Amount received", 14},
	}
	s, err := newStream(f, SheetOrders, "Orders", st, cols)
	if err != nil {
		return err
	}
	orders := slices.Clone(in.Orders)
	slices.SortFunc(orders, func(a, b *withholding.Order) int {
		return cmp.Or(strings.Compare(personName(a.Obligor), personName(b.Obligor)), strings.Compare(string(a.CaseID), string(b.CaseID)))
	})
	freq := in.Employer.PayFrequency
	for _, o := range orders {
		perPay, freqLabel := any(""), "unknown"
		if freq.Valid() {
			perPay, freqLabel = st.moneyCell(o.PerPay(freq).Total), string(freq)
		}
		got := received[o.ID]
		if err := s.add(
			string(o.CaseID),
			string(o.RemittanceID),
			personName(o.Obligor),
			o.Obligor.SSN.Masked(),
			string(o.Status),
			freqLabel,
			perPay,
			got.Count,
			st.moneyCell(got.Amount),
		); err != nil {
			return err
		}
	}
	return s.finish()
}

// writeStatementPayments lists the employer's payments. Warnings go back to
// the employer as "Format notes": they describe the employer's own file
// (lower case, padding, a missing terminator, a date of the other length),
// only the employer's payroll can fix them, and a payment posted today with
// one may be held by a stricter profile or partner tomorrow. They are
// masked like every other cell (see warningText).
func writeStatementPayments(f *excelize.File, st styles, in StatementInput, byRemit map[withholding.RemittanceID]*withholding.Order) error {
	cols := []column{
		{"Remittance ID", 17}, {"Employee", 28}, {"Pay date", 11}, {"Received", 11}, {"Amount", 12},
		{"Trace", 17}, {"Status", 36}, {"Format notes", 60},
	}
	s, err := newStream(f, SheetPayments, "Payments", st, cols)
	if err != nil {
		return err
	}
	pays := make([]*withholding.Payment, 0, len(in.Payments))
	for _, p := range in.Payments {
		if p.Kind == withholding.KindPayment {
			pays = append(pays, p)
		}
	}
	slices.SortStableFunc(pays, func(a, b *withholding.Payment) int {
		return cmp.Or(strings.Compare(string(a.CaseID), string(b.CaseID)), a.PayDate.Compare(b.PayDate))
	})
	for _, p := range pays {
		who := p.Name
		if o := byRemit[p.CaseID]; o != nil {
			who = personName(o.Obligor)
		}
		status, _ := paymentStatus(in, p.ID)
		if err := s.add(
			string(p.CaseID),
			who,
			st.dateCell(p.PayDate),
			st.dateCell(p.EffectiveDate),
			st.moneyCell(receivedAmount(p)),
			string(p.Trace),
			status,
			excelize.Cell{StyleID: st.wrap, Value: warningText(p.Warnings)},
		); err != nil {
			return err
		}
	}
	return s.finish()
}

// paymentStatus is the Status cell of payment id on the Payments sheet, and
// whether the payment was received but not applied (held): the cover's
// count and the sheet's cells come from this one decision.
func paymentStatus(in StatementInput, id int64) (status string, held bool) {
	if _, ok := in.Posted[id]; ok {
		return "Applied", false
	}
	if in.Held == nil {
		return "Held: see Action needed", true
	}
	if t, ok := in.Held[id]; ok {
		return "Held (" + TypeLabel(t) + "): see Action needed", true
	}
	return "Received, not yet reconciled", false
}

func writeStatementActions(f *excelize.File, st styles, actions []*withholding.Exception) error {
	cols := []column{
		{"Found on", 11}, {"Issue", 24}, {"Case", 17}, {"Employee SSN", 13}, {"Date", 11},
		{"Amount", 12}, {"Expected", 12}, {"What we found", 60}, {"What to do", 70},
	}
	s, err := newStream(f, SheetActions, "Actions", st, cols)
	if err != nil {
		return err
	}
	for _, e := range actions {
		if err := s.add(
			st.dateCell(e.OpenedOn),
			TypeLabel(e.Type),
			string(e.CaseID),
			e.SSN.Masked(),
			st.dateCell(e.DueDate),
			st.moneyCell(e.Amount),
			st.moneyCell(e.Expected),
			excelize.Cell{StyleID: st.wrap, Value: e.Message},
			excelize.Cell{StyleID: st.wrap, Value: employerActions[e.Type]},
		); err != nil {
			return err
		}
	}
	if len(actions) == 0 {
		if err := s.add("Nothing needs your action. Thank you."); err != nil {
			return err
		}
		s.table = ""
	}
	return s.finish()
}
