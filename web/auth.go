package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/iwoproject/iwo/withholding"
)

// Role decides what a user may see and do.
type Role string

// Roles, each allowed what the one before it is, and more.
const (
	RoleHelpline   Role = "helpline"   // look up and calculate; SSNs masked
	RoleOperations Role = "operations" // + work exceptions, run jobs, re-queue files
	RoleSupervisor Role = "supervisor" // + reveal one full SSN at a time
	RoleAdmin      Role = "admin"      // + manage users and read the audit log
)

// Roles lists every role, least trusted first.
var Roles = []Role{RoleHelpline, RoleOperations, RoleSupervisor, RoleAdmin}

// SeesFullSSN reports whether r may reveal full SSNs.
func (r Role) SeesFullSSN() bool { return r == RoleSupervisor || r == RoleAdmin }

// CanAdminister reports whether r may manage users and read the audit log.
func (r Role) CanAdminister() bool { return r == RoleAdmin }

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleHelpline || r == RoleOperations || r == RoleSupervisor || r == RoleAdmin
}

// User is a console account as the configuration file lists it (see
// Config.Users) and, without its hash, the signed-in user a page sees.
type User struct {
	Name         string `yaml:"name" json:"name"`
	Role         Role   `yaml:"role" json:"role"`
	PasswordHash string `yaml:"password_hash" json:"-"`
}

// MinPasswordLength is the shortest password CheckPassword accepts. Length
// is what resists guessing; no rules about character classes.
const MinPasswordLength = 12

// CheckPassword returns EINVALID for a password too short to set, or one
// bcrypt cannot take (over 72 bytes: bcrypt ignores the rest).
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return withholding.Errorf(withholding.EINVALID, "password too short: at least %d characters", MinPasswordLength)
	}
	if len(pw) > 72 {
		return withholding.Errorf(withholding.EINVALID, "password too long: at most 72 bytes")
	}
	return nil
}

// HashPassword returns the bcrypt hash to keep for password. It does not
// judge the password (CheckPassword does).
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// newSessionToken returns a random session token for the cookie and the
// hash the store keeps of it. 32 random bytes cannot be guessed, and the
// hash cannot be turned back into a cookie.
func newSessionToken() (token, hash string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", fmt.Errorf("make session token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, tokenHash(token), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// safeNext returns next when it is a path on this site, else "/". A
// browser reads "//host", "/\host" and "\\host" as another site, and some
// strip tabs and newlines before they do; such a "next" would make the
// sign-in page an open redirect.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.ContainsAny(next, "\\\t\r\n") || strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

type ctxKey struct{}

func userFrom(ctx context.Context) User {
	u, _ := ctx.Value(ctxKey{}).(User)
	return u
}

type handler func(w http.ResponseWriter, r *http.Request) error

// auth requires a live session and turns handler errors into pages. The
// session and its user are read from the store on every request, so
// signing out, a new password, a disabled account or a new role takes
// effect at once.
func (s *Server) auth(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := s.sessionUser(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !ok {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, u))
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	})
}

// sessionUser returns the user r's cookie signs in. ok is false for no
// cookie, an unknown or expired session, a disabled user or an unknown
// role; err is a store failure.
func (s *Server) sessionUser(r *http.Request) (User, bool, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return User{}, false, nil
	}
	sess, su, err := s.cfg.Accounts.FindSession(r.Context(), tokenHash(c.Value))
	if withholding.ErrorCode(err) == withholding.ENOTFOUND {
		return User{}, false, nil
	} else if err != nil {
		return User{}, false, fmt.Errorf("find session: %w", err)
	}
	u := User{Name: su.Name, Role: Role(su.Role)}
	if !s.cfg.Now().Before(sess.Expires) || !u.Role.Valid() {
		return User{}, false, nil
	}
	return u, true, nil
}

// clientAddr is the address a request came from: the peer, or behind a
// TLS-terminating proxy the address the proxy appended to
// X-Forwarded-For (the last entry; earlier ones are the client's to
// forge).
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TLSProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if a := strings.TrimSpace(last); a != "" {
				return a
			}
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// secure reports whether the browser reached us over TLS, so cookies may
// be marked Secure and HSTS sent.
func (s *Server) secure(r *http.Request) bool { return r.TLS != nil || s.cfg.TLSProxy }

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	_ = s.render(w, r, "login", "Sign in", map[string]string{"Next": safeNext(r.URL.Query().Get("next"))})
}

// login checks a user name and password. Every refusal takes one bcrypt
// comparison, against a dummy hash when the user is unknown or disabled,
// so the time taken does not tell which names exist; and failures are
// throttled per name and per address, so guessing is slow whatever the
// guesser knows.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name, pw := r.PostFormValue("user"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	addr := s.clientAddr(r)
	refuse := func(code int, msg string) {
		w.WriteHeader(code)
		_ = s.render(w, r, "login", "Sign in", map[string]string{"Next": next, "Error": msg})
	}
	if !s.throttle.allow(name, addr) {
		// The right password is refused too until the window passes: a
		// guesser must not learn that a guess was right.
		s.log.Warn("console sign-in throttled", "user", withholding.MaskDigitRuns(name), "addr", addr)
		refuse(http.StatusTooManyRequests, "Too many failed sign-ins. Wait a few minutes and try again.")
		return
	}
	su, err := s.cfg.Accounts.FindUserByName(ctx, name)
	if err != nil && withholding.ErrorCode(err) != withholding.ENOTFOUND {
		s.fail(w, r, fmt.Errorf("sign in: %w", err))
		return
	}
	dummy := dummyHashOnce()
	hash := dummy
	if err == nil && !su.Disabled && Role(su.Role).Valid() {
		hash = su.PasswordHash
	}
	if s.compare(hash, pw) != nil || hash == dummy {
		s.throttle.fail(name, addr)
		s.log.Warn("console sign-in refused", "user", withholding.MaskDigitRuns(name), "addr", addr)
		if err := s.record(ctx, name, addr, withholding.AuditSignInRefused, "", ""); err != nil {
			s.fail(w, r, err)
			return
		}
		refuse(http.StatusUnauthorized, "Wrong user name or password.")
		return
	}
	// A new token at every sign-in: a token planted before it (session
	// fixation) signs no one in.
	if c, err := r.Cookie(cookieName); err == nil {
		_ = s.cfg.Accounts.DeleteSession(ctx, tokenHash(c.Value))
	}
	token, hashed, err := newSessionToken()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.cfg.Now()
	if _, err := s.cfg.Accounts.DeleteExpiredSessions(ctx, now); err != nil {
		s.log.Error("delete expired console sessions", "err", err)
	}
	if err := s.cfg.Accounts.CreateSession(ctx, &withholding.Session{TokenHash: hashed, User: su.Name, Created: now, Expires: now.Add(s.cfg.SessionTTL)}); err != nil {
		s.fail(w, r, fmt.Errorf("sign in: %w", err))
		return
	}
	if err := s.record(ctx, su.Name, addr, withholding.AuditSignIn, "user:"+su.Name, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("console sign-in", "user", su.Name, "role", su.Role)
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r),
		MaxAge: int(s.cfg.SessionTTL / time.Second),
	})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session in the store, not only in this browser: a copy
// of the cookie stops working too.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if u, ok, err := s.sessionUser(r); err == nil && ok {
		c, _ := r.Cookie(cookieName)
		if err := s.cfg.Accounts.DeleteSession(r.Context(), tokenHash(c.Value)); err != nil {
			s.fail(w, r, fmt.Errorf("sign out: %w", err))
			return
		}
		if err := s.record(r.Context(), u.Name, s.clientAddr(r), withholding.AuditSignOut, "user:"+u.Name, ""); err != nil {
			s.log.Error("audit sign-out", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.secure(r)})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
