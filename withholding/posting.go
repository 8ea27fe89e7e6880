package withholding

// PostingStatus says what reconciliation did with a payment.
type PostingStatus string

// Posting statuses.
const (
	PostingPosted PostingStatus = "posted" // applied to an order
	PostingHeld   PostingStatus = "held"   // not applied: an exception holds it
)

// Posting is the recorded outcome of reconciling one payment: the order it
// was applied to, or the exception that holds it. A payment has at most
// one; the first night that reconciles it decides (as the first exception
// with a Key stands), so re-running a night neither duplicates nor changes
// it.
type Posting struct {
	PaymentID int64         `json:"payment_id"`
	Status    PostingStatus `json:"status"`
	// OrderRef and CaseID are the order posted to, or for a held payment
	// the order it matched, if any.
	OrderRef int64  `json:"order_ref,omitempty"`
	CaseID   CaseID `json:"case_id,omitempty"`
	// Reason and ExceptionKey name the exception that holds a held
	// payment.
	Reason       ExceptionType `json:"reason,omitempty"`
	ExceptionKey string        `json:"exception_key,omitempty"`
	// RunDate is the agency's calendar day of the reconciliation that
	// recorded it.
	RunDate Date `json:"run_date"`
}
