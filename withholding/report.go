package withholding

import (
	"iter"
	"time"
)

// The reports the report job writes (report/ makes them workbooks) are
// described here, in domain types, so that the job and the writer talk
// through them (STYLE.md §1) and the job never knows the spreadsheet
// library.

// OperationsReport is what the nightly operations workbook shows.
// Exceptions, Payments and Documents are sequences so that a state's
// backlog of half a million open exceptions, a night of a million
// payments, or a state's first night of a million IWOs, streams from the
// store straight into the sheet; the other inputs are small enough for
// slices.
type OperationsReport struct {
	// RunDate is the business day reported on (the agency's calendar day).
	RunDate Date
	// Location is the agency's time zone for instants (file and IWO times);
	// nil means UTC.
	Location *time.Location
	// Title heads the summary sheet, e.g. the agency's name.
	Title string

	// Exceptions are the exceptions to list, in the sheet's order: oldest
	// first, the most severe first within a day, then by ID
	// (ExceptionsReport). Only open ones (status open, or no status yet)
	// are shown.
	Exceptions iter.Seq2[*Exception, error]
	// Payments are the entries received in the run (all kinds), each with
	// its posting (PaymentFilter.WithPosting): posted, held and received
	// are what the postings say.
	Payments iter.Seq2[*Payment, error]
	// Documents are the IWOs sent, with their acknowledgment state, newest
	// sent first (the sheet's order; DocumentFilter.NewestFirst).
	Documents iter.Seq2[*Document, error]
	// Files are ledger entries of the files exchanged.
	Files []*File
	// Employers gives names to FEINs.
	Employers []*Employer
	// Previous holds the previous night's totals; nil when there is none.
	Previous *NightTotals

	// TmpDir is where the streaming writer spills large sheets ("" = the
	// system temporary directory).
	TmpDir string
}

// EmployerStatement is one employer's activity for a statement.
type EmployerStatement struct {
	// Agency names the sender, the agency's configured name; Contact is
	// how the employer reaches it, one way a line ("Help line …", a
	// mailing address), each printed on a line of its own.
	Agency, Contact string
	// RunDate is the day the statement is made; From and To bound the
	// period it covers (inclusive).
	RunDate, From, To Date

	Employer *Employer
	// Orders are the employer's orders (any status).
	Orders []*Order
	// Payments are the payments received from the employer in the period,
	// each with its posting (PaymentFilter.WithPosting): a payment counts
	// toward the order its posting names, whatever case ID it carried.
	Payments []*Payment
	// Exceptions are the employer's open exceptions. Those that concern only
	// the agency (caseworker alerts, portal errors) are left off.
	Exceptions []*Exception
}
