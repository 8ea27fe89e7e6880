package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/ach/achsynth"
	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// fixture is an agency with a store and partners that are local
// directories under root.
type fixture struct {
	t    *testing.T
	db   *store.DB
	root string
	x    *jobs.Exchange
	down map[string]bool // partners whose connection fails
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, db: MustOpenStore(t), root: t.TempDir(), down: map[string]bool{}}
	f.x = &jobs.Exchange{
		Dir: t.TempDir(),
		Env: jobs.Env{Logger: quietLogger()},
		Connect: func(ctx context.Context, p *transfer.Partner) (transfer.Remote, error) {
			if f.down[p.Name] {
				return nil, fmt.Errorf("dial %s: connection refused: %w", p.Name, transfer.ErrConnection)
			}
			return transfer.Open(ctx, p, transfer.Backoff{})
		},
	}
	return f
}

// addPartner adds a partner whose file area is the directory root/name.
func (f *fixture) addPartner(name string, role transfer.Role, patterns map[withholding.FileKind][]string) *transfer.Partner {
	f.t.Helper()
	dir := filepath.Join(f.root, name)
	for _, d := range []string{"inbox", "outbox", "archive", "quarantine"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			f.t.Fatal(err)
		}
	}
	p := &transfer.Partner{
		Name: name, Role: role, Local: dir,
		Inbox: "/inbox", Outbox: "/outbox", Archive: "/archive", Quarantine: "/quarantine",
		Patterns: patterns,
	}
	if err := p.Validate(); err != nil {
		f.t.Fatalf("partner %s: %v", name, err)
	}
	f.x.Partners = append(f.x.Partners, p)
	return p
}

// drop writes a file into a partner's directory.
func (f *fixture) drop(partner, dir, name string, data []byte) {
	f.t.Helper()
	if err := os.WriteFile(filepath.Join(f.root, partner, dir, name), data, 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// ls lists a partner's directory.
func (f *fixture) ls(partner, dir string) []string {
	f.t.Helper()
	es, err := os.ReadDir(filepath.Join(f.root, partner, dir))
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// ledger returns the inbound ledger entries, oldest first.
func (f *fixture) ledger() []*withholding.File {
	f.t.Helper()
	in := withholding.Inbound
	fs, _, err := f.db.FindFiles(context.Background(), withholding.FileFilter{Direction: &in})
	if err != nil {
		f.t.Fatal(err)
	}
	slices.Reverse(fs)
	return fs
}

// payments counts stored payments.
func (f *fixture) payments() int {
	f.t.Helper()
	_, n, err := f.db.FindPayments(context.Background(), withholding.PaymentFilter{Limit: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// MustACH generates a clean remittance file.
func MustACH(tb testing.TB, seed uint64, count int) ([]byte, achsynth.Stats) {
	tb.Helper()
	var b bytes.Buffer
	st, err := achsynth.Generate(&b, achsynth.Options{Count: count, Seed: seed, Clean: true})
	if err != nil {
		tb.Fatalf("generate ACH: %v", err)
	}
	return b.Bytes(), st
}

// brokenACH returns a file whose entries read fine but whose file
// control record is missing, so the reader finds it invalid only at the
// end.
func brokenACH(tb testing.TB, seed uint64) []byte {
	tb.Helper()
	data, _ := MustACH(tb, seed, 10)
	var keep []string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if !strings.HasPrefix(line, "9") {
			keep = append(keep, line)
		}
	}
	return []byte(strings.Join(keep, "\n") + "\n")
}

var achPatterns = map[withholding.FileKind][]string{withholding.KindACHFile: {"*.ach"}}

// failingApply wraps a FileService and makes ApplyPayments fail after
// the payments were read, as a database that goes away mid-file would.
type failingApply struct {
	withholding.FileService
	err error
}

func (f failingApply) ApplyPayments(ctx context.Context, fileID int64, payments iter.Seq2[*withholding.Payment, error]) (int, error) {
	for range payments {
	}
	return 0, f.err
}

// isInvalidFile reports whether err says a file was refused as invalid (and
// so quarantined): a *jobs.InvalidFileError or an error of kind EINVALID.
func isInvalidFile(err error) bool {
	var ie *jobs.InvalidFileError
	return errors.As(err, &ie) || withholding.ErrorCode(err) == withholding.EINVALID
}
