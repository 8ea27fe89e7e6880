package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"path/filepath"
	"strconv"
	"time"

	"github.com/iwoproject/iwo/transfer"
)

// Exchange is what the file jobs share: the partners, a way to reach each,
// and the local work directory.
type Exchange struct {
	// Partners are the configured SFTP partners.
	Partners []*transfer.Partner
	// Connect opens a partner's file area. cmd/iwo wires transfer.Dial
	// wrapped in transfer.NewRetry, or transfer.OpenLocal for a partner
	// that is a local directory.
	Connect func(ctx context.Context, p *transfer.Partner) (transfer.Remote, error)
	// Dir is the local work directory. Received files are kept under
	// staging/PARTNER/, quarantined ones are copied to quarantine/PARTNER/,
	// outbound files are written to outbox/PARTNER/ before they are pushed.
	Dir string
	// StableFor is how long an inbound file's size must stay the same
	// before it is fetched (see transfer.ListReady); zero takes one look.
	StableFor time.Duration
	// Wait replaces the pause between the two looks (tests).
	Wait func(ctx context.Context, d time.Duration) error
	// Claims, when set, claims each inbound file (partner and remote name)
	// before it is fetched and until it is applied and archived or
	// quarantined, so that several instances can run the same inbound job
	// at once (see Inbound and ItemClaimer); *store.DB is one. With no
	// Claims, or Claims on a store that takes one writer at a time (see
	// OneWriter), the inbound jobs run under the job's lock, one instance
	// at a time.
	Claims Claimer
	// Metrics counts files and errors; nil counts nothing.
	Metrics *Metrics
	// Env is the clock and the logger (one line per file).
	Env
}

// Claimer hands out claims on items of work, by name: TryLock takes the
// claim if no one holds it and reports ok false, with no error, when
// another holder (another instance) does; release gives it back. A claim
// must end with its holder: if the process dies, the claim is freed (on
// PostgreSQL when its session ends, on SQLite when its lease runs out or,
// on the same host, when the holder is seen gone). *store.DB's TryLock is
// one.
type Claimer interface {
	TryLock(ctx context.Context, name string) (release func(), ok bool, err error)
}

// OneWriter is implemented by a Claimer that knows whether its store
// takes one writer at a time: *store.DB on SQLite, whose write
// transactions hold the database's one write lock from begin to commit.
// There, instances applying files together would only queue for that
// lock, while each file's claim costs two write transactions of its own
// and a renewal goroutine, so the inbound jobs take no per-file claims and
// run under the job's lock.
type OneWriter interface {
	OneWriter() bool
}

// claims returns the Claimer that inbound files are claimed with, nil when
// they are not (no Claims, or a store with one writer at a time).
func (x *Exchange) claims() Claimer {
	if o, ok := x.Claims.(OneWriter); ok && o.OneWriter() {
		return nil
	}
	return x.Claims
}

// ClaimName is the name of the claim on the inbound file at remote path of
// partner. It names the file, not the job, so that any job that takes the
// file claims it under the same name.
func ClaimName(partner, remote string) string {
	return "iwo.file." + strconv.Quote(partner) + strconv.Quote(remote)
}

// Partner returns the partner called name, or nil.
func (x *Exchange) Partner(name string) *transfer.Partner {
	for _, p := range x.Partners {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// localDir returns Dir/area/PARTNER. A partner name that is not safe as a
// path element is replaced by a hash of it, so configuration can never
// point the jobs outside Dir.
func (x *Exchange) localDir(area, partner string) string {
	name, err := transfer.SafeName(partner)
	if err != nil {
		sum := sha256.Sum256([]byte(partner))
		name = "partner-" + hex.EncodeToString(sum[:8])
	}
	return filepath.Join(x.Dir, area, name)
}

func (x *Exchange) connect(ctx context.Context, p *transfer.Partner) (transfer.Remote, error) {
	if x.Connect == nil {
		return nil, fmt.Errorf("connect to %s: no connector configured", p.Name)
	}
	r, err := x.Connect(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", p.Name, err)
	}
	return r, nil
}

// cleanResidue removes iwo's own temporary files older than
// transfer.ResidueAge from dir on rem, logging each. Its failure is logged
// and does not stop the job: residue is untidy, not harmful.
func (x *Exchange) cleanResidue(ctx context.Context, rem transfer.Remote, dir string, log *slog.Logger) {
	removed, err := transfer.CleanResidue(ctx, rem, dir, x.Now().Add(-transfer.ResidueAge))
	for _, p := range removed {
		log.Info("removed a temporary file left by an interrupted transfer", "dir", dir, "file", path.Base(p))
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		log.Warn("clean temporary files failed", "dir", dir, "err", err)
	}
}

// cleanStaging removes the temporary files an interrupted download left
// in the partner's local staging directory.
func (x *Exchange) cleanStaging(ctx context.Context, partner string, log *slog.Logger) {
	dir := x.localDir("staging", partner)
	l, err := transfer.OpenLocal(filepath.Dir(dir))
	if err != nil {
		return // no staging directory yet: nothing to clean
	}
	defer l.Close()
	x.cleanResidue(ctx, l, filepath.Base(dir), log.With("staging", dir))
}
