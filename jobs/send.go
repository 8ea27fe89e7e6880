package jobs

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
// partner (the employer's Partner, or the portal for ""), one batch per
// employer EIN — records every document's tracking identifier and the
// file and batch control numbers, and pushes the files.
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
}

// Name implements Job.
func (j *SendIWOs) Name() string { return JobSendIWOs }

// outbound is one file being built for one partner.
type outbound struct {
	partner *transfer.Partner
	iwos    []*edi.IWO
	orders  []*withholding.Order // parallel to iwos
}

// Run implements Job.
func (j *SendIWOs) Run(ctx context.Context) (Result, error) {
	var res Result
	var errs []error
	okParts := 0
	// First, files a dead run built but never recorded: their orders are
	// planned again below.
	if err := j.discardUnsent(ctx, j.Now(), &res); err != nil {
		errs = append(errs, err)
	}
	// Then, files committed earlier but never delivered.
	if err := j.redeliver(ctx, &res); err != nil {
		errs = append(errs, err)
	}

	files, skipped, err := j.plan(ctx, &res)
	if err != nil {
		return res, errors.Join(append(errs, err)...)
	}
	errs = append(errs, skipped...)
	for _, ob := range splitFiles(files, edi.MaxBatches, maxFileIWOs) {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		if err := j.send(ctx, ob, &res); err != nil {
			errs = append(errs, fmt.Errorf("partner %s: %w", ob.partner.Name, err))
			continue
		}
		okParts++
	}
	err = errors.Join(errs...)
	res.Partial = err != nil && (okParts > 0 || res.Files > 0)
	return res, err
}

// plan reads the orders needing an IWO and groups them by partner. Orders
// that cannot go out (no employer, paper employer, no partner, data the
// e-IWO layout refuses) are counted and reported, not sent.
func (j *SendIWOs) plan(ctx context.Context, res *Result) ([]*outbound, []error, error) {
	orders, err := collect(pages(func(off, limit int) ([]*withholding.Order, int, error) {
		return j.Orders.FindOrders(ctx, withholding.OrderFilter{NeedsIWO: true, Offset: off, Limit: limit})
	}))
	if err != nil {
		return nil, nil, fmt.Errorf("find orders needing an IWO: %w", err)
	}
	var problems []error
	// One buffer for every check: edi.NewWriter takes a *bufio.Writer of
	// its size as it is, where it would allocate 64 KiB per order.
	sink := bufio.NewWriterSize(discard{}, edi.WriterBufferSize)
	employers := map[withholding.FEIN]*withholding.Employer{}
	byPartner := map[string]*outbound{}
	today := withholding.DateOf(j.Now().In(j.Loc()))
	for _, o := range orders {
		e, ok := employers[o.EmployerFEIN]
		if !ok {
			var err error
			e, err = j.Employers.FindEmployerByFEIN(ctx, o.EmployerFEIN)
			if withholding.ErrorCode(err) == withholding.ENOTFOUND {
				e = nil
			} else if err != nil {
				return nil, nil, fmt.Errorf("find employer %s: %w", o.EmployerFEIN, err)
			}
			employers[o.EmployerFEIN] = e
		}
		switch {
		case e == nil:
			res.Add("no_employer", 1)
			problems = append(problems, fmt.Errorf("order %d (case %s): employer %s unknown", o.ID, o.CaseID, o.EmployerFEIN))
			continue
		case !e.EIWO:
			res.Add("paper", 1) // paper employers are served by mail, not by this job
			continue
		}
		p := j.destination(e)
		if p == nil {
			res.Add("no_partner", 1)
			problems = append(problems, fmt.Errorf("order %d (case %s): no partner for employer %s (partner %q)", o.ID, o.CaseID, e.FEIN, e.Partner))
			continue
		}
		d := edi.NewIWO(o, e, o.PendingAction, edi.TrackingIDFor(j.StateFIPS, 1), today, j.Issuer)
		if err := checkIWO(sink, d); err != nil {
			res.Add("invalid_orders", 1)
			problems = append(problems, fmt.Errorf("order %d (case %s) cannot be sent: %w", o.ID, o.CaseID, err))
			continue
		}
		ob := byPartner[p.Name]
		if ob == nil {
			ob = &outbound{partner: p}
			byPartner[p.Name] = ob
		}
		ob.iwos = append(ob.iwos, d)
		ob.orders = append(ob.orders, o)
	}
	var out []*outbound
	for _, name := range slices.Sorted(mapKeys(byPartner)) {
		out = append(out, byPartner[name])
	}
	return out, problems, nil
}

// maxFileIWOs is the most IWOs in one file: tracking IDs are the ledger ID
// times a million plus the IWO's place in its file.
const maxFileIWOs = 999_999

// splitFiles cuts each partner's file into files of at most batches
// employers (one batch each) and iwos IWOs, employers in EIN order as
// write puts them: a file's batch control numbers have four digits, so
// a partner serving more employers than that (the portal, for a state
// with 20,000 e-IWO employers) needs several files, where one file failed
// every night (iwo bench night, docs/scaling.md).
func splitFiles(files []*outbound, batches, iwos int) []*outbound {
	var out []*outbound
	for _, ob := range files {
		idx := make([]int, len(ob.iwos))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmpString(string(ob.iwos[a].EmployerEIN), string(ob.iwos[b].EmployerEIN)) })
		var cur *outbound
		eins := 0
		for n, i := range idx {
			d := ob.iwos[i]
			newEIN := n == 0 || d.EmployerEIN != ob.iwos[idx[n-1]].EmployerEIN
			if cur == nil || len(cur.iwos) == iwos || (newEIN && eins == batches) {
				cur = &outbound{partner: ob.partner}
				out = append(out, cur)
				eins = 0
				newEIN = true
			}
			if newEIN {
				eins++
			}
			cur.iwos = append(cur.iwos, d)
			cur.orders = append(cur.orders, ob.orders[i])
		}
	}
	return out
}

// checkIWO writes d alone to nowhere (through sink), so an order the
// layout refuses is found before the file it would have spoiled is
// recorded.
func checkIWO(sink *bufio.Writer, d *edi.IWO) error {
	w := edi.NewWriter(sink, edi.WriterOptions{Kind: edi.KindIWO, FIPS: "00000", Created: time.Unix(0, 0).UTC(), Sequence: 1})
	return w.Write(d)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

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

// send builds, records and pushes one partner's file.
func (j *SendIWOs) send(ctx context.Context, ob *outbound, res *Result) error {
	x := j.Exchange
	now := x.Now()
	// Named by kind, partner and time (IWO_portal_20261102T190000Z_…).
	name := transfer.UniqueName("IWO_"+nameSafe(ob.partner.Name), now, ".txt")
	dir := x.localDir("outbox", ob.partner.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create outbox: %w", err)
	}
	local := filepath.Join(dir, name)
	lf := &withholding.File{
		Direction: withholding.Outbound, Partner: ob.partner.Name, Kind: withholding.KindIWOFile,
		RemoteName: name, LocalPath: local, State: withholding.FileParsed,
	}
	if err := j.Files.CreateFile(ctx, lf); err != nil {
		return fmt.Errorf("record outbound file: %w", err)
	}

	// A file that cannot be written or recorded is never pushed: its entry
	// says so and the local copy goes.
	notSent := func(err error) error {
		os.Remove(local)
		_ = j.Files.SetFileState(context.WithoutCancel(ctx), lf.ID, withholding.FileQuarantined, "not sent: "+err.Error())
		return err
	}
	// Tracking IDs and control numbers derive from the ledger ID, which
	// the database never hands out twice.
	docs, control, size, sum, err := j.write(local, lf.ID, now, ob)
	if err != nil {
		return notSent(err)
	}
	// The size and SHA-256 of the bytes to push are in the ledger before
	// the entry is sent, so a push that fails, and every later attempt,
	// is checked against them.
	if err := j.Files.SetFileSum(ctx, lf.ID, size, sum); err != nil {
		return notSent(fmt.Errorf("record size and SHA-256 of %s: %w", name, err))
	}
	lf.Size, lf.SHA256 = size, sum
	if err := j.Files.RecordSent(ctx, lf.ID, docs); err != nil {
		return notSent(fmt.Errorf("record sent IWOs: %w", err))
	}
	res.Add("iwos", int64(len(docs)))
	for _, d := range docs {
		res.Add("iwos."+string(d.Action), 1)
	}
	x.Log().Info("IWO file recorded", "job", JobSendIWOs, "partner", ob.partner.Name, "file", name, "ledger", lf.ID, "control", control, "iwos", len(docs), "size", size, "sha256", sum)
	lf.State = withholding.FileSent
	return j.deliver(ctx, lf, res)
}

// write writes the file and returns its documents, its file control number
// and the size and SHA-256 (hex) of the bytes written, hashed as they are
// written so the file is not read back for them.
func (j *SendIWOs) write(local string, fileID int64, now time.Time, ob *outbound) (docs []*withholding.Document, control string, size int64, sum string, err error) {
	f, err := os.OpenFile(local, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", 0, "", fmt.Errorf("create IWO file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	w := edi.NewWriter(cw, edi.WriterOptions{
		Kind: edi.KindIWO, FIPS: j.StateFIPS + "000", Created: now.In(j.Loc()), Sequence: uint64(fileID), File: local,
	})
	// One batch per EIN: the writer opens a batch per employer when the
	// IWOs come grouped by EIN.
	idx := make([]int, len(ob.iwos))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmpString(string(ob.iwos[a].EmployerEIN), string(ob.iwos[b].EmployerEIN)) })
	for n, i := range idx {
		d, o := ob.iwos[i], ob.orders[i]
		d.TrackingID = edi.TrackingIDFor(j.StateFIPS, uint64(fileID)*1_000_000+uint64(n+1))
		if err := w.Write(d); err != nil {
			return nil, "", 0, "", fmt.Errorf("write IWO for case %s: %w", o.CaseID, err)
		}
		docs = append(docs, &withholding.Document{
			TrackingID: d.TrackingID, OrderRef: o.ID, CaseID: o.CaseID, FEIN: o.EmployerFEIN, Action: d.Action,
			BatchControl: w.BatchControlNumber(), SentAt: now,
		})
	}
	if err := w.Close(); err != nil {
		return nil, "", 0, "", fmt.Errorf("finish IWO file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return nil, "", 0, "", fmt.Errorf("write IWO file: %w", err)
	}
	for _, d := range docs {
		d.FileControl = w.FileControlNumber()
	}
	return docs, w.FileControlNumber(), cw.n, hex.EncodeToString(h.Sum(nil)), nil
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
		if err := os.Remove(lf.LocalPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
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
