// Package reconcile matches a night's payments to orders and turns everything
// that does not add up into exceptions for staff: unidentified and
// unparseable payments, SSN and employer mismatches, short, over, late,
// missing and duplicate payments, payments on inactive orders, partial CTX
// entries, DED termination and medical indicators, rejected, flagged and
// unacknowledged IWOs, ACH returns and notifications of change.
//
// Acknowledgments are not its business: the pull-acks job applies the
// domain's acknowledgment rules (withholding.AckFindings: rejections,
// portal errors, employer notices) as it records each file. The run only
// reads the IWO documents, and a rejected or flagged document gets the
// key pull-acks gave its answer (withholding.DocumentFinding), so the
// store never holds a second copy.
//
// It is domain logic: it imports only the standard library and withholding,
// does no I/O, and reads the clock from nowhere (the run date is an input).
// The nightly job feeds it from the store and hands its Result to the store
// (withholding.ExceptionService.UpsertExceptions) and to the report package.
//
// Every exception carries a Key built from what it is about (a payment's
// store ID, an IWO's tracking ID, a case and pay date), never from the run,
// so reconciling the same day twice yields the same keys and the store keeps
// one copy.
//
// Payments stream through Run once; memory grows with the number of orders
// and of payments matched to them (a few dozen bytes each), not with the
// payment records themselves. docs/reports.md explains the rules and the
// choices made where the specifications are silent.
package reconcile
