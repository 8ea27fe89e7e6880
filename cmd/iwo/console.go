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
	"github.com/iwoproject/iwo/withholding"
)

var consoleUsage = usage{
	short: "Serve the help-line console",
	long: `Serves the help-line console: look up an employer (name or FEIN), a case or an
obligor (case ID or SSN), see each order's IWOs, acknowledgments, payments and
exceptions, and work out a withholding with the same calculator as "iwo calc".

Accounts live in the database: add them with "iwo user add NAME --role ROLE"
(iwo user -h). Users listed in the configuration's console.users are added to
the database the first time the console starts with them; after that the
database's account counts. SSNs are shown as their last four digits unless the
user's role is supervisor or admin and they ask to reveal one; every order and
employer viewed, SSN revealed and exception closed is in the audit log (admins:
the Audit log page). Behind a TLS-terminating proxy set console.tls_proxy.

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
	db, err := openStoreConfig(ctx, c.env, c.db, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if len(cfg.Console.Users) == 0 {
		users, err := db.FindUsers(ctx)
		if err != nil {
			return err
		}
		if len(users) == 0 {
			return exitCode(1, errors.New("no console users: add one with iwo user add NAME --role admin"))
		}
	}
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
variable that setting names). The password needs at least 12 characters.
"iwo user add" puts a user straight into the database instead.

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
	if err := web.CheckPassword(pw); err != nil {
		return exitCode(1, errors.New(withholding.ErrorMessage(err)))
	}
	h, err := web.HashPassword(pw)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, h)
	return nil
}

// newConsole builds the console over db with cfg's agency, adding cfg's
// console users to db when it lacks them.
func newConsole(cfg *Config, db *store.DB, e *env) (*web.Server, error) {
	users := make([]web.User, 0, len(cfg.Console.Users))
	for _, u := range cfg.Console.Users {
		users = append(users, web.User{Name: u.Name, Role: web.Role(u.Role), PasswordHash: u.PasswordHash})
	}
	loc, err := cfg.Location()
	if err != nil {
		return nil, err
	}
	prio, err := cfg.Withholding.Priorities()
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
		Services: web.Services{Employers: db, Orders: db, Documents: db, Payments: db, Exceptions: db, JobRuns: db, Files: db,
			Accounts: db, Audit: db, APITokens: db},
		Users:    users,
		Agency:   cfg.Agency.Name,
		Location: loc,
		TLSProxy: cfg.Console.TLSProxy,
		Calc:     web.CalcDefaults{Allocation: cfg.Withholding.Allocation, WorkState: cfg.Agency.State, Priorities: prio},
		Logger:   log,
		Runner:   sched,
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
