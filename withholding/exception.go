package withholding

import (
	"slices"
	"strings"
	"time"
)

// ExceptionType names what reconciliation found wrong. The set is closed: the
// report groups by it and tests cover each.
type ExceptionType string

// Exception types.
const (
	ExUnidentified     ExceptionType = "unidentified_payment" // no order matches the payment
	ExSSNMismatch      ExceptionType = "ssn_mismatch"
	ExEmployerMismatch ExceptionType = "employer_mismatch" // case found, paid by another employer
	ExShortPayment     ExceptionType = "short_payment"
	ExOverPayment      ExceptionType = "over_payment"
	ExPartialCTX       ExceptionType = "partial_ctx" // some DEDs of a CTX entry did not post
	ExMissingPayment   ExceptionType = "missing_payment"
	ExLatePayment      ExceptionType = "late_payment"
	ExDuplicatePayment ExceptionType = "duplicate_payment"
	ExPaymentOnClosed  ExceptionType = "payment_on_inactive_order" // terminated, rejected or unacknowledged
	ExTerminationFlag  ExceptionType = "termination_indicator"
	ExMedicalChange    ExceptionType = "medical_indicator_change"
	ExIWORejected      ExceptionType = "iwo_rejected"
	ExIWONoAck         ExceptionType = "iwo_not_acknowledged"
	ExEmployerNotice   ExceptionType = "employer_notice" // EMP termination, lump sum, suspension
	ExReturn           ExceptionType = "ach_return"
	ExNOC              ExceptionType = "ach_noc"
	ExBadPayment       ExceptionType = "unparseable_payment" // DED problems prevent posting
	ExPortalError      ExceptionType = "portal_error"
	ExAckUnmatched     ExceptionType = "ack_unmatched" // ACK not applied: unknown tracking ID, duplicate, or action mismatch
	// ExCaseIDCorrected: a payment was posted by SSN or name fallback to an
	// order whose remittance ID is not the one the employer sent; the
	// employer should send the right one.
	ExCaseIDCorrected ExceptionType = "case_id_corrected"
)

// exceptionLabels are the names people read for the exception types.
var exceptionLabels = map[ExceptionType]string{
	ExUnidentified:     "Unidentified payment",
	ExBadPayment:       "Unparseable payment",
	ExSSNMismatch:      "SSN mismatch",
	ExEmployerMismatch: "Paid by another employer",
	ExPaymentOnClosed:  "Payment on inactive order",
	ExDuplicatePayment: "Duplicate payment",
	ExShortPayment:     "Short payment",
	ExOverPayment:      "Over payment",
	ExPartialCTX:       "Partial CTX payment",
	ExCaseIDCorrected:  "Case ID corrected",
	ExMissingPayment:   "Missing payment",
	ExLatePayment:      "Late payment",
	ExTerminationFlag:  "Termination indicator",
	ExMedicalChange:    "Medical indicator change",
	ExIWORejected:      "IWO rejected",
	ExIWONoAck:         "IWO not acknowledged",
	ExPortalError:      "Portal error",
	ExAckUnmatched:     "Acknowledgment not applied",
	ExEmployerNotice:   "Employer notice",
	ExReturn:           "ACH return",
	ExNOC:              "ACH notification of change",
}

// Label is the name people read for t (in reports and the console); an
// unknown type is shown as it is stored.
func (t ExceptionType) Label() string {
	if l, ok := exceptionLabels[t]; ok {
		return l
	}
	return string(t)
}

// Severity orders exceptions for staff.
type Severity string

// Severities.
const (
	SeverityHigh   Severity = "high"   // money cannot be posted or a child may go unpaid
	SeverityMedium Severity = "medium" // needs follow-up this week
	SeverityLow    Severity = "low"    // informational
)

// ExceptionStatus is the life cycle of an exception.
type ExceptionStatus string

// Exception statuses.
const (
	ExceptionOpen      ExceptionStatus = "open"
	ExceptionResolved  ExceptionStatus = "resolved"
	ExceptionDismissed ExceptionStatus = "dismissed"
)

// Exception is something staff must look at.
type Exception struct {
	ID       int64           `json:"id"`
	Type     ExceptionType   `json:"type"`
	Severity Severity        `json:"severity"`
	Status   ExceptionStatus `json:"status"`
	// Key identifies the finding so that reconciling the same day again
	// finds the existing exception instead of adding a copy, e.g.
	// "missing_payment|CASE1|2026-11-20".
	Key string `json:"key"`

	CaseID     CaseID  `json:"case_id,omitempty"`
	OrderRef   int64   `json:"order_ref,omitempty"` // Order.ID
	FEIN       FEIN    `json:"fein,omitempty"`
	SSN        SSN     `json:"ssn,omitempty"`
	PaymentIDs []int64 `json:"payment_ids,omitempty"`
	FileID     int64   `json:"file_id,omitempty"`
	Amount     Cents   `json:"amount_cents"`   // the money involved, if any
	Expected   Cents   `json:"expected_cents"` // what was expected, if relevant
	DueDate    Date    `json:"due_date"`

	Message         string `json:"message"`
	SuggestedAction string `json:"suggested_action"`

	OpenedOn   Date      `json:"opened_on"` // business day it was first found
	ResolvedBy string    `json:"resolved_by,omitempty"`
	ResolvedAt time.Time `json:"resolved_at"`
	Note       string    `json:"note,omitempty"`
	// AssignedTo is the console user working the exception, "" when
	// nobody has taken it.
	AssignedTo string `json:"assigned_to,omitempty"`
}

// ExceptionFilter selects exceptions.
type ExceptionFilter struct {
	// Key selects the one exception with that key (a posting's
	// ExceptionKey names the exception holding its payment).
	Key    *string
	Type   *ExceptionType
	Status *ExceptionStatus
	CaseID *CaseID
	FEIN   *FEIN
	// FEINs selects the exceptions about any of those employers, when not
	// empty: the report job reads a batch of employers' at a time.
	FEINs    []FEIN
	Severity *Severity
	// AssignedTo selects the exceptions assigned to that user; a pointer
	// to "" selects the unassigned ones.
	AssignedTo *string
	// OpenedBefore selects the exceptions first found before that day
	// (how old they are), when not zero.
	OpenedBefore Date
	// OpenedAfter selects the exceptions first found after that day, when
	// not zero: the report job's activity rule reads the night's window.
	OpenedAfter Date
	// IDs selects those exceptions, when not empty.
	IDs []int64
	// Sort orders the matches; "" is by ID (the order they were found in).
	Sort          ExceptionSort
	Offset, Limit int
}

// ExceptionSort is an order of a list of exceptions. Every order ends
// with the ID, so that pages of a list neither repeat nor skip a row.
type ExceptionSort string

// Exception orders.
const (
	ExceptionsOldest   ExceptionSort = "oldest"   // first found first
	ExceptionsNewest   ExceptionSort = "newest"   // last found first
	ExceptionsSeverity ExceptionSort = "severity" // high, medium, low; oldest first within each
	ExceptionsAmount   ExceptionSort = "amount"   // the most money first
	ExceptionsType     ExceptionSort = "type"     // by type, oldest first within each
	// ExceptionsReport is the operations workbook's order: oldest first,
	// the most severe first within a day. No form offers it.
	ExceptionsReport ExceptionSort = "report"
)

// ExceptionSorts are the known orders, in the order a form offers them.
var ExceptionSorts = []ExceptionSort{ExceptionsOldest, ExceptionsNewest, ExceptionsSeverity, ExceptionsAmount, ExceptionsType}

// ExceptionTypes are every exception type, in label order of the console's
// filter and the report's groups.
func ExceptionTypes() []ExceptionType {
	out := make([]ExceptionType, 0, len(exceptionLabels))
	for t := range exceptionLabels {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b ExceptionType) int { return strings.Compare(a.Label(), b.Label()) })
	return out
}

// ExceptionCount is how many exceptions of one type matched a filter.
type ExceptionCount struct {
	Type  ExceptionType `json:"type"`
	Count int           `json:"count"`
}
