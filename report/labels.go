package report

import (
	"slices"

	"github.com/iwoproject/iwo/withholding"
)

// exceptionTypes lists every exception type in the order the summary shows
// them; their labels are the domain's (withholding.ExceptionType.Label).
var exceptionTypes = []withholding.ExceptionType{
	withholding.ExUnidentified,
	withholding.ExBadPayment,
	withholding.ExSSNMismatch,
	withholding.ExEmployerMismatch,
	withholding.ExPaymentOnClosed,
	withholding.ExDuplicatePayment,
	withholding.ExShortPayment,
	withholding.ExOverPayment,
	withholding.ExPartialCTX,
	withholding.ExCaseIDCorrected,
	withholding.ExMissingPayment,
	withholding.ExLatePayment,
	withholding.ExTerminationFlag,
	withholding.ExMedicalChange,
	withholding.ExIWORejected,
	withholding.ExIWONoAck,
	withholding.ExPortalError,
	withholding.ExAckUnmatched,
	withholding.ExEmployerNotice,
	withholding.ExReturn,
	withholding.ExNOC,
}

// TypeLabel returns the label reports show for an exception type.
func TypeLabel(t withholding.ExceptionType) string { return t.Label() }

// typeOrder returns the types in summary order, followed by any unknown type
// present in counts (sorted), so nothing counted is left off.
func typeOrder(counts ...map[withholding.ExceptionType]int) []withholding.ExceptionType {
	var out []withholding.ExceptionType
	known := map[withholding.ExceptionType]bool{}
	for _, t := range exceptionTypes {
		out = append(out, t)
		known[t] = true
	}
	var extra []withholding.ExceptionType
	for _, c := range counts {
		for t := range c {
			if !known[t] {
				known[t] = true
				extra = append(extra, t)
			}
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

// employerActions says, in the employer's terms, what to do about each kind
// of exception on its statement. Types absent from the table concern only the
// agency (a caseworker alert, a portal error) and are left off statements.
var employerActions = map[withholding.ExceptionType]string{
	withholding.ExUnidentified:     "We could not match this payment to a case. Send the Remittance ID printed on the IWO in the payment (DED02) and tell us which employee it is for.",
	withholding.ExBadPayment:       "The payment's child support addenda (DED) could not be read. Check your payroll's ACH addenda format and tell us which employee and case the money is for.",
	withholding.ExSSNMismatch:      "The employee SSN sent with the payment does not match our case. Check the employee's SSN in payroll and tell us the correct one.",
	withholding.ExEmployerMismatch: "The payment came from a company other than the one the IWO was sent to. Tell us if the employee's payroll moved to another FEIN.",
	withholding.ExPaymentOnClosed:  "This payment is for an order that is not active with you (ended, rejected or never acknowledged). Check whether you should still be withholding, and send the acknowledgment if one is outstanding.",
	withholding.ExDuplicatePayment: "This payment looks like a second copy of one already received (same case, pay date and amount). Tell us if it was intended; otherwise we will refund or apply it per policy.",
	withholding.ExShortPayment:     "Less than the order requires per pay period was received. Check the amount set up in payroll, or tell us if the withholding limit reduced it.",
	withholding.ExOverPayment:      "More than the order requires per pay period was received. Check the amount set up in payroll.",
	withholding.ExCaseIDCorrected:  "We applied this payment to the right case by the employee's SSN or name, but the case identifier sent (DED02) is not the Remittance ID on the IWO. Please change payroll to send the Remittance ID shown here.",
	withholding.ExPartialCTX:       "Part of this CTX payment could not be applied. Check the remittance details for the cases listed.",
	withholding.ExMissingPayment:   "No payment has arrived for this pay date. Send the withholding, or tell us if the employee was not paid or has left.",
	withholding.ExLatePayment:      "This payment arrived after the remittance deadline. Send payments within the deadline after each pay date.",
	withholding.ExTerminationFlag:  "Your payment said the employee has left. Send the termination notice (EMP acknowledgment) with the last-known address and new employer, if you have not already.",
	withholding.ExIWORejected:      "You rejected this IWO. We are reviewing the reason; no action needed unless we contact you.",
	withholding.ExIWONoAck:         "We have not received your acknowledgment of this IWO. Send the acknowledgment (accept or reject with a reason).",
	withholding.ExEmployerNotice:   "We received your notice and are acting on it. No action needed.",
	withholding.ExReturn:           "Your bank returned this payment. Check the SDU bank details in your payment setup and resend.",
	withholding.ExNOC:              "Your bank reported a change to the SDU bank details. Update your payment setup before the next payment.",
}
