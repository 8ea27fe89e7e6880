package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/iwoproject/iwo/edi"
)

// fileKind is what the first bytes of a file look like. The inspection
// commands check it before they read a file, so that a file of the wrong
// kind (an ACH file given to "edi validate", a spreadsheet given to "ach
// payments") is one line saying so, not a problem for every line of it.
type fileKind int

const (
	kindUnknown fileKind = iota // text, neither header below: the reader decides
	kindEmpty
	kindBinary
	kindACH  // a NACHA file header: record type 1, priority code 01
	kindEIWO // an e-IWO file header: FHI, FHA, FHS or FHK
)

// sniffLen is how much of a file sniff reads: enough for a first record of
// either format and to tell text from binary data.
const sniffLen = 512

// errWrongKind is what errors.Is finds in the error of a file that is not
// of the kind a command reads.
var errWrongKind = errors.New("wrong kind of file")

// wrongKindError says what a file is instead of what was wanted.
type wrongKindError struct {
	path, want string
	got        fileKind
}

func (e *wrongKindError) Error() string {
	return fmt.Sprintf("%s:1: not %s; this is %s", e.path, e.want, e.got)
}

func (e *wrongKindError) Is(target error) bool { return target == errWrongKind }

// sniff reads the start of the file at path.
func sniff(path string) (fileKind, error) {
	f, err := os.Open(path)
	if err != nil {
		return kindUnknown, err
	}
	defer f.Close()
	buf := make([]byte, sniffLen)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return kindUnknown, err
	}
	return sniffBytes(buf[:n]), nil
}

func sniffBytes(b []byte) fileKind {
	switch {
	case len(b) == 0:
		return kindEmpty
	case bytes.HasPrefix(b, []byte("101")):
		return kindACH
	case len(b) >= 3 && b[0] == 'F' && b[1] == 'H' && edi.Kind(b[2]).Valid():
		return kindEIWO
	case isBinary(b):
		// Only a file that does not begin as either format is called
		// binary: one that does, with a NUL further on, is the reader's to
		// report at its line.
		return kindBinary
	}
	return kindUnknown
}

// isBinary reports a NUL or another control character than tab, CR, LF
// and form feed, or bytes that are not UTF-8 (a cut multi-byte character
// at the very end excepted): neither format has them.
func isBinary(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' && c != '\f' || c == 0x7f {
			return true
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return len(b)-i >= utf8.UTFMax // a character cut by the sniff window is not evidence
		}
		i += size
	}
	return false
}

func (k fileKind) String() string {
	switch k {
	case kindBinary:
		return "binary data, not text"
	case kindACH:
		return "an ACH (NACHA) file: it begins with a file header record 101 (see iwo ach payments)"
	case kindEIWO:
		return "an e-IWO file: it begins with an FH record (see iwo edi validate / iwo edi show)"
	}
	return "text of an unknown kind"
}

// expectKind returns a *wrongKindError, naming the file and
// what it looks like, when the file at path is plainly not of kind want:
// binary, or the other format. Text of an unknown kind and an empty file
// pass: their reader reports them, record by record.
func expectKind(path string, want fileKind, wantName string) error {
	k, err := sniff(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if k == want || k == kindUnknown || k == kindEmpty {
		return nil
	}
	return &wrongKindError{path: path, want: wantName, got: k}
}
