package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/web"
)

var consoleUsage = usage{
	short: "Serve the help-line console",
	long: `Serves the help-line console: look up an employer (name or FEIN), a case or an
obligor (case ID or SSN), see each order's IWOs, acknowledgments, payments and
exceptions, and work out a withholding with the same calculator as "iwo calc".

Users and roles come from the configuration's console section; make a password
hash with "iwo console hash-password". SSNs are shown as their last four digits
unless the user's role is supervisor or admin and they ask to reveal one.

Example:
  iwo console --config /etc/iwo/iwo.yml --listen 127.0.0.1:8080`,
}

// consoleCommand is "iwo console".
type consoleCommand struct {
	base
	config, db, listen string
}

func (c *consoleCommand) flags(fs *flag.FlagSet) {
	configFlag(fs, &c.config)
	dbFlag(fs, &c.db)
	fs.StringVar(&c.listen, "listen", "", "host:port to listen on (default: the configuration's console.listen)")
}

// Run serves the console until ctx ends.
func (c *consoleCommand) Run(ctx context.Context) error {
	if len(c.args) > 0 {
		return usageError("unexpected arguments %q", c.args)
	}
	cfg, err := loadConfig(c.config, c.env)
	if err != nil {
		return err
	}
	if len(cfg.Console.Users) == 0 {
		return exitCode(1, errors.New("no console users configured: add console.users to the configuration (see iwo config default)"))
	}
	db, err := openStoreConfig(ctx, c.env, c.db, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	addr := cfg.Console.Listen
	if c.listen != "" {
		addr = c.listen
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv, err := newConsole(cfg, db, c.env)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "iwo console: serving on http://%s/\n", ln.Addr())
	err = serveHTTP(ctx, ln, srv.Handler())
	// A job started with "Run now" finishes, as "iwo run" lets it.
	srv.Wait()
	return err
}

var hashPasswordUsage = usage{
	short: "Read a password on standard input and print its bcrypt hash",
	long: `Reads one line (the password) from standard input and prints the bcrypt
hash to put in a console user's password_hash setting (or in the environment
variable that setting names).

Example:
  printf '%s\n' 'correct horse battery staple' | iwo console hash-password`,
}

// hashPasswordCommand is "iwo console hash-password".
type hashPasswordCommand struct{ base }

func (c *hashPasswordCommand) flags(*flag.FlagSet) {}

// Run reads the password and prints its hash.
func (c *hashPasswordCommand) Run(context.Context) error {
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		if err != nil {
			return usageError("no password on standard input")
		}
		return usageError("empty password")
	}
	h, err := web.HashPassword(pw)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, h)
	return nil
}

// newConsole builds the console over db with cfg's users and agency.
func newConsole(cfg *Config, db *store.DB, e *env) (*web.Server, error) {
	users := make([]web.User, 0, len(cfg.Console.Users))
	for _, u := range cfg.Console.Users {
		users = append(users, web.User{Name: u.Name, Role: web.Role(u.Role), PasswordHash: u.PasswordHash})
	}
	loc, err := cfg.Location()
	if err != nil {
		return nil, err
	}
	log := cfg.Logger(e.stderr)
	// "Run now" goes through a scheduler of the console's own, never
	// started: it runs a job only by hand, under the same database lock
	// and run record as every "iwo serve" instance, so a job is never run
	// twice at once.
	sched, err := buildScheduler(cfg, db, log, nil, schedulerOptions{})
	if err != nil {
		return nil, err
	}
	return web.New(web.Config{
		Services:   web.Services{Employers: db, Orders: db, Documents: db, Payments: db, Exceptions: db, JobRuns: db, Files: db},
		Users:      users,
		Agency:     cfg.Agency.Name,
		Location:   loc,
		SessionKey: []byte(cfg.Console.SessionKey),
		Calc:       web.CalcDefaults{Allocation: cfg.Withholding.Allocation},
		Logger:     log,
		Runner:     sched,
	})
}

// serveHTTP serves h on ln until ctx ends, then shuts down gracefully.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve console: %w", err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}
