package withholding

// OrderStatus is where an order stands in the e-IWO exchange.
type OrderStatus string

// Order statuses.
const (
	StatusPending    OrderStatus = "pending"    // known to the agency, no IWO sent yet
	StatusSent       OrderStatus = "sent"       // an IWO went out, no answer yet
	StatusAccepted   OrderStatus = "accepted"   // the employer accepted the IWO
	StatusRejected   OrderStatus = "rejected"   // the employer (or the portal) rejected it
	StatusTerminated OrderStatus = "terminated" // withholding has ended
)

// Action is the e-IWO Document Action Code of an IWO document.
type Action string

// IWO actions (DTL Document Action Code), and EMP for employer-initiated
// acknowledgments.
const (
	ActionOriginal  Action = "ORG" // a new IWO for the case
	ActionAmend     Action = "AMD" // any change other than ending it
	ActionTerminate Action = "TRM" // stop withholding
	ActionLumpSum   Action = "LUM" // withhold from one lump-sum payment
	ActionEmployer  Action = "EMP" // employer-initiated notice (ACK only)
)

// Person is a named individual.
type Person struct {
	Last      string `json:"last"`
	First     string `json:"first"`
	Middle    string `json:"middle,omitempty"`
	Suffix    string `json:"suffix,omitempty"`
	SSN       SSN    `json:"ssn,omitempty"`
	BirthDate Date   `json:"birth_date"`
}

// Obligation is one ordered amount and the period it is owed per. A zero
// Amount means the component is not ordered.
type Obligation struct {
	Amount    Cents     `json:"amount_cents"`
	Frequency Frequency `json:"frequency,omitempty"`
}

// Amounts are the ordered support components of an IWO (form items 5–11).
type Amounts struct {
	CurrentSupport Obligation `json:"current_support"`
	PastDueSupport Obligation `json:"past_due_support"`
	CurrentMedical Obligation `json:"current_medical"` // cash medical support
	PastDueMedical Obligation `json:"past_due_medical"`
	CurrentSpousal Obligation `json:"current_spousal"`
	PastDueSpousal Obligation `json:"past_due_spousal"`
	Other          Obligation `json:"other"`
	OtherReason    string     `json:"other_reason,omitempty"`
	// MedicalPremium is the employee's share of a health-coverage premium
	// under a National Medical Support Notice. It is not an e-IWO element
	// but competes for the same CCPA limit.
	MedicalPremium Obligation `json:"medical_premium"`
}

// Order is one income withholding order: one IV-D case, one obligor, one
// employer.
type Order struct {
	ID           int64        `json:"id"` // store identity; 0 before it is saved
	CaseID       CaseID       `json:"case_id"`
	OrderID      OrderID      `json:"order_id"`
	RemittanceID RemittanceID `json:"remittance_id"`
	EmployerFEIN FEIN         `json:"employer_fein"`

	Obligor  Person   `json:"obligor"`
	Obligee  Person   `json:"obligee"` // Last may hold an organisation name
	Children []Person `json:"children"`

	IssuingState        string `json:"issuing_state"`        // full name, e.g. "CALIFORNIA"
	IssuingJurisdiction string `json:"issuing_jurisdiction"` // county/city/tribe
	IssuingTribunal     string `json:"issuing_tribunal"`
	PayeeFIPS           string `json:"payee_fips"` // 7-digit remittance FIPS code

	Amounts Amounts `json:"amounts"`
	// Stated are the per-pay totals the IWO states itself (items
	// 13a–13d); PerPay prefers them to its own conversion.
	Stated StatedPerPay `json:"stated_per_pay"`
	// Percent, when positive, orders that percentage of each pay's
	// disposable earnings as current support, on top of Amounts (an
	// order "stated as a percentage of income"). The calculator turns it
	// into cents for the pay; the CCPA limit still applies.
	Percent Percent `json:"percent_of_disposable,omitempty"`

	ArrearsOver12Weeks bool  `json:"arrears_over_12_weeks"`
	LumpSum            Cents `json:"lump_sum_cents"` // amount for a LUM IWO

	StartDate Date        `json:"start_date"`
	EndDate   Date        `json:"end_date"` // set when support ends; triggers a TRM
	Status    OrderStatus `json:"status"`

	// PendingAction is the IWO the order needs next (ORG, AMD, TRM, LUM),
	// "" when the employer already has the current terms.
	PendingAction Action `json:"pending_action,omitempty"`
	// TrackingID is the tracking identifier of the last IWO document sent.
	TrackingID TrackingID `json:"tracking_id,omitempty"`
	// RejectReason is the last disposition reason code when Status is rejected.
	RejectReason string `json:"reject_reason,omitempty"`
}

// OrderFilter selects orders. Zero fields match everything.
type OrderFilter struct {
	ID *int64
	// IDs, when not empty, selects the orders with any of these IDs.
	IDs []int64
	// IDAfter and IDThrough, when not 0, keep the orders with an ID above
	// IDAfter and at most IDThrough: a listing of every order split in
	// parts read at once (reconciliation's).
	IDAfter, IDThrough int64
	CaseID             *CaseID
	EmployerFEIN       *FEIN
	// EmployerFEINs, when not empty, selects the orders of any of these
	// employers: the report job reads the orders of the employers it
	// writes statements for, a few hundred at a time, not every order.
	EmployerFEINs []FEIN
	SSN           *SSN
	Status        *OrderStatus
	PendingAction *Action // orders needing this IWO action; pointer to "" is not a filter
	NeedsIWO      bool    // orders with any PendingAction
	OrderID       *OrderID
	// ObligorLast and ObligorFirst select the orders whose obligor's last
	// (first) name starts with them, ignoring case; "" is not a filter.
	// With ObligorLast the orders come by name (last, first), not by ID.
	ObligorLast, ObligorFirst string
	// SSNLast4 selects the orders whose obligor's SSN ends in these four
	// digits; combine it with a name or an employer, as callers give it.
	SSNLast4 string
	// Brief lists each order with its identifiers, the obligor's name and
	// SSN, PayeeFIPS, Amounts (but OtherReason), Stated, StartDate, EndDate
	// and Status only, the rest left zero: what matching payments to
	// orders and checking their amounts (Order.PerPay) read, for reading
	// every order quickly. EachOrder may yield one Order for every row of
	// a Brief listing, overwritten each time: a caller that keeps an order
	// beyond the next row copies it.
	Brief bool
	// ByEmployer lists the orders by employer FEIN, then ID, rather than
	// by ID: every order of a state grouped by employer in one pass over
	// the table and a sort, rather than one look-up per order through the
	// employer index (the report's statements, docs/scaling.md fix 29).
	// Ignored with ObligorLast.
	ByEmployer    bool
	Offset, Limit int
}

// OrderUpdate changes an order. Nil fields are left alone.
type OrderUpdate struct {
	Status        *OrderStatus
	PendingAction *Action
	TrackingID    *TrackingID
	RejectReason  *string
}
