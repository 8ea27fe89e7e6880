package edi

import (
	"errors"
	"fmt"
	"strings"
)

// Error kinds. Every *Error unwraps to one of them, so callers and tests can
// tell a malformed element from a broken file structure or a business rule.
var (
	// ErrFormat: an element does not have its type's format (letters in a
	// number, a date that does not exist, a code not in its list, a
	// required element blank) or a record has the wrong length.
	ErrFormat = errors.New("element format")
	// ErrStructure: headers, batches, trailers, counts or control numbers
	// do not fit together.
	ErrStructure = errors.New("file structure")
	// ErrRule: elements are well formed but contradict each other (a
	// reason not allowed for the disposition, W without a corrected FEIN…).
	ErrRule = errors.New("cross-element rule")
)

// Error is one problem in an e-IWO file. It prints as
// "FILE:LINE: RECORD ELEMENT: reason".
type Error struct {
	File    string
	Line    int    // 1-based line of the record
	Record  string // document code, e.g. "DTL", "BHI"
	Element string // element name, or "Record" for the record as a whole
	Reason  string
	Kind    error // ErrFormat, ErrStructure or ErrRule
}

// Error implements error.
func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "-"
	}
	return fmt.Sprintf("%s:%d: %s %s: %s", file, e.Line, e.Record, e.Element, e.Reason)
}

// Unwrap returns the error's kind.
func (e *Error) Unwrap() error { return e.Kind }

// Errors is every problem found in a record or a file. Validation never
// stops at the first.
type Errors []*Error

// Error implements error: one problem per line.
func (es Errors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is find the kinds of the problems.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// AsErrors returns the problems carried by err (nil when err is not an
// Errors or *Error).
func AsErrors(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return Errors{e}
	}
	return nil
}
