package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// documentColList are a document's columns, in scanDocument's order.
var documentColList = []string{"id", "tracking_id", "order_ref", "case_id", "fein", "action", "file_id", "file_control",
	"batch_control", "sent_at", "status", "reason", "acknowledged_at"}

var documentCols = strings.Join(documentColList, ", ")

func scanDocument(s interface{ Scan(...any) error }) (*withholding.Document, error) {
	var doc withholding.Document
	err := s.Scan(&doc.ID, &doc.TrackingID, &doc.OrderRef, &doc.CaseID, &doc.FEIN, &doc.Action,
		idDest{&doc.FileID}, &doc.FileControl, &doc.BatchControl, timeDest{&doc.SentAt},
		&doc.Status, &doc.Reason, timeDest{&doc.AcknowledgedAt})
	if err != nil {
		return nil, err
	}
	return &doc, nil
}

// FindDocumentByTrackingID returns the document with tracking ID id,
// ENOTFOUND if none.
func (d *DB) FindDocumentByTrackingID(ctx context.Context, id withholding.TrackingID) (*withholding.Document, error) {
	doc, err := scanDocument(d.keptRow(ctx, "SELECT "+documentCols+" FROM documents WHERE tracking_id = ?", string(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "no IWO document with tracking ID %s", id)
	} else if err != nil {
		return nil, fmt.Errorf("find document: %w", err)
	}
	return doc, nil
}

// FindDocuments lists the documents of order orderRef (all documents when
// orderRef is 0), oldest first, and the total number of matches.
func (d *DB) FindDocuments(ctx context.Context, orderRef int64, offset, limit int) ([]*withholding.Document, int, error) {
	var w where
	if orderRef > 0 {
		w.add("order_ref = ?", orderRef)
	}
	n, err := d.count(ctx, "documents", &w)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d, "find documents", scanDocument, "SELECT "+documentCols+" FROM documents"+w.String()+" ORDER BY id"+d.page(offset, limit), w.args...)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// EachDocument streams the documents matching filter, oldest first (by
// ID), or newest sent first with NewestFirst.
//
// NewestFirst sorts in the database (SQLite's sorter and PostgreSQL's
// spill to temporary files past their memory), so that the operations
// workbook lists a state's first night of a million IWOs without holding
// them: read whole and sorted in Go they were most of the report job's
// memory (docs/scaling.md). Ties keep ID order, as a stable sort of the
// documents by ID did; NULLS LAST puts never-sent documents last in
// PostgreSQL as in SQLite, where NULL sorts first.
func (d *DB) EachDocument(ctx context.Context, filter withholding.DocumentFilter) iter.Seq2[*withholding.Document, error] {
	var w where
	if len(filter.Statuses) > 0 {
		args := make([]any, len(filter.Statuses))
		for i, s := range filter.Statuses {
			args[i] = string(s)
		}
		w.add("status IN (?"+strings.Repeat(", ?", len(args)-1)+")", args...)
	}
	whereIn(&w, "tracking_id", filter.TrackingIDs, func(id withholding.TrackingID) any { return string(id) })
	// Times are kept to the microsecond, so "after the instant truncated
	// to the microsecond" is "after the instant".
	if !filter.ActiveSince.IsZero() {
		since := d.timeArg(filter.ActiveSince)
		w.add("(sent_at > ? OR acknowledged_at > ?)", since, since)
	}
	if !filter.SentSince.IsZero() {
		w.add("sent_at > ?", d.timeArg(filter.SentSince))
	}
	if !filter.SentBefore.IsZero() {
		w.add("sent_at < ?", d.timeArg(filter.SentBefore))
	}
	order := " ORDER BY id"
	if filter.NewestFirst {
		order = " ORDER BY sent_at DESC NULLS LAST, id"
	}
	return queryEachPacked(ctx, d, "find documents", scanDocument, documentColList, " FROM documents"+w.String()+order, w.args...)
}
