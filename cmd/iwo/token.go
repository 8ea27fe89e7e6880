package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

const tokenHelpCommon = `The console's read-only JSON API (/api/v1/: orders, an order's payments,
employers, open exceptions) answers clients that send a token made here as
"Authorization: Bearer TOKEN". Only a hash of the token is kept. Every call
is in the audit log as api:NAME; each token change as made by cli:$USER.`

var tokenAddUsage = usage{
	args:  "NAME",
	short: "Make an API token for a client",
	long: `Makes a token for the API client NAME (a case management system, say) and
prints it once, on standard output: store it in the client's secrets at
once, since it cannot be shown again. --role decides what the client sees
as it does for a console user: SSNs are masked to the last four digits
unless the role is supervisor or admin. A name whose token was revoked may
be given a new one; a name with a working token may not (revoke it first).

` + tokenHelpCommon + `

Example:
  iwo user token add cms --role helpline --config /etc/iwo/iwo.yml`,
}

var tokenRevokeUsage = usage{
	args:  "NAME",
	short: "Revoke a client's API token",
	long: `Revokes the API token of client NAME: its next call is refused (401).

` + tokenHelpCommon + `

Example:
  iwo user token revoke cms --config /etc/iwo/iwo.yml`,
}

var tokenListUsage = usage{
	short: "List the API tokens",
	long: `Lists the API clients: name, role, when the token was made and, if it was,
when it was revoked. Tokens themselves are not kept and cannot be listed.

Example:
  iwo user token list --config /etc/iwo/iwo.yml`,
}

// tokenAddCommand is "iwo user token add".
type tokenAddCommand struct {
	userBase
	role string
}

func (c *tokenAddCommand) flags(fs *flag.FlagSet) {
	c.userBase.flags(fs)
	fs.StringVar(&c.role, "role", string(web.RoleHelpline), "what the client may see, as a console `role`: helpline (SSNs masked), operations, supervisor or admin (full SSNs)")
}

// Run makes the token and prints it.
func (c *tokenAddCommand) Run(ctx context.Context) error {
	name, err := c.name()
	if err != nil {
		return err
	}
	if err := checkRole(c.role); err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	token, hash, err := web.NewAPIToken()
	if err != nil {
		return err
	}
	if err := db.CreateAPIToken(ctx, &withholding.APIToken{Name: name, Role: c.role, TokenHash: hash}); err != nil {
		return err
	}
	if err := c.record(ctx, db, withholding.AuditAPITokenAdd, "api_token:"+name, "role "+c.role); err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "API token for %s (%s); it is shown only this once:\n", name, c.role)
	fmt.Fprintln(c.stdout, token)
	return nil
}

// tokenRevokeCommand is "iwo user token revoke".
type tokenRevokeCommand struct{ userBase }

// Run revokes the token.
func (c *tokenRevokeCommand) Run(ctx context.Context) error {
	name, err := c.name()
	if err != nil {
		return err
	}
	db, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeAPIToken(ctx, name); err != nil {
		return err
	}
	if err := c.record(ctx, db, withholding.AuditAPITokenRevoke, "api_token:"+name, ""); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "revoked the API token of %s\n", name)
	return nil
}

// tokenListCommand is "iwo user token list".
type tokenListCommand struct{ userBase }

// Run prints the tokens.
func (c *tokenListCommand) Run(ctx context.Context) error {
	return c.table(ctx, "NAME\tROLE\tMADE\tREVOKED", func(db *store.DB) ([]string, error) {
		toks, err := db.FindAPITokens(ctx)
		var lines []string
		for _, t := range toks {
			revoked := "-"
			if !t.Revoked.IsZero() {
				revoked = t.Revoked.Format("2006-01-02 15:04 MST")
			}
			lines = append(lines, fmt.Sprintf("%s\t%s\t%s\t%s", t.Name, t.Role, t.Created.Format("2006-01-02 15:04 MST"), revoked))
		}
		return lines, err
	})
}
