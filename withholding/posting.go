package withholding

import "time"

// PostingStatus says what reconciliation did with a payment.
type PostingStatus string

// Posting statuses.
const (
	PostingPosted PostingStatus = "posted" // applied to an order
	PostingHeld   PostingStatus = "held"   // not applied: an exception holds it
	// PostingZero is a zero-dollar remittance without the termination
	// indicator: it carries no money, so there is nothing to post or hold
	// (ded-remittance.md §9 #15), but it is accounted for like any other.
	PostingZero PostingStatus = "zero"
)

// Valid reports whether s is a known status.
func (s PostingStatus) Valid() bool {
	return s == PostingPosted || s == PostingHeld || s == PostingZero
}

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
	// MatchedBy is the rule that found a posted payment's order ("case",
	// "ssn", "name_fips"); empty for other postings.
	MatchedBy string `json:"matched_by,omitempty"`
}

// The rules by which a posted payment found its order (Posting.MatchedBy):
// reconcile's match rules (reconcile.MatchRule) are these.
const (
	MatchedByCase     = "case"      // DED02, the case identifier
	MatchedBySSN      = "ssn"       // DED05
	MatchedByNameFIPS = "name_fips" // DED07 and DED08
)

// MatchedByText says, for people, how a posted payment found its order;
// "" for a match by the case identifier, the rule the employer is meant
// to follow.
func (p *Posting) MatchedByText() string {
	switch p.MatchedBy {
	case MatchedBySSN:
		return "matched by SSN"
	case MatchedByNameFIPS:
		return "matched by name and FIPS"
	}
	return ""
}

// Night is one night's reconciliation as the reconcile job recorded it: the
// window of applied files it took in. The next night's window starts where
// this one ended; the report job reports on exactly this window.
type Night struct {
	Date Date `json:"date"`
	// WindowStart and WindowEnd bound the inbound files reconciled: those
	// whose ledger entry changed after WindowStart, up to WindowEnd (the
	// reconcile run's clock). A re-run of the same day keeps the start and
	// moves the end.
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
}

// Tally is a count and an amount.
type Tally struct {
	Count  int   `json:"count"`
	Amount Cents `json:"amount_cents"`
}

// Add counts one more item of amount a.
func (t *Tally) Add(a Cents) {
	t.Count++
	t.Amount += a
}

// NightTotals are one night's books as the store holds them: the payments
// the reconcile job posted, held or found to carry no money that night (by
// their postings), the returns in the night's files, and the exceptions
// that were open when the night's report was made. Received is what the bank credited
// (Payment.Credited); Posted, Held and Zero add up to it.
type NightTotals struct {
	Date     Date  `json:"date"`
	Received Tally `json:"received"`
	Posted   Tally `json:"posted"`
	Held     Tally `json:"held"`
	Zero     Tally `json:"zero"`
	// PostedWithWarnings counts the posted payments that carry warnings.
	PostedWithWarnings int   `json:"posted_with_warnings"`
	Returns            Tally `json:"returns"`
	// ByEmployer is Received per paying employer (Payment.FEIN; "" when
	// the company ID names none).
	ByEmployer map[FEIN]Tally `json:"by_employer"`
	// WarningsByEmployer is PostedWithWarnings per paying employer.
	WarningsByEmployer map[FEIN]int `json:"warnings_by_employer"`
	// OpenExceptions counts, by type, the exceptions opened by the night's
	// date and not resolved or dismissed when its report was made.
	OpenExceptions map[ExceptionType]int `json:"open_exceptions"`
}

// NewNightTotals returns empty totals for date, their maps made.
func NewNightTotals(date Date) *NightTotals {
	return &NightTotals{Date: date, ByEmployer: map[FEIN]Tally{}, WarningsByEmployer: map[FEIN]int{},
		OpenExceptions: map[ExceptionType]int{}}
}

// AddPayment counts p into the totals by its posting (read with
// PaymentFilter.WithPosting): a support payment's credited amount into
// Received and by employer, and into Posted, Held or Zero as its posting
// says (neither while it has none); a return's entry amount into Returns.
// Other kinds count nowhere. It is the one rule for which total a payment
// counts in, beside the SQL of NightTotals in the store.
func (t *NightTotals) AddPayment(p *Payment) {
	switch p.Kind {
	case KindPayment:
	case KindReturn:
		t.Returns.Add(p.EntryAmount)
		return
	default:
		return
	}
	t.Received.Add(p.Credited)
	e := t.ByEmployer[p.FEIN]
	e.Add(p.Credited)
	t.ByEmployer[p.FEIN] = e
	if p.Posting == nil {
		return
	}
	switch p.Posting.Status {
	case PostingPosted:
		t.Posted.Add(p.Credited)
		if len(p.Warnings) > 0 {
			t.PostedWithWarnings++
			t.WarningsByEmployer[p.FEIN]++
		}
	case PostingHeld:
		t.Held.Add(p.Credited)
	case PostingZero:
		t.Zero.Add(p.Credited)
	}
}
