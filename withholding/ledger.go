package withholding

import "time"

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
	ControlNumber string    `json:"control_number,omitempty"`
	Records       int       `json:"records"` // payments, acknowledgments or IWOs it carried
	Error         string    `json:"error,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// FileFilter selects ledger entries.
type FileFilter struct {
	Direction     *Direction
	Partner       *string
	Kind          *FileKind
	State         *FileState
	SHA256        *string
	Since         time.Time // CreatedAt >= Since when not zero
	Offset, Limit int
}
