package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

var exceptionCols = []string{
	"key", "type", "severity", "status", "case_id", "order_ref", "fein", "ssn", "payment_ids", "file_id",
	"amount_cents", "expected_cents", "due_date", "message", "suggested_action", "opened_on",
	"resolved_by", "resolved_at", "note", "assigned_to",
}

var (
	exceptionSelectCols = append([]string{"id"}, exceptionCols...)
	exceptionSelectList = "SELECT " + strings.Join(exceptionSelectCols, ", ")
	exceptionSelect     = exceptionSelectList + " FROM exceptions"
)

func scanException(s interface{ Scan(...any) error }) (*withholding.Exception, error) {
	var e withholding.Exception
	var paymentIDs string
	err := s.Scan(&e.ID,
		&e.Key, &e.Type, &e.Severity, &e.Status, &e.CaseID, idDest{&e.OrderRef}, &e.FEIN, &e.SSN, &paymentIDs, idDest{&e.FileID},
		&e.Amount, &e.Expected, dateDest{&e.DueDate}, &e.Message, &e.SuggestedAction, dateDest{&e.OpenedOn},
		&e.ResolvedBy, timeDest{&e.ResolvedAt}, &e.Note, &e.AssignedTo,
	)
	if err != nil {
		return nil, err
	}
	if paymentIDs != "" {
		if err := json.Unmarshal([]byte(paymentIDs), &e.PaymentIDs); err != nil {
			return nil, fmt.Errorf("decode exception payment IDs: %w", err)
		}
	}
	return &e, nil
}

// UpsertExceptions creates the exceptions whose Key is new, in one
// transaction, and returns how many it created. Existing exceptions (any
// status) are left untouched. Every element gets the ID of its row, new or
// existing. An empty Status becomes open. EINVALID for an empty Key or Type.
func (d *DB) UpsertExceptions(ctx context.Context, exs []*withholding.Exception) (int, error) {
	var n int
	err := d.inTx(ctx, func(tx *txn) error {
		var err error
		n, err = d.upsertExceptions(ctx, tx, withholding.ExceptionSeq(exs...))
		return err
	})
	return n, err
}

// exceptionBatch is how many exceptions one INSERT or look-up carries: 21
// arguments a row stay well under SQLite's 32766 variables and
// PostgreSQL's 65535. A night finds up to a million exceptions (every
// unanswered IWO of a state's first week), and one statement per
// exception was most of the reconcile job's time (docs/scaling.md).
const exceptionBatch = 500

// upsertExceptions inserts exs exceptionBatch at a time, each INSERT
// skipping the keys already taken and returning the IDs of the rows it
// made; the rest of a batch's IDs are then read by key in one look-up.
// exs is read once; only a batch of it is held at a time.
func (d *DB) upsertExceptions(ctx context.Context, q queryer, exs iter.Seq2[*withholding.Exception, error]) (int, error) {
	now := d.timeArg(d.now())
	created := 0
	lookup := "SELECT id, key FROM exceptions WHERE key IN (" + placeholders(exceptionBatch) + ")"
	var args []any
	ids := map[string]int64{}
	var missing []string
	insert := func(rows int) string {
		return insertNewSQL("exceptions", exceptionCols, "key", rows) + " RETURNING id, key"
	}
	err := inBatches(exs, exceptionBatch, insert, func(query string, batch []*withholding.Exception) error {
		args = args[:0]
		for _, e := range batch {
			var err error
			if args, err = d.exceptionArgs(args, e); err != nil {
				return err
			}
			args = append(args, now)
		}
		clear(ids)
		n, err := d.scanIDs(ctx, q, ids, query, args...)
		if err != nil {
			return fmt.Errorf("create exceptions: %w", err)
		}
		created += n
		missing = missing[:0]
		for _, e := range batch {
			if _, ok := ids[e.Key]; !ok {
				ids[e.Key] = 0 // looked up once, however often the batch repeats it
				missing = append(missing, e.Key)
			}
		}
		if len(missing) > 0 { // keys taken before this batch
			if _, err := d.scanIDs(ctx, q, ids, lookup, padArgs(args[:0], missing, exceptionBatch)...); err != nil {
				return fmt.Errorf("find exceptions: %w", err)
			}
		}
		for _, e := range batch {
			if e.ID = ids[e.Key]; e.ID == 0 {
				return fmt.Errorf("find exception %s: %w", e.Key, sql.ErrNoRows)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

// scanIDs runs query, which returns (id, key) rows, adds them to ids and
// returns how many rows it read.
func (d *DB) scanIDs(ctx context.Context, q queryer, ids map[string]int64, query string, args ...any) (int, error) {
	rows, err := d.query(ctx, q, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return 0, err
		}
		ids[key] = id
		n++
	}
	return n, rows.Err()
}

// insertExceptions creates the exceptions of exs whose Key is new,
// exceptionBatch at a time, and returns how many it created. Unlike
// upsertExceptions it reads nothing back: the reconcile job, which records
// a night's findings through it, has no use for their IDs, and reading
// back the ID of each of them (a RETURNING row per new exception, a
// look-up per batch of the existing ones) took about 2 of the job's 22 CPU
// seconds at 300,000 orders (docs/scaling.md, fix 17). The elements of
// exs get no ID.
func (d *DB) insertExceptions(ctx context.Context, q queryer, exs iter.Seq2[*withholding.Exception, error]) (int, error) {
	return insertNew(ctx, d, q, exs, exceptionBatch, "exceptions", exceptionCols, "key", d.exceptionArgs)
}

// exceptionArgs appends the values of e's exceptionCols to args, an
// empty Status made open. EINVALID for an empty Key or Type.
func (d *DB) exceptionArgs(args []any, e *withholding.Exception) ([]any, error) {
	if e.Key == "" || e.Type == "" {
		return args, withholding.Errorf(withholding.EINVALID, "exception needs a key and a type (got key %q, type %q)", e.Key, e.Type)
	}
	if e.Status == "" {
		e.Status = withholding.ExceptionOpen
	}
	pids := ""
	if len(e.PaymentIDs) > 0 {
		b, _ := json.Marshal(e.PaymentIDs) // []int64 always marshals
		pids = string(b)
	}
	return append(args, e.Key, string(e.Type), string(e.Severity), string(e.Status), string(e.CaseID), idArg(e.OrderRef),
		string(e.FEIN), e.SSN.Digits(), pids, idArg(e.FileID), int64(e.Amount), int64(e.Expected),
		d.dateArg(e.DueDate), e.Message, e.SuggestedAction, d.dateArg(e.OpenedOn),
		e.ResolvedBy, d.timeArg(e.ResolvedAt), e.Note, e.AssignedTo), nil
}

// exceptionOrders are the ORDER BY clauses of the exception sorts.
var exceptionOrders = map[withholding.ExceptionSort]string{
	withholding.ExceptionsOldest:   "opened_on, id",
	withholding.ExceptionsNewest:   "opened_on DESC, id DESC",
	withholding.ExceptionsSeverity: "CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END, opened_on, id",
	withholding.ExceptionsAmount:   "amount_cents DESC, id",
	withholding.ExceptionsType:     "type, opened_on, id",
	withholding.ExceptionsReport:   "opened_on, CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END, id",
}

// FindExceptions returns the exceptions matching filter in its Sort order
// (by ID when Sort is empty), and the total number of matches. EINVALID
// for an unknown sort.
func (d *DB) FindExceptions(ctx context.Context, filter withholding.ExceptionFilter) ([]*withholding.Exception, int, error) {
	rest, w, err := d.exceptionQuery(filter)
	if err != nil {
		return nil, 0, err
	}
	n, err := d.count(ctx, "exceptions", w)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d, "find exceptions", scanException, exceptionSelectList+rest, w.args...)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// CountExceptions counts the exceptions matching filter, leaving its Type
// aside, by type: the most frequent first, then by type.
func (d *DB) CountExceptions(ctx context.Context, filter withholding.ExceptionFilter) ([]withholding.ExceptionCount, error) {
	w := d.exceptionWhere(filter)
	rows, err := d.query(ctx, d.db, "SELECT type, COUNT(*) FROM exceptions"+w.String()+" GROUP BY type ORDER BY COUNT(*) DESC, type", w.args...)
	if err != nil {
		return nil, fmt.Errorf("count exceptions: %w", err)
	}
	defer rows.Close()
	var out []withholding.ExceptionCount
	for rows.Next() {
		var c withholding.ExceptionCount
		if err := rows.Scan(&c.Type, &c.Count); err != nil {
			return nil, fmt.Errorf("count exceptions: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count exceptions: %w", err)
	}
	return out, nil
}

// exceptionWhere is filter as SQL, but for its Type (CountExceptions
// counts every type of the rest of the filter).
func (d *DB) exceptionWhere(filter withholding.ExceptionFilter) *where {
	var w where
	if filter.Key != nil {
		w.add("key = ?", *filter.Key)
	}
	if filter.Severity != nil {
		w.add("severity = ?", string(*filter.Severity))
	}
	if filter.AssignedTo != nil {
		w.add("assigned_to = ?", *filter.AssignedTo)
	}
	if !filter.OpenedBefore.IsZero() {
		w.add("opened_on < ?", d.dateArg(filter.OpenedBefore))
	}
	if !filter.OpenedAfter.IsZero() {
		w.add("opened_on > ?", d.dateArg(filter.OpenedAfter))
	}
	whereIn(&w, "id", filter.IDs, func(id int64) any { return id })
	if filter.Status != nil {
		w.add("status = ?", string(*filter.Status))
	}
	if filter.CaseID != nil {
		w.add("case_id = ?", string(*filter.CaseID))
	}
	if filter.FEIN != nil {
		w.add("fein = ?", string(*filter.FEIN))
	}
	whereIn(&w, "fein", filter.FEINs, func(f withholding.FEIN) any { return string(f) })
	return &w
}

var exceptionStatuses = map[withholding.ExceptionStatus]bool{
	withholding.ExceptionOpen: true, withholding.ExceptionResolved: true, withholding.ExceptionDismissed: true,
}

// UpdateException applies upd to the exception id and returns the result.
// Moving it to resolved or dismissed records upd.By and the time; reopening
// clears them. ENOTFOUND if missing, EINVALID for an unknown status.
func (d *DB) UpdateException(ctx context.Context, id int64, upd withholding.ExceptionUpdate) (*withholding.Exception, error) {
	out, err := d.UpdateExceptions(ctx, []int64{id}, upd)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// UpdateExceptions applies upd to every exception of ids, in one
// transaction, and returns them in the order of ids. ENOTFOUND when one is
// missing (and nothing changes), EINVALID for an unknown status.
func (d *DB) UpdateExceptions(ctx context.Context, ids []int64, upd withholding.ExceptionUpdate) ([]*withholding.Exception, error) {
	var sets []string
	var args []any
	if upd.Status != nil {
		if !exceptionStatuses[*upd.Status] {
			return nil, withholding.Errorf(withholding.EINVALID, "exception status %q unknown", *upd.Status)
		}
		sets = append(sets, "status = ?", "resolved_by = ?", "resolved_at = ?")
		if *upd.Status == withholding.ExceptionOpen {
			args = append(args, string(*upd.Status), "", nil)
		} else {
			args = append(args, string(*upd.Status), upd.By, d.timeArg(d.now()))
		}
	}
	if upd.Note != nil {
		sets = append(sets, "note = ?")
		args = append(args, *upd.Note)
	}
	if upd.AssignedTo != nil {
		sets = append(sets, "assigned_to = ?")
		args = append(args, *upd.AssignedTo)
	}
	out := make([]*withholding.Exception, 0, len(ids))
	err := d.inTx(ctx, func(tx *txn) error {
		for _, id := range ids {
			if len(sets) > 0 {
				res, err := d.exec(ctx, tx, "UPDATE exceptions SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...)
				if err != nil {
					return fmt.Errorf("update exception %d: %w", id, err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					return withholding.Errorf(withholding.ENOTFOUND, "no exception %d", id)
				}
			}
			e, err := scanException(d.queryRow(ctx, tx, exceptionSelect+" WHERE id = ?", id))
			if errors.Is(err, sql.ErrNoRows) {
				return withholding.Errorf(withholding.ENOTFOUND, "no exception %d", id)
			} else if err != nil {
				return fmt.Errorf("find exception %d: %w", id, err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// insertNewSQL is an INSERT of rows rows of cols plus created_at into
// table that skips each row whose key column is already taken: how the
// reconcile job's findings stay first-come across re-runs.
func insertNewSQL(table string, cols []string, key string, rows int) string {
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ", created_at) VALUES " +
		rowPlaceholders(len(cols)+1, rows) + " ON CONFLICT (" + key + ") DO NOTHING"
}
