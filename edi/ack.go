package edi

import (
	"slices"

	"github.com/iwoproject/iwo/withholding"
)

// Ack is one ACK record: an employer's answer to one IWO (A accepted, R
// rejected, with a reason) or an employer-initiated notice (action EMP:
// T termination, L lump sum, S suspension). Chart D-4 as Kansas reads it,
// 38 elements.
type Ack struct {
	Action      withholding.Action `json:"action"`
	CaseID      withholding.CaseID `json:"case_id,omitempty"`
	EmployerEIN withholding.FEIN   `json:"employer_ein"`
	// Employee carries SSN, names and suffix; BirthDate is not in the record.
	Employee   withholding.Person      `json:"employee"`
	TrackingID withholding.TrackingID  `json:"tracking_id,omitempty"`
	OrderID    withholding.OrderID     `json:"order_id,omitempty"`
	Status     withholding.Disposition `json:"status"`
	// Reason is the disposition reason code (spec 6.1); "" when accepted
	// as received.
	Reason string `json:"reason,omitempty"`

	TerminationDate    withholding.Date    `json:"termination_date"`
	LastKnownAddress   withholding.Address `json:"last_known_address"`
	LastKnownPhone     string              `json:"last_known_phone,omitempty"`
	FinalPaymentDate   withholding.Date    `json:"final_payment_date"`
	FinalPayment       withholding.Cents   `json:"final_payment_cents"`
	NewEmployerName    string              `json:"new_employer_name,omitempty"`
	NewEmployerAddress withholding.Address `json:"new_employer_address"`

	LumpSumDate withholding.Date  `json:"lump_sum_date"`
	LumpSum     withholding.Cents `json:"lump_sum_cents"`
	LumpSumType string            `json:"lump_sum_type,omitempty"`

	CorrectedFEIN withholding.FEIN `json:"corrected_fein,omitempty"`
	MultipleState string           `json:"multiple_state,omitempty"`

	// Portal error elements (portal-populated; blank from employers).
	ErrorField1    string `json:"error_field_1,omitempty"`
	ErrorField2    string `json:"error_field_2,omitempty"`
	MultipleErrors string `json:"multiple_errors,omitempty"`
}

// DocumentCode returns "ACK".
func (a *Ack) DocumentCode() string { return "ACK" }

func (a *Ack) visit(v visitor) {
	code := "ACK"
	v.text("Document Code", &code)
	v.text("Document Action Code", (*string)(&a.Action))
	v.text("Case Identifier", (*string)(&a.CaseID))
	v.digits("Employer EIN", (*string)(&a.EmployerEIN))
	v.digits("Employee SSN", (*string)(&a.Employee.SSN))
	v.text("Employee First Name", &a.Employee.First)
	v.text("Employee Middle Name", &a.Employee.Middle)
	v.text("Employee Last Name", &a.Employee.Last)
	v.text("Employee Suffix", &a.Employee.Suffix)
	v.text("Document Tracking Identifier", (*string)(&a.TrackingID))
	v.text("Order Identifier", (*string)(&a.OrderID))
	v.text("Disposition Status Code", (*string)(&a.Status))
	v.text("Disposition Reason Code", &a.Reason)
	v.date("Termination Date", &a.TerminationDate)
	visitAddress(v, lastKnownAddress, &a.LastKnownAddress)
	v.digits("Employee Last-known Phone", &a.LastKnownPhone)
	v.date("Final Payment Date", &a.FinalPaymentDate)
	v.amount("Final Payment Amount", &a.FinalPayment)
	v.text("New Employer Name", &a.NewEmployerName)
	visitAddress(v, newEmployerAddress, &a.NewEmployerAddress)
	v.date("Lump Sum Payment Date", &a.LumpSumDate)
	v.amount("Lump Sum Payment Amount", &a.LumpSum)
	v.text("Lump Sum Type", &a.LumpSumType)
	v.digits("Corrected FEIN", (*string)(&a.CorrectedFEIN))
	v.text("Multiple IWO State Code", &a.MultipleState)
	v.text("First Error Field Name", &a.ErrorField1)
	v.text("Second Error Field Name", &a.ErrorField2)
	v.text("Multiple Error Indicator", &a.MultipleErrors)
}

// AllowedReasons is spec table 6.1: the reason codes allowed with each
// disposition when answering an IWO ("" = accepted as received). Z is
// further limited to TRM (see ReasonAllowed). This is the one table to
// correct.
var AllowedReasons = map[withholding.Disposition][]string{
	withholding.DispAccepted: {"", "B", "S", "W"},
	withholding.DispRejected: {"B", "S", "W", "D", "M", "N", "O", "U", "X", "Z"},
}

// ReasonAllowed reports whether reason may accompany status on an ACK
// answering an IWO with the given action (spec 6.1; Z only on TRM). EMP
// notices carry no reason.
func ReasonAllowed(action withholding.Action, status withholding.Disposition, reason string) bool {
	if action == withholding.ActionEmployer {
		return reason == ""
	}
	if reason == "Z" && action != withholding.ActionTerminate {
		return false
	}
	return slices.Contains(AllowedReasons[status], reason)
}

// rules are spec §8.4 edits 4–6 and the EMP data requirements.
func (a *Ack) rules(k Kind, l *Layout, bad *badSet) []problem {
	var ps []problem
	ok := func(name string) bool { return !bad.has(l.Index(name)) }
	if !ok("Document Action Code") || !ok("Disposition Status Code") {
		return nil
	}
	const status, reason = "Disposition Status Code", "Disposition Reason Code"
	if a.Action == withholding.ActionEmployer {
		switch a.Status {
		case withholding.DispTerminated:
			if a.TerminationDate.IsZero() && ok("Termination Date") {
				ps = append(ps, ruleProblem("Termination Date", "EMP termination notice needs the termination date"))
			}
		case withholding.DispLumpSum:
			if a.LumpSum == 0 && ok("Lump Sum Payment Amount") {
				ps = append(ps, ruleProblem("Lump Sum Payment Amount", "EMP lump-sum notice needs the amount"))
			}
		case withholding.DispSuspended:
		default:
			ps = append(ps, ruleProblem(status, "%q: EMP notices need T, L or S", a.Status))
		}
		if a.Reason != "" && ok(reason) {
			ps = append(ps, ruleProblem(reason, "%q: EMP notices carry no reason", a.Reason))
		}
		if a.Employee.SSN == "" && ok("Employee SSN") {
			ps = append(ps, ruleProblem("Employee SSN", "EMP notices need the employee's SSN"))
		}
	} else {
		if a.Status != withholding.DispAccepted && a.Status != withholding.DispRejected {
			ps = append(ps, ruleProblem(status, "%q: an answer to %s must be A or R", a.Status, a.Action))
		} else if ok(reason) && !ReasonAllowed(a.Action, a.Status, a.Reason) {
			switch {
			case a.Reason == "":
				ps = append(ps, ruleProblem(reason, "a rejection needs a reason"))
			case a.Reason == "Z":
				ps = append(ps, ruleProblem(reason, "Z is allowed only on TRM, not %s", a.Action))
			default:
				ps = append(ps, ruleProblem(reason, "%q is not allowed with disposition %s", a.Reason, a.Status))
			}
		}
		if a.TrackingID == "" && ok("Document Tracking Identifier") {
			ps = append(ps, ruleProblem("Document Tracking Identifier", "required on an answer to an IWO"))
		}
		if a.CaseID == "" && ok("Case Identifier") {
			ps = append(ps, ruleProblem("Case Identifier", "required on an answer to an IWO"))
		}
	}
	if a.Reason == "W" && a.CorrectedFEIN == "" && ok("Corrected FEIN") {
		ps = append(ps, ruleProblem("Corrected FEIN", "required with reason W"))
	}
	if a.Reason == "M" && a.MultipleState == "" && ok("Multiple IWO State Code") {
		ps = append(ps, ruleProblem("Multiple IWO State Code", "required with reason M"))
	}
	return ps
}

// AckFrom returns the ACK record for a domain acknowledgment. The domain
// value carries only the new employer's name, so the last-known and new
// employer addresses are blank.
func AckFrom(k withholding.Acknowledgment) *Ack {
	return &Ack{
		Action:      k.Action,
		CaseID:      k.CaseID,
		EmployerEIN: k.FEIN,
		Employee: withholding.Person{
			Last: k.Employee.Last, First: k.Employee.First, Middle: k.Employee.Middle,
			Suffix: k.Employee.Suffix, SSN: k.SSN,
		},
		TrackingID:       k.TrackingID,
		OrderID:          k.OrderID,
		Status:           k.Status,
		Reason:           k.Reason,
		TerminationDate:  k.TerminationDate,
		FinalPaymentDate: k.FinalPaymentDate,
		FinalPayment:     k.FinalPaymentCents,
		NewEmployerName:  k.NewEmployer,
		LumpSumDate:      k.LumpSumDate,
		LumpSum:          k.LumpSumCents,
		LumpSumType:      k.LumpSumType,
		CorrectedFEIN:    k.CorrectedFEIN,
		MultipleState:    k.MultipleState,
	}
}

// Acknowledgment returns the domain value of the record. ID, FileID and
// Line are the caller's (Reader.Line gives the line). ErrorFields joins the
// portal's error element names with "; ".
func (a *Ack) Acknowledgment() withholding.Acknowledgment {
	k := withholding.Acknowledgment{
		Action:            a.Action,
		TrackingID:        a.TrackingID,
		CaseID:            a.CaseID,
		OrderID:           a.OrderID,
		FEIN:              a.EmployerEIN,
		SSN:               a.Employee.SSN,
		Employee:          a.Employee,
		Status:            a.Status,
		Reason:            a.Reason,
		TerminationDate:   a.TerminationDate,
		FinalPaymentDate:  a.FinalPaymentDate,
		FinalPaymentCents: a.FinalPayment,
		NewEmployer:       a.NewEmployerName,
		LumpSumDate:       a.LumpSumDate,
		LumpSumCents:      a.LumpSum,
		LumpSumType:       a.LumpSumType,
		CorrectedFEIN:     a.CorrectedFEIN,
		MultipleState:     a.MultipleState,
	}
	var errs []string
	for _, s := range []string{a.ErrorField1, a.ErrorField2} {
		if s != "" {
			errs = append(errs, s)
		}
	}
	if len(errs) > 0 {
		k.ErrorFields = errs[0]
		if len(errs) > 1 {
			k.ErrorFields += "; " + errs[1]
		}
	}
	return k
}

// AckOf returns the ACK answering d before its disposition is set: it
// echoes d's action, tracking identifier and identifying elements.
func AckOf(d *IWO) *Ack {
	a := echo(d, d.Action)
	a.TrackingID = d.TrackingID
	return a
}

// echo returns an ACK that echoes d's identifying elements.
func echo(d *IWO, action withholding.Action) *Ack {
	return &Ack{
		Action:      action,
		CaseID:      d.CaseID,
		EmployerEIN: d.EmployerEIN,
		Employee: withholding.Person{
			Last: d.Employee.Last, First: d.Employee.First, Middle: d.Employee.Middle,
			Suffix: d.Employee.Suffix, SSN: d.Employee.SSN,
		},
		OrderID: d.OrderID,
	}
}
