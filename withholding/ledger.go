package withholding

import (
	"fmt"
	"time"
)

// Direction says whether a file came in or went out.
type Direction string

// Directions.
const (
	Inbound  Direction = "in"
	Outbound Direction = "out"
)

// FileState is where a file stands. Inbound files go received → parsed →
// applied → archived (or quarantined); outbound files go sent → (archived).
type FileState string

// File states.
const (
	FileReceived    FileState = "received"
	FileParsed      FileState = "parsed"
	FileApplied     FileState = "applied"
	FileQuarantined FileState = "quarantined"
	FileSent        FileState = "sent"
	FileArchived    FileState = "archived"
)

// FileKind is the format family of a file.
type FileKind string

// File kinds.
const (
	KindIWOFile    FileKind = "iwo"        // FHI… (state → employer)
	KindAckFile    FileKind = "ack"        // FHA… (employer → state)
	KindIWOResult  FileKind = "iwo_result" // FHS… (portal → state)
	KindAckResult  FileKind = "ack_result" // FHK… (portal → employer)
	KindACHFile    FileKind = "ach"        // NACHA remittance
	KindReportFile FileKind = "report"     // workbooks, CSVs, statements
)

// File is one entry of the file ledger: every file received or sent.
// Size and SHA256 are those of the bytes fetched (inbound) or of the bytes
// pushed to the partner (outbound); an outbound file has them from the
// moment it is sent, and they never change once recorded.
type File struct {
	ID         int64     `json:"id"`
	Direction  Direction `json:"direction"`
	Partner    string    `json:"partner"`
	Kind       FileKind  `json:"kind"`
	RemoteName string    `json:"remote_name"`
	LocalPath  string    `json:"local_path"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"` // hex
	State      FileState `json:"state"`
	// ControlNumber is the e-IWO file control number, when the file has one.
	ControlNumber string `json:"control_number,omitempty"`
	// Sender names who assigned ControlNumber to an inbound e-IWO file.
	// A sender never uses a control number twice (e-IWO spec §8.1 edit 7),
	// so of the inbound files with the same Sender and ControlNumber at
	// most one is applied; the others are refused (ControlNumberError).
	// Empty for outbound files, whose only sender is the agency, and for
	// files without a control number.
	Sender    string    `json:"sender,omitempty"`
	Records   int       `json:"records"` // payments, acknowledgments or IWOs it carried
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ControlNumberError refuses an inbound e-IWO file whose control number its
// sender already used in another file that was applied: a corrected
// resend, a sender whose sequence wrapped, or a replayed file with new
// bytes. Nothing of the file is applied. Its kind is EINVALID, so the file
// is quarantined like an invalid one.
type ControlNumberError struct {
	File  *File // the refused file
	First *File // the applied ledger entry that first carried the control number
}

// Error names the file, the control number and the entry that carried it
// first.
func (e *ControlNumberError) Error() string {
	return fmt.Sprintf("file %s (ledger %d): control number %s from sender %q was already received in file %s (ledger %d, received %s) and applied; "+
		"a sender never reuses a control number, so nothing in this file was applied (ask the sender to send any correction under a new control number)",
		e.File.RemoteName, e.File.ID, e.File.ControlNumber, e.File.Sender,
		e.First.RemoteName, e.First.ID, e.First.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// Unwrap gives the error its kind, EINVALID.
func (e *ControlNumberError) Unwrap() error { return &Error{Code: EINVALID, Message: e.Error()} }

// FileFilter selects ledger entries. Conditions that are set must all
// hold.
type FileFilter struct {
	Direction *Direction
	Partner   *string
	Kind      *FileKind
	State     *FileState
	SHA256    *string // the whole SHA-256, hex
	// SHA256Prefix matches the SHA-256s that begin with it: at least
	// MinSHA256Prefix lower-case hex digits, as a help-line agent reads
	// them off a caller's pasted hash. EINVALID otherwise.
	SHA256Prefix string
	// Name matches the remote names that contain it, ignoring case.
	Name string
	// ControlNumber matches the e-IWO control number exactly.
	ControlNumber *string
	Since         time.Time // CreatedAt >= Since when not zero
	Until         time.Time // CreatedAt < Until when not zero
	// WithPartner selects the files exchanged with a partner (a transfer),
	// leaving out copies written only locally (reports).
	WithPartner   bool
	Offset, Limit int
}

// MinSHA256Prefix is the fewest hex digits FileFilter.SHA256Prefix takes:
// 8 digits (32 bits) pick one file out of a ledger of many thousands.
const MinSHA256Prefix = 8

// ValidSHA256Prefix reports whether p can be a FileFilter.SHA256Prefix:
// MinSHA256Prefix to 64 lower-case hex digits.
func ValidSHA256Prefix(p string) bool {
	if len(p) < MinSHA256Prefix || len(p) > 64 {
		return false
	}
	for _, c := range []byte(p) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
