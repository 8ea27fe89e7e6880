package employer

import (
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/iwoproject/iwo/internal/csvtab"
	"github.com/iwoproject/iwo/withholding"
)

// EmployeeStatus is where an employee stands on the payroll.
type EmployeeStatus string

// Employee statuses, as the roster's status column spells them.
const (
	Active     EmployeeStatus = "active"
	Suspended  EmployeeStatus = "suspended"  // on the payroll but not paid now (leave, between assignments)
	Terminated EmployeeStatus = "terminated" // employment or income ended
)

// Employee is one roster row: a person paid under one FEIN.
type Employee struct {
	FEIN   withholding.FEIN   `json:"fein"`
	Person withholding.Person `json:"person"` // names and SSN
	Status EmployeeStatus     `json:"status"`
	// PayFrequency is how often the employee is paid, when the roster says.
	PayFrequency withholding.Frequency `json:"pay_frequency,omitempty"`

	// For terminated employees: what an EMP T notice and an N rejection
	// carry.
	TerminationDate  withholding.Date    `json:"termination_date"`
	FinalPayDate     withholding.Date    `json:"final_pay_date"`
	FinalPay         withholding.Cents   `json:"final_pay_cents"`
	LastKnownAddress withholding.Address `json:"last_known_address"`
	LastKnownPhone   string              `json:"last_known_phone,omitempty"`
	NewEmployer      string              `json:"new_employer,omitempty"`

	// An announced lump sum (bonus, commission, severance): what an EMP L
	// notice carries, so the state can send a LUM IWO.
	LumpSumDate withholding.Date  `json:"lump_sum_date"`
	LumpSum     withholding.Cents `json:"lump_sum_cents"`
	LumpSumType string            `json:"lump_sum_type,omitempty"`
}

// Roster is the employees of one employer or payroll provider, by SSN.
type Roster struct {
	Employees []*Employee
	bySSN     map[withholding.SSN][]*Employee
}

// RosterColumns are the columns a roster file may have, in the order
// WriteRoster writes them. fein, ssn, last_name and first_name are
// required.
var RosterColumns = []string{
	"fein", "ssn", "last_name", "first_name", "middle_name", "suffix", "status", "pay_frequency",
	"termination_date", "final_pay_date", "final_pay_amount",
	"last_address_line1", "last_address_city", "last_address_state", "last_address_zip", "last_phone", "new_employer",
	"lump_sum_date", "lump_sum_amount", "lump_sum_type",
}

var rosterFormat = format(RosterColumns, []string{"fein", "ssn", "last_name", "first_name"})

// NewRoster indexes employees. Two rows with the same SSN and FEIN are an
// EINVALID error: the roster must say who the one employee is.
func NewRoster(emps []*Employee) (*Roster, error) {
	r := &Roster{Employees: emps, bySSN: map[withholding.SSN][]*Employee{}}
	for _, e := range emps {
		for _, o := range r.bySSN[e.Person.SSN] {
			if o.FEIN == e.FEIN {
				return nil, withholding.Errorf(withholding.EINVALID, "employee %s is on the roster twice under FEIN %s", e.Person.SSN, e.FEIN)
			}
		}
		r.bySSN[e.Person.SSN] = append(r.bySSN[e.Person.SSN], e)
	}
	return r, nil
}

// Find returns the employee with ssn under fein, or nil; and every
// employee row with that SSN under any FEIN.
func (r *Roster) Find(ssn withholding.SSN, fein withholding.FEIN) (*Employee, []*Employee) {
	all := r.bySSN[ssn]
	for _, e := range all {
		if e.FEIN == fein {
			return e, all
		}
	}
	return nil, all
}

// ReadRoster reads a roster CSV file (name labels errors). A file with
// any bad row is rejected whole with RowErrors naming every problem.
//
// Columns (header row, any order, names case-insensitive): fein, ssn,
// last_name, first_name are required; middle_name, suffix; status (active,
// suspended or terminated; blank is active); pay_frequency;
// termination_date, final_pay_date, final_pay_amount, last_address_line1,
// last_address_city, last_address_state, last_address_zip, last_phone,
// new_employer for terminated employees; lump_sum_date, lump_sum_amount,
// lump_sum_type for an announced lump sum. Dates are YYYY-MM-DD (also
// M/D/YYYY or CCYYMMDD), amounts dollars and cents. Every row has as many
// fields as the header; rows of empty cells and lines beginning with # are
// skipped.
func ReadRoster(r io.Reader, name string) (*Roster, error) {
	t := csvtab.New(name, r, rosterFormat)
	var emps []*Employee
	seen := map[string]int{}
	for t.Next() {
		e := &Employee{
			FEIN: t.FEIN("fein", true),
			Person: withholding.Person{
				SSN:    t.SSN("ssn", true),
				Last:   strings.ToUpper(t.Required("last_name")),
				First:  strings.ToUpper(t.Required("first_name")),
				Middle: strings.ToUpper(t.Get("middle_name")),
				Suffix: strings.ToUpper(t.Get("suffix")),
			},
			PayFrequency:    t.Frequency("pay_frequency", false),
			TerminationDate: t.Date("termination_date", false),
			FinalPayDate:    t.Date("final_pay_date", false),
			FinalPay:        t.Money("final_pay_amount", false),
			LastKnownAddress: withholding.Address{
				Line1: strings.ToUpper(t.Get("last_address_line1")),
				City:  strings.ToUpper(t.Get("last_address_city")),
				State: strings.ToUpper(t.Get("last_address_state")),
				ZIP:   t.Get("last_address_zip"),
			},
			LastKnownPhone: t.Get("last_phone"),
			NewEmployer:    strings.ToUpper(t.Get("new_employer")),
			LumpSumDate:    t.Date("lump_sum_date", false),
			LumpSum:        t.Money("lump_sum_amount", false),
			LumpSumType:    strings.ToUpper(t.Get("lump_sum_type")),
		}
		switch s := EmployeeStatus(strings.ToLower(t.Get("status"))); s {
		case "":
			e.Status = Active
		case Active, Suspended, Terminated:
			e.Status = s
		default:
			t.Failf("status", "%q: want active, suspended or terminated", s)
		}
		if e.Status == Terminated && e.TerminationDate.IsZero() {
			t.Failf("termination_date", "required for a terminated employee")
		}
		if e.LumpSum > 0 && e.LumpSumDate.IsZero() {
			t.Failf("lump_sum_date", "required with lump_sum_amount")
		}
		key := string(e.FEIN) + "|" + e.Person.SSN.Digits()
		if first, dup := seen[key]; dup && e.Person.SSN != "" {
			t.Failf("ssn", "employee %s is already on line %d under FEIN %s", e.Person.SSN, first, e.FEIN)
		}
		seen[key] = t.Line()
		emps = append(emps, e)
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	return NewRoster(emps)
}

// WriteRoster writes employees as a roster CSV file that ReadRoster reads
// back.
func WriteRoster(w io.Writer, emps []*Employee) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(RosterColumns); err != nil {
		return fmt.Errorf("write roster: %w", err)
	}
	money := func(c withholding.Cents) string {
		if c == 0 {
			return ""
		}
		return c.String()
	}
	for _, e := range emps {
		p := e.Person
		row := []string{
			string(e.FEIN), p.SSN.Digits(), p.Last, p.First, p.Middle, p.Suffix, string(e.Status), string(e.PayFrequency),
			e.TerminationDate.String(), e.FinalPayDate.String(), money(e.FinalPay),
			e.LastKnownAddress.Line1, e.LastKnownAddress.City, e.LastKnownAddress.State, e.LastKnownAddress.ZIP, e.LastKnownPhone, e.NewEmployer,
			e.LumpSumDate.String(), money(e.LumpSum), e.LumpSumType,
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write roster: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write roster: %w", err)
	}
	return nil
}
