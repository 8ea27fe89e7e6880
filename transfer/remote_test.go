package transfer_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/transfer"
)

// impl is one Remote implementation under test and the local directory
// that holds its remote tree.
type impl struct {
	name string
	open func(t *testing.T) (transfer.Remote, *transfer.Partner, string)
}

var impls = []impl{
	{"sftp", func(t *testing.T) (transfer.Remote, *transfer.Partner, string) {
		_, p, dir := MustServer(t)
		return MustDial(t, p), p, dir
	}},
	{"local", func(t *testing.T) (transfer.Remote, *transfer.Partner, string) {
		_, p, dir := MustServer(t) // only for the directories and partner
		l, err := transfer.OpenLocal(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l, p, dir
	}},
	{"retry", func(t *testing.T) (transfer.Remote, *transfer.Partner, string) {
		_, p, dir := MustServer(t)
		r := transfer.NewRetry(func(ctx context.Context) (transfer.Remote, error) { return transfer.Dial(ctx, p) }, transfer.Backoff{})
		t.Cleanup(func() { r.Close() })
		return r, p, dir
	}},
}

// TestRemote runs the rules every Remote keeps against each implementation.
func TestRemote(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			t.Run("PutThenList", func(t *testing.T) {
				r, p, dir := im.open(t)
				ctx := context.Background()
				src := MustWrite(t, t.TempDir(), "x", "FHI one")
				got, err := r.Put(ctx, src, p.Outbox, "IWO_1.txt")
				if err != nil || got != "IWO_1.txt" {
					t.Fatalf("Put = %q, %v; want IWO_1.txt", got, err)
				}
				if s := MustRead(t, filepath.Join(dir, "outbox", "IWO_1.txt")); s != "FHI one" {
					t.Errorf("remote holds %q", s)
				}
				// Same bytes again: nothing new.
				got, err = r.Put(ctx, src, p.Outbox, "IWO_1.txt")
				if err != nil || got != "IWO_1.txt" {
					t.Errorf("second Put of same bytes = %q, %v; want IWO_1.txt", got, err)
				}
				// Different bytes, same name: another name, first file untouched.
				other := MustWrite(t, t.TempDir(), "y", "FHI two")
				got, err = r.Put(ctx, other, p.Outbox, "IWO_1.txt")
				if err != nil || got != "IWO_1~1.txt" {
					t.Errorf("Put of different bytes = %q, %v; want IWO_1~1.txt", got, err)
				}
				if s := MustRead(t, filepath.Join(dir, "outbox", "IWO_1.txt")); s != "FHI one" {
					t.Errorf("first file overwritten: now %q", s)
				}
				if n := names(t, filepath.Join(dir, "outbox")); !slices.Equal(n, []string{"IWO_1.txt", "IWO_1~1.txt"}) {
					t.Errorf("outbox holds %v; want the two files and no temporary", n)
				}
				files, err := r.List(ctx, p.Outbox)
				if err != nil || len(files) != 2 || files[0].Name != "IWO_1.txt" || files[0].Size != 7 || files[0].Path() != "/outbox/IWO_1.txt" {
					t.Errorf("List = %+v, %v", files, err)
				}
			})

			t.Run("ListSortsHiddenUnsafeAndSkipsDirs", func(t *testing.T) {
				r, p, dir := im.open(t)
				in := filepath.Join(dir, "inbox")
				for _, n := range []string{"ok.ack", ".partial.ack", "bad\nname.ack", "-rf.ack", "ACK2", `PAY\1.ack`, "x.txt"} {
					MustWrite(t, in, n, "x")
				}
				if err := os.Mkdir(filepath.Join(in, "sub.ack"), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("/etc/passwd", filepath.Join(in, "link.ack")); err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				files, err := r.List(ctx, p.Inbox)
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"-rf.ack", ".partial.ack", "ACK2", `PAY\1.ack`, "bad\nname.ack", "ok.ack", "x.txt"}
				if got := fileNames(files); !slices.Equal(got, want) {
					t.Errorf("List = %q; want the regular files %q", got, want)
				}
				l, err := transfer.ListReady(ctx, r, p.Inbox, transfer.ListOptions{Patterns: p.Patterns["ack"]})
				if err != nil {
					t.Fatal(err)
				}
				if got := fileNames(l.Ready); !slices.Equal(got, []string{"ACK2", "ok.ack"}) {
					t.Errorf("ListReady: ready %q; want only ACK2 and ok.ack", got)
				}
				if got := fileNames(l.Refused); !slices.Equal(got, []string{"-rf.ack", `PAY\1.ack`, "bad\nname.ack"}) {
					t.Errorf("ListReady: refused %q; want the unsafe names, not the hidden one", got)
				}
			})

			t.Run("Fetch", func(t *testing.T) {
				r, p, dir := im.open(t)
				ctx := context.Background()
				MustWrite(t, filepath.Join(dir, "inbox"), "a.ach", "101 ACH")
				files, err := r.List(ctx, p.Inbox)
				if err != nil || len(files) != 1 {
					t.Fatalf("List = %v, %v", files, err)
				}
				staging := filepath.Join(t.TempDir(), "staging")
				got, err := r.Fetch(ctx, files[0], staging)
				if err != nil {
					t.Fatal(err)
				}
				if got.LocalPath != filepath.Join(staging, "a.ach") || got.Size != 7 || got.SHA256 != sum("101 ACH") {
					t.Errorf("Fetch = %+v", got)
				}
				if s := MustRead(t, got.LocalPath); s != "101 ACH" {
					t.Errorf("staged %q", s)
				}
				// The remote file stays until the caller says so.
				if _, err := os.Stat(filepath.Join(dir, "inbox", "a.ach")); err != nil {
					t.Errorf("remote file gone after Fetch: %v", err)
				}
				// A second copy of the same name does not overwrite the first.
				again, err := r.Fetch(ctx, files[0], staging)
				if err != nil || again.LocalPath != filepath.Join(staging, "a~1.ach") {
					t.Errorf("second Fetch = %+v, %v; want a~1.ach", again, err)
				}
				if n := names(t, staging); !slices.Equal(n, []string{"a.ach", "a~1.ach"}) {
					t.Errorf("staging holds %v", n)
				}
			})

			t.Run("ErrChanged", func(t *testing.T) {
				r, p, dir := im.open(t)
				ctx := context.Background()
				MustWrite(t, filepath.Join(dir, "inbox"), "a.ach", "101 ACH")
				files, _ := r.List(ctx, p.Inbox)
				MustWrite(t, filepath.Join(dir, "inbox"), "a.ach", "101 ACH and more")
				staging := t.TempDir()
				if _, err := r.Fetch(ctx, files[0], staging); !errors.Is(err, transfer.ErrChanged) {
					t.Errorf("Fetch of a file that grew: %v; want ErrChanged", err)
				}
				if n := names(t, staging); len(n) != 0 {
					t.Errorf("staging keeps %v after a failed fetch", n)
				}
			})

			// Names up to 255 bytes are safe; the temporary names of staging
			// and uploads, and the alternatives for a taken name, must fit
			// the same limit.
			t.Run("LongNames", func(t *testing.T) {
				r, p, dir := im.open(t)
				ctx := context.Background()
				staging := t.TempDir()
				for _, n := range []int{241, 255} {
					name := strings.Repeat("é", (n-4)/2) + strings.Repeat("x", (n-4)%2) + ".ach"
					MustWrite(t, filepath.Join(dir, "inbox"), name, "101 ACH")
					f := transfer.RemoteFile{Dir: p.Inbox, Name: name, Size: 7}
					for range 2 { // the second copy needs another name
						got, err := r.Fetch(ctx, f, staging)
						if err != nil {
							t.Fatalf("Fetch of a %d-byte name: %v", n, err)
						}
						if b := filepath.Base(got.LocalPath); len(b) > 255 || !strings.HasSuffix(b, ".ach") || got.Remote.Name != name {
							t.Errorf("Fetch of a %d-byte name staged %q (%d bytes) for %q", n, b, len(b), got.Remote.Name)
						}
					}
					src := MustWrite(t, t.TempDir(), "x", fmt.Sprint(n))
					if got, err := r.Put(ctx, src, p.Outbox, name); err != nil || got != name {
						t.Errorf("Put as a %d-byte name = %q, %v", n, got, err)
					}
					for range 2 {
						MustWrite(t, filepath.Join(dir, "inbox"), name, "again")
						if to, err := r.Move(ctx, f.Path(), p.Archive); err != nil || len(path.Base(to)) > 255 {
							t.Errorf("Move of a %d-byte name = %q, %v", n, to, err)
						}
					}
				}
			})

			// A failure on this side (the staging directory cannot be
			// written) concerns one file: it is not a connection failure,
			// so it is not retried and does not stop the partner's other
			// files.
			t.Run("LocalErrorIsNotConnection", func(t *testing.T) {
				r, p, dir := im.open(t)
				ctx := context.Background()
				MustWrite(t, filepath.Join(dir, "inbox"), "a.ach", "101 ACH")
				files, _ := r.List(ctx, p.Inbox)
				staging := MustWrite(t, t.TempDir(), "staging", "a file, not a directory")
				_, err := r.Fetch(ctx, files[0], staging)
				if err == nil || errors.Is(err, transfer.ErrConnection) || !errors.Is(err, transfer.ErrLocal) {
					t.Errorf("Fetch into a staging path that is a file: %v; want ErrLocal, not ErrConnection", err)
				}
			})

			t.Run("ErrUnsafeName", func(t *testing.T) {
				r, p, dir := im.open(t)
				MustWrite(t, dir, "secret", "top")
				staging := t.TempDir()
				for _, name := range []string{"../secret", "..", "/etc/passwd", "a\x00b", ".hidden", `..\secret`} {
					_, err := r.Fetch(context.Background(), transfer.RemoteFile{Dir: p.Inbox, Name: name, Size: 3}, staging)
					if !errors.Is(err, transfer.ErrUnsafeName) {
						t.Errorf("Fetch %q: %v; want ErrUnsafeName", name, err)
					}
					if _, err := r.Put(context.Background(), MustWrite(t, t.TempDir(), "f", "x"), p.Outbox, name); !errors.Is(err, transfer.ErrUnsafeName) {
						t.Errorf("Put as %q: %v; want ErrUnsafeName", name, err)
					}
				}
			})

			t.Run("MoveAndRemove", func(t *testing.T) {
				r, p, dir := im.open(t)
				ctx := context.Background()
				in := filepath.Join(dir, "inbox")
				MustWrite(t, in, "a.ack", "first")
				to, err := r.Move(ctx, "/inbox/a.ack", p.Archive)
				if err != nil || to != "/archive/a.ack" {
					t.Fatalf("Move = %q, %v", to, err)
				}
				// The partner sends a file of the same name again: the archive
				// keeps both.
				MustWrite(t, in, "a.ack", "second")
				to, err = r.Move(ctx, "/inbox/a.ack", p.Archive)
				if err != nil || to != "/archive/a~1.ack" {
					t.Fatalf("second Move = %q, %v", to, err)
				}
				if s := MustRead(t, filepath.Join(dir, "archive", "a.ack")); s != "first" {
					t.Errorf("archived file overwritten: %q", s)
				}
				// Into a directory that does not exist yet.
				MustWrite(t, in, "b.ack", "x")
				if to, err := r.Move(ctx, "/inbox/b.ack", "/archive/2026"); err != nil || to != "/archive/2026/b.ack" {
					t.Errorf("Move into new dir = %q, %v", to, err)
				}
				if _, err := r.Move(ctx, "/inbox/missing", p.Archive); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Move of missing file: %v; want fs.ErrNotExist", err)
				}
				if err := r.Remove(ctx, "/archive/a~1.ack"); err != nil {
					t.Errorf("Remove: %v", err)
				}
				if err := r.Remove(ctx, "/archive/a~1.ack"); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("Remove of missing file: %v; want fs.ErrNotExist", err)
				}
				if n := names(t, filepath.Join(dir, "archive")); !slices.Equal(n, []string{"2026", "a.ack"}) {
					t.Errorf("archive holds %v", n)
				}
			})

			t.Run("FinishAndQuarantine", func(t *testing.T) {
				r, p, dir := im.open(t)
				ctx := context.Background()
				in := filepath.Join(dir, "inbox")
				MustWrite(t, in, "a.ack", "a")
				MustWrite(t, in, "b.ack", "b")
				MustWrite(t, in, "c.ack", "c")
				files, _ := r.List(ctx, p.Inbox)
				if err := transfer.Finish(ctx, r, p, files[0]); err != nil {
					t.Fatal(err)
				}
				if to, err := transfer.Quarantine(ctx, r, p, files[1]); err != nil || to != "/quarantine/b.ack" {
					t.Fatalf("Quarantine = %q, %v", to, err)
				}
				del := *p
				del.AfterApply = transfer.DispDelete
				if err := transfer.Finish(ctx, r, &del, files[2]); err != nil {
					t.Fatal(err)
				}
				for d, want := range map[string][]string{"inbox": nil, "archive": {"a.ack"}, "quarantine": {"b.ack"}} {
					if n := names(t, filepath.Join(dir, d)); !slices.Equal(n, want) {
						t.Errorf("%s holds %v; want %v", d, n, want)
					}
				}
			})

			t.Run("QuarantineLeavesChangingFile", func(t *testing.T) {
				r, p, dir := im.open(t)
				ctx := context.Background()
				in := filepath.Join(dir, "inbox")
				MustWrite(t, in, "a.ack", "half")
				files, _ := r.List(ctx, p.Inbox)
				MustWrite(t, in, "a.ack", "half and the rest") // the partner writes on
				if _, err := transfer.Quarantine(ctx, r, p, files[0]); !errors.Is(err, transfer.ErrChanged) {
					t.Errorf("Quarantine of a file that changed since it was listed: %v; want ErrChanged", err)
				}
				if n := names(t, in); !slices.Equal(n, []string{"a.ack"}) {
					t.Errorf("inbox holds %v; want a.ack left", n)
				}
			})

			t.Run("CleanResidue", func(t *testing.T) {
				r, p, dir := im.open(t)
				out := filepath.Join(dir, "outbox")
				old := time.Now().Add(-2 * transfer.ResidueAge)
				for _, n := range []string{".iwo-0123456789abcdef.part", ".IWO_1.txt.0123abcd.part", ".iwo-0123.part", ".x.part", ".iwo-0123456789ABCDEF.part", "IWO_2.txt"} {
					MustWrite(t, out, n, "x")
					if err := os.Chtimes(filepath.Join(out, n), old, old); err != nil {
						t.Fatal(err)
					}
				}
				MustWrite(t, out, ".iwo-fedcba9876543210.part", "being written") // fresh
				got, err := transfer.CleanResidue(context.Background(), r, p.Outbox, time.Now().Add(-transfer.ResidueAge))
				if want := []string{"/outbox/.IWO_1.txt.0123abcd.part", "/outbox/.iwo-0123456789abcdef.part"}; err != nil || !slices.Equal(got, want) {
					t.Errorf("CleanResidue = %q, %v; want %q", got, err, want)
				}
				want := []string{".iwo-0123.part", ".iwo-0123456789ABCDEF.part", ".iwo-fedcba9876543210.part", ".x.part", "IWO_2.txt"}
				if n := names(t, out); !slices.Equal(n, want) {
					t.Errorf("outbox holds %q; want %q", n, want)
				}
			})

			t.Run("ListReadySkipsGrowing", func(t *testing.T) {
				r, p, dir := im.open(t)
				in := filepath.Join(dir, "inbox")
				MustWrite(t, in, "done.ach", "complete")
				MustWrite(t, in, "grow.ach", "par")
				MustWrite(t, in, "other.txt", "not a pattern")
				looks := 0
				l, err := transfer.ListReady(context.Background(), r, p.Inbox, transfer.ListOptions{
					Patterns:  p.Patterns["ach"],
					StableFor: time.Minute,
					Wait: func(ctx context.Context, d time.Duration) error {
						looks++
						if d != time.Minute {
							t.Errorf("waited %v; want the StableFor of 1m", d)
						}
						// The partner is still writing between the two looks.
						f, err := os.OpenFile(filepath.Join(in, "grow.ach"), os.O_APPEND|os.O_WRONLY, 0)
						if err != nil {
							return err
						}
						defer f.Close()
						_, err = f.WriteString("tial")
						return err
					},
				})
				if err != nil {
					t.Fatal(err)
				}
				ready, growing := l.Ready, l.Growing
				if looks != 1 || len(ready) != 1 || ready[0].Name != "done.ach" || len(growing) != 1 || growing[0].Name != "grow.ach" || growing[0].Size != 7 {
					t.Errorf("ListReady: %d waits, ready %+v, growing %+v", looks, ready, growing)
				}
			})
		})
	}
}

func fileNames(files []transfer.RemoteFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

func TestSafeName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"IWO_20260101.txt", true},
		{"ACK 2026 (1).txt", true},
		{"ünïcode.ack", true},
		{"", false},
		{".", false},
		{"..", false},
		{"../x", false},
		{"a/b", false},
		{`a\b`, false},
		{".hidden", false},
		{"-rf", false},
		{"tab\there", false},
		{"nl\n", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"c1\u0085", false},
		{"bad\xffutf8", false},
		{strings.Repeat("a", 256), false},
		{strings.Repeat("a", 255), true},
	} {
		got, err := transfer.SafeName(tc.name)
		if tc.ok && (err != nil || got != tc.name) {
			t.Errorf("SafeName(%q) = %q, %v; want it accepted", tc.name, got, err)
		}
		if !tc.ok && !errors.Is(err, transfer.ErrUnsafeName) {
			t.Errorf("SafeName(%q) = %q, %v; want ErrUnsafeName", tc.name, got, err)
		}
	}
}

func TestUniqueNameNeverRepeatsInOneSecond(t *testing.T) {
	at := time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for i := range 20000 {
		n := transfer.UniqueName("IWO", at, ".txt")
		if seen[n] {
			t.Fatalf("name %q repeated after %d names", n, i)
		}
		seen[n] = true
		if _, err := transfer.SafeName(n); err != nil || !strings.HasPrefix(n, "IWO_20260314T020000Z_") || !strings.HasSuffix(n, ".txt") {
			t.Fatalf("UniqueName = %q (%v)", n, err)
		}
	}
}

func TestAltName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a.txt", 1, "a~1.txt"},
		{"a.b.ach", 12, "a.b~12.ach"},
		{"ACK", 2, "ACK~2"},
		{strings.Repeat("a", 251) + ".ach", 1, strings.Repeat("a", 249) + "~1.ach"},
		{strings.Repeat("é", 125) + "x.ach", 10, strings.Repeat("é", 124) + "~10.ach"}, // never half a character
	} {
		if got := transfer.AltName(tc.in, tc.n); got != tc.want {
			t.Errorf("AltName(%q, %d) = %q; want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestMatchAny(t *testing.T) {
	for _, tc := range []struct {
		pats []string
		name string
		want bool
	}{
		{nil, "x", true},
		{[]string{"*.ack"}, "a.ack", true},
		{[]string{"*.ack"}, "a.ach", false},
		{[]string{"*.ack", "ACK*"}, "ACK_1", true},
		{[]string{"[bad"}, "[bad", false},
	} {
		if got := transfer.MatchAny(tc.pats, tc.name); got != tc.want {
			t.Errorf("MatchAny(%q, %q) = %v; want %v", tc.pats, tc.name, got, tc.want)
		}
	}
}
