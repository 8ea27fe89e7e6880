package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// ErrLocalCopyChanged is returned when the local copy of an outbound file
// no longer holds the bytes whose size and SHA-256 the ledger recorded. The
// file is not pushed: the partner gets exactly what the ledger says was
// sent, or nothing.
var ErrLocalCopyChanged = errors.New("local copy no longer matches the ledger")

// push uploads the local file of the ledger entry lf to dir on rem and
// returns the name it has there. It first hashes the local file: when it
// differs from the size and SHA-256 in the ledger, nothing is uploaded
// (ErrLocalCopyChanged). An entry without them (recorded before iwo kept the
// sums of outbound files) gets them recorded before the upload. The retry
// and the "same name, same bytes" rule of transfer.Remote.Put upload the
// same local file, so every path uploads the bytes that were checked.
// The caller removes the residue of crashed uploads from dir first, once a
// connection (send-iwos and the report job's deliver): listing dir before every file made a night's
// 20,000 statements to one payroll provider's outbox quadratic.
func (x *Exchange) push(ctx context.Context, rem transfer.Remote, files withholding.FileService, lf *withholding.File, dir string) (string, error) {
	size, sum, err := fileSum(lf.LocalPath)
	if err != nil {
		return "", err
	}
	switch {
	case lf.SHA256 == "":
		if err := files.SetFileSum(ctx, lf.ID, size, sum); err != nil {
			return "", fmt.Errorf("record size and SHA-256 of %s: %w", lf.RemoteName, err)
		}
		lf.Size, lf.SHA256 = size, sum
		x.Log().Info("outbound file recorded without its SHA-256: recorded now, before the push", "file", lf.RemoteName, "ledger", lf.ID, "size", size, "sha256", sum)
	case lf.SHA256 != sum || lf.Size != size:
		return "", fmt.Errorf("push %s: %s has %d bytes with SHA-256 %s, the ledger %d bytes with SHA-256 %s: %w",
			lf.RemoteName, lf.LocalPath, size, sum, lf.Size, lf.SHA256, ErrLocalCopyChanged)
	}
	return rem.Put(ctx, lf.LocalPath, dir, lf.RemoteName)
}

// fileSum returns a file's size and SHA-256 (hex).
func fileSum(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", fmt.Errorf("read outbound file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", fmt.Errorf("read outbound file %s: %w", filepath.Base(path), err)
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
