package transfer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

// Remote is a partner's file area as the jobs see it. Directories are
// slash-separated paths on the remote side, as configured for the partner.
type Remote interface {
	// List returns the regular files in dir, sorted by name, whatever
	// their names: hidden ones (temporary uploads) and ones that are not
	// safe as local paths (see SafeName) included, so that callers can
	// report or clean them; ListReady keeps only the ones to fetch.
	// Directories, links and special files are left out.
	List(ctx context.Context, dir string) ([]RemoteFile, error)
	// Fetch copies f into stagingDir under a new local name derived from
	// f.Name, verifies that the byte count matches f.Size and the file did
	// not change meanwhile, and returns the local path and SHA-256. The
	// remote file is left in place. Returns ErrUnsafeName for a name that
	// cannot be a local file name and ErrChanged when the size differs.
	Fetch(ctx context.Context, f RemoteFile, stagingDir string) (*Fetched, error)
	// Put uploads the local file into dir as name: first under a hidden
	// temporary name, then renamed into place. When dir already holds a
	// file called name with the same contents, Put uploads nothing and
	// returns name; when it holds a different file, Put picks another name
	// (see AltName). It returns the name the file has on the remote side.
	Put(ctx context.Context, localPath, dir, name string) (string, error)
	// Move moves the file at from into toDir, keeping its name unless a
	// different file of that name is there already, and returns the new
	// path. Returns an error wrapping fs.ErrNotExist when from is missing.
	Move(ctx context.Context, from, toDir string) (string, error)
	// Remove deletes the file at p. Returns an error wrapping
	// fs.ErrNotExist when it is missing.
	Remove(ctx context.Context, p string) error
	// Close releases the connection.
	Close() error
}

// RemoteFile is one file in a listing.
type RemoteFile struct {
	Dir     string    `json:"dir"`  // the directory that was listed
	Name    string    `json:"name"` // base name as the server reported it
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mod_time"`
}

// Path returns the file's remote path.
func (f RemoteFile) Path() string { return path.Join(f.Dir, f.Name) }

// Fetched is a file copied into the staging directory.
type Fetched struct {
	Remote    RemoteFile `json:"remote"`
	LocalPath string     `json:"local_path"`
	Size      int64      `json:"size"`
	SHA256    string     `json:"sha256"` // lowercase hex
}

// Errors the implementations return (wrapped); test with errors.Is.
var (
	// ErrConnection marks a failure to reach the partner or a connection
	// that broke; such an operation may be retried after reconnecting.
	ErrConnection = errors.New("partner connection failed")
	// ErrHostKey means the server's host key is not one of the pinned keys.
	ErrHostKey = errors.New("host key not pinned for partner")
	// ErrUnsafeName means a remote name cannot be used as a local file name.
	ErrUnsafeName = errors.New("unsafe remote file name")
	// ErrChanged means a file's size differed from the listing when it was
	// downloaded: it is still being written or was replaced.
	ErrChanged = errors.New("remote file changed during transfer")
	// ErrLocal marks a failure on this machine's side of a download: the
	// staging directory could not be created or written (no space, no
	// permission, no free name). It concerns that one file; the connection
	// is fine, so it is never retried as a connection failure.
	ErrLocal = errors.New("local staging failed")
)

// connError marks err as a connection failure without losing it.
type connError struct{ err error }

func (e *connError) Error() string   { return e.err.Error() }
func (e *connError) Unwrap() []error { return []error{e.err, ErrConnection} }

// localError marks err as a failure of the local file system.
type localError struct{ err error }

func (e *localError) Error() string   { return e.err.Error() }
func (e *localError) Unwrap() []error { return []error{e.err, ErrLocal} }

// SafeName checks that a remote file name can be used as one local path
// element: not empty, not "." or "..", no slash or backslash, no control
// characters or invalid UTF-8, not hidden (leading dot), no leading dash,
// at most 255 bytes. It returns the name unchanged or an error wrapping
// ErrUnsafeName.
func SafeName(name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("check name %q: %s: %w", name, why, ErrUnsafeName)
	}
	switch {
	case name == "" || name == "." || name == "..":
		return bad("not a file name")
	case len(name) > 255:
		return bad("longer than 255 bytes")
	case !utf8.ValidString(name):
		return bad("not UTF-8")
	case strings.ContainsAny(name, `/\`):
		return bad("contains a path separator")
	case strings.HasPrefix(name, "."):
		return bad("hidden file")
	case strings.HasPrefix(name, "-"):
		return bad("starts with a dash")
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return bad("contains a control character")
		}
	}
	return name, nil
}

// ListOptions tunes ListReady.
type ListOptions struct {
	// Patterns are path.Match globs; a name must match one of them. None
	// means every name.
	Patterns []string
	// StableFor is how long a file's size and time must stay the same to
	// count as complete. Zero takes one look only.
	StableFor time.Duration
	// Wait pauses between the two looks; nil waits StableFor on a timer.
	// Tests replace it.
	Wait func(ctx context.Context, d time.Duration) error
}

// Listing is what ListReady found in a directory, each list sorted by
// name. Only names that match the patterns are in it; hidden files (a
// leading dot: uploads in progress) are in none of the lists.
type Listing struct {
	// Ready are the complete files, with safe names: to fetch.
	Ready []RemoteFile
	// Growing are the files still being written: left for the next run.
	Growing []RemoteFile
	// Refused are the files whose names are not safe as local paths (see
	// SafeName): never fetched. They stay until the partner renames or
	// removes them, and callers report them on every run.
	Refused []RemoteFile
}

// ListReady lists dir and sorts the files that match the patterns into
// those ready to fetch, those still growing and those refused for their
// names.
func ListReady(ctx context.Context, r Remote, dir string, opt ListOptions) (Listing, error) {
	var l Listing
	all, err := r.List(ctx, dir)
	if err != nil {
		return l, err
	}
	var first []RemoteFile
	for _, f := range all {
		switch {
		case strings.HasPrefix(f.Name, ".") || !MatchAny(opt.Patterns, f.Name):
		case !isSafe(f.Name):
			l.Refused = append(l.Refused, f)
		default:
			first = append(first, f)
		}
	}
	if opt.StableFor <= 0 || len(first) == 0 {
		l.Ready = first
		return l, nil
	}
	wait := opt.Wait
	if wait == nil {
		wait = sleep
	}
	if err := wait(ctx, opt.StableFor); err != nil {
		return Listing{}, err
	}
	second, err := r.List(ctx, dir)
	if err != nil {
		return Listing{}, err
	}
	now := make(map[string]RemoteFile, len(second))
	for _, f := range second {
		now[f.Name] = f
	}
	for _, f := range first {
		g, ok := now[f.Name]
		switch {
		case !ok:
			// Gone between the looks (another reader took it): skip.
		case g.Size == f.Size && g.ModTime.Equal(f.ModTime):
			l.Ready = append(l.Ready, g)
		default:
			l.Growing = append(l.Growing, g)
		}
	}
	return l, nil
}

func isSafe(name string) bool {
	_, err := SafeName(name)
	return err == nil
}

// MatchAny reports whether name matches one of the path.Match patterns, or
// whether there are no patterns. A malformed pattern matches nothing.
func MatchAny(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, err := path.Match(p, name); err == nil && ok {
			return true
		}
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Finish disposes of an inbound file after its contents were committed:
// it moves it to the partner's archive directory, or deletes it when the
// partner's AfterApply is DispDelete. When the file is already gone the
// error wraps fs.ErrNotExist, and the caller may treat that as done.
func Finish(ctx context.Context, r Remote, p *Partner, f RemoteFile) error {
	if p.AfterApply == DispDelete {
		if err := r.Remove(ctx, f.Path()); err != nil {
			return fmt.Errorf("delete %s from %s: %w", f.Path(), p.Name, err)
		}
		return nil
	}
	if _, err := r.Move(ctx, f.Path(), p.Archive); err != nil {
		return fmt.Errorf("archive %s at %s: %w", f.Path(), p.Name, err)
	}
	return nil
}

// Quarantine moves an inbound file that failed validation to the partner's
// quarantine directory, where staff can look at it and the next run will not
// pick it up again. The caller keeps its local copy and records the errors
// in the ledger. It returns the new remote path.
//
// f is the file as it was listed before it was fetched. Quarantine first
// looks at the remote file again: when its size or time differ, the
// partner is still writing it (an upload that paused for longer than
// ListOptions.StableFor) or replaced it, so what failed validation was not
// the partner's file. It then leaves the file where it is and returns an
// error wrapping ErrChanged.
func Quarantine(ctx context.Context, r Remote, p *Partner, f RemoteFile) (string, error) {
	if err := Unchanged(ctx, r, f); err != nil {
		return "", fmt.Errorf("quarantine %s at %s: %w", f.Path(), p.Name, err)
	}
	to, err := r.Move(ctx, f.Path(), p.Quarantine)
	if err != nil {
		return "", fmt.Errorf("quarantine %s at %s: %w", f.Path(), p.Name, err)
	}
	return to, nil
}

// Unchanged returns an error wrapping ErrChanged when the remote file f
// now has another size or time than it was listed with. A file that is gone
// is left for the caller's next step to find.
func Unchanged(ctx context.Context, r Remote, f RemoteFile) error {
	files, err := r.List(ctx, f.Dir)
	if err != nil {
		return err
	}
	for _, g := range files {
		if g.Name == f.Name && (g.Size != f.Size || !g.ModTime.Equal(f.ModTime)) {
			return fmt.Errorf("now %d bytes modified %s, fetched at %d bytes modified %s: %w",
				g.Size, g.ModTime.UTC().Format(time.RFC3339), f.Size, f.ModTime.UTC().Format(time.RFC3339), ErrChanged)
		}
	}
	return nil
}

var nameSeq atomic.Uint64

// UniqueName returns a file name for an outbound file that no other call in
// any process makes: prefix, the UTC time to the second, a sequence number
// of this process and six random hex digits, then ext (with its dot), e.g.
// "IWO_20260314T020000Z_0001_3fa9c2.txt".
func UniqueName(prefix string, t time.Time, ext string) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	seq := nameSeq.Add(1) % 10000
	return fmt.Sprintf("%s_%s_%04d_%s%s", prefix, t.UTC().Format("20060102T150405Z"), seq, hex.EncodeToString(b[:]), ext)
}

// maxName is the longest file name, in bytes, that common file systems
// (and SafeName) accept.
const maxName = 255

// AltName returns the n-th alternative to name (n ≥ 1), used when a
// different file already holds name: "a.txt" becomes "a~1.txt". The result
// is never longer than 255 bytes: the part before the extension of a long
// name is shortened (at a character boundary) to make room for "~n".
func AltName(name string, n int) string {
	ext := path.Ext(name)
	if ext == name {
		ext = ""
	}
	suffix := fmt.Sprintf("~%d%s", n, ext)
	if len(suffix) >= maxName {
		ext, suffix = "", fmt.Sprintf("~%d", n)
	}
	stem := strings.TrimSuffix(name, ext)
	for len(stem)+len(suffix) > maxName {
		_, size := utf8.DecodeLastRuneInString(stem)
		stem = stem[:len(stem)-size]
	}
	return stem + suffix
}

// tempName is the hidden name a download is staged under, and an upload
// written under, before it gets its real name. It does not contain the
// name, so that it fits whatever the name's length (a 255-byte name is
// safe; "." + name + ".part" would not be), and it has a pattern of its
// own (see isTempName) so that residue left by a crash can be recognised
// and removed (CleanResidue).
func tempName() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return tempPrefix + hex.EncodeToString(b[:]) + tempSuffix
}

// The parts of tempName.
const (
	tempPrefix = ".iwo-"
	tempSuffix = ".part"
)

// isTempName reports whether name is one of iwo's temporary names: the
// form tempName makes (".iwo-" + 16 hex digits + ".part") or the one
// earlier versions made ("." + name + "." + 8 hex digits + ".part").
func isTempName(name string) bool {
	if rest, ok := strings.CutPrefix(name, tempPrefix); ok {
		h, ok := strings.CutSuffix(rest, tempSuffix)
		return ok && len(h) == 16 && isHex(h)
	}
	rest, ok := strings.CutSuffix(name, tempSuffix)
	if !ok || !strings.HasPrefix(rest, ".") {
		return false
	}
	i := strings.LastIndexByte(rest, '.')
	return i > 1 && len(rest)-i-1 == 8 && isHex(rest[i+1:])
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// ResidueAge is how old one of iwo's temporary files must be before
// CleanResidue removes it: far longer than a transfer takes, so that a
// file another instance is still writing is left alone.
const ResidueAge = time.Hour

// CleanResidue removes from dir on r iwo's own temporary files (the hidden
// names uploads and downloads are written under before they get their
// real name) last modified before before: residue of a process that
// stopped in the middle, which would otherwise stay for good. Other
// hidden files are never touched. It returns the paths removed; a file
// gone meanwhile counts as removed.
func CleanResidue(ctx context.Context, r Remote, dir string, before time.Time) ([]string, error) {
	files, err := r.List(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("clean %s: %w", dir, err)
	}
	var removed []string
	var errs []error
	for _, f := range files {
		if !isTempName(f.Name) || !f.ModTime.Before(before) {
			continue
		}
		if err := r.Remove(ctx, f.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("clean %s: %w", dir, err))
			continue
		}
		removed = append(removed, f.Path())
	}
	return removed, errors.Join(errs...)
}

// maxAlt bounds the search for a free name in Put and Move.
const maxAlt = 1000
