package withholding

import (
	"context"
	"time"
)

// User is a console account. What each role may do is the console's
// business (package web); the store keeps the name it was given.
type User struct {
	Name string `json:"name"`
	// Role is helpline, operations, supervisor or admin.
	Role string `json:"role"`
	// PasswordHash is a bcrypt hash; the password itself is never kept.
	PasswordHash string `json:"-"`
	// Disabled users cannot sign in, and their sessions end.
	Disabled bool      `json:"disabled"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

// UserUpdate changes a user; nil fields are left alone.
type UserUpdate struct {
	Role         *string
	PasswordHash *string
	Disabled     *bool
}

// Session is a signed-in browser. The console keeps only a hash of the
// token its cookie carries, so a copy of the database cannot sign anyone
// in.
type Session struct {
	// TokenHash is the hex SHA-256 of the cookie's random token.
	TokenHash string
	User      string
	Created   time.Time
	Expires   time.Time
}

// UserService keeps console accounts and their sessions.
type UserService interface {
	// CreateUser adds u, setting Created and Updated. EINVALID without a
	// name, role or password hash; ECONFLICT when the name is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByName returns the user called name. ENOTFOUND.
	FindUserByName(ctx context.Context, name string) (*User, error)
	// FindUsers lists every user by name.
	FindUsers(ctx context.Context) ([]*User, error)
	// UpdateUser applies upd to the user called name and returns it.
	// A new password hash or disabling the user ends all of the user's
	// sessions in the same transaction. ENOTFOUND.
	UpdateUser(ctx context.Context, name string, upd UserUpdate) (*User, error)

	// CreateSession records s. ENOTFOUND when s.User is no user.
	CreateSession(ctx context.Context, s *Session) error
	// FindSession returns the session with tokenHash and its user.
	// ENOTFOUND when there is none or its user is disabled; the caller
	// checks Expires against its own clock.
	FindSession(ctx context.Context, tokenHash string) (*Session, *User, error)
	// DeleteSession ends one session; ending one that is gone is no error.
	DeleteSession(ctx context.Context, tokenHash string) error
	// DeleteExpiredSessions removes sessions that expired before t and
	// returns how many.
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int, error)
}

// AuditAction names what a user did.
type AuditAction string

// Audit actions. Views are recorded as well as changes: the audit log
// answers "who looked at this obligor's order" as much as "who closed this
// exception".
const (
	AuditSignIn           AuditAction = "sign_in"
	AuditSignInRefused    AuditAction = "sign_in_refused"
	AuditSignOut          AuditAction = "sign_out"
	AuditViewOrder        AuditAction = "view_order"
	AuditViewEmployer     AuditAction = "view_employer"
	AuditRevealSSN        AuditAction = "reveal_ssn"
	AuditSearchSSN        AuditAction = "search_ssn"
	AuditResolveException AuditAction = "resolve_exception"
	AuditDismissException AuditAction = "dismiss_exception"
	AuditAssignException  AuditAction = "assign_exception"
	AuditRequeueFile      AuditAction = "requeue_file"
	AuditRunJob           AuditAction = "run_job"
	AuditUserAdd          AuditAction = "user_add"
	AuditUserDisable      AuditAction = "user_disable"
	AuditUserEnable       AuditAction = "user_enable"
	AuditUserReset        AuditAction = "user_reset"
	// AuditAPICall is one call of the read-only JSON API, by "api:" and
	// the client's token name.
	AuditAPICall        AuditAction = "api_call"
	AuditAPITokenAdd    AuditAction = "api_token_add"
	AuditAPITokenRevoke AuditAction = "api_token_revoke"
)

// AuditActions lists every action, for filter forms.
var AuditActions = []AuditAction{
	AuditSignIn, AuditSignInRefused, AuditSignOut, AuditViewOrder, AuditViewEmployer, AuditRevealSSN,
	AuditSearchSSN, AuditResolveException, AuditDismissException, AuditAssignException, AuditRequeueFile,
	AuditRunJob, AuditUserAdd, AuditUserDisable, AuditUserEnable, AuditUserReset,
	AuditAPICall, AuditAPITokenAdd, AuditAPITokenRevoke,
}

// APIToken is one client's key to the console's read-only JSON API (a
// case management system, say). Like a session, only a hash of the token
// is kept: the token is shown once, when it is made.
type APIToken struct {
	// Name names the client; the audit log records its calls as "api:"
	// and the name.
	Name string `json:"name"`
	// Role is a console role; it decides what the client sees as the
	// role does in the console (full SSNs only for supervisor and admin).
	Role string `json:"role"`
	// TokenHash is the hex SHA-256 of the random token.
	TokenHash string    `json:"-"`
	Created   time.Time `json:"created"`
	// Revoked is when the token was revoked; zero while it works.
	Revoked time.Time `json:"revoked"`
}

// APITokenService keeps the API's client tokens.
type APITokenService interface {
	// CreateAPIToken adds t, setting Created; a revoked token of the same
	// name is replaced. EINVALID without a name, role or hash; ECONFLICT
	// when a working token has the name.
	CreateAPIToken(ctx context.Context, t *APIToken) error
	// FindAPIToken returns the working token with tokenHash. ENOTFOUND
	// when there is none or it was revoked.
	FindAPIToken(ctx context.Context, tokenHash string) (*APIToken, error)
	// FindAPITokens lists every token, revoked ones too, by name.
	FindAPITokens(ctx context.Context) ([]*APIToken, error)
	// RevokeAPIToken revokes the working token called name at once.
	// ENOTFOUND when there is none.
	RevokeAPIToken(ctx context.Context, name string) error
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	// User is the console user, or "cli:" and the operating-system user
	// for a command-line change.
	User   string      `json:"user"`
	Action AuditAction `json:"action"`
	// Subject is what was acted on, as kind:key ("order:42",
	// "employer:123456789", "exception:7", "user:jdoe"). Callers build it
	// from record keys, never from what a user typed.
	Subject string `json:"subject"`
	// Detail says more (a note, a case ID, a count). Never an SSN: the
	// store masks SSN-like digit runs in it, since notes are typed by
	// people.
	Detail string `json:"detail"`
	// Addr is the client's network address, when there is one.
	Addr string `json:"addr"`
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	User    string
	Action  AuditAction
	Subject string // exact
	From    time.Time
	To      time.Time // exclusive
	Offset  int
	Limit   int
}

// AuditService keeps the audit log. Entries are only ever added.
type AuditService interface {
	// RecordAudit appends e, setting ID and, when zero, At. EINVALID
	// without a user or an action.
	RecordAudit(ctx context.Context, e *AuditEntry) error
	// FindAudit returns the entries f selects, newest first, and how many
	// match in all.
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, int, error)
}
