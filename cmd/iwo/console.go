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

func init() {
	var configPath, dbURL, listen *string
	register(&command{
		name:  "console",
		short: "Serve the help-line console",
		long: `Serves the help-line console: look up an employer (name or FEIN), a case or an
obligor (case ID or SSN), see each order's IWOs, acknowledgments, payments and
exceptions, and work out a withholding with the same calculator as "iwo calc".

Users and roles come from the configuration's console section; make a password
hash with "iwo console hash-password". SSNs are shown as their last four digits
unless the user's role is supervisor or admin and they ask to reveal one.

Example:
  iwo console --config /etc/iwo/iwo.yml --listen 127.0.0.1:8080`,
		flags: func(fs *flag.FlagSet) {
			configPath = configFlag(fs)
			dbURL = addDBFlag(fs)
			listen = fs.String("listen", "", "host:port to listen on (default: the configuration's console.listen)")
		},
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usageError("unexpected arguments %q", args)
			}
			cfg, err := loadConfig(*configPath, e)
			if err != nil {
				return err
			}
			if len(cfg.Console.Users) == 0 {
				return exitCode(1, errors.New("no console users configured: add console.users to the configuration (see iwo config default)"))
			}
			db, err := openStoreConfig(ctx, e, *dbURL, cfg)
			if err != nil {
				return err
			}
			defer db.Close()
			addr := cfg.Console.Listen
			if *listen != "" {
				addr = *listen
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			srv, err := newConsole(cfg, db, e)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "iwo console: serving on http://%s/\n", ln.Addr())
			return serveHTTP(ctx, ln, srv.Handler())
		},
	})
	register(&command{
		name:  "console hash-password",
		short: "Read a password on standard input and print its bcrypt hash",
		long: `Reads one line (the password) from standard input and prints the bcrypt
hash to put in a console user's password_hash setting (or in the environment
variable that setting names).

Example:
  printf '%s\n' 'correct horse battery staple' | iwo console hash-password`,
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			line, err := bufio.NewReader(e.stdin).ReadString('\n')
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
			fmt.Fprintln(e.stdout, h)
			return nil
		},
	})
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
	return web.New(web.Config{
		Services:   web.Services{Employers: db, Orders: db, Documents: db, Payments: db, Exceptions: db, JobRuns: db, Files: db},
		Users:      users,
		Agency:     cfg.Agency.Name,
		Location:   loc,
		SessionKey: []byte(cfg.Console.SessionKey),
		Calc:       web.CalcDefaults{Allocation: cfg.Withholding.Allocation},
		Logger:     cfg.Logger(e.stderr),
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
