package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"

	"github.com/iwoproject/iwo/withholding"
)

// CSVColumns are the header of the exceptions CSV.
var CSVColumns = []string{
	"id", "opened_on", "status", "severity", "type", "case_id", "order_ref", "fein", "ssn_last4",
	"amount", "expected", "due_date", "payment_ids", "file_id", "message", "suggested_action", "key",
}

// WriteExceptionsCSV writes one row per exception, in the given order, for
// people who load the findings into other tools. Money is in dollars with two
// decimals, dates are YYYY-MM-DD, and the SSN is reduced to its last four
// digits. A text cell that a spreadsheet would run as a formula (it starts
// with =, +, -, @, tab or carriage return) is prefixed with a quote.
//
// Payment warnings are not in the CSV: its rows are exceptions, and a
// warning is not one (it does not hold a payment, and an exception may
// name several payments). They are in the operations workbook's Payments
// sheet and on the employer's statement.
func WriteExceptionsCSV(w io.Writer, exs []*withholding.Exception) error {
	return StreamExceptionsCSV(w, values(exs))
}

// StreamExceptionsCSV is WriteExceptionsCSV over a sequence, which it
// reads once and holds one exception of at a time: the report job streams
// a state's open exceptions from the store.
func StreamExceptionsCSV(w io.Writer, exs iter.Seq2[*withholding.Exception, error]) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	rec := make([]string, len(CSVColumns))
	for e, err := range exs {
		if err != nil {
			return fmt.Errorf("write exceptions csv: %w", err)
		}
		rec = rec[:0]
		rec = append(rec,
			idString(e.ID),
			e.OpenedOn.String(),
			string(e.Status),
			string(e.Severity),
			string(e.Type),
			safe(string(e.CaseID)),
			idString(e.OrderRef),
			string(e.FEIN),
			e.SSN.Last4(),
			e.Amount.String(),
			e.Expected.String(),
			e.DueDate.String(),
			ids(e.PaymentIDs),
			idString(e.FileID),
			safe(e.Message),
			safe(e.SuggestedAction),
			safe(e.Key),
		)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write exceptions csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write exceptions csv: %w", err)
	}
	return nil
}

func idString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// safe defuses spreadsheet formula injection: data that came from a partner
// file (a name, a case number) must not run as a formula when the CSV is
// opened in a spreadsheet.
func safe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
