package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/iwoproject/iwo/withholding"
)

// paymentCols are the columns a payment is written to, in
// appendPaymentArgs order.
var paymentCols = []string{
	"file_id", "line", "batch", "trace", "sec", "transaction_code", "company_id", "company_name",
	"effective_date", "entry_amount_cents", "application_id", "case_id", "pay_date", "amount_cents",
	"ssn", "medical", "name", "fips", "termination", "kind", "return_code", "problems", "raw", "fein",
	"warnings", "credited_cents",
}

// paymentPostingCols are the columns of a payment with its posting
// (PaymentFilter.WithPosting); the posting's are NULL until the payment
// is reconciled.
var paymentPostingCols = func() []string {
	cols := []string{"payments.id"}
	for _, c := range paymentCols {
		cols = append(cols, "payments."+c)
	}
	return append(cols, "postings.status", "postings.order_ref", "postings.case_id", "postings.reason",
		"postings.exception_key", "postings.run_date", "postings.matched_by")
}()

const paymentPostingFrom = " FROM payments LEFT JOIN postings ON postings.payment_id = payments.id"

// paymentSelectCols are the columns of a payment without its posting.
var paymentSelectCols = append([]string{"id"}, paymentCols...)

// paymentBatches are SQLite's payment INSERTs: 100 rows (26 values each,
// well under SQLite's 32,766 variables), 10 and 1, prepared once for the
// DB, whatever each file's count.
var paymentBatches = &rowBatches{
	Head:  "INSERT INTO payments (" + strings.Join(paymentCols, ", ") + ") VALUES ",
	Cols:  len(paymentCols),
	Sizes: sizesOf(100),
}

func (d *DB) appendPaymentArgs(args []any, fileID int64, p *withholding.Payment) []any {
	return append(args,
		fileID, int64(p.Line), int64(p.Batch), string(p.Trace), p.SEC, int64(p.TransactionCode), p.CompanyID, p.CompanyName,
		d.dateArg(p.EffectiveDate), int64(p.EntryAmount), p.ApplicationID, string(p.RemittanceID), d.dateArg(p.PayDate), int64(p.Amount),
		p.SSN.Digits(), p.Medical, p.Name, p.FIPS, p.Termination, string(p.Kind), p.ReturnCode, jsonList(p.Problems), p.Raw, string(p.FEIN),
		jsonList(p.Warnings), int64(p.Credited),
	)
}

// jsonList stores a list of messages as a JSON array, "" when empty.
func jsonList(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	b, _ := json.Marshal(xs) // []string always marshals
	return string(b)
}

// scanPaymentPosting scans a row of paymentSelectCols, or of
// paymentPostingCols when withPosting.
func scanPaymentPosting(s interface{ Scan(...any) error }, withPosting bool) (*withholding.Payment, error) {
	var p withholding.Payment
	var problems, warnings string
	dest := []any{&p.ID,
		&p.FileID, &p.Line, &p.Batch, &p.Trace, &p.SEC, &p.TransactionCode, &p.CompanyID, &p.CompanyName,
		dateDest{&p.EffectiveDate}, &p.EntryAmount, &p.ApplicationID, &p.RemittanceID, dateDest{&p.PayDate}, &p.Amount,
		&p.SSN, &p.Medical, &p.Name, &p.FIPS, &p.Termination, &p.Kind, &p.ReturnCode, &problems, &p.Raw, &p.FEIN,
		&warnings, &p.Credited,
	}
	var status, caseID, reason, key, by sql.NullString
	var post withholding.Posting
	if withPosting {
		dest = append(dest, &status, idDest{&post.OrderRef}, &caseID, &reason, &key, dateDest{&post.RunDate}, &by)
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if status.Valid {
		post.PaymentID, post.Status = p.ID, withholding.PostingStatus(status.String)
		post.CaseID, post.Reason, post.ExceptionKey = withholding.CaseID(caseID.String), withholding.ExceptionType(reason.String), key.String
		post.MatchedBy = by.String
		p.Posting = &post
	}
	if problems != "" {
		if err := json.Unmarshal([]byte(problems), &p.Problems); err != nil {
			return nil, fmt.Errorf("decode payment problems: %w", err)
		}
	}
	if warnings != "" {
		if err := json.Unmarshal([]byte(warnings), &p.Warnings); err != nil {
			return nil, fmt.Errorf("decode payment warnings: %w", err)
		}
	}
	return &p, nil
}

// insertPayments writes payments to SQLite through paymentBatches (kept,
// their statements), holding one batch in memory at a time.
func (d *DB) insertPayments(ctx context.Context, tx *txn, kept []*sql.Stmt, fileID int64, payments iter.Seq2[*withholding.Payment, error]) (int, error) {
	w := newBatchWriter(tx, paymentBatches, kept)
	n := 0
	for p, err := range payments {
		if err != nil {
			return 0, fmt.Errorf("read payments: %w", err)
		}
		if p == nil {
			return 0, withholding.Errorf(withholding.EINVALID, "payment %d is nil", n+1)
		}
		w.args = d.appendPaymentArgs(w.args, fileID, p)
		n++
		if err := w.Added(ctx); err != nil {
			return 0, fmt.Errorf("insert payments: %w", err)
		}
	}
	if err := w.Flush(ctx); err != nil {
		return 0, fmt.Errorf("insert payments: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return n, nil
}

// paymentSource feeds pgx's COPY from a payment sequence, one row at a time.
type paymentSource struct {
	ctx    context.Context
	d      *DB
	fileID int64
	next   func() (*withholding.Payment, error, bool)
	row    []any
	n      int
	err    error
}

func (s *paymentSource) Next() bool {
	if s.n%1024 == 0 {
		if err := s.ctx.Err(); err != nil {
			s.err = err
			return false
		}
	}
	p, err, ok := s.next()
	switch {
	case !ok:
		return false
	case err != nil:
		s.err = fmt.Errorf("read payments: %w", err)
		return false
	case p == nil:
		s.err = withholding.Errorf(withholding.EINVALID, "payment %d is nil", s.n+1)
		return false
	}
	s.n++
	s.row = s.d.appendPaymentArgs(s.row[:0], s.fileID, p)
	return true
}

func (s *paymentSource) Values() ([]any, error) { return s.row, nil }

func (s *paymentSource) Err() error { return s.err }

// copyPayments writes payments to PostgreSQL with COPY on the transaction's
// own connection, streaming from the sequence.
func (d *DB) copyPayments(ctx context.Context, tx *txn, fileID int64, payments iter.Seq2[*withholding.Payment, error]) (int, error) {
	next, stop := iter.Pull2(payments)
	defer stop()
	src := &paymentSource{ctx: ctx, d: d, fileID: fileID, next: next, row: make([]any, 0, len(paymentCols))}
	var copied int64
	err := tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("copy payments: driver connection is %T, not pgx", dc)
		}
		var err error
		copied, err = c.Conn().CopyFrom(ctx, pgx.Identifier{"payments"}, paymentCols, src)
		return err
	})
	if src.err != nil {
		return 0, src.err
	}
	if err != nil {
		// A context that ends mid-COPY makes pgx break the connection off,
		// and what CopyFrom returns may then be the connection's error
		// ("use of closed network connection") rather than the context's:
		// the caller is told both.
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = errors.Join(cerr, err)
		}
		return 0, fmt.Errorf("copy payments: %w", err)
	}
	return int(copied), nil
}

// paymentWhere is filter as SQL over the payments table; its columns are
// qualified, so it serves paymentPostingFrom's join as well.
func paymentWhere(d *DB, filter withholding.PaymentFilter) *where {
	var w where
	if filter.FileID != nil {
		w.add("payments.file_id = ?", *filter.FileID)
	}
	if filter.Trace != nil {
		w.add("payments.trace = ?", string(*filter.Trace))
	}
	if filter.RemittanceID != nil {
		w.add("payments.case_id = ?", string(*filter.RemittanceID))
	}
	if filter.SSN != nil {
		w.add("payments.ssn = ?", filter.SSN.Digits())
	}
	if filter.FEIN != nil {
		w.add("payments.fein = ?", string(*filter.FEIN))
	}
	if filter.Kind != nil {
		w.add("payments.kind = ?", string(*filter.Kind))
	}
	if !filter.Since.IsZero() {
		w.add("payments.effective_date >= ?", d.dateArg(filter.Since))
	}
	if !filter.Until.IsZero() {
		w.add("payments.effective_date <= ?", d.dateArg(filter.Until))
	}
	if filter.OrderRef != nil {
		w.add("payments.id IN (SELECT payment_id FROM postings WHERE order_ref = ?)", *filter.OrderRef)
	}
	if filter.PostedOn != nil {
		w.add("payments.id IN (SELECT payment_id FROM postings WHERE run_date = ?)", d.dateArg(*filter.PostedOn))
	}
	whereIn(&w, "payments.id", filter.IDs, func(id int64) any { return id })
	return &w
}

// FindPayments returns the payments matching filter in the order they were
// stored, and the total number of matches.
func (d *DB) FindPayments(ctx context.Context, filter withholding.PaymentFilter) ([]*withholding.Payment, int, error) {
	w := paymentWhere(d, filter)
	n, err := d.count(ctx, "payments", w)
	if err != nil {
		return nil, 0, err
	}
	var out []*withholding.Payment
	for p, err := range d.EachPayment(ctx, filter) {
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, n, nil
}

// SumPayments counts the payments matching filter and adds up their
// amounts, one PaymentSum per kind present, in kind order. Offset and Limit
// are ignored.
func (d *DB) SumPayments(ctx context.Context, filter withholding.PaymentFilter) ([]withholding.PaymentSum, error) {
	w := paymentWhere(d, filter)
	return queryValues(ctx, d, "sum payments", func(s interface{ Scan(...any) error }) (*withholding.PaymentSum, error) {
		var ps withholding.PaymentSum
		return &ps, s.Scan(&ps.Kind, &ps.Count, &ps.Amount)
	}, "SELECT kind, COUNT(*), CAST(COALESCE(SUM(CASE WHEN kind = 'payment' THEN credited_cents ELSE entry_amount_cents END), 0) AS BIGINT) FROM payments"+w.String()+" GROUP BY kind ORDER BY kind", w.args...)
}

// EachPayment streams the payments matching filter in the order they were
// stored, holding one row at a time. Stopping the loop early releases the
// query.
func (d *DB) EachPayment(ctx context.Context, filter withholding.PaymentFilter) iter.Seq2[*withholding.Payment, error] {
	w := paymentWhere(d, filter)
	scan, cols, from := scanPaymentPosting, paymentSelectCols, " FROM payments"
	switch {
	case filter.Brief && filter.WithPosting:
		scan, cols, from = scanBriefPayment, paymentBriefCols, paymentPostingFrom
	case filter.Brief:
		scan, cols = scanBriefPayment, paymentBriefCols[:4]
	case filter.WithPosting:
		cols, from = paymentPostingCols, paymentPostingFrom
	}
	return queryEachPacked(ctx, d, "find payments", func(s interface{ Scan(...any) error }) (*withholding.Payment, error) {
		return scan(s, filter.WithPosting)
	}, cols, from+w.String()+" ORDER BY payments.id"+d.page(filter.Offset, filter.Limit), w.args...)
}

// paymentBriefCols are the columns of a PaymentFilter.Brief listing, the
// posting's last.
var paymentBriefCols = []string{"payments.id", "payments.file_id", "payments.kind", "payments.fein", "postings.status", "postings.run_date"}

// scanBriefPayment scans a row of paymentBriefCols, without the
// posting's unless withPosting.
func scanBriefPayment(s interface{ Scan(...any) error }, withPosting bool) (*withholding.Payment, error) {
	var p withholding.Payment
	var status sql.NullString
	var post withholding.Posting
	dest := []any{&p.ID, &p.FileID, &p.Kind, &p.FEIN}
	if withPosting {
		dest = append(dest, &status, dateDest{&post.RunDate})
	}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if status.Valid {
		post.PaymentID, post.Status = p.ID, withholding.PostingStatus(status.String)
		p.Posting = &post
	}
	return &p, nil
}
