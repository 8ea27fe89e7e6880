package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

const fileCols = `id, direction, partner, kind, remote_name, local_path, size, sha256, state,
	control_number, control_sender, records, error, created_at, updated_at`

func scanFile(s interface{ Scan(...any) error }) (*withholding.File, error) {
	var f withholding.File
	err := s.Scan(&f.ID, &f.Direction, &f.Partner, &f.Kind, &f.RemoteName, &f.LocalPath, &f.Size,
		&f.SHA256, &f.State, &f.ControlNumber, &f.Sender, &f.Records, &f.Error,
		timeDest{&f.CreatedAt}, timeDest{&f.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

var fileStates = map[withholding.FileState]bool{
	withholding.FileReceived: true, withholding.FileParsed: true, withholding.FileApplied: true,
	withholding.FileQuarantined: true, withholding.FileSent: true, withholding.FileArchived: true,
}

// CreateFile records a file in the ledger and sets f.ID, CreatedAt and
// UpdatedAt. An empty State becomes received (inbound) or sent (outbound).
// Returns EINVALID for an unknown direction or state, or for an outbound
// file recorded as sent or archived without its SHA-256; ECONFLICT for an
// outbound control number already recorded. Recording a state of applied
// here does not count as applying the file; use ApplyPayments or
// ApplyAcknowledgments.
func (d *DB) CreateFile(ctx context.Context, f *withholding.File) error {
	if f.Direction != withholding.Inbound && f.Direction != withholding.Outbound {
		return withholding.Errorf(withholding.EINVALID, "file direction %q: want in or out", f.Direction)
	}
	if f.State == "" {
		f.State = withholding.FileReceived
		if f.Direction == withholding.Outbound {
			f.State = withholding.FileSent
		}
	}
	if !fileStates[f.State] {
		return withholding.Errorf(withholding.EINVALID, "file state %q unknown", f.State)
	}
	if f.Direction == withholding.Outbound && (f.State == withholding.FileSent || f.State == withholding.FileArchived) && f.SHA256 == "" {
		return withholding.Errorf(withholding.EINVALID, "outbound file %s recorded as %s without its size and SHA-256", f.RemoteName, f.State)
	}
	f.Error = withholding.MaskDigitRuns(f.Error)
	f.CreatedAt = d.now()
	f.UpdatedAt = f.CreatedAt
	now := d.timeArg(f.CreatedAt)
	err := d.queryRow(ctx, d.db, `INSERT INTO files (direction, partner, kind, remote_name, local_path,
		size, sha256, state, control_number, control_sender, records, error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		string(f.Direction), f.Partner, string(f.Kind), f.RemoteName, f.LocalPath, f.Size, f.SHA256,
		string(f.State), f.ControlNumber, f.Sender, f.Records, f.Error, now, now).Scan(&f.ID)
	if isUniqueViolation(err) {
		return withholding.Errorf(withholding.ECONFLICT, "file %s: control number %s was already sent", f.RemoteName, f.ControlNumber)
	} else if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	return nil
}

// FindFileByID returns the ledger entry id, ENOTFOUND if none.
func (d *DB) FindFileByID(ctx context.Context, id int64) (*withholding.File, error) {
	return d.findFile(ctx, d.db, id)
}

func (d *DB) findFile(ctx context.Context, q queryer, id int64) (*withholding.File, error) {
	f, err := scanFile(d.queryRow(ctx, q, "SELECT "+fileCols+" FROM files WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "no file %d in the ledger", id)
	} else if err != nil {
		return nil, fmt.Errorf("find file: %w", err)
	}
	return f, nil
}

// FindFiles lists ledger entries matching filter, newest first, and the
// total number of matches.
func (d *DB) FindFiles(ctx context.Context, filter withholding.FileFilter) ([]*withholding.File, int, error) {
	var w where
	if filter.Direction != nil {
		w.add("direction = ?", string(*filter.Direction))
	}
	if filter.Partner != nil {
		w.add("partner = ?", *filter.Partner)
	}
	if filter.Kind != nil {
		w.add("kind = ?", string(*filter.Kind))
	}
	if filter.State != nil {
		w.add("state = ?", string(*filter.State))
	}
	if filter.SHA256 != nil {
		w.add("sha256 = ?", *filter.SHA256)
	}
	if p := filter.SHA256Prefix; p != "" {
		if !withholding.ValidSHA256Prefix(p) {
			return nil, 0, withholding.Errorf(withholding.EINVALID, "SHA-256 %q: want %d to 64 hex digits of a file's SHA-256", p, withholding.MinSHA256Prefix)
		}
		// A range rather than LIKE, so that files_sha256 serves it on both
		// backends (every SHA-256 is 64 lower-case hex digits).
		w.add("sha256 >= ? AND sha256 <= ?", p+strings.Repeat("0", 64-len(p)), p+strings.Repeat("f", 64-len(p)))
	}
	if filter.Name != "" {
		w.add(`LOWER(remote_name) LIKE ? ESCAPE '\'`, "%"+likeEscape(strings.ToLower(filter.Name))+"%")
	}
	if filter.ControlNumber != nil {
		w.add("control_number = ?", *filter.ControlNumber)
	}
	if !filter.Since.IsZero() {
		w.add("created_at >= ?", d.timeArg(filter.Since))
	}
	if !filter.Until.IsZero() {
		w.add("created_at < ?", d.timeArg(filter.Until))
	}
	if filter.WithPartner {
		w.add("partner <> ''")
	}
	n, err := d.count(ctx, "files", &w)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d, "find files", scanFile, "SELECT "+fileCols+" FROM files"+w.String()+" ORDER BY id DESC"+
		d.page(filter.Offset, filter.Limit), w.args...)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// SetFileState moves the file id to state and records errText ("" clears
// it), with SSN-like numbers masked (withholding.MaskDigitRuns): an error
// text may quote the file's data. Returns ENOTFOUND for an unknown file and EINVALID for an unknown
// state. Setting applied here does not mark the file's SHA-256 as applied;
// only the Apply methods do.
func (d *DB) SetFileState(ctx context.Context, id int64, state withholding.FileState, errText string) error {
	if !fileStates[state] {
		return withholding.Errorf(withholding.EINVALID, "file state %q unknown", state)
	}
	res, err := d.exec(ctx, d.db, "UPDATE files SET state = ?, error = ?, updated_at = ? WHERE id = ?",
		string(state), withholding.MaskDigitRuns(errText), d.timeArg(d.now()), id)
	if err != nil {
		return fmt.Errorf("set file state: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return withholding.Errorf(withholding.ENOTFOUND, "no file %d in the ledger", id)
	}
	return nil
}

// ResolveQuarantine moves the quarantined inbound file id to archived
// with note as its error text, and returns it. The ledger keeps it as a
// file set aside without being applied (as a duplicate is), so its bytes
// stay free to be applied should they come in again. ENOTFOUND for an
// unknown file, ECONFLICT for one that is not a quarantined inbound file.
func (d *DB) ResolveQuarantine(ctx context.Context, id int64, note string) (*withholding.File, error) {
	var out *withholding.File
	err := d.inTx(ctx, func(tx *txn) error {
		f, err := d.findFile(ctx, tx, id)
		if err != nil {
			return err
		}
		if f.Direction != withholding.Inbound || f.State != withholding.FileQuarantined {
			return withholding.Errorf(withholding.ECONFLICT, "file %d is %s, not a quarantined inbound file", id, f.State)
		}
		// The state in the WHERE clause too: of two people resolving the
		// same file at once, one wins and the other gets a conflict.
		res, err := d.exec(ctx, tx, "UPDATE files SET state = ?, error = ?, updated_at = ? WHERE id = ? AND state = ?",
			string(withholding.FileArchived), withholding.MaskDigitRuns(note), d.timeArg(d.now()), id, string(withholding.FileQuarantined))
		if err != nil {
			return fmt.Errorf("resolve quarantined file %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return withholding.Errorf(withholding.ECONFLICT, "file %d is no longer quarantined", id)
		}
		out, err = d.findFile(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetFileSum records the size and SHA-256 (hex) of the bytes of the file id,
// for an outbound file recorded before it was written. A recorded sum never
// changes: setting the same one again does nothing, and a different one is
// refused with ECONFLICT. Returns ENOTFOUND for an unknown file and EINVALID
// for a negative size or a SHA-256 that is not 64 lower-case hex digits.
func (d *DB) SetFileSum(ctx context.Context, id, size int64, sha256 string) error {
	if size < 0 || !isSHA256(sha256) {
		return withholding.Errorf(withholding.EINVALID, "file %d: size %d, SHA-256 %q: want a size and 64 lower-case hex digits", id, size, sha256)
	}
	res, err := d.exec(ctx, d.db, "UPDATE files SET size = ?, sha256 = ?, updated_at = ? WHERE id = ? AND sha256 = ''",
		size, sha256, d.timeArg(d.now()), id)
	if err != nil {
		return fmt.Errorf("set file sum: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return nil
	}
	f, err := d.findFile(ctx, d.db, id)
	if err != nil {
		return err
	}
	if f.SHA256 != sha256 || f.Size != size {
		return withholding.Errorf(withholding.ECONFLICT, "file %s (ledger %d) is recorded with %d bytes and SHA-256 %s, not %d bytes and %s",
			f.RemoteName, f.ID, f.Size, f.SHA256, size, sha256)
	}
	return nil
}

// isSHA256 reports whether s is a SHA-256 as the ledger keeps it.
func isSHA256(s string) bool { return len(s) == 64 && withholding.ValidSHA256Prefix(s) }

// AppliedSHA256 reports whether a file with this SHA-256 has been applied.
func (d *DB) AppliedSHA256(ctx context.Context, sha256 string) (bool, error) {
	var n int
	err := d.queryRow(ctx, d.db, "SELECT COUNT(*) FROM files WHERE sha256 = ? AND applied_at IS NOT NULL", sha256).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up applied file: %w", err)
	}
	return n > 0, nil
}

// SetFileControl records the control number of the inbound file id and the
// sender that assigned it. ENOTFOUND for an unknown file; ECONFLICT once
// the file is applied (its control number is then part of the ledger's
// promise and stays as it was).
func (d *DB) SetFileControl(ctx context.Context, id int64, sender, controlNumber string) error {
	res, err := d.exec(ctx, d.db, "UPDATE files SET control_number = ?, control_sender = ?, updated_at = ? WHERE id = ? AND applied_at IS NULL",
		controlNumber, sender, d.timeArg(d.now()), id)
	if err != nil {
		return fmt.Errorf("set file control number: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := d.FindFileByID(ctx, id); err != nil {
			return err
		}
		return withholding.Errorf(withholding.ECONFLICT, "file %d is applied; its control number cannot change", id)
	}
	return nil
}

// beginApply checks, inside tx, that the file fileID may be applied: its
// bytes were never applied (ECONFLICT) and no applied file of its sender
// carried its control number (*withholding.ControlNumberError).
func (d *DB) beginApply(ctx context.Context, tx *txn, fileID int64) (*withholding.File, error) {
	f, err := d.findFile(ctx, tx, fileID)
	if err != nil {
		return nil, err
	}
	if f.SHA256 == "" {
		return nil, withholding.Errorf(withholding.EINVALID, "file %d (%s) has no SHA-256; it cannot be applied", f.ID, f.RemoteName)
	}
	controlled := f.ControlNumber != "" && f.Sender != ""
	if controlled && d.dialect == dialectPostgres {
		// Transactions applying files with the same sender and control
		// number take turns from here to their commit, so the second one's
		// look-ups below see the first one's file. (SQLite transactions
		// are IMMEDIATE: writers always take turns.)
		if _, err := d.exec(ctx, tx, "SELECT pg_advisory_xact_lock("+advisoryKey+")", "iwo.control/"+f.Sender+"/"+f.ControlNumber); err != nil {
			return nil, fmt.Errorf("lock control number %s: %w", f.ControlNumber, err)
		}
	}
	var other int64
	err = d.queryRow(ctx, tx, "SELECT id FROM files WHERE sha256 = ? AND applied_at IS NOT NULL", f.SHA256).Scan(&other)
	switch {
	case err == nil:
		return nil, withholding.Errorf(withholding.ECONFLICT, "file %s (ledger %d) has the same SHA-256 as file %d, already applied", f.RemoteName, f.ID, other)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("look up applied file: %w", err)
	}
	if !controlled {
		return f, nil
	}
	first, err := scanFile(d.queryRow(ctx, tx, "SELECT "+fileCols+` FROM files
		WHERE control_sender = ? AND control_number = ? AND applied_at IS NOT NULL AND control_sender <> ''`,
		f.Sender, f.ControlNumber))
	switch {
	case err == nil:
		return nil, &withholding.ControlNumberError{File: f, First: first}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("look up applied control number: %w", err)
	}
	return f, nil
}

// finishApply marks the file applied with records rows, inside tx.
func (d *DB) finishApply(ctx context.Context, tx *txn, f *withholding.File, records int) error {
	now := d.timeArg(d.now())
	_, err := d.exec(ctx, tx, "UPDATE files SET state = ?, records = ?, error = '', applied_at = ?, updated_at = ? WHERE id = ?",
		string(withholding.FileApplied), records, now, now, f.ID)
	if isControlViolation(err) {
		// Not reached while beginApply's lock holds; kept so that a race
		// the lock missed still refuses the file rather than archives it.
		return withholding.Errorf(withholding.EINVALID, "file %s (ledger %d): control number %s from sender %q was just applied by another instance", f.RemoteName, f.ID, f.ControlNumber, f.Sender)
	} else if isUniqueViolation(err) {
		// Another instance applied the same bytes between our check and now.
		return withholding.Errorf(withholding.ECONFLICT, "file %s (ledger %d): the same SHA-256 was just applied by another instance", f.RemoteName, f.ID)
	} else if err != nil {
		return fmt.Errorf("mark file applied: %w", err)
	}
	return nil
}

// ApplyPayments stores every payment the sequence yields under fileID
// (overriding Payment.FileID) and marks the file applied, in one
// transaction, and returns how many it stored. If the sequence yields an
// error or ctx ends, nothing is committed and that error is returned.
// Returns ECONFLICT when a file with the same SHA-256 was already applied,
// a *withholding.ControlNumberError (EINVALID) when an applied file of the
// same sender carried its control number (see SetFileControl), ENOTFOUND
// for an unknown file, EINVALID for a file without a SHA-256.
func (d *DB) ApplyPayments(ctx context.Context, fileID int64, payments iter.Seq2[*withholding.Payment, error]) (int, error) {
	var kept []*sql.Stmt
	if d.dialect == dialectSQLite {
		var err error
		if kept, err = d.prepareBatches(ctx, paymentBatches); err != nil {
			return 0, err
		}
	}
	var n int
	// On SQLite a bulk transaction: its many-row INSERTs keep their
	// statement journals in memory rather than in a temporary file (1.35
	// of pull-remittances' 12 CPU s at the state-sized bench went to
	// writing them), and the payments' one reference, their file, is the
	// row beginApply has just read, so SQLite need not look it up again
	// for each payment.
	inTx := d.inTx
	if d.dialect == dialectSQLite {
		inTx = func(ctx context.Context, fn func(tx *txn) error) error { return d.inBulkTxChecked(ctx, false, fn) }
	}
	err := inTx(ctx, func(tx *txn) error {
		f, err := d.beginApply(ctx, tx, fileID)
		if err != nil {
			return err
		}
		if d.dialect == dialectPostgres {
			n, err = d.copyPayments(ctx, tx, fileID, payments)
		} else {
			n, err = d.insertPayments(ctx, tx, kept, fileID, payments)
		}
		if err != nil {
			return err
		}
		return d.finishApply(ctx, tx, f, n)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// ApplyAcknowledgments stores acks under fileID (setting their ID and
// FileID), records each one's disposition on the document with its
// tracking ID, applies the order updates, creates the exceptions that are
// new (FileID defaults to fileID), and marks the file applied, in one
// transaction. ECONFLICT when the same SHA-256 was already applied; a
// *withholding.ControlNumberError (EINVALID) when an applied file of the
// same sender carried its control number; ENOTFOUND for an unknown file or
// order.
func (d *DB) ApplyAcknowledgments(ctx context.Context, fileID int64, acks []*withholding.Acknowledgment, orders map[int64]withholding.OrderUpdate, exceptions []*withholding.Exception) error {
	return d.inTx(ctx, func(tx *txn) error {
		f, err := d.beginApply(ctx, tx, fileID)
		if err != nil {
			return err
		}
		now := d.now()
		for _, a := range acks {
			a.FileID = fileID
			if err := d.insertAck(ctx, tx, a); err != nil {
				return err
			}
			if a.TrackingID == "" || a.Refused != "" {
				continue // a refused answer leaves the IWO's document as it was
			}
			_, err := d.exec(ctx, tx, "UPDATE documents SET status = ?, reason = ?, acknowledged_at = ? WHERE tracking_id = ?",
				string(a.Status), a.Reason, d.timeArg(now), string(a.TrackingID))
			if err != nil {
				return fmt.Errorf("record acknowledgment on document: %w", err)
			}
		}
		// Sorted, so that concurrent appliers lock rows in the same order.
		for _, id := range slices.Sorted(maps.Keys(orders)) {
			if err := d.updateOrder(ctx, tx, id, orders[id]); err != nil {
				return err
			}
		}
		for _, e := range exceptions {
			if e.FileID == 0 {
				e.FileID = fileID
			}
		}
		if _, err := d.upsertExceptions(ctx, tx, withholding.ExceptionSeq(exceptions...)); err != nil {
			return err
		}
		return d.finishApply(ctx, tx, f, len(acks))
	})
}

// RecordSent stores the documents docs yields for the outbound file fileID
// (setting their ID and FileID, and SentAt when zero), updates their orders
// (status sent, pending action cleared, tracking ID set) and marks the file
// sent with the document count and its control number (the documents'
// FileControl, when they have one), in one transaction. It holds one
// batch of documents at a time (sentBatchRows), stored in one statement,
// and of each document only its order and tracking ID until the orders
// are updated, by ID, after the documents: send-iwos records files of up
// to 999,999 IWOs. One transaction, however many documents, is what keeps a
// crash from leaving some of a file's orders marked sent while the file
// itself was never pushed. ENOTFOUND for an unknown file or order; ECONFLICT for a tracking
// ID already recorded or a control number another outbound file carried;
// EINVALID when the documents disagree on the file's control number, or
// for a file whose size and SHA-256 were not recorded (SetFileSum).
//
// It runs as a bulk transaction (inBulkTx): a file's documents are a
// large write, of many pages of the orders table. On SQLite it checks the documents' references itself (inBulkTxChecked):
// the file is read first, and the UPDATE of the orders, by ID after the
// documents, finds every document's order or fails the whole file. SQLite
// checking each document's order as it was stored read a random page of
// the orders table per IWO, as many reads again as the UPDATE's.
func (d *DB) RecordSent(ctx context.Context, fileID int64, docs iter.Seq[*withholding.Document]) error {
	return d.inBulkTxChecked(ctx, false, func(tx *txn) error {
		f, err := d.findFile(ctx, tx, fileID)
		if err != nil {
			return err
		}
		if f.SHA256 == "" {
			return withholding.Errorf(withholding.EINVALID, "file %s (ledger %d) has no SHA-256: record its size and SHA-256 before marking it sent", f.RemoteName, f.ID)
		}
		now := d.now()
		batch := newSentDocs(d, tx)
		control, n := "", 0
		for doc := range docs {
			if n > 0 && doc.FileControl != control {
				return withholding.Errorf(withholding.EINVALID, "file %d: documents carry file control numbers %q and %q", fileID, control, doc.FileControl)
			}
			control = doc.FileControl
			n++
			doc.FileID = fileID
			if doc.SentAt.IsZero() {
				doc.SentAt = now
			}
			if err := batch.add(ctx, doc); err != nil {
				return err
			}
		}
		if err := batch.finish(ctx); err != nil {
			return err
		}
		if control == "" {
			control = f.ControlNumber
		}
		if control != "" {
			var otherID int64
			var otherName string
			err := d.queryRow(ctx, tx, "SELECT id, remote_name FROM files WHERE direction = 'out' AND control_number = ? AND control_number <> '' AND id <> ?", control, f.ID).Scan(&otherID, &otherName)
			switch {
			case err == nil:
				return withholding.Errorf(withholding.ECONFLICT, "file %s (ledger %d): control number %s was already sent in file %s (ledger %d); a control number is never sent twice", f.RemoteName, f.ID, control, otherName, otherID)
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("look up sent control number: %w", err)
			}
		}
		_, err = d.exec(ctx, tx, "UPDATE files SET state = ?, records = ?, control_number = ?, error = '', updated_at = ? WHERE id = ?",
			string(withholding.FileSent), n, control, d.timeArg(now), f.ID)
		if isUniqueViolation(err) {
			return withholding.Errorf(withholding.ECONFLICT, "file %s (ledger %d): control number %s was just sent in another file", f.RemoteName, f.ID, control)
		} else if err != nil {
			return fmt.Errorf("mark file sent: %w", err)
		}
		return nil
	})
}
