package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/internal/csvtab"
	"github.com/iwoproject/iwo/withholding"
)

// ImportError is one problem in an import file: a cell, or a whole row
// when Column is "(row)", or the header when it is "(header)".
type ImportError = csvtab.Error

// ImportErrors lists every problem of a rejected import file, by line.
// Nothing of the file was imported. Its error kind is EINVALID.
type ImportErrors = csvtab.Errors

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

// employerFormat is the layout of an employers import file.
var employerFormat = csvtab.Format{
	Columns: []string{
		"fein", "name", "address_line1", "address_line2", "city", "state", "zip", "zip4",
		"contact_name", "contact_phone", "contact_fax", "contact_email",
		"eiwo", "partner", "pay_frequency", "pay_anchor",
	},
	Required: []string{"fein", "name", "address_line1", "city", "state", "zip"},
}

type employerRow struct {
	line int
	e    *withholding.Employer
}

func parseEmployers(file string, r io.Reader) ([]employerRow, *csvtab.Table) {
	t := csvtab.New(file, r, employerFormat)
	var rows []employerRow
	seen := map[withholding.FEIN]int{}
	for t.Next() {
		e := &withholding.Employer{
			FEIN: t.FEIN("fein", true),
			Name: eiwoText(t, "name", 57, true, "Employer Name"),
			Address: withholding.Address{
				Line1: eiwoText(t, "address_line1", 25, true, "Employer Address Line 1"),
				Line2: eiwoText(t, "address_line2", 25, false, "Employer Address Line 2"),
				City:  eiwoText(t, "city", 22, true, "Employer Address City"),
				State: strings.ToUpper(t.Text("state", 2, true)),
				ZIP:   t.Digits("zip", 5, true),
				ZIP4:  t.Digits("zip4", 4, false),
			},
			Contact: withholding.Contact{
				Name:  eiwoText(t, "contact_name", 57, false, "Employer Contact Name"),
				Phone: t.Phone("contact_phone", false),
				Fax:   t.Phone("contact_fax", false),
				Email: t.Text("contact_email", 48, false),
			},
			EIWO:         t.Flag("eiwo"),
			Partner:      t.Text("partner", 64, false),
			PayFrequency: t.Frequency("pay_frequency", false),
			PayAnchor:    t.Date("pay_anchor", false),
		}
		if s := e.Address.State; s != "" && (len(s) != 2 || strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
			t.Failf("state", "%q: want a two-letter postal code", s)
		}
		if m := e.Contact.Email; m != "" && !strings.Contains(m, "@") {
			t.Failf("contact_email", "%q is not an email address", m)
		}
		if (e.PayFrequency == "") != e.PayAnchor.IsZero() {
			t.Failf("pay_anchor", "pay_frequency and pay_anchor go together: give both or neither")
		}
		if prev, dup := seen[e.FEIN]; dup && e.FEIN != "" {
			t.Failf("fein", "employer %s already on line %d", e.FEIN, prev)
		}
		seen[e.FEIN] = t.Line()
		rows = append(rows, employerRow{t.Line(), e})
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
	if err := t.Err(); err != nil {
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
			case *old == *row.e:
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

// orderFormat is the layout of an orders import file.
var orderFormat = func() csvtab.Format {
	cols := []string{
		"case_id", "order_id", "remittance_id", "employer_fein",
		"obligor_last", "obligor_first", "obligor_middle", "obligor_suffix", "obligor_ssn", "obligor_birth_date",
		"obligee_last", "obligee_first", "children",
		"issuing_state", "issuing_jurisdiction", "issuing_tribunal", "payee_fips",
	}
	for _, a := range amountColumns {
		cols = append(cols, a.name, a.name+"_freq")
	}
	return csvtab.Format{
		Columns: append(cols, "other_reason", "arrears_over_12_weeks", "lump_sum", "start_date", "end_date",
			"per_pay_weekly", "per_pay_biweekly", "per_pay_semimonthly", "per_pay_monthly"),
		Required: []string{"case_id", "order_id", "employer_fein", "obligor_last", "obligor_first", "obligor_ssn",
			"issuing_state", "payee_fips", "start_date"},
	}
}()

// idText checks an e-IWO identifier: at most max characters, no leading
// space, no backslash or asterisk (the e-IWO reserves them).
func idText(t *csvtab.Table, col string, max int, req bool, element string) string {
	v := eiwoText(t, col, max, req, element)
	if strings.ContainsAny(v, `\*`) {
		t.Failf(col, "%q: must not contain \\ or *", v)
	}
	return v
}

// eiwoText reads a text cell that an e-IWO carries as element: what the
// e-IWO Writer would refuse (edi.CheckText) is refused here, once, rather
// than at every send-iwos run.
func eiwoText(t *csvtab.Table, col string, max int, req bool, element string) string {
	v := t.Text(col, max, req)
	if why := edi.CheckText(element, v); why != "" {
		t.Failf(col, "%q: %s", v, why)
	}
	return v
}

// children reads "Last|First|YYYY-MM-DD; Last|First|YYYY-MM-DD" (the birth
// date may be left out).
func children(t *csvtab.Table, col string) []withholding.Person {
	v := t.Get(col)
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
			t.Failf(col, "child %d %q: want Last|First|YYYY-MM-DD", i+1, strings.TrimSpace(c))
			continue
		}
		if why := edi.CheckText("Child 1 Last Name", parts[0]+parts[1]); why != "" {
			t.Failf(col, "child %d %q: %s", i+1, strings.TrimSpace(c), why)
		}
		p := withholding.Person{Last: parts[0], First: parts[1]}
		if len(parts) == 3 && parts[2] != "" {
			d, err := withholding.ParseDate(csvtab.ISODate, parts[2])
			if err != nil {
				t.Failf(col, "child %d birth date %q: want YYYY-MM-DD", i+1, parts[2])
			}
			p.BirthDate = d
		}
		out = append(out, p)
	}
	return out
}

// orderReader reads an orders file one row at a time and remembers only
// what checking later rows needs: the line of each case_id/order_id (for
// duplicates), never the rows themselves.
type orderReader struct {
	t    *csvtab.Table
	seen map[string]int32 // orderKey → line
}

func newOrderReader(file string, r io.Reader) *orderReader {
	return &orderReader{t: csvtab.New(file, r, orderFormat), seen: map[string]int32{}}
}

// next returns the next row's order, checked on its own and against the
// rows before it, or nil at the end of the file.
func (rd *orderReader) next() *withholding.Order {
	t := rd.t
	if !t.Next() {
		return nil
	}
	o := &withholding.Order{
		CaseID:       withholding.CaseID(idText(t, "case_id", 15, true, "Case Identifier")),
		OrderID:      withholding.OrderID(idText(t, "order_id", 30, true, "Order Identifier")),
		RemittanceID: withholding.RemittanceID(idText(t, "remittance_id", 20, false, "Remittance Identifier")),
		EmployerFEIN: t.FEIN("employer_fein", true),
		Obligor: withholding.Person{
			Last:      eiwoText(t, "obligor_last", 35, true, "Employee Last Name"),
			First:     eiwoText(t, "obligor_first", 25, true, "Employee First Name"),
			Middle:    eiwoText(t, "obligor_middle", 25, false, "Employee Middle Name"),
			Suffix:    eiwoText(t, "obligor_suffix", 4, false, "Employee Suffix"),
			BirthDate: t.Date("obligor_birth_date", false),
		},
		Obligee: withholding.Person{
			Last:  eiwoText(t, "obligee_last", 57, false, "Obligee Last Name"),
			First: eiwoText(t, "obligee_first", 25, false, "Obligee First Name"),
		},
		Children:            children(t, "children"),
		IssuingState:        strings.ToUpper(eiwoText(t, "issuing_state", 35, true, "Issuing State/Tribe/Territory Name")),
		IssuingJurisdiction: eiwoText(t, "issuing_jurisdiction", 35, false, "Issuing Jurisdiction Name"),
		IssuingTribunal:     eiwoText(t, "issuing_tribunal", 35, false, "Issuing Tribunal Name"),
		PayeeFIPS:           t.Digits("payee_fips", 7, true),
		ArrearsOver12Weeks:  t.Flag("arrears_over_12_weeks"),
		LumpSum:             t.Money("lump_sum", false),
		StartDate:           t.Date("start_date", true),
		EndDate:             t.Date("end_date", false),
		Status:              withholding.StatusPending,
	}
	o.Obligor.SSN = t.SSN("obligor_ssn", true)
	if o.Obligor.SSN != "" {
		if err := o.Obligor.SSN.Assignable(); err != nil {
			t.Failf("obligor_ssn", "%s", withholding.ErrorMessage(err))
		}
	}
	if o.RemittanceID == "" {
		o.RemittanceID = withholding.RemittanceID(o.CaseID)
	}
	if strings.HasPrefix(string(o.CaseID), " ") {
		t.Failf("case_id", "must not start with a space")
	}
	ordered := o.LumpSum > 0
	for _, a := range amountColumns {
		ob := a.get(&o.Amounts)
		ob.Amount = t.Money(a.name, false)
		ob.Frequency = t.Frequency(a.name+"_freq", false)
		switch {
		case ob.Amount > 0 && ob.Frequency == "":
			t.Failf(a.name+"_freq", "required when %s is given", a.name)
		case ob.Amount == 0 && ob.Frequency != "":
			t.Failf(a.name, "required when %s_freq is given", a.name)
		}
		ordered = ordered || ob.Amount > 0
	}
	// The IWO's own per-pay lines (items 13a–13d), dollars; blank = not
	// stated, and the calculator converts the amounts above instead.
	for _, f := range withholding.StatedFrequencies {
		if c := t.Money("per_pay_"+string(f), false); c > 0 {
			o.Stated.Set(f, c)
			ordered = true
		}
	}
	o.Amounts.OtherReason = eiwoText(t, "other_reason", 35, false, "Other Obligation Reason")
	if o.Amounts.Other.Amount > 0 && o.Amounts.OtherReason == "" {
		t.Failf("other_reason", "required when other is given")
	}
	if !ordered {
		t.Failf("current_support", "the row orders no amount; give at least one amount or lump_sum")
	}
	if !o.EndDate.IsZero() && o.EndDate.Before(o.StartDate) {
		t.Failf("end_date", "%s is before start_date %s", o.EndDate, o.StartDate)
	}
	if o.CaseID != "" {
		// A new string: a slice of the row would keep the whole row.
		k := orderKey(o.CaseID, o.OrderID)
		if prev, dup := rd.seen[k]; dup {
			t.Failf("order_id", "order %s/%s already on line %d", o.CaseID, o.OrderID, prev)
		} else {
			rd.seen[k] = int32(t.Line())
		}
	}
	return o
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
// each problem (the first csvtab.MaxErrors, and the count of the rest).
// With dryRun nothing is written but the result says what would change.
//
// The file streams, so its size does not matter: only each row's key is
// kept, and the rows of one batch (importBatch). It is read once, inside
// the one transaction: a goroutine reads and checks the rows while this
// one checks them against their stored orders and writes them, a batch at
// a time: one query finds the stored orders of a batch and one INSERT
// creates its new ones (docs/scaling.md, fix 5). The first problem stops
// the writing (checking goes on, to list every problem) and the
// transaction is rolled back. A file with problems of its own rows (a bad
// cell, a duplicate, an unknown employer) lists those alone, as when a
// first pass found them before any row was written; a file without lists
// every conflict with a stored order. Checking a row against the database
// as it stood is sound because no two rows share a key: the rows written
// so far are other orders. On SQLite, an import that writes many rows for
// the orders stored (a first import) builds the orders' secondary indexes
// after the rows (dropIndexesFraction).
func (d *DB) ImportOrders(ctx context.Context, file string, r io.Reader, dryRun bool) (ImportResult, error) {
	var res ImportResult
	rd := newOrderReader(file, r)
	t := rd.t
	if err := t.Err(); err != nil {
		return res, err // the header
	}
	err := d.inBulkTx(ctx, func(tx *txn) error {
		employers, err := d.employerFEINs(ctx, tx)
		if err != nil {
			return err
		}
		w := &orderWriter{d: d, tx: tx, file: file, res: &res}
		if err := w.planIndexes(ctx); err != nil {
			return err
		}
		err = w.run(ctx, rd, employers)
		if !t.Failed() { // rd is done with t: the batches are in
			for _, p := range w.problems {
				t.FailAt(p.line, p.column, "%s", p.reason)
			}
		}
		if err != nil {
			return err
		}
		if err := t.Err(); err != nil {
			return err
		}
		if err := w.insert(ctx); err != nil {
			return err
		}
		if dryRun {
			return errDryRun // the rollback brings back any index dropped
		}
		return w.restoreIndexes(ctx)
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return ImportResult{}, err
	}
	return res, nil
}

// importBatch is how many rows of an orders file are looked up in one
// query and created in one INSERT: 53 columns × 250 rows stays well under
// SQLite's 32766 variables and PostgreSQL's 65535 parameters. One query
// and one INSERT a row took two thirds of the import's time.
const importBatch = 250

// inBulkTx is inTx for a large write. On SQLite it gives the connection
// room first, and puts it back as the pool expects it after. Every
// multi-row INSERT keeps a statement journal (to undo its own rows should
// one fail); beyond 64 KiB SQLite spills it to a temporary file, which
// cost a write system call per page, so it is kept in memory (SQLite
// decides where when the transaction begins, hence before it). A larger
// page cache keeps the indexes the rows go into. Neither touches
// durability: the WAL and its syncs are as configured.
func (d *DB) inBulkTx(ctx context.Context, fn func(tx *txn) error) error {
	return d.inBulkTxChecked(ctx, true, fn)
}

// inBulkTxChecked is inBulkTx; with foreignKeys false, SQLite does not
// check the transaction's references (PRAGMA foreign_keys, which takes
// effect only outside a transaction, hence here). It is for a writer that
// proves each of its references in the same transaction, where SQLite's
// check of each row would read a page of the parent table again in an
// order of no use to it. PostgreSQL checks them as always. Should turning
// the checks back on fail, the connection is closed rather than returned
// to the pool without them.
func (d *DB) inBulkTxChecked(ctx context.Context, foreignKeys bool, fn func(tx *txn) error) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("get connection: %w", err)
	}
	defer conn.Close()
	if d.dialect == dialectSQLite {
		var cache int64
		if err := conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
			return fmt.Errorf("read cache size: %w", err)
		}
		set := []string{"PRAGMA temp_store = MEMORY", "PRAGMA cache_size = -65536"}
		if !foreignKeys {
			set = append(set, "PRAGMA foreign_keys = OFF")
			defer func() {
				if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); err != nil {
					_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				}
			}()
		}
		for _, p := range set {
			if _, err := conn.ExecContext(ctx, p); err != nil {
				return fmt.Errorf("set %s: %w", p, err)
			}
		}
		defer func() {
			// Best effort: the connection works either way, with more
			// memory; a context already done gets a fresh one.
			ctx := context.WithoutCancel(ctx)
			_, _ = conn.ExecContext(ctx, "PRAGMA temp_store = DEFAULT")
			_, _ = conn.ExecContext(ctx, "PRAGMA cache_size = "+strconv.FormatInt(cache, 10))
		}()
	}
	if d.dialect == dialectPostgres {
		// A bulk write looks rows up by key in a table it is filling
		// (storedOrdersQuery's batch of keys joined to the orders,
		// RecordSent's UPDATE by ID). PostgreSQL plans such a join on
		// what it knows of the table, and for an import into an empty
		// one that is a hash join over a scan of every order written so
		// far, kept as the prepared statement's plan: 50,000 orders
		// imported in 4.1 s, 100,000 in 11.7, a state's 1.2M in about
		// half an hour. Without hash and merge joins or scans to choose
		// from, each key is a look-up in the index, whatever the plan
		// was made on.
		write := fn
		fn = func(tx *txn) error {
			for _, set := range []string{"enable_hashjoin", "enable_mergejoin", "enable_seqscan"} {
				if _, err := tx.Tx.ExecContext(ctx, "SET LOCAL "+set+" = off"); err != nil {
					return fmt.Errorf("set %s: %w", set, err)
				}
			}
			return write(tx)
		}
	}
	return d.inConnTx(ctx, conn, fn)
}

// importRow is a row of an orders file waiting in its batch.
type importRow struct {
	line int
	o    *withholding.Order
}

// importProblem is a row's conflict with its stored order, held by the
// orderWriter until the reader is done with the csvtab.Table.
type importProblem struct {
	line           int
	column, reason string
}

// orderWriter checks the rows of an orders file against their stored
// orders and writes them, importBatch rows at a time. Once any row has a
// problem, nothing more is written.
type orderWriter struct {
	d    *DB
	tx   *txn
	file string
	res  *ImportResult

	problems []importProblem
	badRows  atomic.Bool // the reader found a problem
	written  int         // rows created or changed so far
	dropAt   int         // written rows at which to drop the indexes; 0: never
	dropped  []string    // the CREATE INDEX statements of the dropped indexes
	created  int         // rows in args
	first    int         // line of the first row in args
	args     []any       // the INSERT's arguments for the new orders
	keys     []any       // the look-up's arguments
}

// run reads rd in a goroutine of its own, checking each row's employer,
// and checks and writes its rows here, a batch at a time, as they come:
// on two cores the parsing and the database work overlap (the parsing is
// a third of the import). Only the reader touches rd's csvtab.Table
// until run returns; the writer's problems wait in w.problems. A
// database error stops the reader.
func (w *orderWriter) run(ctx context.Context, rd *orderReader, employers map[withholding.FEIN]bool) error {
	batches := make(chan []importRow, 2)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(batches)
		batch := make([]importRow, 0, importBatch)
		for o := rd.next(); o != nil; o = rd.next() {
			checkEmployer(rd.t, employers, o.EmployerFEIN)
			if rd.t.Failed() {
				w.badRows.Store(true)
			}
			batch = append(batch, importRow{rd.t.Line(), o})
			if len(batch) < importBatch {
				continue
			}
			select {
			case batches <- batch:
			case <-stop:
				return
			}
			batch = make([]importRow, 0, importBatch)
		}
		if len(batch) > 0 {
			select {
			case batches <- batch:
			case <-stop:
			}
		}
	}()
	var err error
	for batch := range batches {
		if err = w.flush(ctx, batch); err != nil {
			break
		}
	}
	close(stop)
	<-done
	return err
}

// failAt records a problem of the row of line.
func (w *orderWriter) failAt(line int, column, format string, args ...any) {
	w.problems = append(w.problems, importProblem{line, column, fmt.Sprintf(format, args...)})
}

// flush checks the rows of batch against their stored orders, updates the
// changed ones and queues the new ones for insert.
func (w *orderWriter) flush(ctx context.Context, batch []importRow) error {
	if w.badRows.Load() {
		return nil // the file is rejected for its rows alone: no conflict is listed
	}
	stored, err := w.stored(ctx, batch)
	if err != nil {
		return err
	}
	for _, row := range batch {
		o := row.o
		old := stored[orderKey(o.CaseID, o.OrderID)]
		if old != nil {
			switch {
			case old.EmployerFEIN != o.EmployerFEIN:
				w.failAt(row.line, "employer_fein", "order %s/%s is with employer %s; a new employer needs a new order ID", o.CaseID, o.OrderID, old.EmployerFEIN)
			case !old.EndDate.IsZero() && o.EndDate.IsZero():
				w.failAt(row.line, "end_date", "order %s/%s ended on %s; the end date cannot be removed", o.CaseID, o.OrderID, old.EndDate)
			case old.Status == withholding.StatusTerminated && termsChanged(old, o):
				w.failAt(row.line, "case_id", "order %s/%s is terminated; changes need a new order ID", o.CaseID, o.OrderID)
			}
		}
		if len(w.problems) > 0 || w.badRows.Load() {
			continue // the file is rejected: check the rest, write nothing
		}
		if err := w.apply(ctx, row.line, o, old); err != nil {
			return fmt.Errorf("%s:%d: %w", w.file, row.line, err)
		}
	}
	return nil
}

// orderKey is the map key of an order's case and order IDs.
func orderKey(c withholding.CaseID, o withholding.OrderID) string {
	return string(c) + "\x00" + string(o)
}

// storedOrdersQuery finds the stored orders of importBatch case and order
// IDs, each through the orders' unique key: the keys are a table of their
// own that the query joins (a row-value IN list would read every order).
// Looking up by case ID alone read every order of each case, and a case
// with thousands of orders made each batch read them all again.
var storedOrdersQuery = "WITH k (k_case, k_order) AS (VALUES " + rowPlaceholders(2, importBatch) + ") " +
	orderSelect + " JOIN k ON case_id = k_case AND order_id = k_order"

// stored returns the stored orders of the keys of batch, by orderKey, in
// one query (storedOrdersQuery). The query always has importBatch keys,
// repeating the last, so that the transaction prepares it once.
func (w *orderWriter) stored(ctx context.Context, batch []importRow) (map[string]*withholding.Order, error) {
	w.keys = w.keys[:0]
	for _, row := range batch {
		w.keys = append(w.keys, string(row.o.CaseID), string(row.o.OrderID))
	}
	for len(w.keys) < 2*importBatch {
		w.keys = append(w.keys, w.keys[len(w.keys)-2:]...)
	}
	rows, err := w.d.query(ctx, w.tx, storedOrdersQuery, w.keys...)
	if err != nil {
		return nil, fmt.Errorf("find orders: %w", err)
	}
	defer rows.Close()
	out := map[string]*withholding.Order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, fmt.Errorf("find orders: %w", err)
		}
		out[orderKey(o.CaseID, o.OrderID)] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find orders: %w", err)
	}
	return out, nil
}

// apply writes the file's order o of line, stored as old (nil when new),
// as withholding.ImportChange decides, and counts it: a changed order is
// updated now, a new one queued for the next INSERT.
func (w *orderWriter) apply(ctx context.Context, line int, o, old *withholding.Order) error {
	action, changed := withholding.ImportChange(old, o)
	if !changed {
		w.res.Unchanged++
		return nil
	}
	withholding.ApplyImportChange(old, o, action)
	switch action {
	case withholding.ActionOriginal:
		w.res.Created++
		return w.create(ctx, line, o)
	case withholding.ActionTerminate:
		w.res.Terminated++
	default:
		w.res.Amended++
	}
	if err := w.beforeWrite(ctx, 1); err != nil {
		return err
	}
	return w.d.replaceOrder(ctx, w.tx, o)
}

// create queues the new order o of line for the INSERT, and runs the
// INSERT when it holds importBatch orders.
func (w *orderWriter) create(ctx context.Context, line int, o *withholding.Order) error {
	if err := validateOrder(o); err != nil {
		return err
	}
	args, err := w.d.orderArgs(o)
	if err != nil {
		return err
	}
	if w.created == 0 {
		w.first = line
	}
	w.args = append(append(w.args, args...), nil, nil) // created_at, updated_at: set by insert
	w.created++
	if w.created < importBatch {
		return nil
	}
	return w.insert(ctx)
}

// insert creates the queued new orders in one INSERT.
func (w *orderWriter) insert(ctx context.Context) error {
	if w.created == 0 {
		return nil
	}
	if err := w.beforeWrite(ctx, w.created); err != nil {
		return err
	}
	now := w.d.timeArg(w.d.now())
	width := len(orderCols) + 2
	for i := 0; i < len(w.args); i += width {
		w.args[i+width-2], w.args[i+width-1] = now, now
	}
	query := "INSERT INTO orders (" + strings.Join(orderCols, ", ") + ", created_at, updated_at) VALUES " + rowPlaceholders(width, w.created)
	if _, err := w.d.exec(ctx, w.tx, query, w.args...); err != nil {
		if isUniqueViolation(err) {
			// Only another writer can get here (the rows were looked
			// up, and a file has each key once): PostgreSQL's.
			return withholding.Errorf(withholding.ECONFLICT, "%s: an order of lines %d on was created meanwhile; import the file again", w.file, w.first)
		}
		return fmt.Errorf("%s:%d: create orders: %w", w.file, w.first, err)
	}
	clear(w.args)
	w.args, w.created = w.args[:0], 0
	return nil
}

// employerFEINs returns the FEINs of every stored employer. An orders
// file names each employer many times (the bench's 120,000 rows name
// 20,000 employers), and looking each one up took a quarter of the
// import's time; one read of the employers table costs a few
// milliseconds and a few bytes an employer, whatever the file.
func (d *DB) employerFEINs(ctx context.Context, q queryer) (map[withholding.FEIN]bool, error) {
	rows, err := d.query(ctx, q, "SELECT fein FROM employers")
	if err != nil {
		return nil, fmt.Errorf("list employers: %w", err)
	}
	defer rows.Close()
	out := map[withholding.FEIN]bool{}
	for rows.Next() {
		var fein withholding.FEIN
		if err := rows.Scan(&fein); err != nil {
			return nil, fmt.Errorf("list employers: %w", err)
		}
		out[fein] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list employers: %w", err)
	}
	return out, nil
}

// checkEmployer records a problem on t's row when fein is not among the
// stored employers.
func checkEmployer(t *csvtab.Table, stored map[withholding.FEIN]bool, fein withholding.FEIN) {
	if fein != "" && !stored[fein] { // an empty FEIN is already a problem of its own
		t.Failf("employer_fein", "no employer %s; import employers first", fein)
	}
}

// termsChanged reports whether the file's order o says other than the stored
// order old.
func termsChanged(old, o *withholding.Order) bool {
	_, c := withholding.ImportChange(old, o)
	return c
}

// dropIndexesFraction is the share of the orders stored before an import
// that the import must write (create or change) for the orders' secondary
// indexes to be dropped and built again at its end, and dropIndexesMin
// the fewest rows it must write. Each index gets every written row in the
// order of its own key, which is random: once the indexes outgrow the
// page cache, nearly every row reads and writes a page of each, and the
// pages spill to the WAL again and again. CREATE INDEX sorts the keys and
// writes each page once: a first import of the bench's 1,200,000 orders
// took 168 CPU s with the indexes kept, 72 with them built after the rows
// (300,000: 29.3 and 15.1). But it sorts every row of the table, not only
// the file's: for the typical night's 20,000 changed orders among
// 1,200,000, keeping them is cheaper.
const (
	dropIndexesFraction = 4
	dropIndexesMin      = importBatch
)

// planIndexes decides when the import drops the orders' secondary indexes:
// once it has written a quarter of the orders stored before it (at once
// for a first import), and at least dropIndexesMin rows. Only on SQLite:
// there a reader keeps the snapshot it began with, indexes and all, while
// PostgreSQL's DROP INDEX would lock every reader of the orders out until
// the import commits.
func (w *orderWriter) planIndexes(ctx context.Context) error {
	if w.d.dialect != dialectSQLite {
		return nil
	}
	var stored int
	if err := w.tx.QueryRowContext(ctx, "SELECT count(*) FROM orders").Scan(&stored); err != nil {
		return fmt.Errorf("count orders: %w", err)
	}
	w.dropAt = max(stored/dropIndexesFraction, dropIndexesMin)
	return nil
}

// beforeWrite counts the n rows about to be written and drops the
// secondary indexes when the writes reach w.dropAt.
func (w *orderWriter) beforeWrite(ctx context.Context, n int) error {
	w.written += n
	if w.dropAt == 0 || w.written < w.dropAt {
		return nil
	}
	w.dropAt = 0
	return w.dropIndexes(ctx)
}

// dropIndexes drops the indexes of the orders made by CREATE INDEX that
// enforce nothing, and keeps their statements for restoreIndexes, so the
// migrations stay the one place they are defined. The unique key (case
// and order ID) stays: the import looks orders up by it and it refuses a
// duplicate. It is one transaction with the writes: should the import
// fail or the process die, the rollback brings the indexes back.
func (w *orderWriter) dropIndexes(ctx context.Context) error {
	rows, err := w.tx.QueryContext(ctx, `SELECT m.name, m.sql FROM pragma_index_list('orders') AS l
		JOIN sqlite_master AS m ON m.name = l.name AND m.type = 'index'
		WHERE l.origin = 'c' AND NOT l."unique" ORDER BY m.name`)
	if err != nil {
		return fmt.Errorf("list order indexes: %w", err)
	}
	var names []string
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			rows.Close()
			return fmt.Errorf("list order indexes: %w", err)
		}
		names, w.dropped = append(names, name), append(w.dropped, stmt)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list order indexes: %w", err)
	}
	for _, name := range names {
		if _, err := w.tx.Tx.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	return nil
}

// restoreIndexes builds again the indexes dropIndexes dropped, with the
// statements that made them.
func (w *orderWriter) restoreIndexes(ctx context.Context) error {
	for _, stmt := range w.dropped {
		if _, err := w.tx.Tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create index again: %w", err)
		}
	}
	return nil
}
