package withholding

import (
	"context"
	"iter"
	"time"
)

// Document is one IWO document (one DTL record) the agency sent: which order,
// which action, in which file and batch.
type Document struct {
	ID             int64       `json:"id"`
	TrackingID     TrackingID  `json:"tracking_id"`
	OrderRef       int64       `json:"order_ref"` // Order.ID
	CaseID         CaseID      `json:"case_id"`
	FEIN           FEIN        `json:"fein"`
	Action         Action      `json:"action"`
	FileID         int64       `json:"file_id"`
	FileControl    string      `json:"file_control"`
	BatchControl   string      `json:"batch_control"`
	SentAt         time.Time   `json:"sent_at"`
	Status         Disposition `json:"status"` // "" until an acknowledgment or portal result arrives
	Reason         string      `json:"reason,omitempty"`
	AcknowledgedAt time.Time   `json:"acknowledged_at"`
}

// EmployerFilter selects employers. Query matches FEIN or a name substring.
type EmployerFilter struct {
	FEIN *FEIN
	// Query matches the FEIN (with or without its dash) or any part of
	// the name, ignoring case.
	Query         string
	Offset, Limit int
}

// EmployerService stores employers.
type EmployerService interface {
	// FindEmployerByFEIN returns ENOTFOUND when there is no such employer.
	FindEmployerByFEIN(ctx context.Context, fein FEIN) (*Employer, error)
	// FindEmployers returns matching employers and the total match count.
	FindEmployers(ctx context.Context, filter EmployerFilter) ([]*Employer, int, error)
	// UpsertEmployer creates or replaces the employer with e.FEIN.
	// Returns EINVALID for a bad FEIN.
	UpsertEmployer(ctx context.Context, e *Employer) error
}

// OrderService stores orders.
type OrderService interface {
	// FindOrderByID returns ENOTFOUND when there is no such order.
	FindOrderByID(ctx context.Context, id int64) (*Order, error)
	// FindOrders returns matching orders and the total match count.
	FindOrders(ctx context.Context, filter OrderFilter) ([]*Order, int, error)
	// EachOrder streams the orders matching filter (Offset and Limit
	// apply), by ID, without loading them all.
	EachOrder(ctx context.Context, filter OrderFilter) iter.Seq2[*Order, error]
	// EachOrderByEmployer streams the matching orders (Offset and Limit
	// ignored) by employer FEIN, then ID, in keyset pages: no query stays
	// open while the caller works between two orders.
	EachOrderByEmployer(ctx context.Context, filter OrderFilter) iter.Seq2[*Order, error]
	// CreateOrder saves a new order and sets o.ID. Returns ECONFLICT when an
	// order with the same CaseID and OrderID exists.
	CreateOrder(ctx context.Context, o *Order) error
	// UpdateOrder applies upd and returns the new order. ENOTFOUND if missing.
	UpdateOrder(ctx context.Context, id int64, upd OrderUpdate) (*Order, error)
}

// DocumentService stores the IWO documents sent.
type DocumentService interface {
	// FindDocumentByTrackingID returns ENOTFOUND for an unknown tracking ID.
	FindDocumentByTrackingID(ctx context.Context, id TrackingID) (*Document, error)
	// FindDocuments lists documents of one order (orderRef > 0) or all.
	FindDocuments(ctx context.Context, orderRef int64, offset, limit int) ([]*Document, int, error)
	// EachDocument streams the documents matching filter, oldest first,
	// without loading them all.
	EachDocument(ctx context.Context, filter DocumentFilter) iter.Seq2[*Document, error]
	// EmployersWithIWOs returns the employers that had an IWO sent to them
	// or acknowledged by them after after and by through, each once.
	EmployersWithIWOs(ctx context.Context, after, through time.Time) ([]FEIN, error)
}

// DocumentFilter selects documents. Zero fields match everything.
type DocumentFilter struct {
	// Statuses keeps the documents with any of these statuses; "" is an
	// IWO not answered yet.
	Statuses []Disposition
	// TrackingIDs, when not empty, keeps the documents with any of these
	// tracking IDs: pull-acks reads a file's IWOs at once.
	TrackingIDs []TrackingID
	// ActiveSince, when set, keeps the documents sent or acknowledged
	// after it: a night's IWO activity.
	ActiveSince time.Time
	// SentSince, when set, keeps the documents sent after it.
	SentSince time.Time
	// SentBefore, when set, keeps the documents sent before it (never-sent
	// ones are left out).
	SentBefore time.Time
	// NewestFirst lists the documents by the time they were sent, newest
	// first (then by ID; never-sent ones last), rather than by ID.
	NewestFirst bool
}

// FileService is the file ledger and the one place inbound and outbound
// files are committed. Every Apply/Record method is a single transaction: the
// file's contents and its ledger state change commit together or not at all.
type FileService interface {
	// CreateFile records a file (received or about to be sent) and sets f.ID.
	CreateFile(ctx context.Context, f *File) error
	// FindFileByID returns ENOTFOUND when missing.
	FindFileByID(ctx context.Context, id int64) (*File, error)
	// FindFiles lists ledger entries, newest first.
	FindFiles(ctx context.Context, filter FileFilter) ([]*File, int, error)
	// SetFileState moves a file to state and records errText ("" clears it).
	SetFileState(ctx context.Context, id int64, state FileState, errText string) error
	// SetFileSum records the size and SHA-256 of a file recorded before its
	// bytes existed (an outbound file). A recorded sum never changes:
	// ECONFLICT for a different one, EINVALID for a malformed one,
	// ENOTFOUND for an unknown file.
	SetFileSum(ctx context.Context, id, size int64, sha256 string) error
	// ResolveQuarantine closes the quarantined inbound file id without
	// applying it: it moves to archived with note (who resolved it, why,
	// what replaced it) as its error text, so that it leaves the lists of
	// quarantined files while its bytes stay unapplied and may still be
	// applied if they come in again. ENOTFOUND for an unknown file,
	// ECONFLICT for a file that is not quarantined.
	ResolveQuarantine(ctx context.Context, id int64, note string) (*File, error)
	// AppliedSHA256 reports whether an inbound file with this SHA-256 has
	// already been applied.
	AppliedSHA256(ctx context.Context, sha256 string) (bool, error)
	// SetFileControl records the control number of the inbound e-IWO file
	// id and the sender that assigned it (File.Sender), which the Apply
	// methods check. ENOTFOUND for an unknown file; ECONFLICT once the file
	// is applied.
	SetFileControl(ctx context.Context, id int64, sender, controlNumber string) error

	// ApplyPayments stores every payment the sequence yields under fileID and
	// marks the file applied, in one transaction. If the sequence yields an
	// error, or ctx ends, nothing is committed and the error is returned.
	// Returns ECONFLICT when a file with the same SHA-256 was already applied,
	// and a *ControlNumberError (EINVALID) when an applied file of the same
	// sender carried the same control number.
	ApplyPayments(ctx context.Context, fileID int64, payments iter.Seq2[*Payment, error]) (int, error)
	// ApplyAcknowledgments stores acknowledgments, applies the order and
	// document changes derived from them, creates the given exceptions, and
	// marks the file applied, in one transaction. ECONFLICT and
	// *ControlNumberError as above.
	ApplyAcknowledgments(ctx context.Context, fileID int64, acks []*Acknowledgment, orders map[int64]OrderUpdate, exceptions []*Exception) error
	// RecordSent stores the documents the sequence yields for an outbound
	// IWO file, updates their orders (status sent, pending action cleared,
	// tracking ID) and marks the file sent with its control number (the
	// documents' FileControl), in one transaction; the documents are taken
	// one at a time, so a file's worth need not be in memory at once.
	// ECONFLICT for a tracking ID or a control number already recorded;
	// EINVALID when the file's SHA-256 was not recorded first (SetFileSum).
	RecordSent(ctx context.Context, fileID int64, docs iter.Seq[*Document]) error
}

// PaymentService reads posted payments and acknowledgments.
type PaymentService interface {
	FindPayments(ctx context.Context, filter PaymentFilter) ([]*Payment, int, error)
	// EachPayment streams matching payments without loading them all.
	EachPayment(ctx context.Context, filter PaymentFilter) iter.Seq2[*Payment, error]
	FindAcknowledgments(ctx context.Context, fileID int64, tracking *TrackingID, offset, limit int) ([]*Acknowledgment, int, error)
	// SumPayments counts the payments matching filter (Offset and Limit
	// ignored) and adds up their amounts, one PaymentSum per kind present,
	// in kind order.
	SumPayments(ctx context.Context, filter PaymentFilter) ([]PaymentSum, error)
}

// PaymentSum is how many entries of one kind matched, and their total:
// the money credited (Payment.Credited) for payments, the entry amounts
// for the other kinds.
type PaymentSum struct {
	Kind   PaymentKind `json:"kind"`
	Count  int         `json:"count"`
	Amount Cents       `json:"amount"`
}

// ExceptionUpdate changes an exception's status, note or assignee.
type ExceptionUpdate struct {
	Status *ExceptionStatus
	By     string // who resolved or dismissed it
	Note   *string
	// AssignedTo gives the exception to a user; a pointer to "" takes it
	// back from whoever had it.
	AssignedTo *string
}

// ExceptionService stores reconciliation findings.
type ExceptionService interface {
	// UpsertExceptions creates exceptions whose Key is new and leaves
	// existing ones (any status) untouched, in one transaction. It returns
	// how many were created.
	UpsertExceptions(ctx context.Context, exs []*Exception) (int, error)
	FindExceptions(ctx context.Context, filter ExceptionFilter) ([]*Exception, int, error)
	// EachException streams the exceptions matching filter in its Sort
	// order (by ID when Sort is empty), holding one at a time: a state's
	// backlog of open exceptions is too big to hold whole. EINVALID for an
	// unknown sort.
	EachException(ctx context.Context, filter ExceptionFilter) iter.Seq2[*Exception, error]
	// UpdateException returns ENOTFOUND when missing.
	UpdateException(ctx context.Context, id int64, upd ExceptionUpdate) (*Exception, error)
	// UpdateExceptions applies upd to every exception of ids in one
	// transaction, and returns them: all change or none does. ENOTFOUND
	// when one is missing, EINVALID for an unknown status.
	UpdateExceptions(ctx context.Context, ids []int64, upd ExceptionUpdate) ([]*Exception, error)
	// CountExceptions counts the exceptions matching filter (its Type,
	// Sort, Offset and Limit ignored) by type, the most frequent first.
	CountExceptions(ctx context.Context, filter ExceptionFilter) ([]ExceptionCount, error)
}

// PostingService records what reconciliation did with each payment, and
// the night it did it.
type PostingService interface {
	// RecordReconciliation records the night (a second record of the same
	// date keeps the first WindowStart and takes the later WindowEnd),
	// creates the exceptions whose Key is new (as UpsertExceptions) and
	// records the postings of payments that have none yet, in one
	// transaction; a payment's first posting stands. It returns how many
	// exceptions and postings were created. EINVALID for a night without a
	// date, an exception without Key or Type, or a posting without
	// PaymentID or with an unknown Status. It reads each sequence once, a
	// batch at a time, so that a night's findings never have to be held
	// all at once; an error from exs ends the transaction with nothing
	// recorded.
	RecordReconciliation(ctx context.Context, night *Night, exs iter.Seq2[*Exception, error], postings iter.Seq[*Posting]) (newExceptions, newPostings int, err error)
	// FindNight returns the night recorded for date; ENOTFOUND when the
	// reconcile job has not run that day.
	FindNight(ctx context.Context, date Date) (*Night, error)
	// PreviousNight returns the newest night recorded before date;
	// ENOTFOUND when there is none.
	PreviousNight(ctx context.Context, date Date) (*Night, error)
	// NightTotals adds up the night's books from the stored postings,
	// payments, files and exceptions. ENOTFOUND when the night was not
	// recorded.
	NightTotals(ctx context.Context, date Date) (*NightTotals, error)
	// RecordReport records that the night's report has just read the open
	// exceptions: NightTotals counts those open at that moment.
	// ENOTFOUND when the night was not recorded.
	RecordReport(ctx context.Context, date Date) error
	// FindPostings returns the postings of the payments matching filter
	// (Offset and Limit ignored), by payment ID.
	FindPostings(ctx context.Context, filter PaymentFilter) ([]*Posting, error)
}

// JobRunService records job runs and hands out the per-job lock that keeps
// several iwo instances from running the same job at once.
type JobRunService interface {
	CreateJobRun(ctx context.Context, r *JobRun) error
	FinishJobRun(ctx context.Context, r *JobRun) error
	FindJobRuns(ctx context.Context, job string, offset, limit int) ([]*JobRun, int, error)
	// MarkJobRunsKilled records every run of job still recorded running
	// (of instance only, when it is not empty) as killed, ended now, with
	// why as its error, and returns those runs. Call it only while holding
	// the lock its runs hold (the job's, or for a job claimed per item the
	// instance's lock on it): then no such run is still going anywhere.
	MarkJobRunsKilled(ctx context.Context, job, instance, why string) ([]*JobRun, error)
	// RunningJobRuns lists the runs of job still recorded running.
	RunningJobRuns(ctx context.Context, job string) ([]*JobRun, error)
	// TryLock takes the named lock if it is free. ok is false when another
	// holder has it. unlock releases it; the lock is also released if the
	// holder's connection dies.
	TryLock(ctx context.Context, name string) (unlock func(), ok bool, err error)
}

// ExceptionSeq returns exs as a sequence, for RecordReconciliation.
func ExceptionSeq(exs ...*Exception) iter.Seq2[*Exception, error] {
	return func(yield func(*Exception, error) bool) {
		for _, e := range exs {
			if !yield(e, nil) {
				return
			}
		}
	}
}
