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

// Errors is the problems of a rejected file, by line: the first MaxErrors
// in Errs, and how many more there were. Its error kind is
// withholding.EINVALID.
type Errors struct {
	File string
	Errs []*Error
	More int // problems found beyond Errs
}

// Total returns how many problems the file has.
func (e *Errors) Total() int { return len(e.Errs) + e.More }

// Error returns one "FILE:LINE: column: reason" line per listed problem,
// then "FILE: N more problem(s)" when some are not listed.
func (e *Errors) Error() string {
	lines := make([]string, len(e.Errs), len(e.Errs)+1)
	for i, x := range e.Errs {
		lines[i] = x.Error()
	}
	if e.More > 0 {
		lines = append(lines, fmt.Sprintf("%s: %d more problem(s) not listed", e.File, e.More))
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns an EINVALID summary, so that withholding.ErrorCode and
// ErrorMessage report the file as invalid, then each problem.
func (e *Errors) Unwrap() []error {
	out := []error{withholding.Errorf(withholding.EINVALID, "%s: %d problem(s); the file was rejected", e.File, e.Total())}
	for _, x := range e.Errs {
		out = append(out, x)
	}
	return out
}
