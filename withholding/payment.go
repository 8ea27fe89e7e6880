package withholding

// PaymentKind classifies an ACH entry. Only KindPayment is posted; the others
// are reported.
type PaymentKind string

// Entry kinds.
const (
	KindPayment PaymentKind = "payment" // a child support credit with (at least an attempt at) a DED
	KindPrenote PaymentKind = "prenote" // zero-dollar test entry (transaction code 23/33)
	KindReturn  PaymentKind = "return"  // return entry (addenda 99)
	KindNOC     PaymentKind = "noc"     // notification of change (COR, addenda 98)
	KindOther   PaymentKind = "other"   // debits, entries that are not child support
)

// Payment is one DED remittance item: a CCD+ entry, or one DED segment of a
// CTX entry. A payment that could not be fully parsed still exists, with
// Problems saying what is wrong and Raw holding the addenda text.
type Payment struct {
	ID     int64 `json:"id"`      // store identity
	FileID int64 `json:"file_id"` // ledger entry of the ACH file it came in

	Line            int         `json:"line"`  // file line of the entry detail record
	Batch           int         `json:"batch"` // batch number
	Trace           TraceNumber `json:"trace"`
	SEC             string      `json:"sec"`
	TransactionCode int         `json:"transaction_code"`
	CompanyID       string      `json:"company_id"`
	CompanyName     string      `json:"company_name"`
	EffectiveDate   Date        `json:"effective_date"`
	EntryAmount     Cents       `json:"entry_amount_cents"`
	// Credited is the money the bank credited for this payment, the figure
	// every "received" total adds up: the entry amount of a CCD+ entry
	// whatever its DED claims, and for one DED of a CTX entry its share of
	// the entry amount (see ach.CTXShares). Zero for entries that are not
	// payments (prenotes, returns, NOCs, others).
	Credited Cents `json:"credited_cents"`

	ApplicationID string `json:"application_id"` // DED01
	// RemittanceID is DED02 as the employer sent it: the case identifier
	// the IWO asked for (its Remittance ID), or whatever was typed. It is
	// not the order's case: where the payment went is its Posting. (The
	// JSON key stays "case_id", DED02's name in the convention and in
	// iwo ach payments' output.)
	RemittanceID RemittanceID `json:"case_id"`
	PayDate      Date         `json:"pay_date"`     // DED03
	Amount       Cents        `json:"amount_cents"` // DED04
	SSN          SSN          `json:"ssn"`          // DED05
	Medical      string       `json:"medical"`      // DED06: Y, N, W
	Name         string       `json:"name"`         // DED07
	FIPS         string       `json:"fips"`         // DED08
	Termination  bool         `json:"termination"`  // DED09 = Y

	Kind       PaymentKind `json:"kind"`
	ReturnCode string      `json:"return_code,omitempty"` // R01…, C01… for returns and NOCs
	Problems   []string    `json:"problems"`
	// Warnings are deviations the ACH parser profile normalised (lower
	// case, padding, a missing terminator); unlike Problems they do not
	// block posting.
	Warnings []string `json:"warnings,omitempty"`
	Raw      string   `json:"raw"`

	// FEIN is the employer the payment is from, when known (CompanyID is
	// usually "1"+FEIN by convention).
	FEIN FEIN `json:"fein,omitempty"`

	// Posting is what reconciliation did with the payment, when it was read
	// with PaymentFilter.WithPosting and has been reconciled; nil otherwise.
	Posting *Posting `json:"posting,omitempty"`
}

// ClaimsOtherAmount reports whether the DED claims an amount other than
// the money credited: such a payment is held, and views show the claim
// beside the credited amount, flagged.
func (p *Payment) ClaimsOtherAmount() bool {
	return p.Kind == KindPayment && p.Amount != p.Credited
}

// PaymentFilter selects payments.
type PaymentFilter struct {
	FileID *int64
	Trace  *TraceNumber // the ACH entry's trace number
	// RemittanceID selects by DED02 as sent (Payment.RemittanceID).
	RemittanceID *RemittanceID
	SSN          *SSN
	FEIN         *FEIN
	Kind         *PaymentKind
	Since, Until Date // by EffectiveDate, inclusive; zero = unbounded
	// OrderRef selects the payments whose posting names the order: posted
	// to it, or held against it.
	OrderRef *int64
	// PostedOn selects the payments reconciled on that night (their
	// posting's RunDate).
	PostedOn *Date
	// IDs selects those payments, when not empty: the report job reads a
	// batch of employers' share of tonight's entries by their IDs.
	IDs []int64
	// WithPosting reads each payment's posting too (Payment.Posting).
	WithPosting bool
	// Brief reads each payment's ID, FileID, Kind and FEIN only, and with
	// WithPosting its posting's Status and RunDate: what the report job
	// needs to pick tonight's entries of each employer before it reads
	// them whole, a batch of employers at a time.
	Brief         bool
	Offset, Limit int
}

// ApplicationChildSupport is DED01 for an employer's income withholding,
// the code nearly every remittance carries.
const ApplicationChildSupport = "CS"

// applications are the DED01 application identifiers of the child support
// convention (X12 element 1511's child support codes, and the two the
// NACHA guidelines added), and what each is. An SDU receives every one of
// them: other states' interstate collections (II, IT, IO …) arrive daily.
// Spec: ded-remittance.md §3.4.
var applications = map[string]string{
	ApplicationChildSupport: "child support income withholding",
	"II":                    "interstate income withholding",
	"IT":                    "interstate state tax offset",
	"IO":                    "interstate, all other",
	"RI":                    "interstate cost-recovery, income withholding",
	"RT":                    "interstate cost-recovery, state tax offset",
	"RO":                    "interstate cost-recovery, all other",
	"IF":                    "interstate FIDM collection",
	"RF":                    "interstate cost-recovery, FIDM",
	"FD":                    "financial institution funds transfer",
	"DP":                    "noncustodial parent or third-party payment",
	"UI":                    "unemployment insurance (X12 6020)",
	"UC":                    "unemployment compensation (NACHA 2017)",
}

// ApplicationLabel says what a DED01 application identifier is, and
// whether it is one of the convention's codes.
func ApplicationLabel(id string) (string, bool) {
	l, ok := applications[id]
	return l, ok
}
