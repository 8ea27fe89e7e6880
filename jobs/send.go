package jobs

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// SendIWOs is the "send-iwos" job: it writes an e-IWO file for every order
// with a pending action (ORG, AMD, TRM, LUM) — one file per destination
// partner (the employer's Partner, or the portal for ""), or several when
// one would carry more than 9,999 employers or 999,999 IWOs, with one
// batch per employer EIN — records every document's tracking identifier
// and the file and batch control numbers, and pushes the files.
//
// An outbound file moves through the ledger as parsed (built locally),
// sent (its size and SHA-256 recorded, then its documents and order changes
// committed in one transaction) and archived (on the partner's server). A
// file left sent — the push failed, or the process stopped — is pushed
// again at the start of the next run; the push is idempotent, so the
// partner never gets it twice, and it uploads nothing when the local copy
// no longer has the recorded SHA-256 (ErrLocalCopyChanged). A file left
// parsed — the process died before its documents were recorded — was never
// pushed; the next run discards it and sends its orders in a new file.
type SendIWOs struct {
	Exchange  *Exchange
	Files     withholding.FileService
	Orders    withholding.OrderService
	Employers withholding.EmployerService
	// Issuer is what the agency says on every IWO.
	Issuer edi.Issuer
	// StateFIPS is the 2-digit state FIPS code: the first digits of
	// tracking identifiers and control numbers.
	StateFIPS string
	// Env is the clock and the agency's time zone (document dates).
	Env

	// maxBatches and maxIWOs are the most employers and IWOs in one file:
	// edi.MaxBatches and maxFileIWOs when zero. Tests lower them.
	maxBatches, maxIWOs int
}

// Name implements Job.
func (j *SendIWOs) Name() string { return JobSendIWOs }

// Run implements Job.
//
// It streams: the orders needing an IWO are read by employer FEIN (a page
// at a time, store.EachOrder), each IWO is written to its partner's open
// file as it is built, a file is finished — recorded, then pushed — as
// soon as it is full, and of each IWO written only what its document
// needs is kept until then. Memory is therefore bounded by the file
// limits, not by the number of orders: planning every order first held
// about 8 KB an order, 9.7 GB for a state's first night of 1.2 million
// ORGs (docs/scaling.md).
//
// The orders are read in one stream by FEIN, whatever their partner, and
// each partner has one file open at a time: the partner stays decided in
// one place (destination, per employer, read once per run of its orders)
// rather than again in SQL, and FEIN order is each partner's EIN order.
func (j *SendIWOs) Run(ctx context.Context) (Result, error) {
	var res Result
	var errs []error
	// First, files a dead run built but never recorded: their orders are
	// planned again below.
	if err := j.discardUnsent(ctx, j.Now(), &res); err != nil {
		errs = append(errs, err)
	}
	// Then, files committed earlier but never delivered.
	if err := j.redeliver(ctx, &res); err != nil {
		errs = append(errs, err)
	}
	okParts, sendErrs := j.sendPending(ctx, &res)
	err := errors.Join(append(errs, sendErrs...)...)
	res.Partial = err != nil && (okParts > 0 || res.Files > 0)
	return res, err
}

// sendPending writes, records and pushes the IWOs of every order with a
// pending action, one partner's files after another as they fill. Orders
// that cannot go out (no employer, paper employer, no partner, data the
// e-IWO layout refuses) are counted and reported, not sent. It returns how
// many files were recorded and pushed, and the problems and failures.
func (j *SendIWOs) sendPending(ctx context.Context, res *Result) (int, []error) {
	var errs []error
	okFiles := 0
	finish := func(ob *outbound) {
		if err := j.finish(ctx, ob, res); err != nil {
			errs = append(errs, fmt.Errorf("partner %s: %w", ob.partner.Name, err))
			return
		}
		okFiles++
	}
	// check checks an IWO on its own where no open file checks it as it
	// is written (see below).
	check := edi.Checker{Kind: edi.KindIWO}
	byPartner := map[string]*partnerFiles{}
	today := withholding.DateOf(j.Now().In(j.Loc()))
	// Orders come grouped by employer, so the one employer read last is
	// the only one needed.
	var (
		e     *withholding.Employer
		eFEIN withholding.FEIN
		p     *transfer.Partner
		read  bool
	)
	var stop error
	for o, err := range j.Orders.EachOrderByEmployer(ctx, withholding.OrderFilter{NeedsIWO: true}) {
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			stop = fmt.Errorf("find orders needing an IWO: %w", err)
			break
		}
		if !read || o.EmployerFEIN != eFEIN {
			e, err = j.Employers.FindEmployerByFEIN(ctx, o.EmployerFEIN)
			if withholding.ErrorCode(err) == withholding.ENOTFOUND {
				e = nil
			} else if err != nil {
				stop = fmt.Errorf("find employer %s: %w", o.EmployerFEIN, err)
				break
			}
			eFEIN, read, p = o.EmployerFEIN, true, nil
			if e != nil && e.EIWO {
				p = j.destination(e)
			}
		}
		switch {
		case e == nil:
			res.Add("no_employer", 1)
			errs = append(errs, fmt.Errorf("order %d (case %s): employer %s unknown", o.ID, o.CaseID, o.EmployerFEIN))
			continue
		case !e.EIWO:
			res.Add("paper", 1) // paper employers are served by mail, not by this job
			continue
		case p == nil:
			res.Add("no_partner", 1)
			errs = append(errs, fmt.Errorf("order %d (case %s): no partner for employer %s (partner %q)", o.ID, o.CaseID, e.FEIN, e.Partner))
			continue
		}
		d := edi.NewIWO(o, e, o.PendingAction, edi.TrackingIDFor(j.StateFIPS, 1), today, j.Issuer)
		invalid := func(err error) {
			res.Add("invalid_orders", 1)
			errs = append(errs, fmt.Errorf("order %d (case %s) cannot be sent: %w", o.ID, o.CaseID, err))
		}
		pf := byPartner[p.Name]
		if pf == nil {
			pf = &partnerFiles{cut: fileCut{batches: cmp.Or(j.maxBatches, edi.MaxBatches), iwos: cmp.Or(j.maxIWOs, maxFileIWOs)}}
			byPartner[p.Name] = pf
		}
		// An IWO for the open file is checked as it is written (the
		// writer refuses it before writing anything), not encoded once to
		// check it and again to write it. One that would start a file, or
		// go to a file that failed, is checked alone first, so that an
		// order the layout refuses never opens a file.
		if ob := pf.cur; ob != nil && ob.failed == nil && !pf.cut.starts(d.EmployerEIN) {
			if refused := ob.add(ctx, j.Files, j.StateFIPS, d, o); refused != nil {
				if err := check.Check(d); err != nil {
					invalid(err)
				} else {
					// Refused for the file's structure, not the IWO's data.
					ob.fail(ctx, j.Files, fmt.Errorf("write IWO for case %s: %w", o.CaseID, refused))
					pf.cut.next(d.EmployerEIN)
				}
				continue
			}
			pf.cut.next(d.EmployerEIN)
			continue
		}
		if err := check.Check(d); err != nil {
			invalid(err)
			continue
		}
		if pf.cut.next(d.EmployerEIN) {
			if pf.cur != nil {
				finish(pf.cur)
			}
			pf.cur = j.start(ctx, p)
		}
		if refused := pf.cur.add(ctx, j.Files, j.StateFIPS, d, o); refused != nil {
			pf.cur.fail(ctx, j.Files, fmt.Errorf("write IWO for case %s: %w", o.CaseID, refused))
		}
	}
	for _, name := range slices.Sorted(mapKeys(byPartner)) {
		ob := byPartner[name].cur
		if stop != nil {
			// Nothing of an open file is recorded: its orders are still
			// pending and go out in the next run.
			ob.abandon(ctx, j.Files, stop)
			continue
		}
		finish(ob)
	}
	if stop != nil {
		errs = append(errs, stop)
	}
	return okFiles, errs
}

// maxFileIWOs is the most IWOs in one file: tracking IDs are the ledger ID
// times a million plus the IWO's place in its file.
const maxFileIWOs = 999_999

// fileCut decides where a partner's IWOs, coming in EIN order, are cut
// into files of at most batches employers (one batch each) and iwos IWOs:
// a file's batch control numbers have four digits, so a partner serving
// more employers than that (the portal, for a state with 20,000 e-IWO
// employers) needs several files, where one file failed every night (iwo
// bench night, docs/scaling.md). An employer whose IWOs reach the IWO
// limit goes on in the next file.
type fileCut struct {
	batches, iwos int

	n, eins int              // IWOs and employers in the current file
	ein     withholding.FEIN // the employer of the last IWO
}

// starts reports whether one more IWO for employer ein would start a new
// file (as the first one does), without counting it.
func (c *fileCut) starts(ein withholding.FEIN) bool {
	return c.n == 0 || c.n == c.iwos || (ein != c.ein && c.eins == c.batches)
}

// next counts one more IWO for employer ein and reports whether it starts
// a new file.
func (c *fileCut) next(ein withholding.FEIN) bool {
	newFile := c.starts(ein)
	if newFile {
		c.n, c.eins = 0, 0
	}
	if newFile || ein != c.ein {
		c.eins++
	}
	c.n++
	c.ein = ein
	return newFile
}

// partnerFiles is a partner's file being written and where it is cut.
type partnerFiles struct {
	cut fileCut
	cur *outbound
}

// outbound is one IWO file being written for one partner: its ledger
// entry, its writer, and of each IWO written the little its document
// needs (about 50 bytes), which is all send-iwos keeps of a file's IWOs.
type outbound struct {
	partner *transfer.Partner
	lf      *withholding.File
	now     time.Time
	f       *os.File
	h       hash.Hash
	cw      *countWriter
	w       *edi.Writer
	sent    []sentIWO
	batches []sentBatch
	// failed is why the file could not be created or written. Its IWOs
	// are still counted by the partner's fileCut, so the files after it
	// are cut where they would have been, but they are not written: their
	// orders stay pending for the next run.
	failed error
}

// sentIWO is what becomes of one IWO written to a file in its Document.
type sentIWO struct {
	order  int64
	caseID withholding.CaseID
	action withholding.Action
	batch  int32 // index in outbound.batches
}

// sentBatch is one batch of a file: its control number and employer.
type sentBatch struct {
	control string
	fein    withholding.FEIN
}

// start creates the ledger entry and the local copy of a new file for p.
// A failure is kept in the file (outbound.failed), reported when it is
// finished.
func (j *SendIWOs) start(ctx context.Context, p *transfer.Partner) *outbound {
	x := j.Exchange
	ob := &outbound{partner: p, now: x.Now()}
	// Named by kind, partner and time (IWO_portal_20261102T190000Z_…).
	name := transfer.UniqueName("IWO_"+nameSafe(p.Name), ob.now, ".txt")
	dir := x.localDir("outbox", p.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		ob.failed = fmt.Errorf("create outbox: %w", err)
		return ob
	}
	local := filepath.Join(dir, name)
	lf := &withholding.File{
		Direction: withholding.Outbound, Partner: p.Name, Kind: withholding.KindIWOFile,
		RemoteName: name, LocalPath: local, State: withholding.FileParsed,
	}
	if err := j.Files.CreateFile(ctx, lf); err != nil {
		ob.failed = fmt.Errorf("record outbound file: %w", err)
		return ob
	}
	ob.lf = lf
	// Written under a dotted name and renamed when whole (close), so a
	// run killed mid-file leaves no half-written IWO file under its final
	// name for anyone to take; discardUnsent removes either name.
	f, err := os.OpenFile(unsentName(local), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		ob.fail(ctx, j.Files, fmt.Errorf("create IWO file: %w", err))
		return ob
	}
	// The size and SHA-256 are those of the bytes written, hashed as they
	// are written so the file is not read back for them. Tracking IDs and
	// control numbers derive from the ledger ID, which the database never
	// hands out twice.
	ob.f, ob.h = f, sha256.New()
	ob.cw = &countWriter{w: io.MultiWriter(f, ob.h)}
	ob.w = edi.NewWriter(ob.cw, edi.WriterOptions{
		Kind: edi.KindIWO, FIPS: j.StateFIPS + "000", Created: ob.now.In(j.Loc()), Sequence: uint64(lf.ID), File: local,
	})
	return ob
}

// add writes d, the IWO of order o, to the file, giving it the next
// tracking ID. The writer opens one batch per employer EIN, as the IWOs
// come grouped by EIN. It returns the writer's refusal of d (edi.Errors),
// which leaves the file as it was; any other failure gives up the file.
func (ob *outbound) add(ctx context.Context, files withholding.FileService, stateFIPS string, d *edi.IWO, o *withholding.Order) error {
	if ob.failed != nil {
		return nil
	}
	d.TrackingID = ob.trackingID(stateFIPS, len(ob.sent))
	if err := ob.w.Write(d); edi.AsErrors(err) != nil {
		return err
	} else if err != nil {
		ob.fail(ctx, files, fmt.Errorf("write IWO for case %s: %w", o.CaseID, err))
		return nil
	}
	if n := len(ob.batches); n == 0 || ob.batches[n-1].control != ob.w.BatchControlNumber() || ob.batches[n-1].fein != o.EmployerFEIN {
		ob.batches = append(ob.batches, sentBatch{control: ob.w.BatchControlNumber(), fein: o.EmployerFEIN})
	}
	ob.sent = append(ob.sent, sentIWO{order: o.ID, caseID: o.CaseID, action: d.Action, batch: int32(len(ob.batches) - 1)})
	return nil
}

// trackingID is the tracking ID of the file's IWO number n (from 0): the
// ledger ID times a million plus its place in the file.
func (ob *outbound) trackingID(stateFIPS string, n int) withholding.TrackingID {
	return edi.TrackingIDFor(stateFIPS, uint64(ob.lf.ID)*1_000_000+uint64(n+1))
}

// fail gives up a file that cannot be written or recorded: it is never
// pushed, its ledger entry says so and the local copy goes. Its orders
// stay pending.
func (ob *outbound) fail(ctx context.Context, files withholding.FileService, err error) {
	ob.failed = err
	ob.sent, ob.batches = nil, nil
	if ob.f != nil {
		ob.f.Close()
		ob.f = nil
	}
	if ob.lf == nil {
		return
	}
	os.Remove(unsentName(ob.lf.LocalPath))
	os.Remove(ob.lf.LocalPath)
	_ = files.SetFileState(context.WithoutCancel(ctx), ob.lf.ID, withholding.FileQuarantined, "not sent: "+err.Error())
}

// abandon gives up a file still open when the run stops early.
func (ob *outbound) abandon(ctx context.Context, files withholding.FileService, why error) {
	if ob.failed == nil {
		ob.fail(ctx, files, why)
	}
}

// finish closes a file, records it and its documents, and pushes it.
func (j *SendIWOs) finish(ctx context.Context, ob *outbound, res *Result) error {
	if ob.failed != nil {
		return ob.failed
	}
	lf := ob.lf
	control, err := ob.close()
	if err != nil {
		ob.fail(ctx, j.Files, err)
		return err
	}
	// The size and SHA-256 of the bytes to push are in the ledger before
	// the entry is sent, so a push that fails, and every later attempt,
	// is checked against them.
	size, sum := ob.cw.n, hex.EncodeToString(ob.h.Sum(nil))
	if err := j.Files.SetFileSum(ctx, lf.ID, size, sum); err != nil {
		err = fmt.Errorf("record size and SHA-256 of %s: %w", lf.RemoteName, err)
		ob.fail(ctx, j.Files, err)
		return err
	}
	lf.Size, lf.SHA256 = size, sum
	if err := j.Files.RecordSent(ctx, lf.ID, ob.documents(j.StateFIPS, control)); err != nil {
		err = fmt.Errorf("record sent IWOs: %w", err)
		ob.fail(ctx, j.Files, err)
		return err
	}
	res.Add("iwos", int64(len(ob.sent)))
	for _, s := range ob.sent {
		res.Add("iwos."+string(s.action), 1)
	}
	j.Exchange.Log().Info("IWO file recorded", "job", JobSendIWOs, "partner", ob.partner.Name, "file", lf.RemoteName, "ledger", lf.ID, "control", control, "iwos", len(ob.sent), "size", size, "sha256", sum)
	lf.State = withholding.FileSent
	ob.sent, ob.batches = nil, nil
	return j.deliver(ctx, lf, res)
}

// close finishes the file on disk and returns its file control number.
func (ob *outbound) close() (string, error) {
	f := ob.f
	ob.f = nil
	if err := ob.w.Close(); err != nil {
		f.Close()
		return "", fmt.Errorf("finish IWO file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("write IWO file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("write IWO file: %w", err)
	}
	if err := os.Rename(f.Name(), ob.lf.LocalPath); err != nil {
		return "", fmt.Errorf("name IWO file: %w", err)
	}
	// The new name outlives a crash before the ledger says sent.
	if err := syncDir(filepath.Dir(ob.lf.LocalPath)); err != nil {
		return "", fmt.Errorf("name IWO file: %w", err)
	}
	return ob.w.FileControlNumber(), nil
}

// unsentName is the dotted name an IWO file is written under in the
// outbox until it is whole: "." + its name + ".part", beside it.
func unsentName(local string) string {
	return filepath.Join(filepath.Dir(local), "."+filepath.Base(local)+".part")
}

// documents yields the Document of each IWO written, one at a time.
func (ob *outbound) documents(stateFIPS, control string) iter.Seq[*withholding.Document] {
	return func(yield func(*withholding.Document) bool) {
		for n, s := range ob.sent {
			b := ob.batches[s.batch]
			d := &withholding.Document{
				TrackingID: ob.trackingID(stateFIPS, n),
				OrderRef:   s.order, CaseID: s.caseID, FEIN: b.fein, Action: s.action,
				FileControl: control, BatchControl: b.control, SentAt: ob.now,
			}
			if !yield(d) {
				return
			}
		}
	}
}

// destination is the partner that receives the employer's IWOs: the one it
// names, or the portal.
func (j *SendIWOs) destination(e *withholding.Employer) *transfer.Partner {
	if e.Partner != "" {
		return j.Exchange.Partner(e.Partner)
	}
	for _, p := range j.Exchange.Partners {
		if p.Role == transfer.RolePortal {
			return p
		}
	}
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// deliver pushes a recorded file and marks it archived. On failure the
// file stays sent, with the error, for the next run.
func (j *SendIWOs) deliver(ctx context.Context, lf *withholding.File, res *Result) error {
	x := j.Exchange
	p := x.Partner(lf.Partner)
	if p == nil {
		return fmt.Errorf("deliver %s: partner %q is no longer configured", lf.RemoteName, lf.Partner)
	}
	fail := func(err error) error {
		x.Metrics.file(withholding.Outbound, lf.Kind, "failed")
		x.Metrics.error(JobSendIWOs, "partner")
		_ = j.Files.SetFileState(context.WithoutCancel(ctx), lf.ID, withholding.FileSent, "not delivered yet: "+err.Error())
		return fmt.Errorf("deliver %s: %w", lf.RemoteName, err)
	}
	rem, err := x.connect(ctx, p)
	if err != nil {
		return fail(err)
	}
	defer rem.Close()
	// Temporary uploads a crash left in the outbox go before this one is added.
	x.cleanResidue(ctx, rem, p.Outbox, x.Log().With("partner", lf.Partner))
	got, err := x.push(ctx, rem, j.Files, lf, p.Outbox)
	if err != nil {
		return fail(err)
	}
	note := ""
	if got != lf.RemoteName {
		note = "delivered as " + got
	}
	if err := j.Files.SetFileState(ctx, lf.ID, withholding.FileArchived, note); err != nil {
		return fmt.Errorf("record %s delivered: %w", lf.RemoteName, err)
	}
	res.Files++
	x.Metrics.file(withholding.Outbound, lf.Kind, "sent")
	x.Log().Info("IWO file delivered", "job", JobSendIWOs, "partner", p.Name, "file", got, "ledger", lf.ID, "sha256", lf.SHA256)
	return nil
}

// redeliver pushes the IWO files a previous run recorded but did not
// deliver.
func (j *SendIWOs) redeliver(ctx context.Context, res *Result) error {
	out, sent, kind := withholding.Outbound, withholding.FileSent, withholding.KindIWOFile
	files, _, err := j.Files.FindFiles(ctx, withholding.FileFilter{Direction: &out, State: &sent, Kind: &kind})
	if err != nil {
		return fmt.Errorf("find undelivered IWO files: %w", err)
	}
	var errs []error
	for _, lf := range slices.Backward(files) {
		res.Add("redelivered", 1)
		if err := j.deliver(ctx, lf, res); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// discardUnsent gets rid of the IWO files that an earlier run built but
// never recorded as sent: the ledger entries left parsed, created before
// start (the process died, or could not record the failure, between
// CreateFile and RecordSent). Each one's local copy is removed and its entry
// quarantined with a note; its orders, still pending, go into a new file
// this run.
//
// Discarding, rather than pushing the old file, is what can neither send an
// IWO twice nor lose one. The push comes only after RecordSent, whose
// transaction stores the documents, clears the orders' pending actions and
// moves the entry to sent all at once; an entry still parsed therefore was
// never pushed, and none of its IWOs is recorded anywhere — each order is
// still pending and will be planned again (with its current data, which
// may have changed since the dead run). Pushing the old file would send
// those orders twice, and recording it now could record IWOs for orders
// that no longer need them. The tracking IDs and control numbers of the
// discarded file derive from its ledger ID and are never reused.
func (j *SendIWOs) discardUnsent(ctx context.Context, start time.Time, res *Result) error {
	out, parsed, kind := withholding.Outbound, withholding.FileParsed, withholding.KindIWOFile
	files, _, err := j.Files.FindFiles(ctx, withholding.FileFilter{Direction: &out, State: &parsed, Kind: &kind, Until: start})
	if err != nil {
		return fmt.Errorf("find IWO files never sent: %w", err)
	}
	var errs []error
	for _, lf := range slices.Backward(files) {
		// The dead run may have stopped before the file was whole (its
		// dotted name) or after (its final name).
		if err := errors.Join(removeIfThere(unsentName(lf.LocalPath)), removeIfThere(lf.LocalPath)); err != nil {
			errs = append(errs, fmt.Errorf("discard IWO file %s (ledger %d) never sent: %w", lf.RemoteName, lf.ID, err))
			continue
		}
		note := "not sent: built by a run that stopped before recording it; discarded, its orders go in a later file"
		if err := j.Files.SetFileState(ctx, lf.ID, withholding.FileQuarantined, note); err != nil {
			errs = append(errs, fmt.Errorf("record IWO file %s (ledger %d) discarded: %w", lf.RemoteName, lf.ID, err))
			continue
		}
		res.Add("discarded", 1)
		j.Exchange.Log().Warn("IWO file built by an earlier run that stopped before recording it: never sent, discarded; its orders are sent in a new file",
			"job", JobSendIWOs, "partner", lf.Partner, "file", lf.RemoteName, "ledger", lf.ID, "created", lf.CreatedAt)
	}
	return errors.Join(errs...)
}

// syncDir makes a directory's entries durable (a rename in it).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeIfThere removes path; one already gone is no error.
func removeIfThere(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// nameSafe keeps letters, digits and hyphens of s for use in a file name.
func nameSafe(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}
