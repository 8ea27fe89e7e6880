package edi

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Stream reads in (named name in errors) to its end: the one read loop of
// an e-IWO file. For each record it calls visit with the record and rd
// positioned on it (Line, Kind, Raw, Layout). The problems of a line (what
// Reader.Next returns as Errors) go to problem first, as they are found,
// and are not kept, so a file of any size streams; the record, when the
// line could be read at all, still goes to visit. A nil visit or problem
// is skipped.
//
// Stream stops at the first error from problem or visit and returns it
// unchanged, or at an I/O failure, returned as Next returns it. The header
// is the file header (a line-1 header that is not a batch header), nil when
// the file does not start with one; it is returned with any error.
func Stream(in io.Reader, name string, visit func(rec Record, rd *Reader) error, problem func(Errors) error) (*Header, error) {
	rd := NewReader(in, name)
	var header *Header
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return header, nil
		}
		if es := AsErrors(err); es != nil {
			if problem != nil {
				if err := problem(es); err != nil {
					return header, err
				}
			}
		} else if err != nil {
			return header, err
		}
		if rec == nil {
			continue
		}
		if h, ok := rec.(*Header); ok && rd.Line() == 1 && !h.IsBatch() {
			header = h
		}
		if visit != nil {
			if err := visit(rec, rd); err != nil {
				return header, err
			}
		}
	}
}

// Read is Stream keeping the problems: it returns them all, in file order,
// nil when the file is valid. err is an I/O failure or visit's error.
func Read(in io.Reader, name string, visit func(rec Record, rd *Reader) error) (*Header, Errors, error) {
	var problems Errors
	h, err := Stream(in, name, visit, func(es Errors) error {
		problems = append(problems, es...)
		return nil
	})
	return h, problems, err
}

// ReadFile is Read of the file at path, named name in errors.
func ReadFile(path, name string, visit func(rec Record, rd *Reader) error) (*Header, Errors, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	return Read(f, name, visit)
}
