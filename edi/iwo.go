package edi

import (
	"fmt"
	"strings"
	"sync"

	"github.com/iwoproject/iwo/withholding"
)

// IWO is one DTL record: one income withholding order for one IV-D case,
// one employee and one employer (Chart D-3, all 116 elements, plus the
// portal's error elements in result files).
type IWO struct {
	Action              withholding.Action `json:"action"`
	DocumentDate        withholding.Date   `json:"document_date"`
	IssuingState        string             `json:"issuing_state"`
	IssuingJurisdiction string             `json:"issuing_jurisdiction,omitempty"`
	CaseID              withholding.CaseID `json:"case_id"`

	EmployerName    string              `json:"employer_name"`
	EmployerAddress withholding.Address `json:"employer_address"`
	EmployerEIN     withholding.FEIN    `json:"employer_ein"`

	// Employee is the obligor; BirthDate and SSN may be blank.
	Employee withholding.Person `json:"employee"`
	// Obligee is the custodial party; Last may hold an organisation. Its
	// SSN and BirthDate are not in the record.
	Obligee         withholding.Person `json:"obligee"`
	IssuingTribunal string             `json:"issuing_tribunal"`

	CurrentSupport withholding.Obligation `json:"current_support"`
	PastDueSupport withholding.Obligation `json:"past_due_support"`
	CurrentMedical withholding.Obligation `json:"current_medical"`
	PastDueMedical withholding.Obligation `json:"past_due_medical"`
	CurrentSpousal withholding.Obligation `json:"current_spousal"`
	PastDueSpousal withholding.Obligation `json:"past_due_spousal"`
	Other          withholding.Obligation `json:"other"`
	OtherReason    string                 `json:"other_reason,omitempty"`
	Total          withholding.Obligation `json:"total"`

	ArrearsOver12Weeks bool `json:"arrears_over_12_weeks"`

	// Amounts to withhold per weekly, biweekly, semimonthly and monthly pay
	// (IWO form items 13a–13d).
	PerWeekly      withholding.Cents `json:"per_weekly_cents"`
	PerBiweekly    withholding.Cents `json:"per_biweekly_cents"`
	PerSemimonthly withholding.Cents `json:"per_semimonthly_cents"`
	PerMonthly     withholding.Cents `json:"per_monthly_cents"`

	// GoverningState is element 49, the jurisdiction whose law and
	// timeframes the IWO cites.
	GoverningState        string `json:"governing_state,omitempty"`
	BeginWithinDays       int    `json:"begin_within_days"`
	StartInstructions     string `json:"start_instructions,omitempty"`
	SendPaymentWithinDays int    `json:"send_payment_within_days"`
	CCPAPercent           int    `json:"ccpa_percent"`

	PayeeName    string              `json:"payee_name,omitempty"`
	PayeeAddress withholding.Address `json:"payee_address"`
	PayeeFIPS    string              `json:"payee_fips,omitempty"`

	OfficialName     string `json:"official_name,omitempty"`
	OfficialTitle    string `json:"official_title,omitempty"`
	SendEmployeeCopy bool   `json:"send_employee_copy"`

	PenaltyText            string `json:"penalty_text,omitempty"`
	AntiDiscriminationText string `json:"anti_discrimination_text,omitempty"`
	PayeeLimitsText        string `json:"payee_limits_text,omitempty"`

	EmployeeContact        withholding.Contact    `json:"employee_contact"`
	TrackingID             withholding.TrackingID `json:"tracking_id"`
	OrderID                withholding.OrderID    `json:"order_id,omitempty"`
	EmployerContact        withholding.Contact    `json:"employer_contact"`
	EmployerContactAddress withholding.Address    `json:"employer_contact_address"`

	// Children are the six child slots in record order; unused slots are
	// zero. SSNs are not in the record.
	Children [6]withholding.Person `json:"children"`

	LumpSum      withholding.Cents        `json:"lump_sum_cents"`
	RemittanceID withholding.RemittanceID `json:"remittance_id,omitempty"`
	ImageText    string                   `json:"image_text,omitempty"`

	// Portal error elements: only in IWO result (S) files.
	ErrorField1    string `json:"error_field_1,omitempty"`
	ErrorField2    string `json:"error_field_2,omitempty"`
	MultipleErrors string `json:"multiple_errors,omitempty"`
}

// DocumentCode returns "DTL".
func (d *IWO) DocumentCode() string { return "DTL" }

// addressNames are the element names of an address block, built once so
// visiting a record does not allocate them.
type addressNames [6]string

func newAddressNames(prefix string) *addressNames {
	return &addressNames{prefix + " Line 1", prefix + " Line 2", prefix + " City", prefix + " State Code", prefix + " ZIP Code", prefix + " ZIP+4"}
}

var (
	employerAddress        = newAddressNames("Employer Address")
	payeeAddress           = newAddressNames("Payee Address")
	employerContactAddress = newAddressNames("Employer Contact Address")
	lastKnownAddress       = newAddressNames("Employee Last-known Address")
	newEmployerAddress     = newAddressNames("New Employer Address")
)

func visitAddress(v visitor, n *addressNames, a *withholding.Address) {
	v.text(n[0], &a.Line1)
	v.text(n[1], &a.Line2)
	v.text(n[2], &a.City)
	v.text(n[3], &a.State)
	v.digits(n[4], &a.ZIP)
	v.digits(n[5], &a.ZIP4)
}

// childNames are the element names of child slots 1–6: last, first,
// middle, suffix, birth date.
var childNames = func() (ns [6][5]string) {
	for i := range ns {
		p := fmt.Sprintf("Child %d ", i+1)
		ns[i] = [5]string{p + "Last Name", p + "First Name", p + "Middle Name", p + "Suffix", p + "Birth Date"}
	}
	return ns
}()

func (d *IWO) visit(v visitor) {
	var code = "DTL"
	v.text("Document Code", &code)
	v.text("Document Action Code", (*string)(&d.Action))
	v.date("Document Date", &d.DocumentDate)
	v.text("Issuing State/Tribe/Territory Name", &d.IssuingState)
	v.text("Issuing Jurisdiction Name", &d.IssuingJurisdiction)
	v.text("Case Identifier", (*string)(&d.CaseID))
	v.text("Employer Name", &d.EmployerName)
	visitAddress(v, employerAddress, &d.EmployerAddress)
	v.digits("Employer EIN", (*string)(&d.EmployerEIN))
	v.text("Employee Last Name", &d.Employee.Last)
	v.text("Employee First Name", &d.Employee.First)
	v.text("Employee Middle Name", &d.Employee.Middle)
	v.text("Employee Suffix", &d.Employee.Suffix)
	v.digits("Employee SSN", (*string)(&d.Employee.SSN))
	v.date("Employee Birth Date", &d.Employee.BirthDate)
	v.text("Obligee Last Name", &d.Obligee.Last)
	v.text("Obligee First Name", &d.Obligee.First)
	v.text("Obligee Middle Name", &d.Obligee.Middle)
	v.text("Obligee Name Suffix", &d.Obligee.Suffix)
	v.text("Issuing Tribunal Name", &d.IssuingTribunal)
	for _, o := range d.obligations() {
		v.amount(o.amount, &o.p.Amount)
		v.freq(o.freq, &o.p.Frequency)
		if o.p == &d.Other {
			v.text("Other Obligation Reason", &d.OtherReason)
		}
	}
	v.flag("Arrears Greater Than 12 Weeks Indicator", &d.ArrearsOver12Weeks)
	v.amount("Withhold Amount per Weekly Pay", &d.PerWeekly)
	v.amount("Withhold Amount per Biweekly Pay", &d.PerBiweekly)
	v.amount("Withhold Amount per Semimonthly Pay", &d.PerSemimonthly)
	v.amount("Withhold Amount per Monthly Pay", &d.PerMonthly)
	v.text("State/Tribe/Territory Name", &d.GoverningState)
	v.number("Begin Withholding Within Days", &d.BeginWithinDays)
	v.text("Income Withholding Start Instructions", &d.StartInstructions)
	v.number("Send Payment Within Days", &d.SendPaymentWithinDays)
	v.number("CCPA Percent", &d.CCPAPercent)
	v.text("Payee Name", &d.PayeeName)
	visitAddress(v, payeeAddress, &d.PayeeAddress)
	v.digits("Payee Remittance FIPS Code", &d.PayeeFIPS)
	v.text("Government Official Name", &d.OfficialName)
	v.text("Issuing Official Title", &d.OfficialTitle)
	v.flag("Send Employee Copy Indicator", &d.SendEmployeeCopy)
	v.text("Penalty/Liability Information Text", &d.PenaltyText)
	v.text("Anti-discrimination Provisions Text", &d.AntiDiscriminationText)
	v.text("Specific Payee Withholding Limits Text", &d.PayeeLimitsText)
	v.text("Employee Contact Name", &d.EmployeeContact.Name)
	v.digits("Employee Contact Phone", &d.EmployeeContact.Phone)
	v.digits("Employee Contact Fax", &d.EmployeeContact.Fax)
	v.text("Employee Contact Email", &d.EmployeeContact.Email)
	v.text("Document Tracking Identifier", (*string)(&d.TrackingID))
	v.text("Order Identifier", (*string)(&d.OrderID))
	v.text("Employer Contact Name", &d.EmployerContact.Name)
	visitAddress(v, employerContactAddress, &d.EmployerContactAddress)
	v.digits("Employer Contact Phone", &d.EmployerContact.Phone)
	v.digits("Employer Contact Fax", &d.EmployerContact.Fax)
	v.text("Employer Contact Email", &d.EmployerContact.Email)
	for i := range d.Children {
		c, n := &d.Children[i], &childNames[i]
		v.text(n[0], &c.Last)
		v.text(n[1], &c.First)
		v.text(n[2], &c.Middle)
		v.text(n[3], &c.Suffix)
		v.date(n[4], &c.BirthDate)
	}
	v.amount("Lump Sum Payment Amount", &d.LumpSum)
	v.text("Remittance Identifier", (*string)(&d.RemittanceID))
	v.text("Document Image Text", &d.ImageText)
	if v.more() {
		v.text("First Error Field Name", &d.ErrorField1)
		v.text("Second Error Field Name", &d.ErrorField2)
		v.text("Multiple Error Indicator", &d.MultipleErrors)
	}
}

type obligationRef struct {
	amount, freq string
	p            *withholding.Obligation
}

// obligations lists the amount/frequency pairs in record order.
func (d *IWO) obligations() [8]obligationRef {
	return [8]obligationRef{
		{"Current Child Support Amount", "Current Child Support Frequency", &d.CurrentSupport},
		{"Past-due Child Support Amount", "Past-due Child Support Frequency", &d.PastDueSupport},
		{"Current Cash Medical Support Amount", "Current Cash Medical Support Frequency", &d.CurrentMedical},
		{"Past-due Cash Medical Support Amount", "Past-due Cash Medical Support Frequency", &d.PastDueMedical},
		{"Current Spousal Support Amount", "Current Spousal Support Frequency", &d.CurrentSpousal},
		{"Past-due Spousal Support Amount", "Past-due Spousal Support Frequency", &d.PastDueSpousal},
		{"Other Obligation Amount", "Other Obligation Frequency", &d.Other},
		{"Total Amount to Withhold", "Total Amount Frequency", &d.Total},
	}
}

// rules are spec §8.3 edits 4–6 plus the lump-sum rule.
func (d *IWO) rules(k Kind, l *Layout, bad *badSet) []problem {
	var ps []problem
	ok := func(name string) bool { return !bad.has(l.Index(name)) }
	if k == KindIWO && (d.ErrorField1 != "" || d.ErrorField2 != "" || d.MultipleErrors != "") {
		ps = append(ps, ruleProblem("First Error Field Name", "portal error elements belong only in result (S) files"))
	}
	if c := string(d.CaseID); c != "" && ok("Case Identifier") {
		if c[0] == ' ' || strings.ContainsAny(c, `\*`) {
			ps = append(ps, ruleProblem("Case Identifier", "%q: no leading space, \\ or *", c))
		}
	}
	if s := d.IssuingState; s != "" && s[0] == ' ' && ok("Issuing State/Tribe/Territory Name") {
		ps = append(ps, ruleProblem("Issuing State/Tribe/Territory Name", "must not start with a space"))
	}
	for i, s := range [len(alnumStart)]string{d.EmployerName, d.EmployerAddress.Line1} {
		if name := alnumStart[i]; s != "" && !startsAlnum(s) && ok(name) {
			ps = append(ps, ruleProblem(name, "%q: must start with a letter or digit", s))
		}
	}
	for _, o := range d.obligations() {
		if o.p.Amount != 0 && o.p.Frequency == "" && ok(o.freq) && ok(o.amount) {
			ps = append(ps, ruleProblem(o.freq, "required when %s is not zero", o.amount))
		}
	}
	if d.Other.Amount != 0 && d.OtherReason == "" && ok("Other Obligation Amount") {
		ps = append(ps, ruleProblem("Other Obligation Reason", "required when Other Obligation Amount is not zero"))
	}
	for i := 1; i < len(d.Children); i++ {
		c := d.Children[i]
		if c == (withholding.Person{}) {
			continue
		}
		n := &childNames[i]
		if c.Last == "" && ok(n[0]) {
			ps = append(ps, ruleProblem(n[0], "required once child %d is present", i+1))
		}
		if c.First == "" && ok(n[1]) {
			ps = append(ps, ruleProblem(n[1], "required once child %d is present", i+1))
		}
		if c.BirthDate.IsZero() && ok(n[4]) {
			ps = append(ps, ruleProblem(n[4], "required once child %d is present", i+1))
		}
	}
	if ok("Lump Sum Payment Amount") && ok("Document Action Code") {
		switch {
		case d.Action == withholding.ActionLumpSum && d.LumpSum == 0:
			ps = append(ps, ruleProblem("Lump Sum Payment Amount", "LUM needs a lump-sum amount"))
		case d.Action != withholding.ActionLumpSum && d.LumpSum != 0:
			ps = append(ps, ruleProblem("Lump Sum Payment Amount", "must be zero unless the action is LUM"))
		}
	}
	return ps
}

// Issuer is what an agency says on every IWO it sends: its settings rather
// than any one order's data.
type Issuer struct {
	// GoverningState is element 49 (e.g. "CALIFORNIA").
	GoverningState string
	// BeginWithinDays, StartInstructions and SendPaymentWithinDays are the
	// employer's timeframes (Kansas: 14, "RECEIPT", 7).
	BeginWithinDays       int
	StartInstructions     string
	SendPaymentWithinDays int
	// CCPAPercent is the limit stated on the IWO (e.g. 50).
	CCPAPercent int

	PayeeName    string
	PayeeAddress withholding.Address

	OfficialName     string
	OfficialTitle    string
	SendEmployeeCopy bool

	PenaltyText            string
	AntiDiscriminationText string
	PayeeLimitsText        string

	// EmployeeContact answers the employee's questions; EmployerContact
	// (with its address) the employer's.
	EmployeeContact        withholding.Contact
	EmployerContact        withholding.Contact
	EmployerContactAddress withholding.Address

	ImageText string
}

// NewIWO builds the DTL record that sends order o to employer e with the
// given action, tracking identifier and document date. Amounts per pay
// frequency (13a–13d) are the order's own stated lines (Order.Stated)
// where it has them, else derived from its obligations by annualising
// (Order.PerPay: spec withholding-rules §2.2, half-up per component); TRM
// records carry no amounts and no frequencies, as Kansas sends them; only
// LUM records carry the order's lump sum. Free text (names, addresses,
// tribunal, official, state-law texts) is cut to its element's width, as
// states do; identifiers never are. NewIWO does not validate: the
// Writer refuses records that break the layout or its rules.
func NewIWO(o *withholding.Order, e *withholding.Employer, action withholding.Action, tracking withholding.TrackingID, docDate withholding.Date, is Issuer) *IWO {
	d := &IWO{
		Action:                 action,
		DocumentDate:           docDate,
		IssuingState:           o.IssuingState,
		IssuingJurisdiction:    o.IssuingJurisdiction,
		CaseID:                 o.CaseID,
		EmployerName:           e.Name,
		EmployerAddress:        e.Address,
		EmployerEIN:            e.FEIN,
		Employee:               o.Obligor,
		Obligee:                withholding.Person{Last: o.Obligee.Last, First: o.Obligee.First, Middle: o.Obligee.Middle, Suffix: o.Obligee.Suffix},
		IssuingTribunal:        o.IssuingTribunal,
		ArrearsOver12Weeks:     o.ArrearsOver12Weeks,
		GoverningState:         is.GoverningState,
		BeginWithinDays:        is.BeginWithinDays,
		StartInstructions:      is.StartInstructions,
		SendPaymentWithinDays:  is.SendPaymentWithinDays,
		CCPAPercent:            is.CCPAPercent,
		PayeeName:              is.PayeeName,
		PayeeAddress:           is.PayeeAddress,
		PayeeFIPS:              o.PayeeFIPS,
		OfficialName:           is.OfficialName,
		OfficialTitle:          is.OfficialTitle,
		SendEmployeeCopy:       is.SendEmployeeCopy,
		PenaltyText:            is.PenaltyText,
		AntiDiscriminationText: is.AntiDiscriminationText,
		PayeeLimitsText:        is.PayeeLimitsText,
		EmployeeContact:        is.EmployeeContact,
		TrackingID:             tracking,
		OrderID:                o.OrderID,
		EmployerContact:        is.EmployerContact,
		EmployerContactAddress: is.EmployerContactAddress,
		RemittanceID:           o.RemittanceID,
		ImageText:              is.ImageText,
	}
	for i, c := range o.Children {
		if i < len(d.Children) {
			d.Children[i] = withholding.Person{Last: c.Last, First: c.First, Middle: c.Middle, Suffix: c.Suffix, BirthDate: c.BirthDate}
		}
	}
	d.fitText()
	if action == withholding.ActionLumpSum {
		d.LumpSum = o.LumpSum
	}
	if action == withholding.ActionTerminate {
		d.StartInstructions = ""
		d.SendPaymentWithinDays = 0
		d.CCPAPercent = 0
		return d
	}
	a := o.Amounts
	d.CurrentSupport, d.PastDueSupport = a.CurrentSupport, a.PastDueSupport
	d.CurrentMedical, d.PastDueMedical = a.CurrentMedical, a.PastDueMedical
	d.CurrentSpousal, d.PastDueSpousal = a.CurrentSpousal, a.PastDueSpousal
	d.Other, d.OtherReason = a.Other, a.OtherReason
	parts := []withholding.Obligation{a.CurrentSupport, a.PastDueSupport, a.CurrentMedical, a.PastDueMedical, a.CurrentSpousal, a.PastDueSpousal, a.Other}
	d.Total = totalOf(parts)
	// Order.PerPay is the one rule for a per-pay line: the order's own
	// stated line when it has one, else the conversion.
	d.PerWeekly = o.PerPay(withholding.Weekly).Total
	d.PerBiweekly = o.PerPay(withholding.Biweekly).Total
	d.PerSemimonthly = o.PerPay(withholding.Semimonthly).Total
	d.PerMonthly = o.PerPay(withholding.Monthly).Total
	return d
}

// fitText cuts free-text values to their element widths.
func (d *IWO) fitText() {
	lens, i := fitLens(), 0
	d.fitFields(func(p *string, _, _ string) {
		if n := lens[i]; len(*p) > n {
			*p = strings.TrimRight((*p)[:n], " ")
		}
		i++
	})
}

// fitLens are the widths of the elements fitFields yields, in its order,
// looked up once: looking each up by a name put together for every IWO
// took about a sixth of NewIWO (iwo bench night, docs/scaling.md).
var fitLens = sync.OnceValue(func() []int {
	var lens []int
	new(IWO).fitFields(func(_ *string, prefix, name string) {
		lens = append(lens, DTL.Elements[DTL.Index(prefix+name)].Len)
	})
	return lens
})

// fitFields calls f with each free-text value fitText cuts and the name
// of its DTL element in two parts, always in the same order.
func (d *IWO) fitFields(f func(p *string, prefix, name string)) {
	fitAddr := func(a *withholding.Address, prefix string) {
		f(&a.Line1, prefix, " Line 1")
		f(&a.Line2, prefix, " Line 2")
		f(&a.City, prefix, " City")
	}
	fitPerson := func(p *withholding.Person, prefix, suffix string) {
		f(&p.Last, prefix, " Last Name")
		f(&p.First, prefix, " First Name")
		f(&p.Middle, prefix, " Middle Name")
		f(&p.Suffix, prefix, suffix)
	}
	f(&d.IssuingState, "Issuing State/Tribe/Territory Name", "")
	f(&d.IssuingJurisdiction, "Issuing Jurisdiction Name", "")
	f(&d.EmployerName, "Employer Name", "")
	fitAddr(&d.EmployerAddress, "Employer Address")
	fitPerson(&d.Employee, "Employee", " Suffix")
	fitPerson(&d.Obligee, "Obligee", " Name Suffix")
	f(&d.IssuingTribunal, "Issuing Tribunal Name", "")
	f(&d.OtherReason, "Other Obligation Reason", "")
	f(&d.GoverningState, "State/Tribe/Territory Name", "")
	f(&d.PayeeName, "Payee Name", "")
	fitAddr(&d.PayeeAddress, "Payee Address")
	f(&d.OfficialName, "Government Official Name", "")
	f(&d.OfficialTitle, "Issuing Official Title", "")
	f(&d.PenaltyText, "Penalty/Liability Information Text", "")
	f(&d.AntiDiscriminationText, "Anti-discrimination Provisions Text", "")
	f(&d.PayeeLimitsText, "Specific Payee Withholding Limits Text", "")
	f(&d.EmployeeContact.Name, "Employee Contact Name", "")
	f(&d.EmployerContact.Name, "Employer Contact Name", "")
	fitAddr(&d.EmployerContactAddress, "Employer Contact Address")
	for i := range d.Children {
		fitPerson(&d.Children[i], childPrefixes[i], " Suffix")
	}
	f(&d.ImageText, "Document Image Text", "")
}

// childPrefixes start the element names of child slots 1–6.
var childPrefixes = [6]string{"Child 1", "Child 2", "Child 3", "Child 4", "Child 5", "Child 6"}

// totalOf sums the obligations in their common frequency, or as monthly
// amounts when they differ.
func totalOf(parts []withholding.Obligation) withholding.Obligation {
	var f withholding.Frequency
	mixed := false
	for _, p := range parts {
		if p.Amount == 0 {
			continue
		}
		if f == "" {
			f = p.Frequency
		} else if p.Frequency != f {
			mixed = true
		}
	}
	if f == "" {
		return withholding.Obligation{}
	}
	if mixed {
		f = withholding.Monthly
	}
	return withholding.Obligation{Amount: perPay(parts, f), Frequency: f}
}

// perPay restates each obligation per pay of frequency pay (annualise,
// divide, half-up to the cent per component) and sums them.
func perPay(parts []withholding.Obligation, pay withholding.Frequency) withholding.Cents {
	var sum withholding.Cents
	for _, p := range parts {
		from, to := int64(p.Frequency.PeriodsPerYear()), int64(pay.PeriodsPerYear())
		if p.Amount == 0 || from == 0 || to == 0 {
			continue
		}
		sum += withholding.Cents((int64(p.Amount)*from*2 + to) / (2 * to))
	}
	return sum
}

// Order returns the order the record describes, as the employer side sees
// it: no store identity, status or start date (the record has none), the
// non-empty child slots in order, and the record's per-pay lines (elements
// 45–48) as the order's stated amounts, which the calculator prefers to
// its own conversion.
func (d *IWO) Order() *withholding.Order {
	o := &withholding.Order{
		CaseID:              d.CaseID,
		OrderID:             d.OrderID,
		RemittanceID:        d.RemittanceID,
		EmployerFEIN:        d.EmployerEIN,
		Obligor:             d.Employee,
		Obligee:             d.Obligee,
		IssuingState:        d.IssuingState,
		IssuingJurisdiction: d.IssuingJurisdiction,
		IssuingTribunal:     d.IssuingTribunal,
		PayeeFIPS:           d.PayeeFIPS,
		Amounts: withholding.Amounts{
			CurrentSupport: d.CurrentSupport, PastDueSupport: d.PastDueSupport,
			CurrentMedical: d.CurrentMedical, PastDueMedical: d.PastDueMedical,
			CurrentSpousal: d.CurrentSpousal, PastDueSpousal: d.PastDueSpousal,
			Other: d.Other, OtherReason: d.OtherReason,
		},
		Stated: withholding.StatedPerPay{
			Weekly: d.PerWeekly, Biweekly: d.PerBiweekly, Semimonthly: d.PerSemimonthly, Monthly: d.PerMonthly,
		},
		ArrearsOver12Weeks: d.ArrearsOver12Weeks,
		LumpSum:            d.LumpSum,
		TrackingID:         d.TrackingID,
	}
	for _, c := range d.Children {
		if c != (withholding.Person{}) {
			o.Children = append(o.Children, c)
		}
	}
	return o
}

// Employer returns the employer the record is addressed to.
func (d *IWO) Employer() *withholding.Employer {
	return &withholding.Employer{FEIN: d.EmployerEIN, Name: d.EmployerName, Address: d.EmployerAddress, EIWO: true}
}

// PerPay returns the amount the record says to withhold per pay of
// frequency f (items 13a–13d), and false for other frequencies.
func (d *IWO) PerPay(f withholding.Frequency) (withholding.Cents, bool) {
	switch f {
	case withholding.Weekly:
		return d.PerWeekly, true
	case withholding.Biweekly:
		return d.PerBiweekly, true
	case withholding.Semimonthly:
		return d.PerSemimonthly, true
	case withholding.Monthly:
		return d.PerMonthly, true
	}
	return 0, false
}

// TrackingIDFor returns a Document Tracking Identifier made of the 2-digit
// state FIPS code and seq zero-filled to 28 digits (30 characters, unique as
// long as seq is, e.g. a database sequence). The shape follows Kansas's
// FIPS-prefixed numeric identifiers; OCSS sets no format (spec §5.8).
func TrackingIDFor(stateFIPS string, seq uint64) withholding.TrackingID {
	return withholding.TrackingID(fmt.Sprintf("%.2s%028d", stateFIPS, seq))
}
