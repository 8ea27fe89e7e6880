package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Role decides what a user may see.
type Role string

// Roles.
const (
	RoleHelpline   Role = "helpline"   // look up and calculate; SSNs masked
	RoleSupervisor Role = "supervisor" // may reveal a full SSN and close exceptions
	RoleAdmin      Role = "admin"      // as supervisor
)

// SeesFullSSN reports whether r may reveal full SSNs.
func (r Role) SeesFullSSN() bool { return r == RoleSupervisor || r == RoleAdmin }

// CanCloseExceptions reports whether r may resolve or dismiss an exception.
// It is its own permission, though today the same roles hold it as
// SeesFullSSN: seeing an SSN and closing the books' questions are
// different trusts and may part.
func (r Role) CanCloseExceptions() bool { return r == RoleSupervisor || r == RoleAdmin }

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleHelpline || r == RoleSupervisor || r == RoleAdmin
}

// User is a console account. PasswordHash is a bcrypt hash.
type User struct {
	Name         string `yaml:"name" json:"name"`
	Role         Role   `yaml:"role" json:"role"`
	PasswordHash string `yaml:"password_hash" json:"password_hash"`
}

// HashPassword returns the bcrypt hash to put in a User.
func HashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

var errBadSession = errors.New("bad session")

// sessions signs and checks session cookies: "name|expiry-unix|mac".
// The key is random per process unless configured, so a restart signs
// everyone out, which is acceptable for a help-line console.
type sessions struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

func newSessions(key []byte, ttl time.Duration, now func() time.Time) (*sessions, error) {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("make session key: %w", err)
		}
	}
	return &sessions{key: key, ttl: ttl, now: now}, nil
}

func (s *sessions) mac(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *sessions) issue(user string) string {
	payload := user + "|" + strconv.FormatInt(s.now().Add(s.ttl).Unix(), 10)
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + s.mac(payload)
}

func (s *sessions) check(token string) (string, error) {
	enc, mac, ok := strings.Cut(token, ".")
	if !ok {
		return "", errBadSession
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", errBadSession
	}
	payload := string(raw)
	if !hmac.Equal([]byte(mac), []byte(s.mac(payload))) {
		return "", errBadSession
	}
	user, exp, ok := strings.Cut(payload, "|")
	if !ok {
		return "", errBadSession
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || s.now().Unix() > n {
		return "", errBadSession
	}
	return user, nil
}
