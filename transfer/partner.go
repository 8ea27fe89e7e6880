package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/iwoproject/iwo/withholding"
)

// Role is what a partner is to the agency.
type Role string

// Roles.
const (
	RolePortal          Role = "portal"           // the federal e-IWO portal
	RoleEmployer        Role = "employer"         // an employer exchanging e-IWO files directly
	RolePayrollProvider Role = "payroll_provider" // a payroll company acting for many employers
	RoleBank            Role = "bank"             // the SDU's bank: ACH remittance files
	RoleOperations      Role = "operations"       // the agency's own drop box (reports, manual files)
)

// Roles lists every valid role.
var Roles = []Role{RolePortal, RoleEmployer, RolePayrollProvider, RoleBank, RoleOperations}

// Disposal says what happens to an inbound file after it was applied.
type Disposal string

// Disposals.
const (
	DispArchive Disposal = "archive" // move to the archive directory (default)
	DispDelete  Disposal = "delete"  // delete from the server
)

// Partner is one SFTP counterpart. It is plain data: cmd/iwo reads the
// configuration file, the key file and the environment and fills it in.
type Partner struct {
	Name string
	Role Role
	Host string
	Port int // 22 when zero
	User string
	// PrivateKey is a PEM or OpenSSH private key (unencrypted), or empty.
	PrivateKey []byte
	// Password is used when set, after the key if both are set.
	Password string
	// HostKeys are the pinned server keys, one per entry, in known_hosts
	// format ("host ssh-ed25519 AAAA…") or bare ("ssh-ed25519 AAAA…"). Host
	// patterns are not consulted: the keys are pinned to this partner, so
	// any of them is accepted from Host and nothing else is. Required.
	HostKeys []string

	Inbox      string // where the partner leaves files for the agency
	Outbox     string // where the agency leaves files for the partner
	Archive    string // where applied inbound files are moved
	Quarantine string // where inbound files that failed validation are moved
	// AfterApply is what happens to an applied inbound file; "" archives.
	AfterApply Disposal
	// Patterns are the file name globs (path.Match) of each kind of inbound
	// file this partner sends.
	Patterns map[withholding.FileKind][]string
	// Timeout bounds connecting and the SSH handshake; 30 s when zero.
	Timeout time.Duration
	// Local, when set, is a local directory that stands for the partner's
	// server (development, demos, a shared disk); Open serves it with
	// OpenLocal and the SSH settings are not used.
	Local string
	// UploadMode is the permission bits every upload gets, set before its
	// contents are written; DefaultUploadMode when zero. Validate refuses
	// bits beyond 0777, a mode the owner cannot read (Put reads a file
	// back to compare it) and one that lets everyone write.
	UploadMode fs.FileMode
}

// DefaultUploadMode is the mode of uploaded files when the partner sets
// none: the files carry personal data, so only the owner may read them.
const DefaultUploadMode fs.FileMode = 0o600

// uploadMode returns UploadMode or its default.
func (p *Partner) uploadMode() fs.FileMode {
	if p.UploadMode == 0 {
		return DefaultUploadMode
	}
	return p.UploadMode
}

// FieldError names the partner setting that is wrong. Field is the YAML key
// used in the configuration file, so cmd/iwo can report
// "partners[2].host_keys: …".
type FieldError struct {
	Field   string
	Message string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate checks the partner and returns the first problem as a
// *FieldError, or nil.
func (p *Partner) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.Name == "":
		return bad("name", "required")
	case !slices.Contains(Roles, p.Role):
		return bad("role", "%q is not one of %v", p.Role, Roles)
	}
	if err := p.validateDirs(); err != nil {
		return err
	}
	if p.Local != "" {
		return nil
	}
	switch {
	case p.Host == "":
		return bad("host", "required")
	case p.Port < 0 || p.Port > 65535:
		return bad("port", "%d is not a TCP port", p.Port)
	case p.User == "":
		return bad("user", "required")
	case len(p.PrivateKey) == 0 && p.Password == "":
		return bad("key_file", "required: a private key file or a password (from the environment)")
	case len(p.HostKeys) == 0:
		return bad("host_keys", "required: pin the server's host key (ssh-keyscan -p PORT HOST prints it; check it with the partner)")
	}
	if _, _, err := parseHostKeys(p.HostKeys); err != nil {
		return bad("host_keys", "%v", err)
	}
	if len(p.PrivateKey) > 0 {
		if _, err := ssh.ParsePrivateKey(p.PrivateKey); err != nil {
			return bad("key_file", "parse private key: %v", err)
		}
	}
	return nil
}

// validateDirs checks the settings that SFTP and local partners share.
func (p *Partner) validateDirs() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.AfterApply != "" && p.AfterApply != DispArchive && p.AfterApply != DispDelete:
		return bad("after_apply", "%q is not archive or delete", p.AfterApply)
	case p.AfterApply != DispDelete && p.Archive == "" && p.Inbox != "":
		return bad("archive", "required unless after_apply is delete")
	case p.Inbox != "" && p.Quarantine == "":
		return bad("quarantine", "required when there is an inbox")
	case p.Inbox == "" && p.Outbox == "":
		return bad("inbox", "required: an inbox, an outbox or both")
	case p.UploadMode&^0o777 != 0:
		return bad("upload_mode", "%#o is not a permission mode (0000 to 0777)", uint32(p.UploadMode))
	case p.UploadMode != 0 && p.UploadMode&0o400 == 0:
		return bad("upload_mode", "%#o does not let the owner read the file (iwo reads an upload back to compare it)", uint32(p.UploadMode))
	case p.UploadMode&0o002 != 0:
		return bad("upload_mode", "%#o lets everyone write the file", uint32(p.UploadMode))
	}
	kinds := make([]withholding.FileKind, 0, len(p.Patterns))
	for k := range p.Patterns {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		for _, pat := range p.Patterns[kind] {
			if _, err := path.Match(pat, ""); err != nil {
				return bad("patterns."+string(kind), "bad pattern %q: %v", pat, err)
			}
		}
	}
	return nil
}

// Addr returns host:port.
func (p *Partner) Addr() string {
	port := p.Port
	if port == 0 {
		port = 22
	}
	return net.JoinHostPort(p.Host, strconv.Itoa(port))
}

// KindOf returns the kind of inbound file whose name matches one of the
// partner's patterns, checking kinds in a fixed order so the answer does not
// depend on map order.
func (p *Partner) KindOf(name string) (withholding.FileKind, bool) {
	kinds := make([]withholding.FileKind, 0, len(p.Patterns))
	for k := range p.Patterns {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		if MatchAny(p.Patterns[k], name) {
			return k, true
		}
	}
	return "", false
}

// parseHostKeys parses pinned keys and returns them with the host key
// algorithms to offer in the handshake, so the server presents a key of a
// pinned type.
func parseHostKeys(lines []string) ([]ssh.PublicKey, []string, error) {
	var keys []ssh.PublicKey
	var algos []string
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "@") {
			return nil, nil, fmt.Errorf("entry %d: markers such as @cert-authority are not supported; pin the key itself", i+1)
		}
		key, err := parseHostKey(line)
		if err != nil {
			return nil, nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		keys = append(keys, key)
		for _, a := range algorithmsFor(key.Type()) {
			if !slices.Contains(algos, a) {
				algos = append(algos, a)
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil, errors.New("no host key")
	}
	return keys, algos, nil
}

func parseHostKey(line string) (ssh.PublicKey, error) {
	if key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
		return key, nil
	}
	_, _, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("parse host key %q: %w", truncate(line, 40), err)
	}
	return key, nil
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// hostKeyCallback accepts exactly the pinned keys.
func hostKeyCallback(p *Partner, keys []ssh.PublicKey) ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		got := key.Marshal()
		for _, k := range keys {
			if bytes.Equal(k.Marshal(), got) {
				return nil
			}
		}
		return fmt.Errorf("partner %s at %s offered %s %s: %w", p.Name, hostname, key.Type(), ssh.FingerprintSHA256(key), ErrHostKey)
	}
}

// HostKeyLine formats key as a known_hosts line for addr ("host:port"), the
// form Partner.HostKeys takes.
func HostKeyLine(addr string, key ssh.PublicKey) string {
	return knownhosts.Line([]string{knownhosts.Normalize(addr)}, key)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
