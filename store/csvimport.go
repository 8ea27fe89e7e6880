package store

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// ImportError is one problem in an import file: a cell, or a whole row
// when Column is "(row)" or "(header)".
type ImportError struct {
	File   string
	Line   int
	Column string
	Reason string
}

// Error returns "FILE:LINE: column: reason".
func (e *ImportError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Column, e.Reason)
}

// ImportErrors lists every problem of a rejected import file, by line.
// Nothing of the file was imported. Its error kind is EINVALID.
type ImportErrors struct {
	File string
	Errs []*ImportError
}

// Error returns one "FILE:LINE: column: reason" line per problem.
func (e *ImportErrors) Error() string {
	lines := make([]string, len(e.Errs))
	for i, x := range e.Errs {
		lines[i] = x.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the row errors and an EINVALID summary, so that
// withholding.ErrorCode reports EINVALID.
func (e *ImportErrors) Unwrap() []error {
	out := []error{withholding.Errorf(withholding.EINVALID, "%s: %d problem(s); nothing was imported", e.File, len(e.Errs))}
	for _, x := range e.Errs {
		out = append(out, x)
	}
	return out
}

// ImportResult counts what an import did (or, in a dry run, would do).
// Employers are Created, Updated or Unchanged; orders are Created,
// Amended, Terminated or Unchanged.
type ImportResult struct {
	Created    int
	Updated    int
	Amended    int
	Terminated int
	Unchanged  int
}

// csvTable reads a CSV file with a header row and hands out rows whose cells
// are looked up by column name.
type csvTable struct {
	file  string
	r     *csv.Reader
	cols  map[string]int
	errs  []*ImportError
	line  int
	cells []string
}

// column describes one column of an import format.
type column struct {
	name     string
	required bool // the column must be in the header and every cell non-empty
}

func newCSVTable(file string, r io.Reader, columns []column) *csvTable {
	t := &csvTable{file: file, r: csv.NewReader(r), cols: map[string]int{}}
	t.r.FieldsPerRecord = -1
	t.r.TrimLeadingSpace = true
	header, err := t.r.Read()
	if errors.Is(err, io.EOF) {
		t.fail(1, "(header)", "file is empty; the first line must name the columns")
		return t
	} else if err != nil {
		t.fail(1, "(header)", csvReason(err))
		return t
	}
	known := map[string]bool{}
	for _, c := range columns {
		known[c.name] = true
	}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch {
		case h == "":
			t.fail(1, fmt.Sprintf("column %d", i+1), "header is empty")
		case !known[h]:
			t.fail(1, h, "unknown column")
		case t.has(h):
			t.fail(1, h, "column appears twice")
		default:
			t.cols[h] = i
		}
	}
	for _, c := range columns {
		if c.required && !t.has(c.name) {
			t.fail(1, c.name, "required column missing")
		}
	}
	return t
}

func (t *csvTable) has(col string) bool { _, ok := t.cols[col]; return ok }

func (t *csvTable) fail(line int, col, reason string) {
	t.errs = append(t.errs, &ImportError{File: t.file, Line: line, Column: col, Reason: reason})
}

// failf records a problem in column col of the current row.
func (t *csvTable) failf(col, format string, args ...any) {
	t.fail(t.line, col, fmt.Sprintf(format, args...))
}

func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// next reads the next row; false at the end or after a header problem.
func (t *csvTable) next() bool {
	if len(t.errs) > 0 && t.line == 0 {
		return false // header problems: the rows cannot be read reliably
	}
	for {
		rec, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		line, _ := t.r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				t.fail(pe.StartLine, "(row)", csvReason(err))
				continue
			}
			t.fail(line, "(row)", err.Error())
			return false
		}
		t.line = line
		if len(rec) != len(t.cols) {
			t.failf("(row)", "has %d fields, the header has %d", len(rec), len(t.cols))
			continue
		}
		t.cells = rec
		return true
	}
}

// get returns the trimmed cell of col ("" when the column is absent).
func (t *csvTable) get(col string) string {
	i, ok := t.cols[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(t.cells[i])
}

// required returns the cell of col, recording a problem when it is empty.
func (t *csvTable) required(col string) string {
	v := t.get(col)
	if v == "" {
		t.failf(col, "required")
	}
	return v
}

func (t *csvTable) date(col string, req bool) withholding.Date {
	v := t.get(col)
	if v == "" {
		if req {
			t.failf(col, "required")
		}
		return withholding.Date{}
	}
	d, err := withholding.ParseDate("2006-01-02", v)
	if err != nil {
		t.failf(col, "%q is not a date; want YYYY-MM-DD", v)
	}
	return d
}

func (t *csvTable) digits(col string, n int, req bool) string {
	v := t.get(col)
	if v == "" {
		if req {
			t.failf(col, "required")
		}
		return ""
	}
	if len(v) != n || strings.Trim(v, "0123456789") != "" {
		t.failf(col, "%q: want %d digits", v, n)
	}
	return v
}

func (t *csvTable) text(col string, max int, req bool) string {
	v := t.get(col)
	if v == "" && req {
		t.failf(col, "required")
	}
	if len(v) > max {
		t.failf(col, "longer than %d characters", max)
	}
	return v
}

func (t *csvTable) boolean(col string) bool {
	switch strings.ToLower(t.get(col)) {
	case "", "n", "no", "false", "0":
		return false
	case "y", "yes", "true", "1":
		return true
	}
	t.failf(col, "%q: want Y or N", t.get(col))
	return false
}

func (t *csvTable) frequency(col string) withholding.Frequency {
	v := t.get(col)
	if v == "" {
		return ""
	}
	f, err := withholding.ParseFrequency(v)
	if err != nil {
		t.failf(col, "%s", withholding.ErrorMessage(err))
	}
	return f
}

func (t *csvTable) money(col string) withholding.Cents {
	v := t.get(col)
	if v == "" {
		return 0
	}
	c, err := withholding.ParseDollars(v)
	if err != nil {
		t.failf(col, "%s", withholding.ErrorMessage(err))
	} else if c < 0 {
		t.failf(col, "%q is negative", v)
	}
	return c
}

// result sorts and returns the problems found, or nil.
func (t *csvTable) result() error {
	if len(t.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(t.errs, func(a, b *ImportError) int { return a.Line - b.Line })
	return &ImportErrors{File: t.file, Errs: t.errs}
}

// employerColumns are the columns of an employers import file.
var employerColumns = []column{
	{"fein", true}, {"name", true}, {"address_line1", true}, {"address_line2", false},
	{"city", true}, {"state", true}, {"zip", true}, {"zip4", false},
	{"contact_name", false}, {"contact_phone", false}, {"contact_fax", false}, {"contact_email", false},
	{"eiwo", false}, {"partner", false}, {"pay_frequency", false}, {"pay_anchor", false},
}

type employerRow struct {
	line int
	e    *withholding.Employer
}

func phone(t *csvTable, col string) string {
	v := t.get(col)
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, v)
	if v != "" && len(d) != 10 {
		t.failf(col, "%q: want a 10-digit phone number", v)
	}
	return d
}

func parseEmployers(file string, r io.Reader) ([]employerRow, *csvTable) {
	t := newCSVTable(file, r, employerColumns)
	var rows []employerRow
	seen := map[withholding.FEIN]int{}
	for t.next() {
		e := &withholding.Employer{
			FEIN: withholding.FEIN(t.digits("fein", 9, true)),
			Name: t.text("name", 57, true),
			Address: withholding.Address{
				Line1: t.text("address_line1", 25, true),
				Line2: t.text("address_line2", 25, false),
				City:  t.text("city", 22, true),
				State: strings.ToUpper(t.text("state", 2, true)),
				ZIP:   t.digits("zip", 5, true),
				ZIP4:  t.digits("zip4", 4, false),
			},
			Contact: withholding.Contact{
				Name:  t.text("contact_name", 57, false),
				Phone: phone(t, "contact_phone"),
				Fax:   phone(t, "contact_fax"),
				Email: t.text("contact_email", 48, false),
			},
			EIWO:         t.boolean("eiwo"),
			Partner:      t.text("partner", 64, false),
			PayFrequency: t.frequency("pay_frequency"),
			PayAnchor:    t.date("pay_anchor", false),
		}
		if s := e.Address.State; s != "" && (len(s) != 2 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
			t.failf("state", "%q: want a two-letter postal code", s)
		}
		if m := e.Contact.Email; m != "" && !strings.Contains(m, "@") {
			t.failf("contact_email", "%q is not an email address", m)
		}
		if (e.PayFrequency == "") != e.PayAnchor.IsZero() {
			t.failf("pay_anchor", "pay_frequency and pay_anchor go together: give both or neither")
		}
		if prev, dup := seen[e.FEIN]; dup && e.FEIN != "" {
			t.failf("fein", "employer %s already on line %d", e.FEIN, prev)
		}
		seen[e.FEIN] = t.line
		rows = append(rows, employerRow{t.line, e})
	}
	return rows, t
}

// errDryRun rolls back a dry-run import.
var errDryRun = errors.New("dry run")

// ImportEmployers reads an employers CSV file (file names it in messages),
// validates every row, and creates or replaces each employer, in one
// transaction. A file with any bad row is rejected whole with an
// *ImportErrors listing each problem. With dryRun nothing is written but the
// result says what would change.
func (d *DB) ImportEmployers(ctx context.Context, file string, r io.Reader, dryRun bool) (ImportResult, error) {
	var res ImportResult
	rows, t := parseEmployers(file, r)
	if err := t.result(); err != nil {
		return res, err
	}
	err := d.inTx(ctx, func(tx *txn) error {
		for _, row := range rows {
			old, err := d.findEmployer(ctx, tx, row.e.FEIN)
			switch {
			case withholding.ErrorCode(err) == withholding.ENOTFOUND:
				res.Created++
			case err != nil:
				return err
			case reflect.DeepEqual(old, row.e):
				res.Unchanged++
				continue
			default:
				res.Updated++
			}
			if err := d.upsertEmployer(ctx, tx, row.e); err != nil {
				return fmt.Errorf("%s:%d: %w", file, row.line, err)
			}
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ImportResult{}, err
	}
	return res, nil
}

// amountColumns names each obligation of an order in the orders file; the
// frequency column is the name plus "_freq".
var amountColumns = []struct {
	name string
	get  func(*withholding.Amounts) *withholding.Obligation
}{
	{"current_support", func(a *withholding.Amounts) *withholding.Obligation { return &a.CurrentSupport }},
	{"past_due_support", func(a *withholding.Amounts) *withholding.Obligation { return &a.PastDueSupport }},
	{"current_medical", func(a *withholding.Amounts) *withholding.Obligation { return &a.CurrentMedical }},
	{"past_due_medical", func(a *withholding.Amounts) *withholding.Obligation { return &a.PastDueMedical }},
	{"current_spousal", func(a *withholding.Amounts) *withholding.Obligation { return &a.CurrentSpousal }},
	{"past_due_spousal", func(a *withholding.Amounts) *withholding.Obligation { return &a.PastDueSpousal }},
	{"other", func(a *withholding.Amounts) *withholding.Obligation { return &a.Other }},
	{"medical_premium", func(a *withholding.Amounts) *withholding.Obligation { return &a.MedicalPremium }},
}

// orderColumns are the columns of an orders import file.
var orderColumns = func() []column {
	cols := []column{
		{"case_id", true}, {"order_id", true}, {"remittance_id", false}, {"employer_fein", true},
		{"obligor_last", true}, {"obligor_first", true}, {"obligor_middle", false}, {"obligor_suffix", false},
		{"obligor_ssn", true}, {"obligor_birth_date", false},
		{"obligee_last", false}, {"obligee_first", false}, {"children", false},
		{"issuing_state", true}, {"issuing_jurisdiction", false}, {"issuing_tribunal", false}, {"payee_fips", true},
	}
	for _, a := range amountColumns {
		cols = append(cols, column{a.name, false}, column{a.name + "_freq", false})
	}
	return append(cols, column{"other_reason", false}, column{"arrears_over_12_weeks", false},
		column{"lump_sum", false}, column{"start_date", true}, column{"end_date", false})
}()

type orderRow struct {
	line int
	o    *withholding.Order
}

// idText checks an e-IWO identifier: at most max characters, no leading
// space, no backslash or asterisk (the e-IWO reserves them).
func idText(t *csvTable, col string, max int, req bool) string {
	v := t.text(col, max, req)
	if strings.ContainsAny(v, `\*`) {
		t.failf(col, "%q: must not contain \\ or *", v)
	}
	return v
}

// children reads "Last|First|YYYY-MM-DD; Last|First|YYYY-MM-DD" (the birth
// date may be left out).
func children(t *csvTable, col string) []withholding.Person {
	v := t.get(col)
	if v == "" {
		return nil
	}
	var out []withholding.Person
	for i, c := range strings.Split(v, ";") {
		parts := strings.Split(c, "|")
		for j := range parts {
			parts[j] = strings.TrimSpace(parts[j])
		}
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			t.failf(col, "child %d %q: want Last|First|YYYY-MM-DD", i+1, strings.TrimSpace(c))
			continue
		}
		p := withholding.Person{Last: parts[0], First: parts[1]}
		if len(parts) == 3 && parts[2] != "" {
			d, err := withholding.ParseDate("2006-01-02", parts[2])
			if err != nil {
				t.failf(col, "child %d birth date %q: want YYYY-MM-DD", i+1, parts[2])
			}
			p.BirthDate = d
		}
		out = append(out, p)
	}
	return out
}

func parseOrders(file string, r io.Reader) ([]orderRow, *csvTable) {
	t := newCSVTable(file, r, orderColumns)
	var rows []orderRow
	type key struct {
		c withholding.CaseID
		o withholding.OrderID
	}
	seen := map[key]int{}
	for t.next() {
		o := &withholding.Order{
			CaseID:       withholding.CaseID(idText(t, "case_id", 15, true)),
			OrderID:      withholding.OrderID(idText(t, "order_id", 30, true)),
			RemittanceID: withholding.RemittanceID(idText(t, "remittance_id", 20, false)),
			EmployerFEIN: withholding.FEIN(t.digits("employer_fein", 9, true)),
			Obligor: withholding.Person{
				Last:      t.text("obligor_last", 35, true),
				First:     t.text("obligor_first", 25, true),
				Middle:    t.text("obligor_middle", 25, false),
				Suffix:    t.text("obligor_suffix", 4, false),
				BirthDate: t.date("obligor_birth_date", false),
			},
			Obligee: withholding.Person{
				Last:  t.text("obligee_last", 57, false),
				First: t.text("obligee_first", 25, false),
			},
			Children:            children(t, "children"),
			IssuingState:        strings.ToUpper(t.text("issuing_state", 35, true)),
			IssuingJurisdiction: t.text("issuing_jurisdiction", 35, false),
			IssuingTribunal:     t.text("issuing_tribunal", 35, false),
			PayeeFIPS:           t.digits("payee_fips", 7, true),
			ArrearsOver12Weeks:  t.boolean("arrears_over_12_weeks"),
			LumpSum:             t.money("lump_sum"),
			StartDate:           t.date("start_date", true),
			EndDate:             t.date("end_date", false),
			Status:              withholding.StatusPending,
		}
		if v := t.required("obligor_ssn"); v != "" {
			ssn, err := withholding.NewSSN(v)
			if err != nil {
				t.failf("obligor_ssn", "not 9 digits") // never echo the value
			}
			o.Obligor.SSN = ssn
		}
		if o.RemittanceID == "" {
			o.RemittanceID = withholding.RemittanceID(o.CaseID)
		}
		if strings.HasPrefix(string(o.CaseID), " ") {
			t.failf("case_id", "must not start with a space")
		}
		ordered := o.LumpSum > 0
		for _, a := range amountColumns {
			ob := a.get(&o.Amounts)
			ob.Amount = t.money(a.name)
			ob.Frequency = t.frequency(a.name + "_freq")
			switch {
			case ob.Amount > 0 && ob.Frequency == "":
				t.failf(a.name+"_freq", "required when %s is given", a.name)
			case ob.Amount == 0 && ob.Frequency != "":
				t.failf(a.name, "required when %s_freq is given", a.name)
			}
			ordered = ordered || ob.Amount > 0
		}
		o.Amounts.OtherReason = t.text("other_reason", 35, false)
		if o.Amounts.Other.Amount > 0 && o.Amounts.OtherReason == "" {
			t.failf("other_reason", "required when other is given")
		}
		if !ordered {
			t.failf("current_support", "the row orders no amount; give at least one amount or lump_sum")
		}
		if !o.EndDate.IsZero() && o.EndDate.Before(o.StartDate) {
			t.failf("end_date", "%s is before start_date %s", o.EndDate, o.StartDate)
		}
		k := key{o.CaseID, o.OrderID}
		if prev, dup := seen[k]; dup && o.CaseID != "" {
			t.failf("order_id", "order %s/%s already on line %d", o.CaseID, o.OrderID, prev)
		}
		seen[k] = t.line
		rows = append(rows, orderRow{t.line, o})
	}
	return rows, t
}

// ImportOrders reads an orders CSV file (file names it in messages),
// validates every row (including that its employer exists and that a
// re-imported order keeps its employer), and applies the file in one
// transaction:
//
//   - a new order is created pending, needing an ORG IWO;
//   - an order whose end date is newly set needs a TRM (or, if no IWO was
//     ever sent for it, is simply terminated);
//   - an order whose other terms changed needs an AMD (or keeps its pending
//     ORG if none was sent yet);
//   - an identical order is left alone.
//
// A file with any bad row is rejected whole with an *ImportErrors listing
// each problem. With dryRun nothing is written but the result says what
// would change.
func (d *DB) ImportOrders(ctx context.Context, file string, r io.Reader, dryRun bool) (ImportResult, error) {
	var res ImportResult
	rows, t := parseOrders(file, r)
	if err := t.result(); err != nil {
		return res, err
	}
	err := d.inTx(ctx, func(tx *txn) error {
		// Validate against the database first, then write.
		type change struct {
			row orderRow
			old *withholding.Order
		}
		var changes []change
		employers := map[withholding.FEIN]bool{}
		for _, row := range rows {
			t.line = row.line
			o := row.o
			known, checked := employers[o.EmployerFEIN]
			if !checked {
				_, err := d.findEmployer(ctx, tx, o.EmployerFEIN)
				if err != nil && withholding.ErrorCode(err) != withholding.ENOTFOUND {
					return err
				}
				known = err == nil
				employers[o.EmployerFEIN] = known
			}
			if !known {
				t.failf("employer_fein", "no employer %s; import employers first", o.EmployerFEIN)
			}
			old, err := d.findOrderByKey(ctx, tx, o.CaseID, o.OrderID)
			if err != nil {
				return err
			}
			if old != nil {
				switch {
				case old.EmployerFEIN != o.EmployerFEIN:
					t.failf("employer_fein", "order %s/%s is with employer %s; a new employer needs a new order ID", o.CaseID, o.OrderID, old.EmployerFEIN)
				case !old.EndDate.IsZero() && o.EndDate.IsZero():
					t.failf("end_date", "order %s/%s ended on %s; the end date cannot be removed", o.CaseID, o.OrderID, old.EndDate)
				case old.Status == withholding.StatusTerminated && !sameTerms(old, o):
					t.failf("case_id", "order %s/%s is terminated; changes need a new order ID", o.CaseID, o.OrderID)
				}
			}
			changes = append(changes, change{row, old})
		}
		if err := t.result(); err != nil {
			return err
		}
		for _, c := range changes {
			o, old := c.row.o, c.old
			var err error
			switch {
			case old == nil:
				o.Status, o.PendingAction = withholding.StatusPending, withholding.ActionOriginal
				err = d.createOrder(ctx, tx, o)
				res.Created++
			case sameTerms(old, o):
				res.Unchanged++
				continue
			case !o.EndDate.IsZero() && o.EndDate != old.EndDate:
				keepState(o, old)
				if neverSent(old) {
					o.Status, o.PendingAction = withholding.StatusTerminated, ""
				} else {
					o.PendingAction = withholding.ActionTerminate
				}
				err = d.replaceOrder(ctx, tx, o)
				res.Terminated++
			default:
				keepState(o, old)
				if !neverSent(old) {
					o.PendingAction = withholding.ActionAmend
				}
				err = d.replaceOrder(ctx, tx, o)
				res.Amended++
			}
			if err != nil {
				return fmt.Errorf("%s:%d: %w", file, c.row.line, err)
			}
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ImportResult{}, err
	}
	return res, nil
}

// keepState copies what the exchange, not the agency's file, owns.
func keepState(o, old *withholding.Order) {
	o.ID, o.Status, o.PendingAction = old.ID, old.Status, old.PendingAction
	o.TrackingID, o.RejectReason = old.TrackingID, old.RejectReason
}

// neverSent reports whether no IWO has gone out for the order yet.
func neverSent(o *withholding.Order) bool {
	return o.Status == withholding.StatusPending && o.TrackingID == ""
}

// sameTerms reports whether the file's order o says the same as the stored
// order old.
func sameTerms(old, o *withholding.Order) bool {
	n := *o
	keepState(&n, old)
	if len(n.Children) == 0 {
		n.Children = nil
	}
	c := *old
	if len(c.Children) == 0 {
		c.Children = nil
	}
	return reflect.DeepEqual(&c, &n)
}
