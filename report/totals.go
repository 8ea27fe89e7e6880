package report

import (
	"strings"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// Tally is a count and an amount.
type Tally struct {
	Count  int               `json:"count"`
	Amount withholding.Cents `json:"amount_cents"`
}

// Totals are one night's figures. WriteOperations returns tonight's; the
// nightly job keeps them (e.g. in JobRun.Counts through Counts) and passes
// them back as the previous night's next time.
type Totals struct {
	Date       withholding.Date                  `json:"date"`
	Received   Tally                             `json:"received"` // child support payments received
	Posted     Tally                             `json:"posted"`   // of which matched to an order
	Returns    Tally                             `json:"returns"`  // ACH returns
	Exceptions int                               `json:"exceptions"`
	ByEmployer map[withholding.FEIN]Tally        `json:"by_employer"`
	ByType     map[withholding.ExceptionType]int `json:"by_type"` // open exceptions

	// PostedWithWarnings counts the posted payments that carry warnings: the
	// money went through, but the employer's file deviated from the DED
	// convention and the lenient parser normalised it, which is worth a call
	// before a stricter partner or a worse slip holds a payment.
	PostedWithWarnings int `json:"posted_with_warnings"`
	// WarningsByEmployer is PostedWithWarnings per paying employer.
	WarningsByEmployer map[withholding.FEIN]int `json:"warnings_by_employer"`
}

// Counts flattens t into the string→number map of withholding.JobRun.Counts.
func (t Totals) Counts() map[string]int64 {
	m := map[string]int64{
		"received":             int64(t.Received.Count),
		"received_cents":       int64(t.Received.Amount),
		"posted":               int64(t.Posted.Count),
		"posted_cents":         int64(t.Posted.Amount),
		"returns":              int64(t.Returns.Count),
		"returns_cents":        int64(t.Returns.Amount),
		"exceptions":           int64(t.Exceptions),
		"date":                 int64(t.Date.Year*10000 + int(t.Date.Month)*100 + t.Date.Day),
		"employers_count":      int64(len(t.ByEmployer)),
		"posted_with_warnings": int64(t.PostedWithWarnings),
	}
	for f, v := range t.ByEmployer {
		m["employer:"+string(f)] = int64(v.Count)
		m["employer_cents:"+string(f)] = int64(v.Amount)
	}
	for ty, n := range t.ByType {
		m["type:"+string(ty)] = int64(n)
	}
	for f, n := range t.WarningsByEmployer {
		m["employer_warnings:"+string(f)] = int64(n)
	}
	return m
}

// TotalsFromCounts is the inverse of Totals.Counts. Unknown keys are ignored.
func TotalsFromCounts(m map[string]int64) Totals {
	t := Totals{ByEmployer: map[withholding.FEIN]Tally{}, ByType: map[withholding.ExceptionType]int{},
		WarningsByEmployer: map[withholding.FEIN]int{}}
	for k, v := range m {
		switch {
		case k == "received":
			t.Received.Count = int(v)
		case k == "received_cents":
			t.Received.Amount = withholding.Cents(v)
		case k == "posted":
			t.Posted.Count = int(v)
		case k == "posted_cents":
			t.Posted.Amount = withholding.Cents(v)
		case k == "returns":
			t.Returns.Count = int(v)
		case k == "returns_cents":
			t.Returns.Amount = withholding.Cents(v)
		case k == "exceptions":
			t.Exceptions = int(v)
		case k == "posted_with_warnings":
			t.PostedWithWarnings = int(v)
		case k == "date":
			if v > 0 {
				t.Date = withholding.NewDate(int(v/10000), time.Month(v/100%100), int(v%100))
			}
		case strings.HasPrefix(k, "employer:"):
			f := withholding.FEIN(strings.TrimPrefix(k, "employer:"))
			e := t.ByEmployer[f]
			e.Count = int(v)
			t.ByEmployer[f] = e
		case strings.HasPrefix(k, "employer_cents:"):
			f := withholding.FEIN(strings.TrimPrefix(k, "employer_cents:"))
			e := t.ByEmployer[f]
			e.Amount = withholding.Cents(v)
			t.ByEmployer[f] = e
		case strings.HasPrefix(k, "employer_warnings:"):
			t.WarningsByEmployer[withholding.FEIN(strings.TrimPrefix(k, "employer_warnings:"))] = int(v)
		case strings.HasPrefix(k, "type:"):
			t.ByType[withholding.ExceptionType(strings.TrimPrefix(k, "type:"))] = int(v)
		}
	}
	return t
}

// receivedAmount is the money a payment brought: its DED amount, or for a
// CCD+ entry whose DED could not be read, the entry amount. (A CTX entry's
// amount covers all its DEDs, so it is not used per DED.)
func receivedAmount(p *withholding.Payment) withholding.Cents {
	if p.Amount != 0 || p.SEC == "CTX" {
		return p.Amount
	}
	return p.EntryAmount
}
