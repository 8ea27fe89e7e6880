package edi

import (
	"fmt"
	"slices"

	"github.com/iwoproject/iwo/withholding"
)

// Record lengths. Appendix D's official lengths could not be read (spec
// §2.2, open question 1). iwo pads every record of a file, headers and
// trailers included, to the length of that family's detail record, as the
// superseded 2011 acknowledgment chart did with its 485-byte header.
//
//   - IWO family (I, S): the 116 derived DTL elements end at 2,242; the
//     portal's three error elements (32+32+1) follow, so 2,307. [hypothesis]
//   - Acknowledgment family (A, K): the 38 ACK elements at the widths chosen
//     in ACK below end at 548. [hypothesis]
//
// Correcting a length is a change here plus the trailing elements of the
// tables that must then fill it (TestLayoutsContiguous says which).
const (
	IWORecordLen = 2307
	AckRecordLen = 548
)

// Type is the format of an element.
type Type uint8

// Element types. Padding lives in one place (pad in field.go): A, AN, code,
// date and time values are left-justified and space-filled; N and amount
// values are right-justified and zero-filled.
const (
	TypeA      Type = iota + 1 // letters and spaces
	TypeN                      // digits; blank only when optional
	TypeAN                     // printable ASCII
	TypeDate                   // CCYYMMDD, a real day; blank only when optional
	TypeTime                   // HHMMSS, a real time of day
	TypeAmount                 // 11 digits, two implied decimals, never blank
	TypeCode                   // one of Element.Codes; blank only when optional
	TypeFiller                 // reserved: spaces
)

var typeNames = map[Type]string{
	TypeA: "A", TypeN: "N", TypeAN: "AN", TypeDate: "date", TypeTime: "time",
	TypeAmount: "amount", TypeCode: "code", TypeFiller: "filler",
}

// String returns the type's short name ("A", "N", "AN", "date", …).
func (t Type) String() string { return typeNames[t] }

// Status says how sure the position and format of an element are.
type Status uint8

// Statuses (the spec's markers).
const (
	// Confirmed: position and length read in an official OCSE chart.
	Confirmed Status = iota + 1
	// Kansas: element and length observed in the Kansas DCF implementation;
	// the position is derived (spec Appendix A), not confirmed.
	Kansas
	// Hypothesis: length or presence chosen by iwo where nothing was
	// observed; see docs/eiwo.md.
	Hypothesis
)

// String returns "confirmed", "kansas" or "hypothesis".
func (s Status) String() string {
	switch s {
	case Confirmed:
		return "confirmed"
	case Kansas:
		return "kansas"
	case Hypothesis:
		return "hypothesis"
	}
	return "unknown"
}

// Element is one row of a record layout.
type Element struct {
	Name     string
	Start    int // 1-based column of the first byte
	Len      int
	Type     Type
	Required bool
	// Codes are the valid values of a TypeCode element (blank is valid
	// only when the element is optional).
	Codes []string
	// Mask marks an element holding an SSN; display code masks it.
	Mask   bool
	Status Status
	// Rule explains the content in words, for people and docs.
	Rule string
}

// End returns the 1-based column of the element's last byte.
func (e *Element) End() int { return e.Start + e.Len - 1 }

// Layout is the table of one record type: its elements in order. Reader,
// writer and validator are all driven by it.
type Layout struct {
	Name     string // e.g. "DTL", "header (IWO family)"
	Len      int    // record length in bytes, without the line terminator
	Elements []Element
	index    map[string]int
}

func newLayout(name string, n int, els []Element) *Layout {
	l := &Layout{Name: name, Len: n, Elements: els, index: map[string]int{}}
	for i, e := range els {
		if e.Type == TypeFiller {
			continue
		}
		if _, dup := l.index[e.Name]; dup {
			panic("edi: duplicate element " + e.Name + " in " + name)
		}
		l.index[e.Name] = i
	}
	return l
}

// Index returns the position in Elements of the element called name. It
// panics for an unknown name: layouts are fixed at compile time.
func (l *Layout) Index(name string) int {
	i, ok := l.index[name]
	if !ok {
		panic(fmt.Sprintf("edi: layout %s has no element %q", l.Name, name))
	}
	return i
}

// el builds a table row.
func el(start, n int, t Type, req bool, st Status, name, rule string) Element {
	return Element{Name: name, Start: start, Len: n, Type: t, Required: req, Status: st, Rule: rule}
}

// code builds a TypeCode row.
func code(start, n int, req bool, st Status, name string, codes []string, rule string) Element {
	e := el(start, n, TypeCode, req, st, name, rule)
	e.Codes = codes
	return e
}

func filler(start, end int, st Status, rule string) Element {
	return el(start, end-start+1, TypeFiller, false, st, "Filler", rule)
}

func masked(e Element) Element { e.Mask = true; return e }

// Frequency codes. Only M is observed (Kansas); Chart D-3's list could not be
// read (spec §5.6, open question 5). The others are iwo's hypothesis, one
// letter per withholding.Frequency. This is the one table to correct; codes
// not listed are rejected.
var frequencyCodes = []struct {
	Code   string
	Freq   withholding.Frequency
	Status Status
}{
	{"W", withholding.Weekly, Hypothesis},
	{"B", withholding.Biweekly, Hypothesis},
	{"S", withholding.Semimonthly, Hypothesis},
	{"M", withholding.Monthly, Kansas},
	{"Q", withholding.Quarterly, Hypothesis},
	{"A", withholding.Annually, Hypothesis},
}

// FrequencyCode returns the e-IWO code of f ("" for the zero Frequency) and
// whether f has one.
func FrequencyCode(f withholding.Frequency) (string, bool) {
	if f == "" {
		return "", true
	}
	for _, c := range frequencyCodes {
		if c.Freq == f {
			return c.Code, true
		}
	}
	return "", false
}

// ParseFrequencyCode returns the Frequency of an e-IWO frequency code ("" for
// blank) and whether the code is known.
func ParseFrequencyCode(code string) (withholding.Frequency, bool) {
	if code == "" {
		return "", true
	}
	for _, c := range frequencyCodes {
		if c.Code == code {
			return c.Freq, true
		}
	}
	return "", false
}

func freqCodeList() []string {
	var cs []string
	for _, c := range frequencyCodes {
		cs = append(cs, c.Code)
	}
	return cs
}

var (
	actionCodes    = []string{"ORG", "AMD", "TRM", "LUM"}
	ackActionCodes = []string{"ORG", "AMD", "TRM", "LUM", "EMP"}
	yesNo          = []string{"Y", "N"}
	statusCodes    = []string{"A", "R", "T", "L", "S"}
	reasonCodes    = []string{"B", "S", "W", "D", "M", "N", "O", "U", "X", "Z"}
)

// headerElements is Chart D-1 (universal header), positions as in spec
// Appendix A; the family's filler is appended by headerLayout.
var headerElements = []Element{
	code(1, 3, true, Confirmed, "Document Code", []string{"FHI", "BHI", "FHA", "BHA", "FHS", "BHS", "FHK", "BHK"}, "FH/BH + family letter"),
	el(4, 22, TypeAN, true, Confirmed, "Control Number", "unique per file/batch; never reused"),
	el(26, 5, TypeN, true, Kansas, "State FIPS Code", "2-digit state FIPS + 000"),
	el(31, 9, TypeN, false, Kansas, "EIN", "employer FEIN; required on batch headers"),
	el(40, 9, TypeN, false, Kansas, "Primary EIN", "employer's primary FEIN; blank in state files"),
	el(49, 8, TypeDate, true, Kansas, "Creation Date", "CCYYMMDD"),
	el(57, 6, TypeTime, true, Kansas, "Creation Time", "HHMMSS"),
	el(63, 18, TypeAN, false, Kansas, "Error Field Name", "portal-populated in result files"),
}

// trailerElements is Chart D-2 (universal trailer).
var trailerElements = []Element{
	code(1, 3, true, Kansas, "Document Code", []string{"FTI", "BTI", "FTA", "BTA", "FTS", "BTS", "FTK", "BTK"}, "FT/BT + family letter; FTK/BTK by symmetry"),
	el(4, 22, TypeAN, true, Kansas, "Control Number", "equals the matching header's"),
	el(26, 5, TypeN, true, Kansas, "Batch Count", "file trailer: batches in the file; batch trailer: 00000"),
	el(31, 5, TypeN, true, Kansas, "Record Count", "batch trailer: detail records in the batch; file trailer: 00000 or the file total"),
	el(36, 5, TypeN, true, Kansas, "Employer Sent Count", "00000 from senders; portal-populated"),
	el(41, 5, TypeN, true, Kansas, "State Sent Count", "00000 from senders; portal-populated"),
	el(46, 18, TypeAN, false, Kansas, "Error Field Name", "portal-populated in result files"),
}

// Header and trailer layouts per family, padded to the family's length.
var (
	HeaderIWO  = newLayout("header (IWO family)", IWORecordLen, append(slices.Clone(headerElements), filler(81, IWORecordLen, Hypothesis, "pads to the family record length")))
	HeaderAck  = newLayout("header (ACK family)", AckRecordLen, append(slices.Clone(headerElements), filler(81, AckRecordLen, Hypothesis, "pads to the family record length")))
	TrailerIWO = newLayout("trailer (IWO family)", IWORecordLen, append(slices.Clone(trailerElements), filler(64, IWORecordLen, Hypothesis, "pads to the family record length")))
	TrailerAck = newLayout("trailer (ACK family)", AckRecordLen, append(slices.Clone(trailerElements), filler(64, AckRecordLen, Hypothesis, "pads to the family record length")))
)

func childElements(n, start int) []Element {
	p := fmt.Sprintf("Child %d ", n)
	req := n == 1 // Kansas requires child 1; children 2–6 by rule
	return []Element{
		el(start, 20, TypeAN, req, Kansas, p+"Last Name", ""),
		el(start+20, 15, TypeAN, req, Kansas, p+"First Name", ""),
		el(start+35, 15, TypeAN, false, Kansas, p+"Middle Name", ""),
		el(start+50, 4, TypeAN, false, Kansas, p+"Suffix", ""),
		el(start+54, 8, TypeDate, req, Kansas, p+"Birth Date", ""),
	}
}

func amount(start int, name string) Element {
	return el(start, 11, TypeAmount, true, Kansas, name, "11 digits, 2 implied decimals")
}

func freq(start int, name string) Element {
	return code(start, 1, false, Kansas, name, freqCodeList(), "frequency code; required when the amount is not zero")
}

// dtlHead is Chart D-3 elements 1–83; positions 1–184 confirmed [S4], the
// rest derived from Kansas lengths (spec Appendix A).
var dtlHead = []Element{
	code(1, 3, true, Confirmed, "Document Code", []string{"DTL"}, "constant DTL"),
	filler(4, 6, Confirmed, "reserved"),
	code(7, 3, true, Confirmed, "Document Action Code", actionCodes, "ORG, AMD, TRM or LUM"),
	el(10, 8, TypeDate, true, Confirmed, "Document Date", "CCYYMMDD"),
	el(18, 35, TypeAN, true, Confirmed, "Issuing State/Tribe/Territory Name", "must not start with a space"),
	el(53, 35, TypeAN, false, Confirmed, "Issuing Jurisdiction Name", ""),
	el(88, 15, TypeAN, true, Confirmed, "Case Identifier", "no leading space, no \\ or *"),
	el(103, 57, TypeAN, true, Confirmed, "Employer Name", "starts with a letter or digit"),
	el(160, 25, TypeAN, true, Confirmed, "Employer Address Line 1", "starts with a letter or digit"),
	el(185, 25, TypeAN, false, Kansas, "Employer Address Line 2", ""),
	el(210, 22, TypeAN, true, Kansas, "Employer Address City", ""),
	el(232, 2, TypeA, true, Kansas, "Employer Address State Code", "postal code"),
	el(234, 5, TypeN, true, Kansas, "Employer Address ZIP Code", ""),
	el(239, 4, TypeN, false, Kansas, "Employer Address ZIP+4", ""),
	el(243, 9, TypeN, true, Kansas, "Employer EIN", "equals the batch header EIN"),
	el(252, 20, TypeAN, true, Kansas, "Employee Last Name", ""),
	el(272, 15, TypeAN, true, Kansas, "Employee First Name", ""),
	el(287, 15, TypeAN, false, Kansas, "Employee Middle Name", ""),
	el(302, 4, TypeAN, false, Kansas, "Employee Suffix", ""),
	masked(el(306, 9, TypeN, false, Kansas, "Employee SSN", "blank if unknown")),
	el(315, 8, TypeDate, false, Kansas, "Employee Birth Date", ""),
	el(323, 57, TypeAN, true, Kansas, "Obligee Last Name", "or organization name"),
	el(380, 15, TypeAN, false, Kansas, "Obligee First Name", ""),
	el(395, 15, TypeAN, false, Kansas, "Obligee Middle Name", ""),
	el(410, 4, TypeAN, false, Kansas, "Obligee Name Suffix", ""),
	el(414, 35, TypeAN, true, Kansas, "Issuing Tribunal Name", ""),
	amount(449, "Current Child Support Amount"),
	freq(460, "Current Child Support Frequency"),
	amount(461, "Past-due Child Support Amount"),
	freq(472, "Past-due Child Support Frequency"),
	amount(473, "Current Cash Medical Support Amount"),
	freq(484, "Current Cash Medical Support Frequency"),
	amount(485, "Past-due Cash Medical Support Amount"),
	freq(496, "Past-due Cash Medical Support Frequency"),
	amount(497, "Current Spousal Support Amount"),
	freq(508, "Current Spousal Support Frequency"),
	amount(509, "Past-due Spousal Support Amount"),
	freq(520, "Past-due Spousal Support Frequency"),
	amount(521, "Other Obligation Amount"),
	freq(532, "Other Obligation Frequency"),
	el(533, 35, TypeAN, false, Kansas, "Other Obligation Reason", "required when the other amount is not zero"),
	amount(568, "Total Amount to Withhold"),
	freq(579, "Total Amount Frequency"),
	code(580, 1, true, Kansas, "Arrears Greater Than 12 Weeks Indicator", yesNo, "Y or N"),
	amount(581, "Withhold Amount per Weekly Pay"),
	amount(592, "Withhold Amount per Biweekly Pay"),
	amount(603, "Withhold Amount per Semimonthly Pay"),
	amount(614, "Withhold Amount per Monthly Pay"),
	el(625, 35, TypeAN, false, Kansas, "State/Tribe/Territory Name", "jurisdiction whose law governs"),
	el(660, 2, TypeN, true, Kansas, "Begin Withholding Within Days", ""),
	el(662, 8, TypeAN, false, Kansas, "Income Withholding Start Instructions", "e.g. RECEIPT"),
	el(670, 2, TypeN, true, Kansas, "Send Payment Within Days", ""),
	el(672, 2, TypeN, true, Kansas, "CCPA Percent", ""),
	el(674, 57, TypeAN, false, Kansas, "Payee Name", "usually the SDU"),
	el(731, 25, TypeAN, false, Kansas, "Payee Address Line 1", ""),
	el(756, 25, TypeAN, false, Kansas, "Payee Address Line 2", ""),
	el(781, 22, TypeAN, false, Kansas, "Payee Address City", ""),
	el(803, 2, TypeA, false, Kansas, "Payee Address State Code", ""),
	el(805, 5, TypeN, false, Kansas, "Payee Address ZIP Code", ""),
	el(810, 4, TypeN, false, Kansas, "Payee Address ZIP+4", ""),
	el(814, 7, TypeN, false, Kansas, "Payee Remittance FIPS Code", "state 2 + county 3 + local 2"),
	el(821, 70, TypeAN, false, Kansas, "Government Official Name", ""),
	el(891, 50, TypeAN, false, Kansas, "Issuing Official Title", ""),
	code(941, 1, true, Kansas, "Send Employee Copy Indicator", yesNo, "Y or N"),
	el(942, 160, TypeAN, false, Kansas, "Penalty/Liability Information Text", ""),
	el(1102, 160, TypeAN, false, Kansas, "Anti-discrimination Provisions Text", ""),
	el(1262, 160, TypeAN, false, Kansas, "Specific Payee Withholding Limits Text", ""),
	el(1422, 57, TypeAN, false, Kansas, "Employee Contact Name", ""),
	el(1479, 10, TypeN, false, Kansas, "Employee Contact Phone", ""),
	el(1489, 10, TypeN, false, Kansas, "Employee Contact Fax", ""),
	el(1499, 48, TypeAN, false, Kansas, "Employee Contact Email", ""),
	el(1547, 30, TypeAN, true, Kansas, "Document Tracking Identifier", "unique per IWO document; echoed by the ACK"),
	el(1577, 30, TypeAN, false, Kansas, "Order Identifier", ""),
	el(1607, 57, TypeAN, false, Kansas, "Employer Contact Name", ""),
	el(1664, 25, TypeAN, false, Kansas, "Employer Contact Address Line 1", ""),
	el(1689, 25, TypeAN, false, Kansas, "Employer Contact Address Line 2", ""),
	el(1714, 22, TypeAN, false, Kansas, "Employer Contact Address City", ""),
	el(1736, 2, TypeA, false, Kansas, "Employer Contact Address State Code", ""),
	el(1738, 5, TypeN, false, Kansas, "Employer Contact Address ZIP Code", ""),
	el(1743, 4, TypeN, false, Kansas, "Employer Contact Address ZIP+4", ""),
	el(1747, 10, TypeN, false, Kansas, "Employer Contact Phone", ""),
	el(1757, 10, TypeN, false, Kansas, "Employer Contact Fax", ""),
	el(1767, 48, TypeAN, false, Kansas, "Employer Contact Email", ""),
}

// dtlTail is elements 114–116.
var dtlTail = []Element{
	amount(2187, "Lump Sum Payment Amount"),
	el(2198, 20, TypeAN, false, Kansas, "Remittance Identifier", "sent with each payment (DED02)"),
	el(2218, 25, TypeAN, false, Kansas, "Document Image Text", ""),
}

// portalDTLErrors are the portal's error elements on DTL records of IWO
// result (S) files; their position is iwo's hypothesis (after element 116).
var portalDTLErrors = []Element{
	el(2243, 32, TypeAN, false, Hypothesis, "First Error Field Name", "portal-populated"),
	el(2275, 32, TypeAN, false, Hypothesis, "Second Error Field Name", "portal-populated"),
	el(2307, 1, TypeAN, false, Hypothesis, "Multiple Error Indicator", "portal-populated; Kansas tests for T"),
}

func dtlElements(tail []Element) []Element {
	els := slices.Clone(dtlHead)
	for n := 1; n <= 6; n++ {
		els = append(els, childElements(n, 1815+(n-1)*62)...)
	}
	els = append(els, dtlTail...)
	return append(els, tail...)
}

// DTL and DTLResult are Chart D-3. In IWO (I) files the 65 bytes after
// element 116 are reserved (spaces); in IWO result (S) files the portal
// fills them with its error elements.
var (
	DTL       = newLayout("DTL", IWORecordLen, dtlElements([]Element{filler(2243, IWORecordLen, Hypothesis, "portal error elements; spaces in IWO files")}))
	DTLResult = newLayout("DTL (result)", IWORecordLen, dtlElements(portalDTLErrors))
)

// ACK is Chart D-4 as Kansas reads it (spec §6). No position is confirmed
// past 1–6; widths marked Hypothesis are iwo's choice by analogy with the
// DTL. The portal's error elements are part of the layout in both A and K
// files, because ACK files the portal forwards to states may carry them.
var ACK = newLayout("ACK", AckRecordLen, []Element{
	code(1, 3, true, Confirmed, "Document Code", []string{"ACK"}, "constant ACK"),
	code(4, 3, true, Confirmed, "Document Action Code", ackActionCodes, "echo of the IWO's action, or EMP"),
	el(7, 15, TypeAN, false, Kansas, "Case Identifier", "echo; required unless EMP"),
	el(22, 9, TypeN, true, Kansas, "Employer EIN", ""),
	masked(el(31, 9, TypeN, false, Kansas, "Employee SSN", "required on EMP notices")),
	el(40, 15, TypeAN, false, Hypothesis, "Employee First Name", ""),
	el(55, 15, TypeAN, false, Hypothesis, "Employee Middle Name", ""),
	el(70, 20, TypeAN, false, Hypothesis, "Employee Last Name", ""),
	el(90, 4, TypeAN, false, Kansas, "Employee Suffix", ""),
	el(94, 30, TypeAN, false, Kansas, "Document Tracking Identifier", "echo; required unless EMP"),
	el(124, 30, TypeAN, false, Hypothesis, "Order Identifier", "echo"),
	code(154, 2, true, Kansas, "Disposition Status Code", statusCodes, "A/R answer an IWO; T/L/S on EMP"),
	code(156, 3, false, Kansas, "Disposition Reason Code", reasonCodes, "allowed per disposition and action (spec 6.1)"),
	el(159, 8, TypeDate, false, Hypothesis, "Termination Date", ""),
	el(167, 25, TypeAN, false, Hypothesis, "Employee Last-known Address Line 1", ""),
	el(192, 25, TypeAN, false, Hypothesis, "Employee Last-known Address Line 2", ""),
	el(217, 22, TypeAN, false, Hypothesis, "Employee Last-known Address City", ""),
	el(239, 2, TypeA, false, Hypothesis, "Employee Last-known Address State Code", ""),
	el(241, 5, TypeN, false, Hypothesis, "Employee Last-known Address ZIP Code", ""),
	el(246, 4, TypeN, false, Hypothesis, "Employee Last-known Address ZIP+4", ""),
	el(250, 10, TypeN, false, Hypothesis, "Employee Last-known Phone", ""),
	el(260, 8, TypeDate, false, Hypothesis, "Final Payment Date", ""),
	el(268, 11, TypeAmount, true, Hypothesis, "Final Payment Amount", "11 digits, 2 implied decimals"),
	el(279, 57, TypeAN, false, Hypothesis, "New Employer Name", ""),
	el(336, 25, TypeAN, false, Hypothesis, "New Employer Address Line 1", ""),
	el(361, 25, TypeAN, false, Hypothesis, "New Employer Address Line 2", ""),
	el(386, 22, TypeAN, false, Hypothesis, "New Employer Address City", ""),
	el(408, 2, TypeA, false, Hypothesis, "New Employer Address State Code", ""),
	el(410, 5, TypeN, false, Hypothesis, "New Employer Address ZIP Code", ""),
	el(415, 4, TypeN, false, Hypothesis, "New Employer Address ZIP+4", ""),
	el(419, 8, TypeDate, false, Hypothesis, "Lump Sum Payment Date", ""),
	el(427, 11, TypeAmount, true, Hypothesis, "Lump Sum Payment Amount", "11 digits, 2 implied decimals"),
	el(438, 35, TypeAN, false, Kansas, "Lump Sum Type", ""),
	el(473, 9, TypeN, false, Kansas, "Corrected FEIN", "required with reason W"),
	el(482, 2, TypeA, false, Kansas, "Multiple IWO State Code", "required with reason M"),
	el(484, 32, TypeAN, false, Kansas, "First Error Field Name", "portal-populated"),
	el(516, 32, TypeAN, false, Kansas, "Second Error Field Name", "portal-populated"),
	el(548, 1, TypeAN, false, Kansas, "Multiple Error Indicator", "portal-populated"),
})

// Layouts lists every layout, for tests and documentation.
var Layouts = []*Layout{HeaderIWO, HeaderAck, TrailerIWO, TrailerAck, DTL, DTLResult, ACK}
