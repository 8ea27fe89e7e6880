package store_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/iwoproject/iwo/store"
)

// TestSQLiteFileModes: the database holds every SSN in clear, so the
// directory iwo creates for it is 0700 and the database with its -wal and
// -shm files 0600, whatever the umask.
func TestSQLiteFileModes(t *testing.T) {
	old := syscall.Umask(0o022) // the usual umask; the test must not pass by a strict one
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "iwo.db")
	db, err := store.Open(ctx, "sqlite:"+path)
	mustOK(t, err, "open")
	defer db.Close()
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("480123456")), "write")
	want := map[string]os.FileMode{dir: os.ModeDir | 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600}
	for p, mode := range want {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("stat %s: %v", filepath.Base(p), err)
			continue
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), fi.Mode(), mode)
		}
	}
}
