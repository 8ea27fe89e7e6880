package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

var (
	_ withholding.UserService  = (*DB)(nil)
	_ withholding.AuditService = (*DB)(nil)
)

const userCols = "name, role, password_hash, disabled, created, updated"

func scanUser(s interface{ Scan(...any) error }) (*withholding.User, error) {
	var u withholding.User
	if err := s.Scan(&u.Name, &u.Role, &u.PasswordHash, &u.Disabled, timeDest{&u.Created}, timeDest{&u.Updated}); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUser adds u, setting Created and Updated to now. EINVALID without a
// name, role or password hash; ECONFLICT when the name is taken.
func (d *DB) CreateUser(ctx context.Context, u *withholding.User) error {
	if strings.TrimSpace(u.Name) == "" || u.Role == "" || u.PasswordHash == "" {
		return withholding.Errorf(withholding.EINVALID, "a user needs a name, a role and a password hash")
	}
	u.Created = d.now()
	u.Updated = u.Created
	_, err := d.exec(ctx, d.db, "INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?)",
		u.Name, u.Role, u.PasswordHash, u.Disabled, d.timeArg(u.Created), d.timeArg(u.Updated))
	if isUniqueViolation(err) {
		return withholding.Errorf(withholding.ECONFLICT, "user %q already exists", u.Name)
	} else if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// FindUserByName returns the user called name. ENOTFOUND.
func (d *DB) FindUserByName(ctx context.Context, name string) (*withholding.User, error) {
	u, err := scanUser(d.queryRow(ctx, d.db, "SELECT "+userCols+" FROM users WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "no user %q", name)
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// FindUsers lists every user by name.
func (d *DB) FindUsers(ctx context.Context) ([]*withholding.User, error) {
	return queryAll(ctx, d, "find users", scanUser, "SELECT "+userCols+" FROM users ORDER BY name")
}

// UpdateUser applies upd to the user called name and returns the user. A
// new password hash or disabling the user deletes the user's sessions in
// the same transaction, so a copied cookie stops working at once. ENOTFOUND.
func (d *DB) UpdateUser(ctx context.Context, name string, upd withholding.UserUpdate) (*withholding.User, error) {
	var out *withholding.User
	err := d.inTx(ctx, func(tx *txn) error {
		u, err := scanUser(d.queryRow(ctx, tx, "SELECT "+userCols+" FROM users WHERE name = ?", name))
		if errors.Is(err, sql.ErrNoRows) {
			return withholding.Errorf(withholding.ENOTFOUND, "no user %q", name)
		} else if err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		endSessions := false
		if upd.Role != nil {
			if *upd.Role == "" {
				return withholding.Errorf(withholding.EINVALID, "a user needs a role")
			}
			// Open sessions need not end: every request reads the
			// role afresh, so the new one applies at once.
			u.Role = *upd.Role
		}
		if upd.PasswordHash != nil {
			if *upd.PasswordHash == "" {
				return withholding.Errorf(withholding.EINVALID, "a user needs a password hash")
			}
			u.PasswordHash, endSessions = *upd.PasswordHash, true
		}
		if upd.Disabled != nil {
			u.Disabled = *upd.Disabled
			endSessions = endSessions || u.Disabled
		}
		u.Updated = d.now()
		if _, err := d.exec(ctx, tx, "UPDATE users SET role = ?, password_hash = ?, disabled = ?, updated = ? WHERE name = ?",
			u.Role, u.PasswordHash, u.Disabled, d.timeArg(u.Updated), name); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if endSessions {
			if _, err := d.exec(ctx, tx, "DELETE FROM sessions WHERE user_name = ?", name); err != nil {
				return fmt.Errorf("end user's sessions: %w", err)
			}
		}
		out = u
		return nil
	})
	return out, err
}

// CreateSession records s. ENOTFOUND when s.User is no user.
func (d *DB) CreateSession(ctx context.Context, s *withholding.Session) error {
	res, err := d.exec(ctx, d.db, `INSERT INTO sessions (token_hash, user_name, created, expires)
		SELECT ?, name, ?, ? FROM users WHERE name = ?`,
		s.TokenHash, d.timeArg(s.Created), d.timeArg(s.Expires), s.User)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return withholding.Errorf(withholding.ENOTFOUND, "no user %q", s.User)
	}
	return nil
}

// FindSession returns the session with tokenHash and its user. ENOTFOUND
// when there is none or the user is disabled.
func (d *DB) FindSession(ctx context.Context, tokenHash string) (*withholding.Session, *withholding.User, error) {
	var s withholding.Session
	var u withholding.User
	err := d.queryRow(ctx, d.db, `SELECT s.token_hash, s.created, s.expires, u.name, u.role, u.password_hash, u.disabled, u.created, u.updated
		FROM sessions s JOIN users u ON u.name = s.user_name WHERE s.token_hash = ?`, tokenHash).Scan(
		&s.TokenHash, timeDest{&s.Created}, timeDest{&s.Expires},
		&u.Name, &u.Role, &u.PasswordHash, &u.Disabled, timeDest{&u.Created}, timeDest{&u.Updated})
	if errors.Is(err, sql.ErrNoRows) || (err == nil && u.Disabled) {
		return nil, nil, withholding.Errorf(withholding.ENOTFOUND, "no such session")
	} else if err != nil {
		return nil, nil, fmt.Errorf("find session: %w", err)
	}
	s.User = u.Name
	return &s, &u, nil
}

// DeleteSession ends the session with tokenHash, if there is one.
func (d *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := d.exec(ctx, d.db, "DELETE FROM sessions WHERE token_hash = ?", tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions that expired before t.
func (d *DB) DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error) {
	res, err := d.exec(ctx, d.db, "DELETE FROM sessions WHERE expires < ?", d.timeArg(t))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

const auditCols = "id, at, user_name, action, subject, detail, addr"

// RecordAudit appends e to the audit log, setting e.ID and, when zero,
// e.At. SSN-like digit runs in e.Detail are masked, in e as in the store.
// EINVALID without a user or an action.
func (d *DB) RecordAudit(ctx context.Context, e *withholding.AuditEntry) error {
	if e.User == "" || e.Action == "" {
		return withholding.Errorf(withholding.EINVALID, "an audit entry needs a user and an action")
	}
	if e.At.IsZero() {
		e.At = d.now()
	}
	e.Detail = withholding.MaskDigitRuns(e.Detail)
	err := d.queryRow(ctx, d.db, `INSERT INTO audit (at, user_name, action, subject, detail, addr)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		d.timeArg(e.At), e.User, string(e.Action), e.Subject, e.Detail, e.Addr).Scan(&e.ID)
	if err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
}

// FindAudit returns the entries f selects, newest first, and how many match.
func (d *DB) FindAudit(ctx context.Context, f withholding.AuditFilter) ([]*withholding.AuditEntry, int, error) {
	var w where
	if f.User != "" {
		w.add("user_name = ?", f.User)
	}
	if f.Action != "" {
		w.add("action = ?", string(f.Action))
	}
	if f.Subject != "" {
		w.add("subject = ?", f.Subject)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", d.timeArg(f.From))
	}
	if !f.To.IsZero() {
		w.add("at < ?", d.timeArg(f.To))
	}
	n, err := d.count(ctx, "audit", &w)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d, "find audit", func(s interface{ Scan(...any) error }) (*withholding.AuditEntry, error) {
		var e withholding.AuditEntry
		if err := s.Scan(&e.ID, timeDest{&e.At}, &e.User, &e.Action, &e.Subject, &e.Detail, &e.Addr); err != nil {
			return nil, err
		}
		return &e, nil
	}, "SELECT "+auditCols+" FROM audit"+w.String()+" ORDER BY id DESC"+d.page(f.Offset, f.Limit), w.args...)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

var _ withholding.APITokenService = (*DB)(nil)

const apiTokenCols = "name, role, token_hash, created, revoked"

func scanAPIToken(s interface{ Scan(...any) error }) (*withholding.APIToken, error) {
	var t withholding.APIToken
	if err := s.Scan(&t.Name, &t.Role, &t.TokenHash, timeDest{&t.Created}, timeDest{&t.Revoked}); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateAPIToken adds t, setting Created; a revoked token of the same name
// is replaced. EINVALID without a name, role or hash; ECONFLICT when a
// working token has the name.
func (d *DB) CreateAPIToken(ctx context.Context, t *withholding.APIToken) error {
	if strings.TrimSpace(t.Name) == "" || t.Role == "" || t.TokenHash == "" {
		return withholding.Errorf(withholding.EINVALID, "an API token needs a name, a role and a hash")
	}
	t.Created, t.Revoked = d.now(), time.Time{}
	res, err := d.exec(ctx, d.db, `INSERT INTO api_tokens (name, role, token_hash, created, revoked) VALUES (?, ?, ?, ?, NULL)
		ON CONFLICT (name) DO UPDATE SET role = excluded.role, token_hash = excluded.token_hash, created = excluded.created, revoked = NULL
		WHERE api_tokens.revoked IS NOT NULL`,
		t.Name, t.Role, t.TokenHash, d.timeArg(t.Created))
	if isUniqueViolation(err) {
		return withholding.Errorf(withholding.ECONFLICT, "API token hash in use")
	} else if err != nil {
		return fmt.Errorf("create api token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return withholding.Errorf(withholding.ECONFLICT, "API token %q is in use; revoke it first", t.Name)
	}
	return nil
}

// FindAPIToken returns the working token with tokenHash. ENOTFOUND when
// there is none or it was revoked.
func (d *DB) FindAPIToken(ctx context.Context, tokenHash string) (*withholding.APIToken, error) {
	t, err := scanAPIToken(d.queryRow(ctx, d.db, "SELECT "+apiTokenCols+" FROM api_tokens WHERE token_hash = ? AND revoked IS NULL", tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "no such API token")
	} else if err != nil {
		return nil, fmt.Errorf("find api token: %w", err)
	}
	return t, nil
}

// FindAPITokens lists every token, revoked ones too, by name.
func (d *DB) FindAPITokens(ctx context.Context) ([]*withholding.APIToken, error) {
	return queryAll(ctx, d, "find api tokens", scanAPIToken, "SELECT "+apiTokenCols+" FROM api_tokens ORDER BY name")
}

// RevokeAPIToken revokes the working token called name. ENOTFOUND when
// there is none.
func (d *DB) RevokeAPIToken(ctx context.Context, name string) error {
	res, err := d.exec(ctx, d.db, "UPDATE api_tokens SET revoked = ? WHERE name = ? AND revoked IS NULL", d.timeArg(d.now()), name)
	if err != nil {
		return fmt.Errorf("revoke api token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return withholding.Errorf(withholding.ENOTFOUND, "no API token %q in use", name)
	}
	return nil
}
