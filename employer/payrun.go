package employer

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/iwoproject/iwo/internal/csvtab"
	"github.com/iwoproject/iwo/withholding"
)

// PayLine is one employee's pay in a pay run.
type PayLine struct {
	Line int              `json:"line"` // line in the pay-run file
	FEIN withholding.FEIN `json:"fein,omitempty"`
	SSN  withholding.SSN  `json:"ssn"`
	Last string           `json:"last"`
	// First is the employee's first name.
	First      string                `json:"first"`
	PayDate    withholding.Date      `json:"pay_date"`
	Frequency  withholding.Frequency `json:"frequency"`
	Disposable withholding.Cents     `json:"disposable_cents"`
	// Final marks the employee's last pay: the DED termination indicator.
	Final bool `json:"final"`
	// Medical is the DED medical support indicator: Y when the employee
	// has family health coverage, N when not, W when it was waived.
	Medical string `json:"medical,omitempty"`
	// LumpSum is the disposable part of a lump-sum payment (bonus,
	// commission) made with this pay; LUM orders in effect are withheld
	// from it.
	LumpSum withholding.Cents `json:"lump_sum_cents"`
}

// PayrunColumns are the columns a pay-run file may have, in the order
// WritePayrun writes them.
var PayrunColumns = []string{"fein", "ssn", "last_name", "first_name", "pay_date", "pay_frequency", "disposable_earnings", "final_pay", "medical_coverage", "lump_sum"}

var payrunFormat = format(PayrunColumns, []string{"ssn", "pay_date", "pay_frequency", "disposable_earnings"})

// ReadPayrun reads a pay-run CSV file (name labels errors). Columns: ssn,
// pay_date, pay_frequency and disposable_earnings are required; fein
// (blank: the FEIN of the employee's orders), last_name, first_name,
// final_pay (Y on an employee's last pay), medical_coverage (Y, N or W;
// blank is N), lump_sum (the disposable part of a lump-sum payment made with
// this pay, withheld from for LUM orders). Disposable earnings are the pay after the deductions the law
// requires, as the work state defines them, in dollars and cents. Dates and
// the file's layout are as for ReadRoster. A file with any bad row is
// rejected whole with RowErrors.
func ReadPayrun(r io.Reader, name string) ([]PayLine, error) {
	t := csvtab.New(name, r, payrunFormat)
	var out []PayLine
	for t.Next() {
		p := PayLine{
			Line:       t.Line(),
			FEIN:       t.FEIN("fein", false),
			SSN:        t.SSN("ssn", true),
			Last:       strings.ToUpper(t.Get("last_name")),
			First:      strings.ToUpper(t.Get("first_name")),
			PayDate:    t.Date("pay_date", true),
			Frequency:  t.Frequency("pay_frequency", true),
			Disposable: t.Money("disposable_earnings", true),
			Final:      t.Flag("final_pay"),
			LumpSum:    t.Money("lump_sum", false),
		}
		switch m := strings.ToUpper(t.Get("medical_coverage")); m {
		case "", "N", "Y", "W":
			p.Medical = m
		default:
			t.Failf("medical_coverage", "%q: want Y, N or W", m)
		}
		out = append(out, p)
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func money(c withholding.Cents) string {
	if c == 0 {
		return ""
	}
	return c.String()
}

// WritePayrun writes lines as a pay-run CSV file that ReadPayrun reads back.
func WritePayrun(w io.Writer, lines []PayLine) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(PayrunColumns); err != nil {
		return fmt.Errorf("write pay run: %w", err)
	}
	for _, p := range lines {
		final := ""
		if p.Final {
			final = "Y"
		}
		if err := cw.Write([]string{string(p.FEIN), p.SSN.Digits(), p.Last, p.First, p.PayDate.String(), string(p.Frequency), p.Disposable.String(), final, p.Medical, money(p.LumpSum)}); err != nil {
			return fmt.Errorf("write pay run: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write pay run: %w", err)
	}
	return nil
}
