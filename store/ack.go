package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

var ackCols = []string{
	"file_id", "line", "action", "tracking_id", "case_id", "order_id", "fein", "ssn",
	"employee_last", "employee_first", "employee_middle", "employee_suffix", "employee_ssn", "employee_birth_date",
	"status", "reason", "termination_date", "final_payment_date", "final_payment_cents", "new_employer",
	"lump_sum_date", "lump_sum_cents", "lump_sum_type", "corrected_fein", "multiple_state", "error_fields", "refused",
}

var ackSelect = "SELECT id, " + strings.Join(ackCols, ", ") + " FROM acknowledgments"

func (d *DB) insertAck(ctx context.Context, q queryer, a *withholding.Acknowledgment) error {
	err := d.queryRow(ctx, q, "INSERT INTO acknowledgments ("+strings.Join(ackCols, ", ")+") VALUES ("+
		placeholders(len(ackCols))+") RETURNING id",
		a.FileID, int64(a.Line), string(a.Action), string(a.TrackingID), string(a.CaseID), string(a.OrderID),
		string(a.FEIN), a.SSN.Digits(),
		a.Employee.Last, a.Employee.First, a.Employee.Middle, a.Employee.Suffix, a.Employee.SSN.Digits(), d.dateArg(a.Employee.BirthDate),
		string(a.Status), a.Reason, d.dateArg(a.TerminationDate), d.dateArg(a.FinalPaymentDate), int64(a.FinalPaymentCents), a.NewEmployer,
		d.dateArg(a.LumpSumDate), int64(a.LumpSumCents), a.LumpSumType, string(a.CorrectedFEIN), a.MultipleState, a.ErrorFields, a.Refused,
	).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("store acknowledgment (line %d): %w", a.Line, err)
	}
	return nil
}

func scanAck(s interface{ Scan(...any) error }) (*withholding.Acknowledgment, error) {
	var a withholding.Acknowledgment
	err := s.Scan(&a.ID,
		&a.FileID, &a.Line, &a.Action, &a.TrackingID, &a.CaseID, &a.OrderID, &a.FEIN, &a.SSN,
		&a.Employee.Last, &a.Employee.First, &a.Employee.Middle, &a.Employee.Suffix, &a.Employee.SSN, dateDest{&a.Employee.BirthDate},
		&a.Status, &a.Reason, dateDest{&a.TerminationDate}, dateDest{&a.FinalPaymentDate}, &a.FinalPaymentCents, &a.NewEmployer,
		dateDest{&a.LumpSumDate}, &a.LumpSumCents, &a.LumpSumType, &a.CorrectedFEIN, &a.MultipleState, &a.ErrorFields, &a.Refused,
	)
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// FindAcknowledgments lists the acknowledgments of file fileID (all files
// when 0), optionally only those for one tracking ID, in the order they were
// stored, and the total number of matches.
func (d *DB) FindAcknowledgments(ctx context.Context, fileID int64, tracking *withholding.TrackingID, offset, limit int) ([]*withholding.Acknowledgment, int, error) {
	var w where
	if fileID > 0 {
		w.add("file_id = ?", fileID)
	}
	if tracking != nil {
		w.add("tracking_id = ?", string(*tracking))
	}
	n, err := d.count(ctx, "acknowledgments", &w)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d, "find acknowledgments", scanAck, ackSelect+w.String()+" ORDER BY id"+d.page(offset, limit), w.args...)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}
