package ach

import (
	"errors"
	"fmt"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// ErrInvalidFile is what every RecordError unwraps to: the file breaks a
// NACHA structural rule and is rejected whole.
var ErrInvalidFile = errors.New("invalid ACH file")

// RecordError is one structural problem, printed as
// "FILE:LINE: RECORD FIELD: reason".
type RecordError struct {
	File   string // file name as given to the Reader
	Line   int    // 1-based line (record) number; 0 for the file as a whole
	Record string // FileHeader, BatchHeader, EntryDetail, Addenda, BatchControl, FileControl, File
	Field  string // field name, "" when the record as a whole is wrong
	Reason string
}

// Error implements error.
func (e *RecordError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteByte(':')
	fmt.Fprintf(&b, "%d: %s", e.Line, e.Record)
	if e.Field != "" {
		b.WriteByte(' ')
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns ErrInvalidFile.
func (e *RecordError) Unwrap() error { return ErrInvalidFile }

// FileError is every structural problem found in one file. The file must be
// rejected whole. It unwraps to each RecordError and to a withholding.Error of
// kind EINVALID, so withholding.ErrorCode reports it as invalid input.
type FileError struct {
	File    string
	Errors  []*RecordError
	Omitted int // problems found beyond Options.MaxErrors and not listed
}

// Error lists the problems one per line.
func (e *FileError) Error() string {
	var b strings.Builder
	for i, r := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(r.Error())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "\n%s: %d more problems not listed", e.File, e.Omitted)
	}
	return b.String()
}

// Unwrap returns the record errors and an EINVALID domain error.
func (e *FileError) Unwrap() []error {
	errs := make([]error, 0, len(e.Errors)+1)
	errs = append(errs, withholding.Errorf(withholding.EINVALID, "ACH file %s is structurally invalid (%d problems)", e.File, len(e.Errors)+e.Omitted))
	for _, r := range e.Errors {
		errs = append(errs, r)
	}
	return errs
}
