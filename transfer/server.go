package transfer

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// ServerConfig configures an in-process SFTP server.
type ServerConfig struct {
	// Root is the directory served as "/". Clients cannot leave it, not
	// through ".." and not through symbolic links.
	Root string
	// Addr is the listen address; "127.0.0.1:0" (a free loopback port) when
	// empty.
	Addr string
	// HostKey is the server's key; a fresh Ed25519 key when nil.
	HostKey ssh.Signer
	// User, when set, is the only user name accepted.
	User string
	// AuthorizedKeys are the client keys accepted.
	AuthorizedKeys []ssh.PublicKey
	// Password, when set, is accepted as well.
	Password string
	// Logger receives connection errors; nil discards them.
	Logger *slog.Logger
}

// Server is an SFTP server running in this process, for tests and the demo.
// It serves one directory tree with pkg/sftp's request server over
// x/crypto/ssh, and offers posix-rename@openssh.com like OpenSSH does.
type Server struct {
	ln      net.Listener
	root    *os.Root
	hostKey ssh.PublicKey
	cfg     *ssh.ServerConfig
	log     *slog.Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// StartServer starts a server and returns once it listens. It stops when
// ctx ends or Close is called.
func StartServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	if cfg.Root == "" {
		return nil, errors.New("start sftp server: root directory required")
	}
	if len(cfg.AuthorizedKeys) == 0 && cfg.Password == "" {
		return nil, errors.New("start sftp server: authorized keys or a password required")
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("start sftp server: %w", err)
	}
	signer := cfg.HostKey
	if signer == nil {
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			root.Close()
			return nil, fmt.Errorf("start sftp server: generate host key: %w", err)
		}
		if signer, err = ssh.NewSignerFromKey(priv); err != nil {
			root.Close()
			return nil, fmt.Errorf("start sftp server: %w", err)
		}
	}
	userOK := func(c ssh.ConnMetadata) bool { return cfg.User == "" || c.User() == cfg.User }
	sc := &ssh.ServerConfig{
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if userOK(c) {
				for _, k := range cfg.AuthorizedKeys {
					if subtle.ConstantTimeCompare(k.Marshal(), key.Marshal()) == 1 {
						return &ssh.Permissions{}, nil
					}
				}
			}
			return nil, fmt.Errorf("key %s not authorized for %q", ssh.FingerprintSHA256(key), c.User())
		},
	}
	if cfg.Password != "" {
		sc.PasswordCallback = func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if userOK(c) && subtle.ConstantTimeCompare(pw, []byte(cfg.Password)) == 1 {
				return &ssh.Permissions{}, nil
			}
			return nil, fmt.Errorf("password rejected for %q", c.User())
		}
	}
	sc.AddHostKey(signer)

	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("start sftp server: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{ln: ln, root: root, hostKey: signer.PublicKey(), cfg: sc, log: log, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	context.AfterFunc(ctx, func() { s.Close() })
	return s, nil
}

// Addr returns the address the server listens on, e.g. "127.0.0.1:40123".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port returns the TCP port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// HostKey returns the server's public host key.
func (s *Server) HostKey() ssh.PublicKey { return s.hostKey }

// HostKeyLine returns the server's key as a known_hosts line, ready to pin
// in Partner.HostKeys.
func (s *Server) HostKeyLine() string { return HostKeyLine(s.Addr(), s.hostKey) }

// CloseConnections drops every client connection and keeps listening, as a
// server restart would look to a client.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Close stops listening, drops every connection and waits for the
// connection handlers to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.root.Close()
	return err
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serveConn(c)
		}()
	}
}

func (s *Server) serveConn(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	conn, chans, reqs, err := ssh.NewServerConn(c, s.cfg)
	if err != nil {
		s.log.Debug("sftp server handshake", "remote", c.RemoteAddr().String(), "err", err)
		return
	}
	_ = c.SetDeadline(time.Time{})
	defer conn.Close()
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	defer wg.Wait()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, in, err := nc.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer ch.Close()
			s.session(ch, in)
		}()
	}
}

// session waits for the "sftp" subsystem request and serves it; every
// other request is refused.
func (s *Server) session(ch ssh.Channel, in <-chan *ssh.Request) {
	for req := range in {
		if req.Type != "subsystem" || len(req.Payload) < 4 || string(req.Payload[4:]) != "sftp" {
			_ = req.Reply(false, nil)
			continue
		}
		_ = req.Reply(true, nil)
		go ssh.DiscardRequests(in)
		h := &rootHandler{root: s.root}
		rs := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h})
		if err := rs.Serve(); err != nil && !errors.Is(err, io.EOF) {
			s.log.Debug("sftp server session", "err", err)
		}
		rs.Close()
		return
	}
}

// rootHandler serves pkg/sftp requests from an os.Root.
type rootHandler struct {
	root *os.Root
}

var (
	_ sftp.PosixRenameFileCmder = (*rootHandler)(nil)
	_ sftp.LstatFileLister      = (*rootHandler)(nil)
)

func (h *rootHandler) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	return h.root.Open(rel(r.Filepath))
}

func (h *rootHandler) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	pf := r.Pflags()
	flags := os.O_WRONLY
	if pf.Read {
		flags = os.O_RDWR
	}
	if pf.Creat {
		flags |= os.O_CREATE
	}
	if pf.Trunc {
		flags |= os.O_TRUNC
	}
	if pf.Excl {
		flags |= os.O_EXCL
	}
	// O_APPEND is left out on purpose: WriteAt refuses files opened with it.
	return h.root.OpenFile(rel(r.Filepath), flags, 0o644)
}

func (h *rootHandler) Filecmd(r *sftp.Request) error {
	p := rel(r.Filepath)
	switch r.Method {
	case "Setstat":
		return h.setstat(r, p)
	case "Rename":
		// Like OpenSSH's sftp-server: a plain rename never replaces a file.
		if _, err := h.root.Lstat(rel(r.Target)); err == nil {
			return os.ErrExist
		}
		return h.root.Rename(p, rel(r.Target))
	case "Rmdir", "Remove":
		return h.root.Remove(p)
	case "Mkdir":
		return h.root.Mkdir(p, 0o755)
	}
	return sftp.ErrSSHFxOpUnsupported
}

func (h *rootHandler) setstat(r *sftp.Request, p string) error {
	flags, attrs := r.AttrFlags(), r.Attributes()
	if flags.Size {
		f, err := h.root.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		err = f.Truncate(int64(attrs.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if flags.Permissions {
		if err := h.root.Chmod(p, attrs.FileMode().Perm()); err != nil {
			return err
		}
	}
	if flags.Acmodtime {
		if err := h.root.Chtimes(p, time.Unix(int64(attrs.Atime), 0), time.Unix(int64(attrs.Mtime), 0)); err != nil {
			return err
		}
	}
	return nil
}

func (h *rootHandler) PosixRename(r *sftp.Request) error {
	return h.root.Rename(rel(r.Filepath), rel(r.Target))
}

func (h *rootHandler) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	p := rel(r.Filepath)
	switch r.Method {
	case "List":
		d, err := h.root.Open(p)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		entries, err := d.ReadDir(-1)
		if err != nil {
			return nil, err
		}
		infos := make(listerAt, 0, len(entries))
		for _, e := range entries {
			if fi, err := e.Info(); err == nil {
				infos = append(infos, fi)
			}
		}
		return infos, nil
	case "Stat":
		fi, err := h.root.Stat(p)
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

func (h *rootHandler) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	fi, err := h.root.Lstat(rel(r.Filepath))
	if err != nil {
		return nil, err
	}
	return listerAt{fi}, nil
}

// listerAt serves a fixed listing.
type listerAt []os.FileInfo

func (l listerAt) ListAt(ls []os.FileInfo, offset int64) (int, error) {
	if offset >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(ls, l[offset:])
	if n < len(ls) {
		return n, io.EOF
	}
	return n, nil
}
