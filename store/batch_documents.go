package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// sentBatchRows is how many documents RecordSent stores, and how many of
// their orders it updates, per statement. One INSERT and one UPDATE per
// IWO were most of RecordSent's time (iwo bench night, docs/scaling.md):
// each row went through database/sql and the driver, and SQLite started
// its statement over, for a few B-tree writes. A fixed row count keeps the
// statement text the same, so the transaction prepares it once (txn.stmt);
// only a file's last, shorter batch prepares its own.
const sentBatchRows = 128

// documentInsertCols are the columns RecordSent writes, in sentDocs.args
// order.
const documentInsertCols = `tracking_id, order_ref, case_id, fein, action,
	file_id, file_control, batch_control, sent_at, status, reason, acknowledged_at`

// sentDocs gathers the documents of an outbound file for RecordSent and
// writes them a batch at a time: the documents, then their orders. It
// holds at most sentBatchRows documents, so a file of a million IWOs still
// streams.
type sentDocs struct {
	d    *DB
	tx   *txn
	docs []*withholding.Document
	// orders are the orders of docs: an order twice in one batch would
	// leave its tracking ID to the UPDATE's choice of row, where each
	// document in turn set it before, the last one winning.
	orders map[int64]bool
	now    any // updated_at of the orders, as an argument
}

func newSentDocs(d *DB, tx *txn) *sentDocs {
	return &sentDocs{d: d, tx: tx, docs: make([]*withholding.Document, 0, sentBatchRows),
		orders: make(map[int64]bool, sentBatchRows), now: d.timeArg(d.now())}
}

// add takes doc, writing the batch before it when it is full or already
// has doc's order.
func (s *sentDocs) add(ctx context.Context, doc *withholding.Document) error {
	if doc.TrackingID == "" {
		return withholding.Errorf(withholding.EINVALID, "document for case %s has no tracking ID", doc.CaseID)
	}
	if len(s.docs) == sentBatchRows || s.orders[doc.OrderRef] {
		if err := s.flush(ctx); err != nil {
			return err
		}
	}
	s.docs = append(s.docs, doc)
	s.orders[doc.OrderRef] = true
	return nil
}

// flush writes the documents gathered and updates their orders (status
// sent, pending action cleared, tracking ID), setting each document's ID.
func (s *sentDocs) flush(ctx context.Context) error {
	if len(s.docs) == 0 {
		return nil
	}
	if err := s.insert(ctx); err != nil {
		return err
	}
	if err := s.updateOrders(ctx); err != nil {
		return err
	}
	s.docs = s.docs[:0]
	clear(s.orders)
	return nil
}

func (s *sentDocs) insert(ctx context.Context) error {
	d, n := s.d, len(s.docs)
	args := make([]any, 0, 12*n)
	for _, doc := range s.docs {
		args = append(args, string(doc.TrackingID), doc.OrderRef, string(doc.CaseID), string(doc.FEIN), string(doc.Action),
			idArg(doc.FileID), doc.FileControl, doc.BatchControl, d.timeArg(doc.SentAt),
			string(doc.Status), doc.Reason, d.timeArg(doc.AcknowledgedAt))
	}
	// RETURNING's rows need not come in the order of VALUES: each ID is
	// matched to its document by tracking ID (unique).
	query := "INSERT INTO documents (" + documentInsertCols + ") VALUES " + rowPlaceholders(12, n) + " RETURNING id, tracking_id"
	rows, err := d.query(ctx, s.tx, query, args...)
	if err != nil {
		return s.insertError(err)
	}
	defer rows.Close()
	byTracking := make(map[withholding.TrackingID]*withholding.Document, n)
	for _, doc := range s.docs {
		byTracking[doc.TrackingID] = doc
	}
	got := 0
	for rows.Next() {
		var id int64
		var tracking string
		if err := rows.Scan(&id, &tracking); err != nil {
			return fmt.Errorf("record documents: %w", err)
		}
		if doc := byTracking[withholding.TrackingID(tracking)]; doc != nil {
			doc.ID = id
			got++
		}
	}
	if err := rows.Err(); err != nil {
		return s.insertError(err)
	}
	if got != n {
		return fmt.Errorf("record documents: %d of %d IDs returned", got, n)
	}
	return nil
}

// insertError is the error of a batch INSERT that failed; a tracking ID
// recorded before (or twice in the batch) is ECONFLICT, as one document's
// INSERT said. Which one is not known without asking again, so the batch's
// first and last are named.
func (s *sentDocs) insertError(err error) error {
	if isUniqueViolation(err) {
		return withholding.Errorf(withholding.ECONFLICT, "a document tracking ID among %s…%s was already recorded",
			s.docs[0].TrackingID, s.docs[len(s.docs)-1].TrackingID)
	}
	return fmt.Errorf("record documents %s…%s: %w", s.docs[0].TrackingID, s.docs[len(s.docs)-1].TrackingID, err)
}

// updateOrders marks the batch's orders sent, each with its document's
// tracking ID, in one statement joined to the (order ID, tracking ID)
// pairs. The casts give PostgreSQL the pairs' types, which it cannot
// infer from a VALUES list of parameters; SQLite reads them as the same
// affinities.
func (s *sentDocs) updateOrders(ctx context.Context) error {
	d, n := s.d, len(s.docs)
	args := make([]any, 0, 2*n+3)
	for _, doc := range s.docs {
		args = append(args, doc.OrderRef, string(doc.TrackingID))
	}
	args = append(args, string(withholding.StatusSent), "", s.now)
	pair := "(CAST(? AS BIGINT), CAST(? AS TEXT))"
	query := "WITH sent (id, tracking_id) AS (VALUES " + strings.Repeat(pair+", ", n-1) + pair + ")" +
		" UPDATE orders SET status = ?, pending_action = ?, tracking_id = sent.tracking_id, updated_at = ?" +
		" FROM sent WHERE orders.id = sent.id"
	res, err := d.exec(ctx, s.tx, query, args...)
	if err != nil {
		return fmt.Errorf("update orders of documents %s…%s: %w", s.docs[0].TrackingID, s.docs[n-1].TrackingID, err)
	}
	if got, _ := res.RowsAffected(); got != int64(n) {
		return withholding.Errorf(withholding.ENOTFOUND, "%d of the orders of documents %s…%s not found", int64(n)-got, s.docs[0].TrackingID, s.docs[n-1].TrackingID)
	}
	return nil
}
