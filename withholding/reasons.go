package withholding

// reason is what a disposition reason code means and what staff should do
// when an employer rejects an IWO with it (eiwo-record-layouts.md §6.1).
type reason struct {
	meaning string
	action  string
}

// reasons is the one table of disposition reason codes. Correct it here if a
// partner uses a code differently.
var reasons = map[string]reason{
	"": {"no reason given",
		"Call the employer to learn why the IWO was rejected, then correct and resend it."},
	"B": {"SSN matches an employee but the name differs",
		"Verify the obligor's name and SSN against the case and the employer's records; send an amended IWO with the corrected identity."},
	"S": {"employee is in a suspense status (on the payroll but not being paid)",
		"Keep the case open and ask the employer when pay resumes; resend the IWO then, and look for other income meanwhile."},
	"W": {"IWO sent under the wrong FEIN for this employee",
		"Update the employer on the order to the corrected FEIN the employer supplied and resend the IWO to that FEIN."},
	"D": {"duplicate IWO",
		"Check whether an IWO for this case is already in place with the employer; close the duplicate document, do not resend."},
	"M": {"the same IWO is already in place from another state",
		"Contact the other state named in the acknowledgment to decide which IWO governs; withdraw ours if theirs stands."},
	"N": {"employee no longer works for the employer",
		"End the order with this employer, record the termination data the employer sent, and run a new-hire/locate search for a new employer."},
	"O": {"other reason",
		"Call the employer to learn the reason, record it on the case, then correct and resend the IWO."},
	"U": {"person not known to / never employed by the employer",
		"Verify the employment source (new-hire report, wage data); end the order with this employer and locate the correct employer."},
	"X": {"employer could not process the record",
		"Check the IWO for data errors (portal error fields, amounts, dates), correct them and resend; call the employer if it repeats."},
	"Z": {"no current IWO in place to terminate",
		"Confirm no withholding is in place with this employer; close the termination IWO and mark the order terminated."},
}

// ReasonText returns the meaning of an e-IWO disposition reason code, e.g.
// "duplicate IWO" for "D". Unknown codes are returned quoted.
func ReasonText(code string) string {
	if r, ok := reasons[code]; ok {
		return r.meaning
	}
	return "unknown reason code " + quote(code)
}

// ReasonAction returns what staff should do about an IWO rejected with
// disposition reason code.
func ReasonAction(code string) string {
	if r, ok := reasons[code]; ok {
		return r.action
	}
	return "Unknown reason code " + quote(code) + ": call the employer to learn the reason, then correct and resend the IWO."
}

func quote(s string) string { return `"` + s + `"` }

// noticeKind is how staff should treat an employer notice of one kind.
type noticeKind struct {
	severity Severity
	what     string
	action   string
}

// noticeKinds are the severity and suggested action for employer-initiated
// notices (EMP acknowledgments), by disposition.
var noticeKinds = map[Disposition]noticeKind{
	DispTerminated: {SeverityHigh, "employment or income ended",
		"Close the IWO with this employer, record the final payment and new employer (if given), and start a locate for new income."},
	DispLumpSum: {SeverityMedium, "a lump sum is coming or was paid",
		"Decide whether to send a lump-sum (LUM) IWO for the amount and date the employer gave, before the payment date."},
	DispSuspended: {SeverityMedium, "employee placed in a suspense status",
		"Expect no payments while the employee is in suspense; ask the employer when pay resumes and look for other income."},
}
