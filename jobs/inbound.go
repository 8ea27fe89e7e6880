package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// InvalidFileError marks a file that failed validation: it is quarantined
// rather than retried. Apply functions wrap parse and validation errors in
// it; an error of kind withholding.EINVALID from the store counts too.
type InvalidFileError struct{ Err error }

// Error implements error.
func (e *InvalidFileError) Error() string { return "invalid file: " + e.Err.Error() }

// Unwrap returns the validation error.
func (e *InvalidFileError) Unwrap() error { return e.Err }

func isInvalid(err error) bool {
	var ie *InvalidFileError
	return errors.As(err, &ie) || withholding.ErrorCode(err) == withholding.EINVALID
}

// ApplyFunc parses the local copy of one inbound file, recorded in the
// ledger as f, and applies it in one transaction under f.ID. It returns
// the counts to add to the run. A validation failure must be an
// *InvalidFileError (or of kind EINVALID), an already-applied file of kind
// ECONFLICT; anything else is taken as a passing failure and the file is
// tried again next run.
type ApplyFunc func(ctx context.Context, f *withholding.File) (Result, error)

// Inbound takes one family of inbound files from every partner that sends
// them: fetch, record, skip duplicates, apply, and only after the commit
// archive or delete the remote file; quarantine what is invalid.
type Inbound struct {
	// Job names the step in logs and metrics.
	Job      string
	Exchange *Exchange
	Files    withholding.FileService
	// Kinds are the file kinds taken, matched by the partners' patterns.
	Kinds []withholding.FileKind
	// Apply applies one file.
	Apply ApplyFunc
}

// Run takes the files from every partner in turn. A partner that cannot be
// reached, or a file that fails, does not stop the others: their errors
// are joined and the result is partial.
func (in *Inbound) Run(ctx context.Context) (Result, error) {
	var res Result
	var errs []error
	okPartners := 0
	for _, p := range in.Exchange.Partners {
		pats := in.patterns(p)
		if p.Inbox == "" || len(pats) == 0 {
			continue
		}
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		err := in.partner(ctx, p, pats, &res)
		if err != nil {
			errs = append(errs, fmt.Errorf("partner %s: %w", p.Name, err))
		} else {
			okPartners++
		}
	}
	err := errors.Join(errs...)
	// A partner whose only trouble is refused names set Partial itself. A
	// file quarantined is a file handled (set aside and reported), so a run
	// whose only file was quarantined is partial, not failed: failed means
	// the step could not do its work at all (the fault campaign's seed
	// 20261204 found a re-run reported failed for one truncated file).
	res.Partial = err != nil && (res.Partial || okPartners > 0 || res.Files > 0 || res.Counts["quarantined"] > 0)
	return res, err
}

func (in *Inbound) patterns(p *transfer.Partner) []string {
	var pats []string
	for _, k := range in.Kinds {
		pats = append(pats, p.Patterns[k]...)
	}
	return pats
}

func (in *Inbound) partner(ctx context.Context, p *transfer.Partner, pats []string, res *Result) error {
	x := in.Exchange
	log := x.Log().With("job", in.Job, "partner", p.Name)
	rem, err := x.connect(ctx, p)
	if err != nil {
		x.Metrics.error(in.Job, "partner")
		log.Error("partner unreachable", "err", err)
		return err
	}
	defer rem.Close()
	x.cleanStaging(ctx, p.Name, log)
	l, err := transfer.ListReady(ctx, rem, p.Inbox, transfer.ListOptions{Patterns: pats, StableFor: x.StableFor, Wait: x.Wait})
	if err != nil {
		x.Metrics.error(in.Job, "partner")
		log.Error("list inbox failed", "inbox", p.Inbox, "err", err)
		return fmt.Errorf("list %s: %w", p.Inbox, err)
	}
	if len(l.Growing) > 0 {
		res.Add("growing", int64(len(l.Growing)))
		log.Info("files still being written, left for the next run", "count", len(l.Growing))
	}
	errs := in.refused(p, l.Refused, res)
	for _, f := range l.Ready {
		kind, ok := p.KindOf(f.Name)
		if !ok || !slices.Contains(in.Kinds, kind) {
			continue // matched another family's pattern first
		}
		err := in.claimed(ctx, rem, p, kind, f, res)
		if err == nil {
			continue
		}
		errs = append(errs, err)
		if errors.Is(err, transfer.ErrConnection) || ctx.Err() != nil {
			// The partner went away: the remaining files stay in its
			// inbox for the next run.
			x.Metrics.error(in.Job, "partner")
			break
		}
	}
	return errors.Join(errs...)
}

// refused reports the files whose names are not safe as local paths: one
// log line each, with the name quoted so that control characters cannot
// forge log lines, the count refused_names, and an error naming them that
// makes the run partial. The files stay in the inbox, and are reported
// again on every run, until the partner renames or removes them.
func (in *Inbound) refused(p *transfer.Partner, files []transfer.RemoteFile, res *Result) []error {
	if len(files) == 0 {
		return nil
	}
	res.Add("refused_names", int64(len(files)))
	res.Partial = true
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = strconv.Quote(f.Name)
		_, why := transfer.SafeName(f.Name)
		in.Exchange.Log().Warn("file name refused: not safe as a local file name; the partner must rename the file",
			"job", in.Job, "partner", p.Name, "dir", f.Dir, "name", names[i], "err", why)
	}
	return []error{fmt.Errorf("refused %d file name(s) in %s, not safe as local file names: %s", len(files), p.Inbox, strings.Join(names, ", "))}
}

// claimed takes one remote file under its claim (Exchange.Claims), held
// until file returns: after the apply and the archive, or the quarantine.
// Another instance running the same job at the same moment finds the claim
// held and goes on to its next file; this one does the same with a file
// claimed elsewhere (counted claimed_elsewhere, not an error: that instance
// takes it). With no Claims it takes the file straight away.
//
// The claim is a lock that the database frees when its holder dies (see
// Claimer), rather than a row marking the file taken: a row would outlive
// a killed instance and leave the file stuck until someone cleared it,
// while a freed claim lets the next run take the file, find it applied by
// its SHA-256 if the dead instance had committed, and archive it
// (finishEarlier). The duplicate checks of the applying transaction stay
// the last word: a claim keeps two instances from doing the same work, the
// store from posting it twice. On a store with one writer at a time
// (OneWriter) no claim is taken: the job runs on one instance at a time.
func (in *Inbound) claimed(ctx context.Context, rem transfer.Remote, p *transfer.Partner, kind withholding.FileKind, f transfer.RemoteFile, res *Result) error {
	x := in.Exchange
	claims := x.claims()
	if claims == nil {
		return in.file(ctx, rem, p, kind, f, res)
	}
	release, ok, err := claims.TryLock(ctx, ClaimName(p.Name, f.Path()))
	if err != nil {
		x.Metrics.error(in.Job, "file")
		return fmt.Errorf("claim %s: %w", f.Path(), err)
	}
	if !ok {
		res.Add("claimed_elsewhere", 1)
		x.Log().Debug("file claimed by another instance, left to it", "job", in.Job, "partner", p.Name, "file", f.Name)
		return nil
	}
	defer release()
	return in.file(ctx, rem, p, kind, f, res)
}

// file takes one remote file through the ledger. It returns nil when the
// file was applied or recognised as a duplicate, and when it is no longer
// in the inbox: another instance, whose claim this one saw only after it
// was released, took it (counted gone).
func (in *Inbound) file(ctx context.Context, rem transfer.Remote, p *transfer.Partner, kind withholding.FileKind, f transfer.RemoteFile, res *Result) error {
	x := in.Exchange
	log := x.Log().With("job", in.Job, "partner", p.Name, "file", f.Name)
	fetched, err := rem.Fetch(ctx, f, x.localDir("staging", p.Name))
	if errors.Is(err, transfer.ErrChanged) {
		res.Add("growing", 1)
		log.Info("file changed while fetched, left for the next run")
		return nil
	} else if errors.Is(err, fs.ErrNotExist) && !errors.Is(err, transfer.ErrLocal) {
		res.Add("gone", 1)
		log.Info("file no longer in the inbox: taken by another instance since it was listed")
		return nil
	} else if err != nil {
		// The file stays in the inbox; a local failure (ErrLocal) stops
		// only this file, a connection failure the partner (see partner).
		x.Metrics.file(withholding.Inbound, kind, "failed")
		log.Warn("fetch failed, file left in the inbox", "err", err)
		return fmt.Errorf("fetch %s: %w", f.Path(), err)
	}

	// The file's entries in the ledger, read once for what follows.
	dir := withholding.Inbound
	entries, _, err := in.Files.FindFiles(ctx, withholding.FileFilter{Direction: &dir, Partner: &p.Name, SHA256: &fetched.SHA256})
	if err != nil {
		return fmt.Errorf("look up %s in the ledger: %w", f.Path(), err)
	}
	if done, err := in.finishEarlier(ctx, rem, p, f, fetched, entries, res); done || err != nil {
		return err
	}

	lf, err := in.record(ctx, p, kind, f, fetched, entries)
	if err != nil {
		x.Metrics.file(withholding.Inbound, kind, "failed")
		return err
	}
	log = log.With("ledger", lf.ID)

	dup, err := in.Files.AppliedSHA256(ctx, lf.SHA256)
	if err != nil {
		return in.failed(ctx, lf, fmt.Errorf("check %s for a duplicate: %w", f.Path(), err))
	}
	if dup {
		return in.duplicate(ctx, rem, p, f, lf, res)
	}

	r, err := in.Apply(ctx, lf)
	switch {
	case err == nil:
	case withholding.ErrorCode(err) == withholding.ECONFLICT:
		// Applied by another run between our check and our commit.
		return in.duplicate(ctx, rem, p, f, lf, res)
	case isInvalid(err) && ctx.Err() == nil:
		return in.quarantine(ctx, rem, p, f, lf, err, res)
	default:
		return in.failed(ctx, lf, fmt.Errorf("apply %s: %w", f.Path(), err))
	}

	// Committed. Only now may the partner's copy go.
	res.Files++
	res.merge(r)
	x.Metrics.file(withholding.Inbound, kind, "applied")
	log.Info("file applied", "records", r.Counts)
	if err := in.dispose(ctx, rem, p, f, lf, ""); err != nil {
		return err
	}
	return nil
}

// record returns the ledger entry of a fetched file: the entry left
// received by an earlier run that failed to apply the same file (so that
// retries do not multiply entries), or a new one. entries are the
// partner's entries with the file's SHA-256, in the ledger's order.
func (in *Inbound) record(ctx context.Context, p *transfer.Partner, kind withholding.FileKind, f transfer.RemoteFile, fetched *transfer.Fetched, entries []*withholding.File) (*withholding.File, error) {
	i := slices.IndexFunc(entries, func(lf *withholding.File) bool { return lf.State == withholding.FileReceived })
	if i >= 0 && entries[i].RemoteName == f.Path() {
		lf := entries[i]
		if _, err := os.Stat(lf.LocalPath); err == nil && lf.LocalPath != fetched.LocalPath {
			os.Remove(fetched.LocalPath) // the earlier copy has the same bytes
		} else {
			lf.LocalPath = fetched.LocalPath
		}
		return lf, nil
	}
	lf := &withholding.File{
		Direction:  withholding.Inbound,
		Partner:    p.Name,
		Kind:       kind,
		RemoteName: f.Path(),
		LocalPath:  fetched.LocalPath,
		Size:       fetched.Size,
		SHA256:     fetched.SHA256,
		State:      withholding.FileReceived,
	}
	if err := in.Files.CreateFile(ctx, lf); err != nil {
		return nil, fmt.Errorf("record %s in the ledger: %w", f.Path(), err)
	}
	return lf, nil
}

// finishEarlier finishes what an earlier run left undone of the fetched
// file f, found by its entry among entries (the partner's entries with
// its SHA-256) of the same remote name, and reports done when it did:
//   - applied but not archived (the process died between the commit and
//     the archive, or the archive failed): the archive is finished under
//     that entry, with no new entry and no duplicate;
//   - recorded as quarantined but not moved out of the inbox (the process
//     died between the two, or the move failed): the move is finished.
//
// Other files with the SHA-256 of an applied file (the same bytes under a
// new name, or again after the first was archived) are not its business:
// they are real duplicates, recorded and reported as such. When the entry
// has a local copy of its own, the fetched one (the same bytes) is
// removed.
func (in *Inbound) finishEarlier(ctx context.Context, rem transfer.Remote, p *transfer.Partner, f transfer.RemoteFile, fetched *transfer.Fetched, entries []*withholding.File, res *Result) (done bool, err error) {
	for _, state := range []withholding.FileState{withholding.FileApplied, withholding.FileQuarantined} {
		i := slices.IndexFunc(entries, func(lf *withholding.File) bool { return lf.State == state && lf.RemoteName == f.Path() })
		if i < 0 {
			continue
		}
		lf := entries[i]
		if _, err := os.Stat(lf.LocalPath); err == nil && lf.LocalPath != fetched.LocalPath {
			os.Remove(fetched.LocalPath) // the entry's own copy has the same bytes
		}
		log := in.Exchange.Log().With("job", in.Job, "partner", p.Name, "file", f.Name, "ledger", lf.ID)
		if state == withholding.FileApplied {
			res.Add("archive_finished", 1)
			log.Info("file applied by an earlier run that stopped before archiving it: finishing the archive under its ledger entry", "applied", lf.UpdatedAt)
			return true, in.dispose(ctx, rem, p, f, lf, "")
		}
		res.Add("quarantine_finished", 1)
		log.Warn("file recorded as quarantined by an earlier run that stopped before moving it: finishing the quarantine under its ledger entry")
		return true, in.moveToQuarantine(ctx, rem, p, f, lf, errors.New(lf.Error), res)
	}
	return false, nil
}

// dispose archives or deletes the remote file of an applied (or duplicate)
// file and records that in the ledger. A remote file already gone counts as
// disposed. If disposal fails (or the process dies first), the ledger keeps
// the file applied and the next run, finding it still in the inbox,
// disposes of it under the same entry without applying it (finishEarlier).
func (in *Inbound) dispose(ctx context.Context, rem transfer.Remote, p *transfer.Partner, f transfer.RemoteFile, lf *withholding.File, note string) error {
	if err := transfer.Finish(ctx, rem, p, f); err != nil && !errors.Is(err, fs.ErrNotExist) {
		in.Exchange.Metrics.error(in.Job, "file")
		return fmt.Errorf("file %s (ledger %d) is applied but still in the inbox: %w", f.Path(), lf.ID, err)
	}
	if err := in.Files.SetFileState(ctx, lf.ID, withholding.FileArchived, note); err != nil {
		return fmt.Errorf("record %s archived: %w", f.Path(), err)
	}
	return nil
}

// duplicateNote is the ledger note of a file whose contents were applied
// before.
const duplicateNote = "duplicate: the same contents were already applied; archived without applying"

func (in *Inbound) duplicate(ctx context.Context, rem transfer.Remote, p *transfer.Partner, f transfer.RemoteFile, lf *withholding.File, res *Result) error {
	res.Add("duplicates", 1)
	in.Exchange.Metrics.file(withholding.Inbound, lf.Kind, "duplicate")
	in.Exchange.Log().Info("duplicate file archived without applying", "job", in.Job, "partner", p.Name, "file", f.Name, "ledger", lf.ID)
	return in.dispose(ctx, rem, p, f, lf, duplicateNote)
}

// quarantine keeps a copy of an invalid file in the local quarantine
// directory, moves the remote file to the partner's quarantine directory,
// and records the errors in the ledger. It returns an error naming the
// file, so the run is marked partial, but the caller goes on.
//
// A file that changed on the partner's side since it was fetched
// (transfer.Quarantine returns ErrChanged) is not quarantined: see
// stillChanging.
func (in *Inbound) quarantine(ctx context.Context, rem transfer.Remote, p *transfer.Partner, f transfer.RemoteFile, lf *withholding.File, cause error, res *Result) error {
	x := in.Exchange
	// A file still being written is not quarantined: it is left for the
	// next run, whole.
	if err := transfer.Unchanged(ctx, rem, f); errors.Is(err, transfer.ErrChanged) {
		return in.stillChanging(ctx, p, f, lf, cause, fmt.Errorf("quarantine %s at %s: %w", f.Path(), p.Name, err), res)
	}
	note := cause.Error()
	if local, err := keepCopy(lf.LocalPath, x.localDir("quarantine", p.Name)); err != nil {
		note += "\nlocal quarantine copy failed: " + err.Error()
	} else {
		note += "\nlocal copy: " + local
	}
	// The ledger says quarantined before the partner's copy leaves the
	// inbox: a process killed between the two leaves the file in the
	// inbox under a quarantined entry, and the next run finishes the move
	// (finishEarlier). Moved first, the file was gone from the inbox
	// with its entry received for good (the fault campaign's
	// TestIntegrationFaultLocal found it).
	if err := in.Files.SetFileState(ctx, lf.ID, withholding.FileQuarantined, note); err != nil {
		return fmt.Errorf("record %s quarantined: %w", f.Path(), err)
	}
	lf.Error = note
	return in.moveToQuarantine(ctx, rem, p, f, lf, cause, res)
}

// moveToQuarantine moves the remote file of the quarantined entry lf to
// the partner's quarantine and adds where it went to the entry's note. A
// file that changed since it was fetched stays in the inbox, its entry
// received again (stillChanging).
func (in *Inbound) moveToQuarantine(ctx context.Context, rem transfer.Remote, p *transfer.Partner, f transfer.RemoteFile, lf *withholding.File, cause error, res *Result) error {
	x := in.Exchange
	remote, rerr := transfer.Quarantine(ctx, rem, p, f)
	if errors.Is(rerr, transfer.ErrChanged) {
		return in.stillChanging(ctx, p, f, lf, cause, rerr, res)
	}
	res.Add("quarantined", 1)
	x.Metrics.file(withholding.Inbound, lf.Kind, "quarantined")
	note := lf.Error
	if rerr != nil {
		note += "\nremote quarantine failed: " + rerr.Error()
	} else {
		note += "\nremote copy: " + remote
	}
	if err := in.Files.SetFileState(ctx, lf.ID, withholding.FileQuarantined, note); err != nil {
		return errors.Join(fmt.Errorf("record %s quarantined: %w", f.Path(), err), rerr)
	}
	x.Log().Warn("file quarantined", "job", in.Job, "partner", p.Name, "file", f.Name, "ledger", lf.ID, "err", cause)
	return errors.Join(fmt.Errorf("file %s quarantined: %w", f.Path(), cause), rerr)
}

// stillChanging handles an invalid file that the partner was still
// writing: its upload paused for longer than stable_for, so an incomplete
// copy was fetched. Nothing is quarantined; the remote file stays in the
// inbox and the ledger entry of the incomplete copy stays received with a
// note, and the next run fetches the file again (a new entry, for other
// bytes) and applies it once it is complete.
func (in *Inbound) stillChanging(ctx context.Context, p *transfer.Partner, f transfer.RemoteFile, lf *withholding.File, cause, changed error, res *Result) error {
	res.Add("still_changing", 1)
	in.Exchange.Log().Info("file changed after it was fetched, left in the inbox for the next run",
		"job", in.Job, "partner", p.Name, "file", f.Name, "ledger", lf.ID, "err", changed)
	note := "still changing, left in the inbox: " + changed.Error() + "\nthe incomplete copy failed validation: " + cause.Error()
	if err := in.Files.SetFileState(context.WithoutCancel(ctx), lf.ID, withholding.FileReceived, note); err != nil {
		return fmt.Errorf("record %s still changing: %w", f.Path(), err)
	}
	return nil
}

// failed records a passing failure: the file stays received in the ledger
// with the error, and in the partner's inbox for the next run.
func (in *Inbound) failed(ctx context.Context, lf *withholding.File, err error) error {
	in.Exchange.Metrics.file(withholding.Inbound, lf.Kind, "failed")
	sctx := context.WithoutCancel(ctx)
	if serr := in.Files.SetFileState(sctx, lf.ID, withholding.FileReceived, err.Error()); serr != nil {
		return errors.Join(err, fmt.Errorf("record failure of ledger file %d: %w", lf.ID, serr))
	}
	return err
}

// keepCopy puts a copy of the file at src into dir (a hard link when it
// can) under its own name, or another name when that is taken, and
// returns the new path.
func keepCopy(src, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create quarantine directory: %w", err)
	}
	base := filepath.Base(src)
	for i := 0; i < 1000; i++ {
		name := base
		if i > 0 {
			name = transfer.AltName(base, i)
		}
		dst := filepath.Join(dir, name)
		err := os.Link(src, dst)
		if err == nil {
			return dst, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err := copyFile(src, dst); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue
			}
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("copy %s to %s: no free name", src, dir)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy file: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("copy file: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy file: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy file: %w", err)
	}
	return nil
}
