package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// orderCols are the columns an order is written to, in orderArgs order.
var orderCols = []string{
	"case_id", "order_id", "remittance_id", "employer_fein",
	"obligor_last", "obligor_first", "obligor_middle", "obligor_suffix", "obligor_ssn", "obligor_birth_date",
	"obligee_last", "obligee_first", "obligee_middle", "obligee_suffix", "obligee_ssn", "obligee_birth_date",
	"children", "issuing_state", "issuing_jurisdiction", "issuing_tribunal", "payee_fips",
	"current_support_cents", "current_support_freq", "past_due_support_cents", "past_due_support_freq",
	"current_medical_cents", "current_medical_freq", "past_due_medical_cents", "past_due_medical_freq",
	"current_spousal_cents", "current_spousal_freq", "past_due_spousal_cents", "past_due_spousal_freq",
	"other_cents", "other_freq", "other_reason", "medical_premium_cents", "medical_premium_freq",
	"per_pay_weekly_cents", "per_pay_biweekly_cents", "per_pay_semimonthly_cents", "per_pay_monthly_cents", "percent_of_disposable",
	"arrears_over_12_weeks", "lump_sum_cents", "start_date", "end_date",
	"status", "pending_action", "tracking_id", "reject_reason",
}

var orderSelect = "SELECT id, " + strings.Join(orderCols, ", ") + " FROM orders"

// briefOrderCols are the columns of an OrderFilter.Brief listing: the
// order's identifiers, the obligor's name and SSN, the payee FIPS, the
// amounts and stated per-pay lines, dates and status. Reading every column of every order, the
// children's JSON most of all, was half of reconciliation's time.
var briefOrderCols = []string{
	"case_id", "order_id", "remittance_id", "employer_fein",
	"obligor_last", "obligor_first", "obligor_ssn", "payee_fips",
	"current_support_cents", "current_support_freq", "past_due_support_cents", "past_due_support_freq",
	"current_medical_cents", "current_medical_freq", "past_due_medical_cents", "past_due_medical_freq",
	"current_spousal_cents", "current_spousal_freq", "past_due_spousal_cents", "past_due_spousal_freq",
	"other_cents", "other_freq", "medical_premium_cents", "medical_premium_freq",
	// The IWO's stated per-pay lines: Order.PerPay, reconciliation's
	// expected amount, prefers them to its conversion.
	"per_pay_weekly_cents", "per_pay_biweekly_cents", "per_pay_semimonthly_cents", "per_pay_monthly_cents",
	"start_date", "end_date", "status",
}

var (
	scanOrder      = orderScanner(orderCols)
	scanBriefOrder = orderScanner(briefOrderCols)
)

// listOrders returns the SELECT and the scanner of a listing.
func listOrders(filter withholding.OrderFilter) (string, func(interface{ Scan(...any) error }) (*withholding.Order, error)) {
	if filter.Brief {
		return briefOrderSelect, scanBriefOrder
	}
	return orderSelect, scanOrder
}

func (d *DB) orderArgs(o *withholding.Order) ([]any, error) {
	children := ""
	if len(o.Children) > 0 {
		b, err := json.Marshal(o.Children)
		if err != nil {
			return nil, fmt.Errorf("encode children: %w", err)
		}
		children = string(b)
	}
	a := &o.Amounts
	return []any{
		string(o.CaseID), string(o.OrderID), string(o.RemittanceID), string(o.EmployerFEIN),
		o.Obligor.Last, o.Obligor.First, o.Obligor.Middle, o.Obligor.Suffix, o.Obligor.SSN.Digits(), d.dateArg(o.Obligor.BirthDate),
		o.Obligee.Last, o.Obligee.First, o.Obligee.Middle, o.Obligee.Suffix, o.Obligee.SSN.Digits(), d.dateArg(o.Obligee.BirthDate),
		children, o.IssuingState, o.IssuingJurisdiction, o.IssuingTribunal, o.PayeeFIPS,
		int64(a.CurrentSupport.Amount), string(a.CurrentSupport.Frequency), int64(a.PastDueSupport.Amount), string(a.PastDueSupport.Frequency),
		int64(a.CurrentMedical.Amount), string(a.CurrentMedical.Frequency), int64(a.PastDueMedical.Amount), string(a.PastDueMedical.Frequency),
		int64(a.CurrentSpousal.Amount), string(a.CurrentSpousal.Frequency), int64(a.PastDueSpousal.Amount), string(a.PastDueSpousal.Frequency),
		int64(a.Other.Amount), string(a.Other.Frequency), a.OtherReason, int64(a.MedicalPremium.Amount), string(a.MedicalPremium.Frequency),
		int64(o.Stated.Weekly), int64(o.Stated.Biweekly), int64(o.Stated.Semimonthly), int64(o.Stated.Monthly), int64(o.Percent),
		o.ArrearsOver12Weeks, int64(o.LumpSum), d.dateArg(o.StartDate), d.dateArg(o.EndDate),
		string(o.Status), string(o.PendingAction), string(o.TrackingID), o.RejectReason,
	}, nil
}

// orderScanner returns a function that scans a row of id and cols (some
// of orderCols, in any order) into an order.
func orderScanner(cols []string) func(s interface{ Scan(...any) error }) (*withholding.Order, error) {
	at := orderColumns(cols)
	return func(s interface{ Scan(...any) error }) (*withholding.Order, error) {
		var o withholding.Order
		var children string
		if err := s.Scan(orderDestsAt(&o, &children, at)...); err != nil {
			return nil, err
		}
		if children != "" {
			if err := json.Unmarshal([]byte(children), &o.Children); err != nil {
				return nil, fmt.Errorf("decode children: %w", err)
			}
		}
		return &o, nil
	}
}

// orderColumns returns the place of each of cols in orderCols.
func orderColumns(cols []string) []int {
	at := make([]int, len(cols))
	for i, c := range cols {
		at[i] = slices.Index(orderCols, c)
		if at[i] < 0 {
			panic("store: no order column " + c)
		}
	}
	return at
}

// orderDestsAt returns where a row of the ID and the orderCols at places
// at is read into.
func orderDestsAt(o *withholding.Order, children *string, at []int) []any {
	all := orderDests(o, children)
	dest := make([]any, 1+len(at))
	dest[0] = &o.ID
	for i, j := range at {
		dest[1+i] = all[j]
	}
	return dest
}

// orderDests returns where each of orderCols is read into, in its order.
func orderDests(o *withholding.Order, children *string) []any {
	a := &o.Amounts
	return []any{
		&o.CaseID, &o.OrderID, &o.RemittanceID, &o.EmployerFEIN,
		&o.Obligor.Last, &o.Obligor.First, &o.Obligor.Middle, &o.Obligor.Suffix, &o.Obligor.SSN, dateDest{&o.Obligor.BirthDate},
		&o.Obligee.Last, &o.Obligee.First, &o.Obligee.Middle, &o.Obligee.Suffix, &o.Obligee.SSN, dateDest{&o.Obligee.BirthDate},
		children, &o.IssuingState, &o.IssuingJurisdiction, &o.IssuingTribunal, &o.PayeeFIPS,
		&a.CurrentSupport.Amount, &a.CurrentSupport.Frequency, &a.PastDueSupport.Amount, &a.PastDueSupport.Frequency,
		&a.CurrentMedical.Amount, &a.CurrentMedical.Frequency, &a.PastDueMedical.Amount, &a.PastDueMedical.Frequency,
		&a.CurrentSpousal.Amount, &a.CurrentSpousal.Frequency, &a.PastDueSpousal.Amount, &a.PastDueSpousal.Frequency,
		&a.Other.Amount, &a.Other.Frequency, &a.OtherReason, &a.MedicalPremium.Amount, &a.MedicalPremium.Frequency,
		&o.Stated.Weekly, &o.Stated.Biweekly, &o.Stated.Semimonthly, &o.Stated.Monthly, &o.Percent,
		&o.ArrearsOver12Weeks, &o.LumpSum, dateDest{&o.StartDate}, dateDest{&o.EndDate},
		&o.Status, &o.PendingAction, &o.TrackingID, &o.RejectReason,
	}
}

// FindOrderByID returns the order with id, ENOTFOUND if none.
func (d *DB) FindOrderByID(ctx context.Context, id int64) (*withholding.Order, error) {
	return orderByID(d.keptRow(ctx, orderSelect+" WHERE id = ?", id), id)
}

func (d *DB) findOrderByID(ctx context.Context, q queryer, id int64) (*withholding.Order, error) {
	return orderByID(d.queryRow(ctx, q, orderSelect+" WHERE id = ?", id), id)
}

// orderByID scans the order id from row.
func orderByID(row *sql.Row, id int64) (*withholding.Order, error) {
	o, err := scanOrder(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "no order %d", id)
	} else if err != nil {
		return nil, fmt.Errorf("find order: %w", err)
	}
	return o, nil
}

// FindOrders returns the orders matching filter, by ID (by name with
// ObligorLast), and the total number of matches.
func (d *DB) FindOrders(ctx context.Context, filter withholding.OrderFilter) ([]*withholding.Order, int, error) {
	w, order, err := d.orderWhere(filter)
	if err != nil {
		return nil, 0, err
	}
	n, err := d.count(ctx, "orders", &w)
	if err != nil {
		return nil, 0, err
	}
	sel, scan := listOrders(filter)
	out, err := queryAll(ctx, d, "find orders", scan, sel+w.String()+order+d.page(filter.Offset, filter.Limit), w.args...)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// DefaultOrderPage is how many orders EachOrderByEmployer reads per query.
const DefaultOrderPage = 1000

// EachOrderByEmployer streams the orders matching filter (Offset and Limit ignored)
// by employer FEIN, then ID, so that a reader can write one batch per
// employer as it goes. It reads a page of DB.OrderPage orders per query,
// each page starting after the last (FEIN, ID) read rather than at an
// offset: no query stays open while the caller works (send-iwos records
// files between two orders), a page costs the same wherever it starts,
// and an order the caller changes behind the cursor is neither read again
// nor skipped. Stopping the loop early stops the reads.
//
// The next page is read while the caller works through the last one, on
// a goroutine of its own: reading the orders was a quarter of send-iwos's
// time on the initial night, spent on one core while the other waited
// (docs/scaling.md). It starts after the last order of the page before,
// as when it was read after the caller was done with it; the caller
// changes only orders behind that.
func (d *DB) EachOrderByEmployer(ctx context.Context, filter withholding.OrderFilter) iter.Seq2[*withholding.Order, error] {
	size := d.OrderPage
	if size <= 0 {
		size = DefaultOrderPage
	}
	read := func(ctx context.Context, after *withholding.Order) ([]*withholding.Order, error) {
		w, _, err := d.orderWhere(filter)
		if err != nil {
			return nil, err
		}
		if after != nil {
			w.add("(employer_fein, id) > (?, ?)", string(after.EmployerFEIN), after.ID)
		}
		sel, scan := listOrders(filter)
		return queryAll(ctx, d, "find orders", scan, sel+w.String()+" ORDER BY employer_fein, id"+d.page(0, size), w.args...)
	}
	return func(yield func(*withholding.Order, error) bool) {
		type page struct {
			list []*withholding.Order
			err  error
		}
		ctx, cancel := context.WithCancel(ctx)
		pages := make(chan page, 1)
		go func() {
			defer close(pages)
			var after *withholding.Order
			for {
				list, err := read(ctx, after)
				pages <- page{list, err}
				if err != nil || len(list) < size || ctx.Err() != nil {
					return
				}
				after = list[len(list)-1]
			}
		}()
		// However the loop ends (done, stopped, a panic), the reader is
		// stopped, its last page taken and dropped, and waited for
		// before returning.
		defer func() {
			cancel()
			for range pages {
			}
		}()
		for p := range pages {
			if p.err != nil {
				yield(nil, p.err)
				return
			}
			for _, o := range p.list {
				if !yield(o, nil) {
					return
				}
			}
		}
	}
}

// EachOrder streams the orders matching filter, in FindOrders' order, in
// one query without counting them, and without holding them all:
// reconciliation goes through every order of a state each night and keeps
// a few fields of each.
func (d *DB) EachOrder(ctx context.Context, filter withholding.OrderFilter) iter.Seq2[*withholding.Order, error] {
	w, order, err := d.orderWhere(filter)
	if err != nil {
		return func(yield func(*withholding.Order, error) bool) { yield(nil, err) }
	}
	if filter.Brief {
		return d.eachBriefOrder(ctx, w.String()+order+d.page(filter.Offset, filter.Limit), w.args...)
	}
	sel, scan := listOrders(filter)
	return queryEach(ctx, d, "find orders", scan, sel+w.String()+order+d.page(filter.Offset, filter.Limit), w.args...)
}

// orderWhere returns the conditions and the ORDER BY clause of a listing;
// EINVALID for a malformed SSNLast4.
func (d *DB) orderWhere(filter withholding.OrderFilter) (where, string, error) {
	var w where
	if filter.ID != nil {
		w.add("id = ?", *filter.ID)
	}
	whereIn(&w, "id", filter.IDs, func(id int64) any { return id })
	if filter.IDAfter != 0 {
		w.add("id > ?", filter.IDAfter)
	}
	if filter.IDThrough != 0 {
		w.add("id <= ?", filter.IDThrough)
	}
	if filter.CaseID != nil {
		w.add("case_id = ?", string(*filter.CaseID))
	}
	if filter.EmployerFEIN != nil {
		w.add("employer_fein = ?", string(*filter.EmployerFEIN))
	}
	whereIn(&w, "employer_fein", filter.EmployerFEINs, func(f withholding.FEIN) any { return string(f) })
	if filter.SSN != nil {
		w.add("obligor_ssn = ?", filter.SSN.Digits())
	}
	if filter.Status != nil {
		w.add("status = ?", string(*filter.Status))
	}
	if filter.PendingAction != nil && *filter.PendingAction != "" {
		w.add("pending_action = ?", string(*filter.PendingAction))
	}
	if filter.NeedsIWO {
		// Written as the partial index orders_pending_employer says it,
		// so the planners use it.
		w.add("pending_action <> ''")
	}
	if filter.OrderID != nil {
		w.add("order_id = ?", string(*filter.OrderID))
	}
	if p := strings.ToLower(strings.TrimSpace(filter.ObligorLast)); p != "" {
		d.prefixCond(&w, "lower(obligor_last)", p)
	}
	if p := strings.ToLower(strings.TrimSpace(filter.ObligorFirst)); p != "" {
		d.prefixCond(&w, "lower(obligor_first)", p)
	}
	if l4 := filter.SSNLast4; l4 != "" {
		if len(l4) != 4 || strings.Trim(l4, "0123456789") != "" {
			return w, "", withholding.Errorf(withholding.EINVALID, "SSN last four: want four digits")
		}
		w.add("substr(obligor_ssn, 6, 4) = ?", l4)
	}
	order := " ORDER BY id"
	if filter.ByEmployer {
		// In byte order, as Go compares FEINs. On SQLite the + keeps the
		// planner from walking the employer index, which reads the table
		// in no order at all: twice the time of a scan and a sort of
		// every order (docs/scaling.md).
		order = " ORDER BY " + d.collateC("employer_fein") + ", id"
		if d.dialect == dialectSQLite {
			order = " ORDER BY +employer_fein, id"
		}
	}
	if strings.TrimSpace(filter.ObligorLast) != "" {
		// By name, in the index's order: by ID the planner walks the whole
		// table to find the first 50 of a common name (1.3 s with a
		// million orders, BenchmarkSearch).
		order = " ORDER BY " + d.collateC("lower(obligor_last)") + ", " + d.collateC("lower(obligor_first)") + ", id"
	}
	return w, order, nil
}

func validateOrder(o *withholding.Order) error {
	switch {
	case strings.TrimSpace(string(o.CaseID)) == "":
		return withholding.Errorf(withholding.EINVALID, "order has no case ID")
	case !o.EmployerFEIN.Valid():
		return withholding.Errorf(withholding.EINVALID, "order %s: employer FEIN %q: want 9 digits", o.CaseID, o.EmployerFEIN)
	case o.Obligor.SSN != "" && !o.Obligor.SSN.Valid():
		return withholding.Errorf(withholding.EINVALID, "order %s: obligor SSN is not 9 digits", o.CaseID)
	}
	return nil
}

// CreateOrder saves a new order and sets o.ID. An empty Status becomes
// pending. Returns EINVALID for a missing case ID or a bad FEIN or SSN, and
// ECONFLICT when an order with the same CaseID and OrderID exists.
func (d *DB) CreateOrder(ctx context.Context, o *withholding.Order) error {
	return d.createOrder(ctx, d.db, o)
}

func (d *DB) createOrder(ctx context.Context, q queryer, o *withholding.Order) error {
	if err := validateOrder(o); err != nil {
		return err
	}
	if o.Status == "" {
		o.Status = withholding.StatusPending
	}
	args, err := d.orderArgs(o)
	if err != nil {
		return err
	}
	now := d.timeArg(d.now())
	args = append(args, now, now)
	query := "INSERT INTO orders (" + strings.Join(orderCols, ", ") + ", created_at, updated_at) VALUES (" +
		placeholders(len(orderCols)+2) + ") RETURNING id"
	if err := d.queryRow(ctx, q, query, args...).Scan(&o.ID); err != nil {
		if isUniqueViolation(err) {
			return withholding.Errorf(withholding.ECONFLICT, "order %s/%s already exists", o.CaseID, o.OrderID)
		}
		return fmt.Errorf("create order: %w", err)
	}
	return nil
}

// replaceOrder overwrites every column of the order o.ID.
func (d *DB) replaceOrder(ctx context.Context, q queryer, o *withholding.Order) error {
	if err := validateOrder(o); err != nil {
		return err
	}
	args, err := d.orderArgs(o)
	if err != nil {
		return err
	}
	args = append(args, d.timeArg(d.now()), o.ID)
	query := "UPDATE orders SET " + strings.Join(orderCols, " = ?, ") + " = ?, updated_at = ? WHERE id = ?"
	res, err := d.exec(ctx, q, query, args...)
	if err != nil {
		return fmt.Errorf("update order: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return withholding.Errorf(withholding.ENOTFOUND, "no order %d", o.ID)
	}
	return nil
}

// UpdateOrder applies upd to the order id and returns the result. ENOTFOUND
// if there is no such order.
func (d *DB) UpdateOrder(ctx context.Context, id int64, upd withholding.OrderUpdate) (*withholding.Order, error) {
	var o *withholding.Order
	err := d.inTx(ctx, func(tx *txn) error {
		if err := d.updateOrder(ctx, tx, id, upd); err != nil {
			return err
		}
		var err error
		o, err = d.findOrderByID(ctx, tx, id)
		return err
	})
	return o, err
}

func (d *DB) updateOrder(ctx context.Context, q queryer, id int64, upd withholding.OrderUpdate) error {
	sets := []string{"updated_at = ?"}
	args := []any{d.timeArg(d.now())}
	if upd.Status != nil {
		sets = append(sets, "status = ?")
		args = append(args, string(*upd.Status))
	}
	if upd.PendingAction != nil {
		sets = append(sets, "pending_action = ?")
		args = append(args, string(*upd.PendingAction))
	}
	if upd.TrackingID != nil {
		sets = append(sets, "tracking_id = ?")
		args = append(args, string(*upd.TrackingID))
	}
	if upd.RejectReason != nil {
		sets = append(sets, "reject_reason = ?")
		args = append(args, *upd.RejectReason)
	}
	res, err := d.exec(ctx, q, "UPDATE orders SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...)
	if err != nil {
		return fmt.Errorf("update order %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return withholding.Errorf(withholding.ENOTFOUND, "no order %d", id)
	}
	return nil
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// rowPlaceholders returns "(?, ?), (?, ?)…": rows rows of n marks, for a
// multi-row VALUES.
func rowPlaceholders(n, rows int) string {
	if rows <= 0 {
		return ""
	}
	row := "(" + placeholders(n) + ")"
	return strings.Repeat(row+", ", rows-1) + row
}
