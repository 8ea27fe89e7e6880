package report

import (
	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/withholding"
)

// Tally is a count and an amount.
type Tally = withholding.Tally

// Totals are one night's figures: the books as the store adds them up
// (withholding.NightTotals). WriteOperations returns the figures of the
// payments and exceptions it was given, which equal the store's when it was
// given the night's; the previous night's come from the store.
type Totals = withholding.NightTotals

// openCount is the number of open exceptions in t.
func openCount(t *Totals) int {
	n := 0
	for _, c := range t.OpenExceptions {
		n += c
	}
	return n
}

// received is the money a payment brought: what the bank credited for it
// (Payment.Credited), never what its DED claims. Returns show their entry
// amount.
func received(p *withholding.Payment) withholding.Cents {
	if p.Kind == withholding.KindReturn {
		return p.EntryAmount
	}
	return p.Credited
}

// newTotals returns empty totals for date.
func newTotals(date withholding.Date) Totals { return *withholding.NewNightTotals(date) }

// postingText is how a payment's posting reads in a Status cell.
func postingText(p *withholding.Payment) string {
	if p.Kind != withholding.KindPayment {
		return ""
	}
	if p.Posting == nil {
		return "Received, not yet reconciled"
	}
	switch p.Posting.Status {
	case withholding.PostingPosted:
		return "Posted to " + string(p.Posting.CaseID)
	case withholding.PostingHeld:
		return "Held (" + TypeLabel(p.Posting.Reason) + ")"
	case withholding.PostingZero:
		return "Zero-dollar remittance: nothing to post"
	}
	return string(p.Posting.Status)
}

// claimNote says, for a payment whose DED claims an amount other than the
// money credited, what it claimed, in a flagged cell; "" when they agree.
func claimNote(st styles, p *withholding.Payment) any {
	if !p.ClaimsOtherAmount() {
		return ""
	}
	return excelize.Cell{StyleID: st.flag, Value: "DED claims " + p.Amount.Dollars() + "; the bank credited " + p.Credited.Dollars()}
}
