package transfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// DefaultTimeout bounds connecting and the SSH handshake when
// Partner.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// extPosixRename is the OpenSSH extension for an atomic rename(2).
const extPosixRename = "posix-rename@openssh.com"

// SFTP is a connection to one partner's SFTP server.
type SFTP struct {
	partner string
	ssh     *ssh.Client
	c       *sftp.Client
	posix   bool          // the server offers posix-rename@openssh.com
	mode    os.FileMode   // of uploads
	dead    chan struct{} // closed when the SSH connection ends
}

var _ Remote = (*SFTP)(nil)

// Dial connects to p over SSH and starts the SFTP subsystem. It refuses a
// partner that fails Validate, which includes one without a pinned host key,
// and a server whose key is not pinned (ErrHostKey). Failures to reach the
// server or a connection that drops wrap ErrConnection.
func Dial(ctx context.Context, p *Partner) (*SFTP, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("dial partner %s: %w", p.Name, err)
	}
	if p.Local != "" {
		return nil, fmt.Errorf("dial partner %s: it is a local directory (%s), not an SFTP server", p.Name, p.Local)
	}
	keys, algos, err := parseHostKeys(p.HostKeys)
	if err != nil {
		return nil, fmt.Errorf("dial partner %s: %w", p.Name, err)
	}
	var auth []ssh.AuthMethod
	if len(p.PrivateKey) > 0 {
		signer, err := ssh.ParsePrivateKey(p.PrivateKey)
		if err != nil {
			return nil, fmt.Errorf("dial partner %s: parse private key: %w", p.Name, err)
		}
		auth = append(auth, ssh.PublicKeys(signer))
	}
	if p.Password != "" {
		pw := p.Password
		auth = append(auth, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	cfg := &ssh.ClientConfig{
		User:              p.User,
		Auth:              auth,
		HostKeyCallback:   hostKeyCallback(p, keys),
		HostKeyAlgorithms: algos,
		Timeout:           timeout,
	}

	addr := p.Addr()
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial partner %s at %s: %w", p.Name, addr, &connError{err})
	}
	// The handshake has no context: a deadline bounds it and a cancelled
	// context closes the socket.
	_ = conn.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	sc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("dial partner %s at %s: %w", p.Name, addr, ctx.Err())
		}
		if !errors.Is(err, ErrHostKey) && !strings.Contains(err.Error(), "unable to authenticate") && isConnErr(err) {
			err = &connError{err}
		}
		return nil, fmt.Errorf("dial partner %s at %s: %w", p.Name, addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	client := ssh.NewClient(sc, chans, reqs)
	c, err := sftp.NewClient(client)
	if err != nil {
		client.Close()
		if isConnErr(err) {
			err = &connError{err}
		}
		return nil, fmt.Errorf("start sftp with partner %s: %w", p.Name, err)
	}
	s := &SFTP{partner: p.Name, ssh: client, c: c, mode: p.uploadMode(), dead: make(chan struct{})}
	_, s.posix = c.HasExtension(extPosixRename)
	go func() {
		_ = client.Wait()
		close(s.dead)
	}()
	return s, nil
}

// Open returns the partner's file area: OpenLocal for a partner with a
// Local directory, otherwise a Retry that dials it over SFTP on first use
// and reconnects with backoff b. It fails at once for a partner that does
// not validate; a partner that cannot be reached fails the first operation.
func Open(ctx context.Context, p *Partner, b Backoff) (Remote, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("open partner %s: %w", p.Name, err)
	}
	if p.Local != "" {
		l, err := OpenLocal(p.Local)
		if err != nil {
			return nil, err
		}
		l.mode = p.uploadMode()
		return l, nil
	}
	return NewRetry(func(ctx context.Context) (Remote, error) { return Dial(ctx, p) }, b), nil
}

// PosixRename reports whether the server offers posix-rename@openssh.com.
func (s *SFTP) PosixRename() bool { return s.posix }

// Close closes the SFTP session and the SSH connection.
func (s *SFTP) Close() error {
	err := s.c.Close()
	if cerr := s.ssh.Close(); err == nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

// wrap marks err as a connection failure when it is one. A failure of the
// local file system (ErrLocal) never is, even when the connection broke
// meanwhile: the file is at fault, not the partner.
func (s *SFTP) wrap(err error) error {
	if err == nil || errors.Is(err, ErrLocal) {
		return err
	}
	select {
	case <-s.dead:
		return &connError{err}
	default:
	}
	if isConnErr(err) {
		return &connError{err}
	}
	return err
}

// isConnErr reports whether err looks like a broken or refused connection
// rather than an answer from the server.
//
// A bare syscall.Errno satisfies net.Error (it has Timeout and Temporary),
// so ENOSPC, EACCES or ENAMETOOLONG from the local disk would look like a
// network error; only a net.Error that is not an Errno counts (a
// *net.OpError wrapping ECONNRESET is found before its Errno).
func isConnErr(err error) bool {
	if errors.Is(err, sftp.ErrSSHFxConnectionLost) ||
		errors.Is(err, sftp.ErrSSHFxNoConnection) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		_, errno := ne.(syscall.Errno)
		return !errno
	}
	return false
}

// List implements Remote.
func (s *SFTP) List(ctx context.Context, dir string) ([]RemoteFile, error) {
	infos, err := s.c.ReadDirContext(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("list %s at %s: %w", dir, s.partner, s.wrap(err))
	}
	return listing(dir, infos), nil
}

// listing keeps the regular files, sorted by name.
func listing(dir string, infos []os.FileInfo) []RemoteFile {
	var files []RemoteFile
	for _, fi := range infos {
		if !fi.Mode().IsRegular() {
			continue
		}
		files = append(files, RemoteFile{Dir: dir, Name: fi.Name(), Size: fi.Size(), ModTime: fi.ModTime()})
	}
	slices.SortFunc(files, func(a, b RemoteFile) int { return strings.Compare(a.Name, b.Name) })
	return files
}

// Fetch implements Remote.
func (s *SFTP) Fetch(ctx context.Context, f RemoteFile, stagingDir string) (*Fetched, error) {
	if _, err := SafeName(f.Name); err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", s.partner, err)
	}
	r, err := s.c.Open(f.Path())
	if err != nil {
		return nil, fmt.Errorf("open %s at %s: %w", f.Path(), s.partner, s.wrap(err))
	}
	defer r.Close()
	stop := context.AfterFunc(ctx, func() { r.Close() })
	defer stop()
	got, err := stage(f, stagingDir, func(w io.Writer) (int64, error) {
		// WriteTo keeps several reads in flight, which matters over a WAN.
		return r.WriteTo(w)
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("fetch %s from %s: %w", f.Path(), s.partner, ctx.Err())
		}
		return nil, fmt.Errorf("fetch from %s: %w", s.partner, s.wrap(err))
	}
	return got, nil
}

// Put implements Remote.
func (s *SFTP) Put(ctx context.Context, localPath, dir, name string) (string, error) {
	if _, err := SafeName(name); err != nil {
		return "", fmt.Errorf("put to %s: %w", s.partner, err)
	}
	src, err := os.Open(localPath)
	if err != nil {
		return "", fmt.Errorf("put to %s: %w", s.partner, err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return "", fmt.Errorf("put to %s: %w", s.partner, err)
	}

	// Find the name: free, or already holding these very bytes.
	final := name
	for i := 1; ; i++ {
		fi, err := s.c.Stat(path.Join(dir, final))
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("put %s to %s: %w", name, s.partner, s.wrap(err))
		}
		if fi.Size() == st.Size() {
			same, err := s.sameAs(path.Join(dir, final), localPath)
			if err != nil {
				return "", fmt.Errorf("put %s to %s: %w", name, s.partner, s.wrap(err))
			}
			if same {
				return final, nil
			}
		}
		if i > maxAlt {
			return "", fmt.Errorf("put %s to %s: no free name: %w", name, s.partner, fs.ErrExist)
		}
		final = AltName(name, i)
	}

	tmp := path.Join(dir, tempName())
	if err := s.upload(ctx, src, tmp, st.Size()); err != nil {
		_ = s.c.Remove(tmp)
		if ctx.Err() != nil {
			return "", fmt.Errorf("put %s to %s: %w", name, s.partner, ctx.Err())
		}
		return "", fmt.Errorf("put %s to %s: %w", name, s.partner, s.wrap(err))
	}
	if err := s.rename(tmp, path.Join(dir, final)); err != nil {
		_ = s.c.Remove(tmp)
		return "", fmt.Errorf("put %s to %s: %w", name, s.partner, s.wrap(err))
	}
	return final, nil
}

func (s *SFTP) upload(ctx context.Context, src io.Reader, tmp string, size int64) error {
	w, err := s.c.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL)
	if err != nil {
		return err
	}
	// The server creates the file with its own default (0644 for
	// OpenSSH); narrow it before any byte is written.
	if err := s.c.Chmod(tmp, s.mode); err != nil {
		w.Close()
		return fmt.Errorf("set mode %#o: %w", uint32(s.mode), err)
	}
	stop := context.AfterFunc(ctx, func() { w.Close() })
	defer stop()
	n, err := w.ReadFrom(src)
	if cerr := w.Close(); err == nil && !errors.Is(cerr, os.ErrClosed) {
		err = cerr
	}
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("wrote %d bytes of %d: %w", n, size, ErrChanged)
	}
	fi, err := s.c.Stat(tmp)
	if err != nil {
		return err
	}
	if fi.Size() != size {
		return fmt.Errorf("server holds %d bytes of %d: %w", fi.Size(), size, ErrChanged)
	}
	return nil
}

// rename moves from to to. Callers have checked that to is free; the
// OpenSSH plain rename also refuses an existing target, posix-rename would
// replace it atomically.
func (s *SFTP) rename(from, to string) error {
	if s.posix {
		return s.c.PosixRename(from, to)
	}
	return s.c.Rename(from, to)
}

func (s *SFTP) sameAs(remote, local string) (bool, error) {
	r, err := s.c.Open(remote)
	if err != nil {
		return false, err
	}
	defer r.Close()
	l, err := os.Open(local)
	if err != nil {
		return false, err
	}
	defer l.Close()
	return sameContents(r, l)
}

// Move implements Remote.
func (s *SFTP) Move(ctx context.Context, from, toDir string) (string, error) {
	if _, err := s.c.Stat(from); err != nil {
		return "", fmt.Errorf("move %s at %s: %w", from, s.partner, s.wrap(err))
	}
	if err := s.c.MkdirAll(toDir); err != nil {
		return "", fmt.Errorf("move %s at %s: create %s: %w", from, s.partner, toDir, s.wrap(err))
	}
	base := path.Base(from)
	to := path.Join(toDir, base)
	for i := 1; ; i++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		_, err := s.c.Stat(to)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("move %s at %s: %w", from, s.partner, s.wrap(err))
		}
		if i > maxAlt {
			return "", fmt.Errorf("move %s at %s: no free name in %s: %w", from, s.partner, toDir, fs.ErrExist)
		}
		to = path.Join(toDir, AltName(base, i))
	}
	if err := s.rename(from, to); err != nil {
		return "", fmt.Errorf("move %s at %s: %w", from, s.partner, s.wrap(err))
	}
	return to, nil
}

// Remove implements Remote.
func (s *SFTP) Remove(ctx context.Context, p string) error {
	if err := s.c.Remove(p); err != nil {
		return fmt.Errorf("remove %s at %s: %w", p, s.partner, s.wrap(err))
	}
	return nil
}
