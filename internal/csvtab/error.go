package csvtab

import (
	"fmt"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// Error is one problem of a file: with a cell, or with a whole row when
// Column is "(row)", or with the header when it is "(header)".
type Error struct {
	File   string
	Line   int
	Column string
	Reason string
	// Err is the cause when the problem came from reading the file (an
	// *encoding/csv.ParseError, an I/O error); nil for a bad cell.
	Err error
}

// Error returns "FILE:LINE: column: reason".
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Column, e.Reason)
}

// Unwrap returns the cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// Errors is every problem of a rejected file, by line. Its error kind is
// withholding.EINVALID.
type Errors struct {
	File string
	Errs []*Error
}

// Error returns one "FILE:LINE: column: reason" line per problem.
func (e *Errors) Error() string {
	lines := make([]string, len(e.Errs))
	for i, x := range e.Errs {
		lines[i] = x.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns an EINVALID summary, so that withholding.ErrorCode and
// ErrorMessage report the file as invalid, then each problem.
func (e *Errors) Unwrap() []error {
	out := []error{withholding.Errorf(withholding.EINVALID, "%s: %d problem(s); the file was rejected", e.File, len(e.Errs))}
	for _, x := range e.Errs {
		out = append(out, x)
	}
	return out
}
