package withholding

// Disposition is the status an employer gives an IWO, or the kind of an
// employer-initiated notice.
type Disposition string

// Dispositions (ACK Disposition Status Code).
const (
	DispAccepted    Disposition = "A"
	DispRejected    Disposition = "R"
	DispTerminated  Disposition = "T" // EMP: employment or income ended
	DispLumpSum     Disposition = "L" // EMP: a lump sum is coming or was paid
	DispSuspended   Disposition = "S" // EMP: employee placed in suspense status
	DispPortalError Disposition = "E" // iwo's own: the portal's result file flagged the IWO
)

// Acknowledgment is what came back for an IWO (or an employer-initiated
// notice), whichever file family carried it.
type Acknowledgment struct {
	ID         int64       `json:"id"`
	FileID     int64       `json:"file_id"`
	Line       int         `json:"line"`
	Action     Action      `json:"action"` // echoed action, or EMP
	TrackingID TrackingID  `json:"tracking_id"`
	CaseID     CaseID      `json:"case_id"`
	OrderID    OrderID     `json:"order_id"`
	FEIN       FEIN        `json:"fein"`
	SSN        SSN         `json:"ssn"`
	Employee   Person      `json:"employee"`
	Status     Disposition `json:"status"`
	Reason     string      `json:"reason"` // disposition reason code, "" when accepted as received

	TerminationDate   Date   `json:"termination_date"`
	FinalPaymentDate  Date   `json:"final_payment_date"`
	FinalPaymentCents Cents  `json:"final_payment_cents"`
	NewEmployer       string `json:"new_employer,omitempty"`
	LumpSumDate       Date   `json:"lump_sum_date"`
	LumpSumCents      Cents  `json:"lump_sum_cents"`
	LumpSumType       string `json:"lump_sum_type,omitempty"`
	CorrectedFEIN     FEIN   `json:"corrected_fein,omitempty"`
	MultipleState     string `json:"multiple_state,omitempty"`
	ErrorFields       string `json:"error_fields,omitempty"` // portal-populated error element names

	// Refused says why the acknowledgment was stored but not applied
	// (spec §8.4: unknown tracking ID, a second answer, an echoed action
	// that differs from the IWO's); "" for one that counts. A refused
	// acknowledgment changes no order or document and is not reconciled.
	Refused string `json:"refused,omitempty"`
}
