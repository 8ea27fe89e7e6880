package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

const userHelpCommon = `The password is read from the terminal (typed twice, not shown) or, when
standard input is not a terminal, as one line from it; never from a flag,
which would leave it in the shell's history and the process list. It needs
at least 12 characters.

Roles: helpline (look up, calculate; SSNs masked), operations (+ work
exceptions, run jobs, re-queue files), supervisor (+ reveal a full SSN),
admin (+ users and the audit log). Each change is in the console's audit
log as made by cli:$USER.`

var userAddUsage = usage{
	args:  "NAME",
	short: "Add a console user",
	long: `Adds a console user with a role and a password.

` + userHelpCommon + `

Example:
  iwo user add jdoe --role helpline --config /etc/iwo/iwo.yml`,
}

var userResetUsage = usage{
	args:  "NAME",
	short: "Set a console user's password (and role)",
	long: `Sets a new password for a console user, and a new role with --role. A new
password signs the user out everywhere at once.

` + userHelpCommon + `

Example:
  iwo user reset jdoe --config /etc/iwo/iwo.yml`,
}

var userDisableUsage = usage{
	args:  "NAME",
	short: "Disable a console user (--enable to undo)",
	long: `Disables a console user: they cannot sign in, and every session they have
ends at once. Users are disabled rather than deleted so that the audit log
keeps naming them. --enable lets them sign in again.

Example:
  iwo user disable jdoe --config /etc/iwo/iwo.yml`,
}

var userListUsage = usage{
	short: "List the console users",
	long: `Lists the console users: name, role, whether disabled, and when last changed.

Example:
  iwo user list --config /etc/iwo/iwo.yml`,
}

// userBase is what every "iwo user" command shares: where the store is.
type userBase struct {
	base
	config, db string
}

func (c *userBase) flags(fs *flag.FlagSet) {
	configFlag(fs, &c.config)
	dbFlag(fs, &c.db)
}

// open loads the configuration and opens the store.
func (c *userBase) open(ctx context.Context) (*store.DB, error) {
	cfg, err := loadConfig(c.config, c.env)
	if err != nil {
		return nil, err
	}
	return openStoreConfig(ctx, c.env, c.db, cfg)
}

// name returns the one positional argument, the user's name.
func (c *userBase) name() (string, error) {
	if len(c.args) != 1 || strings.TrimSpace(c.args[0]) == "" {
		return "", usageError("want one user NAME")
	}
	return c.args[0], nil
}

// audit records a change to user name made from the command line, as
// cli:$USER.
func (c *userBase) audit(ctx context.Context, db *store.DB, action withholding.AuditAction, name, detail string) error {
	return c.record(ctx, db, action, "user:"+name, detail)
}

// record records a change to subject made from the command line, as
// cli:$USER.
func (c *userBase) record(ctx context.Context, db *store.DB, action withholding.AuditAction, subject, detail string) error {
	who := c.getenv("USER")
	if who == "" {
		who = "unknown"
	}
	return db.RecordAudit(ctx, &withholding.AuditEntry{User: "cli:" + who, Action: action, Subject: subject, Detail: detail})
}

// password reads a new password: from the terminal twice without echo, or
// one line of a pipe. It returns the bcrypt hash.
func (c *userBase) password() (string, error) {
	var pw string
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		read := func(prompt string) (string, error) {
			fmt.Fprint(c.stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(c.stderr)
			if err != nil {
				return "", fmt.Errorf("read password: %w", err)
			}
			return string(b), nil
		}
		first, err := read("New password: ")
		if err != nil {
			return "", err
		}
		again, err := read("Again: ")
		if err != nil {
			return "", err
		}
		if first != again {
			return "", exitCode(1, errors.New("the passwords differ"))
		}
		pw = first
	} else {
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		if pw = strings.TrimRight(line, "\r\n"); pw == "" && err != nil {
			return "", usageError("no password on standard input")
		}
	}
	if err := web.CheckPassword(pw); err != nil {
		return "", exitCode(1, errors.New(withholding.ErrorMessage(err)))
	}
	return web.HashPassword(pw)
}

func checkRole(role string) error {
	if !web.Role(role).Valid() {
		return usageError("--role %q: want helpline, operations, supervisor or admin", role)
	}
	return nil
}

// userPasswordCommand is "iwo user add" and, with reset, "iwo user
// reset": both read a new password for a user, one making the user, the
// other changing it.
type userPasswordCommand struct {
	userBase
	reset bool
	role  string
}

func (c *userPasswordCommand) flags(fs *flag.FlagSet) {
	c.userBase.flags(fs)
	help := "the user's `role`: helpline, operations, supervisor or admin (required)"
	if c.reset {
		help = "also give the user this `role`"
	}
	fs.StringVar(&c.role, "role", "", help)
}

// Run adds the user, or sets its password and, with --role, role.
func (c *userPasswordCommand) Run(ctx context.Context) error {
	name, err := c.name()
	if err != nil {
		return err
	}
	if c.role != "" || !c.reset {
		if err := checkRole(c.role); err != nil {
			return err
		}
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.reset {
		if _, err := db.FindUserByName(ctx, name); err != nil {
			return err // before asking for a password nobody will use
		}
	}
	hash, err := c.password()
	if err != nil {
		return err
	}
	action, detail, done := withholding.AuditUserAdd, "role "+c.role, "added %s (%s)\n"
	if c.reset {
		upd := withholding.UserUpdate{PasswordHash: &hash}
		action, detail, done = withholding.AuditUserReset, "new password", "reset %s (%s); their sessions have ended\n"
		if c.role != "" {
			upd.Role = &c.role
			detail += ", role " + c.role
		}
		u, err := db.UpdateUser(ctx, name, upd)
		if err != nil {
			return err
		}
		c.role = u.Role
	} else if err := db.CreateUser(ctx, &withholding.User{Name: name, Role: c.role, PasswordHash: hash}); err != nil {
		return err
	}
	if err := c.audit(ctx, db, action, name, detail); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, done, name, c.role)
	return nil
}

// userDisableCommand is "iwo user disable".
type userDisableCommand struct {
	userBase
	enable bool
}

func (c *userDisableCommand) flags(fs *flag.FlagSet) {
	c.userBase.flags(fs)
	fs.BoolVar(&c.enable, "enable", false, "enable the user again instead")
}

// Run disables (or enables) the user.
func (c *userDisableCommand) Run(ctx context.Context) error {
	name, err := c.name()
	if err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	disabled, action, done := !c.enable, withholding.AuditUserDisable, "disabled %s; their sessions have ended\n"
	if c.enable {
		action, done = withholding.AuditUserEnable, "enabled %s\n"
	}
	if _, err := db.UpdateUser(ctx, name, withholding.UserUpdate{Disabled: &disabled}); err != nil {
		return err
	}
	if err := c.audit(ctx, db, action, name, ""); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, done, name)
	return nil
}

// userListCommand is "iwo user list".
type userListCommand struct{ userBase }

// Run prints the users.
func (c *userListCommand) Run(ctx context.Context) error {
	return c.table(ctx, "NAME\tROLE\tSTATE\tCHANGED", func(db *store.DB) ([]string, error) {
		users, err := db.FindUsers(ctx)
		var lines []string
		for _, u := range users {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t%s", u.Name, u.Role, state, u.Updated.Format("2006-01-02 15:04 MST")))
		}
		return lines, err
	})
}

// table is a "list" command, which takes no arguments: it opens the
// store and prints header and the tab-separated lines rows returns, in
// aligned columns.
func (c *userBase) table(ctx context.Context, header string, rows func(*store.DB) ([]string, error)) error {
	if len(c.args) > 0 {
		return usageError("unexpected arguments %q", c.args)
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	lines, err := rows(db)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, header)
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	return tw.Flush()
}
