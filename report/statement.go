package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/withholding"
)

// Sheet names of an employer statement, in order.
const (
	SheetStatement = "Statement"
	SheetOrders    = "Orders"
	// SheetPayments ("Payments") is shared with the operations workbook.
	SheetActions = "Action needed"
)

// StatementInput is one employer's activity for a statement; the domain
// defines it (see OperationsInput).
type StatementInput = withholding.EmployerStatement

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

	byID := make(map[int64]*withholding.Order, len(in.Orders))
	for _, o := range in.Orders {
		byID[o.ID] = o
	}
	var sum statementSums
	sum.orders, sum.foreign = map[int64]Tally{}, map[int64]bool{}
	for _, p := range in.Payments {
		if p.Kind != withholding.KindPayment {
			continue
		}
		sum.received.Add(p.Credited)
		if len(p.Warnings) > 0 {
			sum.warned++
		}
		switch {
		case p.Posting == nil:
			sum.pending.Add(p.Credited)
		case p.Posting.Status == withholding.PostingPosted:
			sum.applied.Add(p.Credited)
			t := sum.orders[p.Posting.OrderRef]
			t.Add(p.Credited)
			sum.orders[p.Posting.OrderRef] = t
			if byID[p.Posting.OrderRef] == nil {
				// Posted to an order with another employer (the payment
				// came from this FEIN): its row still belongs here.
				o := &withholding.Order{ID: p.Posting.OrderRef, CaseID: p.Posting.CaseID}
				byID[o.ID] = o
				in.Orders = append(slices.Clip(in.Orders), o)
				sum.foreign[o.ID] = true
			}
		case p.Posting.Status == withholding.PostingHeld:
			sum.held.Add(p.Credited)
		}
	}
	var actions []*withholding.Exception
	for _, e := range openExceptions(in.Exceptions, in.RunDate) {
		if _, ok := employerActions[e.Type]; ok {
			actions = append(actions, e)
		}
	}

	// Each sheet is added as it is streamed, in this order (see newStream).
	if err := writeStatementOrders(f, st, in, &sum); err != nil {
		return err
	}
	if err := writeStatementPayments(f, st, in, byID); err != nil {
		return err
	}
	if err := writeStatementActions(f, st, actions); err != nil {
		return err
	}
	if err := writeStatementCover(f, st, in, &sum, len(actions)); err != nil {
		return err
	}
	// The first sheet is the active one as the workbook was made (new
	// sheets are not selected); f.SetActiveSheet(0) said so again at the
	// cost of reading every streamed sheet back, a third of the report
	// job's work at 20,000 employers (docs/scaling.md).
	return save(f, path)
}

func personName(p withholding.Person) string {
	n := strings.TrimSpace(p.Last)
	if p.First != "" {
		n += ", " + p.First
	}
	return n
}

// statementSums are a statement's totals, each the sum of rows it shows:
// received and held of the Payments sheet, applied of the Orders sheet
// (orders, by Order.ID).
type statementSums struct {
	received, applied, held, pending Tally
	orders                           map[int64]Tally
	// foreign are orders with another employer that this employer's
	// payments were posted to.
	foreign map[int64]bool
	warned  int
}

func writeStatementCover(f *excelize.File, st styles, in StatementInput, sum *statementSums, actions int) error {
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
		{excelize.Cell{StyleID: st.bold, Value: "Payments received"}, sum.received.Count},
		{excelize.Cell{StyleID: st.bold, Value: "Amount received"}, st.moneyCell(sum.received.Amount)},
		{excelize.Cell{StyleID: st.bold, Value: "Payments applied to orders"}, sum.applied.Count},
		{excelize.Cell{StyleID: st.bold, Value: "Amount applied"}, st.moneyCell(sum.applied.Amount)},
		{excelize.Cell{StyleID: st.bold, Value: "Payments we could not apply"}, sum.held.Count},
		{excelize.Cell{StyleID: st.bold, Value: "Amount we could not apply"}, st.moneyCell(sum.held.Amount)},
		{excelize.Cell{StyleID: st.bold, Value: "Payments with format notes"}, sum.warned},
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

func writeStatementOrders(f *excelize.File, st styles, in StatementInput, sum *statementSums) error {
	cols := []column{
		{"Case", 17}, {"Remittance ID", 17}, {"Employee", 28}, {"SSN", 13}, {"Status", 11},
		{"Pay frequency", 13}, {"Withhold per pay", 14}, {"Payments applied", 10}, {"Amount applied", 14},
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
		perPay, freqLabel, status := any(""), "unknown", string(o.Status)
		if sum.foreign[o.ID] {
			freqLabel, status = "", "With another employer"
		} else if freq.Valid() {
			perPay, freqLabel = st.moneyCell(o.PerPay(freq).Total), string(freq)
		}
		got := sum.orders[o.ID]
		if err := s.add(
			string(o.CaseID),
			string(o.RemittanceID),
			personName(o.Obligor),
			o.Obligor.SSN.Masked(),
			status,
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
func writeStatementPayments(f *excelize.File, st styles, in StatementInput, byID map[int64]*withholding.Order) error {
	cols := []column{
		{"Remittance ID sent", 17}, {"Employee", 28}, {"Pay date", 11}, {"Received", 11}, {"Amount", 12},
		{"Trace", 17}, {"Status", 36}, {"Remittance ID to use", 20}, {"DED amount differs", 30}, {"Format notes", 60},
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
		return cmp.Or(strings.Compare(string(a.RemittanceID), string(b.RemittanceID)), a.PayDate.Compare(b.PayDate))
	})
	for _, p := range pays {
		who, use := p.Name, ""
		if p.Posting != nil {
			if o := byID[p.Posting.OrderRef]; o != nil && o.Obligor.Last != "" {
				who = personName(o.Obligor)
				if o.RemittanceID != "" && o.RemittanceID != p.RemittanceID {
					use = string(o.RemittanceID)
				}
			}
		}
		if err := s.add(
			string(p.RemittanceID),
			who,
			st.dateCell(p.PayDate),
			st.dateCell(p.EffectiveDate),
			st.moneyCell(p.Credited),
			string(p.Trace),
			statementStatus(p),
			use,
			claimNote(st, p),
			excelize.Cell{StyleID: st.wrap, Value: warningText(p.Warnings)},
		); err != nil {
			return err
		}
	}
	return s.finish()
}

// statementStatus is the Status cell of a payment on an employer's
// Payments sheet, from its posting.
func statementStatus(p *withholding.Payment) string {
	switch {
	case p.Posting == nil:
		return "Received, not yet reconciled"
	case p.Posting.Status == withholding.PostingPosted:
		return "Applied to case " + string(p.Posting.CaseID)
	case p.Posting.Status == withholding.PostingHeld:
		return "Held (" + TypeLabel(p.Posting.Reason) + "): see Action needed"
	}
	return "Zero-dollar remittance: nothing to apply"
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
