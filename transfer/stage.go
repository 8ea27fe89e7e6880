package transfer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// stage streams the file (copyTo writes it to w) into stagingDir under a name derived from f.Name and
// returns what was written. The file is written under a hidden temporary
// name and linked to its final name only when complete and verified, so a
// crash leaves no half file under a real name. All access goes through an
// os.Root, so even a name that slipped past SafeName cannot leave
// stagingDir.
//
// Failures of the local file system wrap ErrLocal, so that callers do not
// take them for a broken connection; an error of copyTo that is not one of
// writing to the staging file is returned as it is.
func stage(f RemoteFile, stagingDir string, copyTo func(w io.Writer) (int64, error)) (*Fetched, error) {
	name, err := SafeName(f.Name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(stagingDir, 0o700); err != nil {
		return nil, fmt.Errorf("create staging directory: %w", &localError{err})
	}
	root, err := os.OpenRoot(stagingDir)
	if err != nil {
		return nil, fmt.Errorf("open staging directory: %w", &localError{err})
	}
	defer root.Close()

	tmp := tempName()
	w, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create staging file: %w", &localError{err})
	}
	defer root.Remove(tmp) // after a successful link only the final name stays

	h := sha256.New()
	lw := &localWriter{w: w}
	n, err := copyTo(io.MultiWriter(lw, h))
	if lw.err != nil {
		err = &localError{err}
	}
	if err == nil {
		if err = w.Sync(); err != nil {
			err = &localError{err}
		}
	}
	if cerr := w.Close(); err == nil && cerr != nil {
		err = &localError{cerr}
	}
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", f.Path(), err)
	}
	if n != f.Size {
		return nil, fmt.Errorf("download %s: got %d bytes, listed %d: %w", f.Path(), n, f.Size, ErrChanged)
	}

	final := name
	for i := 1; ; i++ {
		err := root.Link(tmp, final)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || i > maxAlt {
			return nil, fmt.Errorf("name staging file %s: %w", final, &localError{err})
		}
		final = AltName(name, i)
	}
	return &Fetched{
		Remote:    f,
		LocalPath: filepath.Join(stagingDir, final),
		Size:      n,
		SHA256:    hex.EncodeToString(h.Sum(nil)),
	}, nil
}

// localWriter remembers a failure to write the staging file, which copyTo
// cannot tell from a failure to read the remote one.
type localWriter struct {
	w   io.Writer
	err error
}

func (l *localWriter) Write(p []byte) (int, error) {
	n, err := l.w.Write(p)
	if err != nil {
		l.err = err
	}
	return n, err
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// sameContents reports whether two readers yield the same bytes.
func sameContents(a, b io.Reader) (bool, error) {
	ha, hb := sha256.New(), sha256.New()
	if _, err := io.Copy(ha, a); err != nil {
		return false, err
	}
	if _, err := io.Copy(hb, b); err != nil {
		return false, err
	}
	return string(ha.Sum(nil)) == string(hb.Sum(nil)), nil
}
