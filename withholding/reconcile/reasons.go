package reconcile

import "github.com/iwoproject/iwo/withholding"

// ReasonText returns the meaning of an e-IWO disposition reason code, e.g.
// "duplicate IWO" for "D". It is withholding.ReasonText, the one table of
// reason codes, kept here for the reports that name codes through this
// package.
func ReasonText(code string) string { return withholding.ReasonText(code) }

// returnAction is the suggested action for ACH return codes (ded-remittance.md
// §8). Codes not listed get the generic action.
var returnActions = map[string]string{
	"R02": "The SDU account the employer paid to is closed: give the employer the current SDU bank details and ask it to resend.",
	"R03": "The employer sent money to an account number that does not exist: give it the SDU's bank details and ask it to resend.",
	"R04": "The employer used an invalid SDU account number: give it the SDU's bank details and ask it to resend.",
	"R17": "The bank rejected a field of the entry: check the entry with the bank and ask the employer to resend.",
	"R23": "The SDU refused this credit: confirm the research that led to the refusal is recorded on the case and tell the employer.",
	"R24": "The bank returned a duplicate entry: confirm the original was posted once; no action if it was.",
}

func returnAction(code string) string {
	if a, ok := returnActions[code]; ok {
		return a
	}
	return "Reverse the posting if it was applied, find out from the bank why the entry " + code + " was returned, and contact the employer."
}

// nocActions are the suggested actions for notifications of change.
var nocActions = map[string]string{
	"C01": "The employer's bank corrected the SDU account number: send the employer the correct account number to update in payroll.",
	"C02": "The employer's bank corrected the SDU routing number: send the employer the correct routing number to update in payroll.",
	"C03": "Routing and account number were both corrected: send the employer the SDU's correct bank details.",
	"C05": "The transaction code (checking/savings) was corrected: tell the employer which account type to use.",
}

func nocAction(code string) string {
	if a, ok := nocActions[code]; ok {
		return a
	}
	return "The bank sent a notification of change " + code + ": check the corrected data and have the employer update its payment setup within 6 banking days."
}
