package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
)

// Local is a Remote over a local directory tree, for development and for
// partners that share a disk. Remote paths are slash-separated and relative
// to the root ("/inbox" and "inbox" are the same); nothing outside the root
// can be reached, through ".." or through symbolic links.
type Local struct {
	root *os.Root
	mode os.FileMode // of uploads
}

var _ Remote = (*Local)(nil)

// OpenLocal returns a Local rooted at dir, which must exist. Its uploads
// get DefaultUploadMode; Open gives them the partner's UploadMode.
func OpenLocal(dir string) (*Local, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open local partner directory: %w", err)
	}
	return &Local{root: root, mode: DefaultUploadMode}, nil
}

// Close releases the root directory.
func (l *Local) Close() error { return l.root.Close() }

// rel turns a remote path into one relative to the root.
func rel(p string) string {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

// List implements Remote.
func (l *Local) List(ctx context.Context, dir string) ([]RemoteFile, error) {
	d, err := l.root.Open(rel(dir))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	infos := make([]os.FileInfo, 0, len(entries))
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		infos = append(infos, fi)
	}
	return listing(dir, infos), nil
}

// Fetch implements Remote.
func (l *Local) Fetch(ctx context.Context, f RemoteFile, stagingDir string) (*Fetched, error) {
	if _, err := SafeName(f.Name); err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	r, err := l.root.Open(rel(f.Path()))
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", f.Path(), err)
	}
	defer r.Close()
	got, err := stage(f, stagingDir, func(w io.Writer) (int64, error) {
		return io.Copy(w, &ctxReader{ctx: ctx, r: r})
	})
	if err != nil {
		return nil, fmt.Errorf("fetch: %w", err)
	}
	return got, nil
}

// Put implements Remote.
func (l *Local) Put(ctx context.Context, localPath, dir, name string) (string, error) {
	if _, err := SafeName(name); err != nil {
		return "", fmt.Errorf("put: %w", err)
	}
	src, err := os.Open(localPath)
	if err != nil {
		return "", fmt.Errorf("put: %w", err)
	}
	defer src.Close()
	final := name
	for i := 1; ; i++ {
		same, err := l.holds(path.Join(dir, final), localPath)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("put %s: %w", name, err)
		}
		if same {
			return final, nil
		}
		if i > maxAlt {
			return "", fmt.Errorf("put %s: no free name: %w", name, fs.ErrExist)
		}
		final = AltName(name, i)
	}
	tmp := rel(path.Join(dir, tempName()))
	w, err := l.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("put %s: %w", name, err)
	}
	err = w.Chmod(l.mode) // exactly the mode, whatever the umask
	if err == nil {
		_, err = io.Copy(w, &ctxReader{ctx: ctx, r: src})
	}
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Link refuses an existing target, unlike rename(2).
		err = l.root.Link(tmp, rel(path.Join(dir, final)))
	}
	_ = l.root.Remove(tmp)
	if err != nil {
		return "", fmt.Errorf("put %s: %w", name, err)
	}
	return final, nil
}

// holds reports whether remote p has the same bytes as the local file.
func (l *Local) holds(p, localPath string) (bool, error) {
	r, err := l.root.Open(rel(p))
	if err != nil {
		return false, err
	}
	defer r.Close()
	lf, err := os.Open(localPath)
	if err != nil {
		return false, err
	}
	defer lf.Close()
	return sameContents(r, lf)
}

// Move implements Remote.
func (l *Local) Move(ctx context.Context, from, toDir string) (string, error) {
	if _, err := l.root.Lstat(rel(from)); err != nil {
		return "", fmt.Errorf("move %s: %w", from, err)
	}
	if err := l.root.MkdirAll(rel(toDir), 0o700); err != nil {
		return "", fmt.Errorf("move %s: %w", from, err)
	}
	base := path.Base(from)
	to := path.Join(toDir, base)
	for i := 1; ; i++ {
		err := l.root.Link(rel(from), rel(to))
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || i > maxAlt {
			return "", fmt.Errorf("move %s: %w", from, err)
		}
		to = path.Join(toDir, AltName(base, i))
	}
	if err := l.root.Remove(rel(from)); err != nil {
		return "", fmt.Errorf("move %s: %w", from, err)
	}
	return to, nil
}

// Remove implements Remote.
func (l *Local) Remove(ctx context.Context, p string) error {
	if err := l.root.Remove(rel(p)); err != nil {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}
