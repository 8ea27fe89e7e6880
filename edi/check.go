package edi

// alnumStart lists the DTL elements whose value must start with a letter
// or digit (spec §8.3); the Reader, the Writer and CheckText share it.
var alnumStart = [...]string{"Employer Name", "Employer Address Line 1"}

// CheckText returns why the Writer would refuse v as the value of the DTL
// text element named element, or "" when it would write it. An element
// the DTL does not have gets the character-set check only.
//
// Free text longer than its element is cut (see NewIWO), not refused, so
// only what no cutting mends is checked: printable ASCII and, for
// Employer Name and Employer Address Line 1, a first letter or digit.
// Front ends (the CSV import) call it so that what the e-IWO cannot carry
// is refused when it is entered, not at every send.
func CheckText(element, v string) string {
	for i := 0; i < len(v); i++ {
		if !isPrintable(v[i]) {
			return "an e-IWO carries only printable ASCII (letters, digits, punctuation, space)"
		}
	}
	if v != "" && !startsAlnum(v) {
		for _, name := range alnumStart {
			if name == element {
				return "must start with a letter or digit (e-IWO " + element + ")"
			}
		}
	}
	return ""
}
