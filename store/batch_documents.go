package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
// writes them a batch at a time, then updates their orders. It holds at
// most sentBatchRows documents, so a file of a million IWOs still
// streams; of each document it keeps its order and tracking ID (about 50
// bytes) until every document is stored.
//
// The orders are updated after the documents, in order ID order, not
// batch by batch in the file's order: the file's order is by employer,
// which scatters its orders over the whole table (a page's seven or so
// orders mostly belong to different employers), so each batch's UPDATE
// dirtied pages all over it, and once they outgrew the page cache SQLite
// wrote a page to the WAL again for nearly every order on it. In ID order
// each page of the table is changed, and written, once.
type sentDocs struct {
	d    *DB
	tx   *txn
	docs []*withholding.Document
	// sent is each document's order and tracking ID, in the file's order.
	sent []sentOrder
	now  any // updated_at of the orders, as an argument
}

// sentOrder is an order to mark sent and the tracking ID it gets.
type sentOrder struct {
	id       int64
	tracking withholding.TrackingID
}

func newSentDocs(d *DB, tx *txn) *sentDocs {
	return &sentDocs{d: d, tx: tx, docs: make([]*withholding.Document, 0, sentBatchRows), now: d.timeArg(d.now())}
}

// add takes doc, storing the batch before it when it is full.
func (s *sentDocs) add(ctx context.Context, doc *withholding.Document) error {
	if doc.TrackingID == "" {
		return withholding.Errorf(withholding.EINVALID, "document for case %s has no tracking ID", doc.CaseID)
	}
	if len(s.docs) == sentBatchRows {
		if err := s.insert(ctx); err != nil {
			return err
		}
	}
	s.docs = append(s.docs, doc)
	s.sent = append(s.sent, sentOrder{id: doc.OrderRef, tracking: doc.TrackingID})
	return nil
}

// finish stores the documents left, setting each document's ID, and
// updates the orders of every document added (status sent, pending
// action cleared, tracking ID), sentBatchRows orders a statement in ID
// order. An order with several documents gets the last one's tracking ID,
// as when each document was stored and its order updated in turn.
func (s *sentDocs) finish(ctx context.Context) error {
	if err := s.insert(ctx); err != nil {
		return err
	}
	// Stable, so that the last of an order's documents is the last of its run.
	slices.SortStableFunc(s.sent, func(a, b sentOrder) int { return cmp.Compare(a.id, b.id) })
	orders := s.sent[:0]
	for i, o := range s.sent {
		if i+1 < len(s.sent) && s.sent[i+1].id == o.id {
			continue
		}
		orders = append(orders, o)
	}
	for batch := range slices.Chunk(orders, sentBatchRows) {
		if err := s.updateOrders(ctx, batch); err != nil {
			return err
		}
	}
	s.sent = nil
	return nil
}

// orRollback is SQLite's "OR ROLLBACK " for RecordSent's statements, ""
// on PostgreSQL. A statement that writes many rows and may fail halfway
// otherwise keeps a statement journal, a copy of every page it changes, to
// undo its own rows alone (1.4 of RecordSent's 12.8 CPU s at 600,000
// IWOs); RecordSent gives up the whole file whenever one of its
// statements fails, so SQLite may as well roll the transaction back
// itself. Failures keep their kind: ECONFLICT for a tracking ID recorded
// before, as RecordSentManyBatches checks.
func (s *sentDocs) orRollback() string {
	if s.d.dialect == dialectSQLite {
		return "OR ROLLBACK "
	}
	return ""
}

// insert stores the documents gathered, setting each one's ID.
func (s *sentDocs) insert(ctx context.Context) error {
	d, n := s.d, len(s.docs)
	if n == 0 {
		return nil
	}
	args := make([]any, 0, 12*n)
	for _, doc := range s.docs {
		args = append(args, string(doc.TrackingID), doc.OrderRef, string(doc.CaseID), string(doc.FEIN), string(doc.Action),
			idArg(doc.FileID), doc.FileControl, doc.BatchControl, d.timeArg(doc.SentAt),
			string(doc.Status), doc.Reason, d.timeArg(doc.AcknowledgedAt))
	}
	// RETURNING's rows need not come in the order of VALUES: each ID is
	// matched to its document by tracking ID (unique).
	query := "INSERT " + s.orRollback() + "INTO documents (" + documentInsertCols + ") VALUES " + rowPlaceholders(12, n) + " RETURNING id, tracking_id"
	ids := make(map[string]int64, n)
	if _, err := d.scanIDs(ctx, s.tx, ids, query, args...); err != nil {
		return s.insertError(err)
	}
	got := 0
	for _, doc := range s.docs {
		if id, ok := ids[string(doc.TrackingID)]; ok {
			doc.ID = id
			got++
		}
	}
	if got != n {
		return fmt.Errorf("record documents: %d of %d IDs returned", got, n)
	}
	s.docs = s.docs[:0]
	return nil
}

// insertError is the error of a batch INSERT that failed; a tracking ID
// recorded before (or twice in the batch) is ECONFLICT, as one document's
// INSERT said. Which one is not known without asking again, so the batch's
// first and last are named. A document whose order is unknown is
// ENOTFOUND, as the UPDATE of the orders says where the INSERT does not
// check (SQLite, RecordSent).
func (s *sentDocs) insertError(err error) error {
	first, last := s.docs[0].TrackingID, s.docs[len(s.docs)-1].TrackingID
	switch {
	case isUniqueViolation(err):
		return withholding.Errorf(withholding.ECONFLICT, "a document tracking ID among %s…%s was already recorded", first, last)
	case isForeignKeyViolation(err):
		return withholding.Errorf(withholding.ENOTFOUND, "an order of the documents %s…%s not found", first, last)
	}
	return fmt.Errorf("record documents %s…%s: %w", first, last, err)
}

// updateOrders marks the orders sent, each with its tracking ID, in one
// statement joined to the (order ID, tracking ID) pairs. The casts give
// PostgreSQL the pairs' types, which it cannot infer from a VALUES list of
// parameters; SQLite reads them as the same affinities.
func (s *sentDocs) updateOrders(ctx context.Context, orders []sentOrder) error {
	d, n := s.d, len(orders)
	args := make([]any, 0, 2*n+3)
	for _, o := range orders {
		args = append(args, o.id, string(o.tracking))
	}
	args = append(args, string(withholding.StatusSent), "", s.now)
	pair := "(CAST(? AS BIGINT), CAST(? AS TEXT))"
	query := "WITH sent (id, tracking_id) AS (VALUES " + strings.Repeat(pair+", ", n-1) + pair + ")" +
		" UPDATE " + s.orRollback() + "orders SET status = ?, pending_action = ?, tracking_id = sent.tracking_id, updated_at = ?" +
		" FROM sent WHERE orders.id = sent.id"
	res, err := d.exec(ctx, s.tx, query, args...)
	if err != nil {
		return fmt.Errorf("update orders %d…%d of sent documents: %w", orders[0].id, orders[n-1].id, err)
	}
	if got, _ := res.RowsAffected(); got != int64(n) {
		return withholding.Errorf(withholding.ENOTFOUND, "%d of the orders %d…%d of sent documents not found", int64(n)-got, orders[0].id, orders[n-1].id)
	}
	return nil
}
