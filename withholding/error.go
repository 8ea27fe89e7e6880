package withholding

import (
	"errors"
	"fmt"
)

// Error kinds. Adapters map them to exit codes and HTTP statuses.
const (
	ECONFLICT = "conflict" // the action conflicts with existing state (e.g. a file already applied)
	EINTERNAL = "internal" // a bug or an unexpected failure
	EINVALID  = "invalid"  // the input is wrong; the message says how
	ENOTFOUND = "not_found"
)

// Error is a domain error: a kind plus a message a person can act on.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given kind and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the kind of err, EINTERNAL for errors that are not *Error,
// and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of err, or a generic one for
// internal errors whose details belong in the log only.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
