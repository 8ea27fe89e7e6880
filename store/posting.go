package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

var postingCols = []string{"payment_id", "status", "order_ref", "case_id", "reason", "exception_key", "run_date"}

var postingSelect = "SELECT " + strings.Join(postingCols, ", ") + " FROM postings"

func scanPosting(s interface{ Scan(...any) error }) (*withholding.Posting, error) {
	var p withholding.Posting
	err := s.Scan(&p.PaymentID, &p.Status, idDest{&p.OrderRef}, &p.CaseID, &p.Reason, &p.ExceptionKey, dateDest{&p.RunDate})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

var postingStatuses = map[withholding.PostingStatus]bool{withholding.PostingPosted: true, withholding.PostingHeld: true}

// RecordReconciliation creates the exceptions whose Key is new (existing
// ones are left untouched, as by UpsertExceptions) and records the postings
// of payments that have none yet, in one transaction. A payment's first
// posting stands: a re-run of a night adds nothing and changes nothing. It
// returns how many exceptions and postings it created. EINVALID for an
// exception without Key or Type, or a posting without PaymentID or
// RunDate, or with an unknown Status.
func (d *DB) RecordReconciliation(ctx context.Context, exs []*withholding.Exception, postings []*withholding.Posting) (newExceptions, newPostings int, err error) {
	err = d.inTx(ctx, func(tx *txn) error {
		var err error
		if newExceptions, err = d.upsertExceptions(ctx, tx, exs); err != nil {
			return err
		}
		newPostings, err = d.insertPostings(ctx, tx, postings)
		return err
	})
	if err != nil {
		return 0, 0, err
	}
	return newExceptions, newPostings, nil
}

// postingBatch is how many postings one INSERT carries: 8 arguments a row
// stay well under SQLite's 32766 variables and PostgreSQL's 65535.
const postingBatch = 500

// insertPostings writes postings in multi-row INSERTs of postingBatch
// rows: a night posts every payment it reconciles.
func (d *DB) insertPostings(ctx context.Context, q queryer, postings []*withholding.Posting) (int, error) {
	for _, p := range postings {
		if p.PaymentID == 0 || p.RunDate.IsZero() || !postingStatuses[p.Status] {
			return 0, withholding.Errorf(withholding.EINVALID, "posting needs a payment, a run date and a known status (got payment %d, run date %s, status %q)", p.PaymentID, p.RunDate, p.Status)
		}
	}
	now := d.timeArg(d.now())
	created := 0
	args := make([]any, 0, min(len(postings), postingBatch)*(len(postingCols)+1))
	for batch := range slices.Chunk(postings, postingBatch) {
		args = args[:0]
		for _, p := range batch {
			args = append(args, p.PaymentID, string(p.Status), idArg(p.OrderRef), string(p.CaseID), string(p.Reason), p.ExceptionKey, d.dateArg(p.RunDate), now)
		}
		res, err := d.exec(ctx, q, insertNewSQL("postings", postingCols, "payment_id", len(batch)), args...)
		if err != nil {
			return 0, fmt.Errorf("record postings: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			created += int(n)
		}
	}
	return created, nil
}

// FindPostings returns the postings of the payments matching filter, by
// payment ID. Offset and Limit are ignored.
func (d *DB) FindPostings(ctx context.Context, filter withholding.PaymentFilter) ([]*withholding.Posting, error) {
	w := paymentWhere(d, filter)
	return queryAll(ctx, d, "find postings", scanPosting,
		postingSelect+" WHERE payment_id IN (SELECT id FROM payments"+w.String()+") ORDER BY payment_id", w.args...)
}
