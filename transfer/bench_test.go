package transfer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iwoproject/iwo/transfer"
)

// BenchmarkSFTP measures upload and download of a 4 MiB file (a large ACH
// remittance) through the in-process server over loopback.
func BenchmarkSFTP(b *testing.B) {
	const size = 4 << 20
	_, p, dir := MustServer(b)
	s := MustDial(b, p)
	data := make([]byte, size)
	rand.Read(data)
	src := filepath.Join(b.TempDir(), "big.ach")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()

	b.Run("Put", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, err := s.Put(ctx, src, p.Outbox, transfer.UniqueName("BIG", time.Time{}, ".ach")); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Fetch", func(b *testing.B) {
		if err := os.WriteFile(filepath.Join(dir, "inbox", "big.ach"), data, 0o644); err != nil {
			b.Fatal(err)
		}
		f := transfer.RemoteFile{Dir: p.Inbox, Name: "big.ach", Size: size}
		b.SetBytes(size)
		for b.Loop() {
			staging := b.TempDir()
			got, err := s.Fetch(ctx, f, staging)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if got.Size != size {
				b.Fatalf("fetched %d bytes", got.Size)
			}
			os.RemoveAll(staging)
			b.StartTimer()
		}
	})
}

// FuzzSafeName checks that every accepted name is one path element that
// stays inside the directory it is joined to.
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"a.ach", "..", "../x", "a/b", `a\b`, ".x", "-x", "a\x00", "\xff"} {
		f.Add(s)
	}
	dir := filepath.FromSlash("/staging/acme")
	f.Fuzz(func(t *testing.T, name string) {
		got, err := transfer.SafeName(name)
		if err != nil {
			return
		}
		p := filepath.Join(dir, got)
		if filepath.Dir(p) != dir || filepath.Base(p) != got || bytes.ContainsAny([]byte(got), "/\\\x00") {
			t.Errorf("SafeName accepted %q, which joins to %q", name, p)
		}
	})
}
