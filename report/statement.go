package report

import (
	"cmp"
	"fmt"
	"io"
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
	return saveWith(path, func(w io.Writer) error {
		b, err := newStatementBook(w, statementPage(in))
		if err != nil {
			return err
		}
		if err := writeStatement(b, b.tpl.st, in); err != nil {
			return err
		}
		return b.close()
	})
}

// statementPage is the page setup of in's statement. Each printed page
// names the employer and the period, so a page that goes astray in a
// payroll office still says whose it is.
func statementPage(in StatementInput) page {
	return newPage(fmt.Sprintf("Income withholding statement for %s (FEIN %s), %s to %s",
		in.Employer.Name, in.Employer.FEIN, in.From, in.To), in.RunDate)
}

// statementSheets is where a statement's sheets are written, in the order
// they appear: statementBook, or excelize in the test that checks the two
// write the same workbook.
type statementSheets interface {
	// cover starts the first sheet, its columns widths wide.
	cover(sheet string, widths []float64, ps printSetup) (coverRows, error)
	// list starts a list sheet (see stream) with a table called table
	// ("" for none).
	list(sheet, table string, cols []column) (listRows, error)
}

// coverRows are the rows of a cover sheet.
type coverRows interface {
	// row writes values from column A of row n, lines lines tall; merge
	// merges its cells B and C.
	row(n, lines int, merge bool, values []any) error
	finish() error
}

// listRows are the rows of a list sheet after its header row.
type listRows interface {
	add(values ...any) error
	finish() error
}

// writeStatement writes the statement of in to sh.
func writeStatement(sh statementSheets, st styles, in StatementInput) error {
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

	if err := writeStatementCover(sh, st, in, &sum, len(actions)); err != nil {
		return err
	}
	if err := writeStatementOrders(sh, st, in, &sum); err != nil {
		return err
	}
	if err := writeStatementPayments(sh, st, in, byID); err != nil {
		return err
	}
	return writeStatementActions(sh, st, actions)
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

// writeStatementCover writes the cover: who it is from and for, how to
// reach the agency, the totals, and what each sheet holds. It prints on one
// page; its long lines wrap in rows made tall enough for them.
func writeStatementCover(sh statementSheets, st styles, in StatementInput, sum *statementSums, actions int) error {
	// Labels in A, the totals in B beside them; text beside a label spans
	// B and C.
	widths := []float64{30, 16, 54}
	cover, err := sh.cover(SheetStatement, widths, printSetup{tall: 1})
	if err != nil {
		return err
	}
	agency := in.Agency
	if agency == "" {
		agency = "Child support agency"
	}
	bold := func(v string) excelize.Cell { return excelize.Cell{StyleID: st.bold, Value: v} }
	rows := [][]any{
		{excelize.Cell{StyleID: st.title, Value: "Income withholding statement"}},
		{"From", agency},
		{"Employer", in.Employer.Name},
		{"FEIN", string(in.Employer.FEIN)},
		{"Period", in.From.String() + " to " + in.To.String()},
		{"Prepared on", in.RunDate.String()},
	}
	// Contact holds one way to reach the agency a line (help line,
	// address); each gets a row, the first labelled.
	label := "Questions"
	for line := range strings.SplitSeq(in.Contact, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			rows = append(rows, []any{label, line})
			label = ""
		}
	}
	rows = append(rows,
		[]any{},
		[]any{bold("Orders with you"), len(in.Orders)},
		[]any{bold("Payments received"), sum.received.Count},
		[]any{bold("Amount received"), st.moneyCell(sum.received.Amount)},
		[]any{bold("Payments applied to orders"), sum.applied.Count},
		[]any{bold("Amount applied"), st.moneyCell(sum.applied.Amount)},
		[]any{bold("Payments we could not apply"), sum.held.Count},
		[]any{bold("Amount we could not apply"), st.moneyCell(sum.held.Amount)},
		[]any{bold("Payments with format notes"), sum.warned},
		[]any{bold("Items that need your action"), actions},
		[]any{},
		[]any{bold("What the other sheets show")},
		[]any{"Orders", "What each order asks you to withhold per pay, and what we applied to it."},
		[]any{"Payments", "Every payment received from you in the period, by case."},
		[]any{"Format notes (on Payments)", "Departures from the child support addenda (DED) format that we corrected automatically. On their own they do not stop a payment, but please have your payroll fix them in its ACH file."},
		[]any{"Action needed", "What is missing or wrong, and what to do about it."},
	)
	for i, r := range rows {
		lines, merge := 1, false
		for c, v := range r {
			text, ok := v.(string)
			if !ok {
				continue
			}
			w := widths[c]
			if c == 1 {
				w += widths[2]
				merge = true
			}
			lines = max(lines, wrapLines(text, w, false))
			r[c] = excelize.Cell{StyleID: st.wrap, Value: text}
		}
		if err := cover.row(i+1, lines, merge, r); err != nil {
			return err
		}
	}
	return cover.finish()
}

func writeStatementOrders(sh statementSheets, st styles, in StatementInput, sum *statementSums) error {
	cols := []column{
		{name: "Case", width: 17}, {name: "Remittance ID", width: 17}, {name: "Employee", width: 28, wrap: true},
		{name: "SSN", width: 13}, {name: "Status", width: 13, wrap: true}, {name: "Pay frequency", width: 13},
		{name: "Withhold per pay", width: 14}, {name: "Payments applied", width: 10}, {name: "Amount applied", width: 14},
	}
	s, err := sh.list(SheetOrders, "Orders", cols)
	if err != nil {
		return err
	}
	// Each name is made once, not at every comparison of the sort.
	type named struct {
		o    *withholding.Order
		name string
	}
	orders := make([]named, len(in.Orders))
	for i, o := range in.Orders {
		orders[i] = named{o, personName(o.Obligor)}
	}
	slices.SortFunc(orders, func(a, b named) int {
		return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(string(a.o.CaseID), string(b.o.CaseID)))
	})
	freq := in.Employer.PayFrequency
	for _, n := range orders {
		o := n.o
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
			n.name,
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
func writeStatementPayments(sh statementSheets, st styles, in StatementInput, byID map[int64]*withholding.Order) error {
	cols := []column{
		{name: "Remittance ID sent", width: 17}, {name: "Employee", width: 24, wrap: true}, {name: "Pay date", width: 11},
		{name: "Received", width: 11}, {name: "Amount", width: 12}, {name: "Trace", width: 17},
		{name: "Status", width: 30, wrap: true}, {name: "Remittance ID to use", width: 17},
		{name: "DED amount differs", width: 24, wrap: true}, {name: "Format notes", width: 40, wrap: true},
	}
	s, err := sh.list(SheetPayments, "Payments", cols)
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
			warningText(p.Warnings),
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
		if how := p.Posting.MatchedByText(); how != "" {
			// Found by a fallback: the employer should send the
			// remittance ID (see "Remittance ID to use").
			return "Applied to case " + string(p.Posting.CaseID) + " (" + how + ")"
		}
		return "Applied to case " + string(p.Posting.CaseID)
	case p.Posting.Status == withholding.PostingHeld:
		return "Held (" + TypeLabel(p.Posting.Reason) + "): see Action needed"
	}
	return "Zero-dollar remittance: nothing to apply"
}

func writeStatementActions(sh statementSheets, st styles, actions []*withholding.Exception) error {
	cols := []column{
		{name: "Found on", width: 11}, {name: "Issue", width: 20, wrap: true}, {name: "Case", width: 17},
		{name: "Employee SSN", width: 13}, {name: "Date", width: 11}, {name: "Amount", width: 12},
		{name: "Expected", width: 12}, {name: "What we found", width: 50, wrap: true}, {name: "What to do", width: 55, wrap: true},
	}
	// With nothing to do the sheet says so in a plain row, not a table.
	table := "Actions"
	if len(actions) == 0 {
		table = ""
	}
	s, err := sh.list(SheetActions, table, cols)
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
			e.Message,
			employerActions[e.Type],
		); err != nil {
			return err
		}
	}
	if len(actions) == 0 {
		if err := s.add("Nothing needs your action. Thank you."); err != nil {
			return err
		}
	}
	return s.finish()
}
