package withholding

import (
	"fmt"
	"strings"
)

// CalcRequest is one calculator question as people ask it: one pay of one
// employee and the orders withheld for, with each amount still in the
// frequency the order states it in. It is the one input model behind
// "iwo calc", the console's calculator and the employer mode's remit;
// Input restates it for Calculate.
type CalcRequest struct {
	// Frequency is the pay frequency; every order amount is restated for it.
	Frequency Frequency
	// Disposable is the disposable earnings of the pay.
	Disposable Cents
	// Limit decides the percentage. Left without a stated percentage, it
	// follows the work state's rule and the federal CCPA table, where an
	// order's ArrearsOver12Weeks raises the limit by five points.
	Limit Limit
	// Allocation, Fee and FeeOutsideLimit are as in CalcInput.
	Allocation      Allocation
	Fee             Cents
	FeeOutsideLimit bool
	// MedicalRule, when set, picks a priority preset for this question
	// alone; left empty, Priorities decides for WorkState.
	MedicalRule MedicalRule
	// WorkState is the postal code of the employee's principal place of
	// employment ("MD"); Priorities gives its order of payment.
	WorkState  string
	Priorities PriorityRules
	// Fees are employer-fee rules by work state (DefaultStateFees). When
	// Fee is 0 and WorkState has a rule, Calculate applies it; a fee given
	// with the question wins. Nil applies none.
	Fees map[string]FeeRule
	// Orders are withheld for, in the order given.
	Orders []Order
}

// Input returns r as Calculate takes it: each order restated per pay with
// CalcOrderOf, and the order of payment from MedicalRule when set, else
// from Priorities for WorkState.
func (r CalcRequest) Input() CalcInput {
	in := CalcInput{
		Frequency: r.Frequency, Disposable: r.Disposable, Limit: r.Limit,
		Allocation: r.Allocation, MedicalRule: r.MedicalRule,
		Fee: r.Fee, FeeOutsideLimit: r.FeeOutsideLimit,
	}
	if r.MedicalRule == "" {
		in.Priority, in.PriorityBasis = r.Priorities.For(r.WorkState)
	}
	if rule, ok := r.Fees[strings.ToUpper(r.WorkState)]; ok && r.Fee == 0 {
		in.FeeRule = &rule
	}
	for _, o := range r.Orders {
		in.Orders = append(in.Orders, CalcOrderOf(o, r.Frequency))
	}
	return in
}

// OrderKey names one IWO component of an order as the calculator's front
// ends spell it: the KEY of an order spec and the column of the console.
type OrderKey string

// Order keys. KeyMedical is the health-coverage premium of spec §5
// Example 4 (taken whole or not at all); KeyCashMedical is the IWO's cash
// medical support.
const (
	KeyCurrent        OrderKey = "current"
	KeyArrears        OrderKey = "arrears"
	KeyMedical        OrderKey = "medical"
	KeyCashMedical    OrderKey = "cash-medical"
	KeyMedicalArrears OrderKey = "medical-arrears"
	KeySpousal        OrderKey = "spousal"
	KeySpousalArrears OrderKey = "spousal-arrears"
)

// OrderKeys lists every OrderKey in the order help text names them.
var OrderKeys = []OrderKey{KeyCurrent, KeyArrears, KeyMedical, KeyCashMedical, KeyMedicalArrears, KeySpousal, KeySpousalArrears}

// Label returns the component's name for people, e.g. "health-coverage
// premium" for KeyMedical, or "" for an unknown key.
func (k OrderKey) Label() string {
	switch k {
	case KeyCurrent:
		return "current support"
	case KeyArrears:
		return "arrears"
	case KeyMedical:
		return "health-coverage premium"
	case KeyCashMedical:
		return "cash medical support"
	case KeyMedicalArrears:
		return "past-due medical support"
	case KeySpousal:
		return "spousal support"
	case KeySpousalArrears:
		return "past-due spousal support"
	}
	return ""
}

// Obligation returns the field of a that k sets, or nil for an unknown key.
func (k OrderKey) Obligation(a *Amounts) *Obligation {
	switch k {
	case KeyCurrent:
		return &a.CurrentSupport
	case KeyArrears:
		return &a.PastDueSupport
	case KeyMedical:
		return &a.MedicalPremium
	case KeyCashMedical:
		return &a.CurrentMedical
	case KeyMedicalArrears:
		return &a.PastDueMedical
	case KeySpousal:
		return &a.CurrentSpousal
	case KeySpousalArrears:
		return &a.PastDueSpousal
	}
	return nil
}

// ParseAmount reads money a person typed (see ParseDollars) that must not
// be negative. It returns EINVALID.
func ParseAmount(s string) (Cents, error) {
	c, err := ParseDollars(s)
	if err != nil {
		return 0, err
	}
	if c < 0 {
		return 0, Errorf(EINVALID, "amount %q: must not be negative", s)
	}
	return c, nil
}

// ParseOtherFamily reads "yes", "no", "unknown" or "" (unknown),
// case-insensitively. It returns EINVALID.
func ParseOtherFamily(s string) (OtherFamily, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "unknown":
		return OtherFamilyUnknown, nil
	case "yes":
		return OtherFamilyYes, nil
	case "no":
		return OtherFamilyNo, nil
	}
	return OtherFamilyUnknown, Errorf(EINVALID, "%q: want yes, no or unknown", s)
}

// ParseOrderSpec reads one order as "iwo calc --order" writes it:
// "NAME:KEY=AMOUNT/FREQUENCY,..." with each KEY (an OrderKey) at most once,
// e.g. "A:current=400/monthly,arrears=100/monthly", plus the IWO's own
// per-pay totals as stated=AMOUNT/FREQUENCY and a percentage of income as
// percent=N (KeyStated, KeyPercent). The name becomes the
// order's case ID. It returns EINVALID with a message that starts with the
// spec or the order's name, for the caller to prefix with where it came from.
func ParseOrderSpec(spec string) (Order, error) {
	var o Order
	name, body, ok := strings.Cut(spec, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return o, Errorf(EINVALID, "%q: want NAME:current=AMT/FREQ,arrears=AMT/FREQ,medical=AMT/FREQ", spec)
	}
	o.CaseID = CaseID(name)
	seen := map[OrderKey]bool{}
	for _, part := range strings.Split(body, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		key := OrderKey(strings.ToLower(strings.TrimSpace(k)))
		switch {
		case ok && key == KeyStated:
			if err := parseStated(&o, name, val, seen); err != nil {
				return o, err
			}
			continue
		case ok && key == KeyPercent:
			if seen[key] {
				return o, Errorf(EINVALID, "%s: %s given twice", name, key)
			}
			seen[key] = true
			p, err := ParsePercent(val)
			if err != nil {
				return o, Errorf(EINVALID, "%s %s: %s", name, key, ErrorMessage(err))
			}
			o.Percent = p
			continue
		}
		field := key.Obligation(&o.Amounts)
		if !ok || field == nil {
			return o, Errorf(EINVALID, "%s: %q: want KEY=AMOUNT/FREQUENCY with KEY one of %s, or stated=AMOUNT/FREQUENCY or percent=N", name, part, keyList())
		}
		if seen[key] {
			return o, Errorf(EINVALID, "%s: %s given twice", name, key)
		}
		seen[key] = true
		amt, freq, ok := strings.Cut(val, "/")
		if !ok {
			return o, Errorf(EINVALID, "%s: %s=%s: want AMOUNT/FREQUENCY, e.g. %s=400/monthly", name, key, val, key)
		}
		ob, err := parseObligation(amt, freq, "")
		if err != nil {
			return o, Errorf(EINVALID, "%s %s: %s", name, key, ErrorMessage(err))
		}
		*field = ob
	}
	if len(seen) == 0 {
		return o, Errorf(EINVALID, "%s: no amounts; want e.g. %s:current=400/monthly", name, name)
	}
	return o, nil
}

// Order spec keys that are not amounts of a component: KeyStated is a
// per-pay total the IWO states itself (items 13a–13d, written
// stated=121.86/weekly, once per frequency); KeyPercent a percentage of
// disposable earnings ordered as current support (percent=20).
const (
	KeyStated  OrderKey = "stated"
	KeyPercent OrderKey = "percent"
)

// parseStated reads the value of a stated= key into o.Stated.
func parseStated(o *Order, name, val string, seen map[OrderKey]bool) error {
	amt, freq, ok := strings.Cut(val, "/")
	if !ok {
		return Errorf(EINVALID, "%s: stated=%s: want AMOUNT/FREQUENCY, e.g. stated=121.86/weekly", name, val)
	}
	ob, err := parseObligation(amt, freq, "")
	if err != nil {
		return Errorf(EINVALID, "%s stated: %s", name, ErrorMessage(err))
	}
	k := KeyStated + OrderKey("/"+ob.Frequency)
	if seen[k] {
		return Errorf(EINVALID, "%s: stated per %s pay given twice", name, ob.Frequency)
	}
	if !o.Stated.Set(ob.Frequency, ob.Amount) {
		return Errorf(EINVALID, "%s: stated per %s pay: the IWO states per-pay amounts only for weekly, biweekly, semimonthly and monthly pays", name, ob.Frequency)
	}
	seen[k] = true
	return nil
}

func keyList() string {
	s := make([]string, len(OrderKeys))
	for i, k := range OrderKeys {
		s[i] = string(k)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// parseObligation reads an amount and its frequency; a blank frequency is
// perPay when that is set.
func parseObligation(amt, freq string, perPay Frequency) (Obligation, error) {
	c, err := ParseAmount(amt)
	if err != nil {
		return Obligation{}, err
	}
	f := perPay
	if strings.TrimSpace(freq) != "" || f == "" {
		if f, err = ParseFrequency(freq); err != nil {
			return Obligation{}, err
		}
	}
	return Obligation{Amount: c, Frequency: f}, nil
}

// CalcForm is a calculator question as typed into a form, every value as
// entered so that a page can show it back. Request reads it.
type CalcForm struct {
	// Frequency is the pay frequency; Disposable and Fee are dollars.
	Frequency, Disposable, Fee string
	// Cap is the limit as a percentage. Blank means the CCPA rule: the
	// work state's rule and the federal table, 50% (other family unknown)
	// or 55% when an order's arrears are over 12 weeks old.
	Cap string
	// CapSource says who stated Cap, for the limit's basis.
	CapSource string
	// OtherFamily is yes, no or unknown (blank).
	OtherFamily string
	// Allocation and MedicalRule are their names; blank means the default
	// (for MedicalRule: the work state's order).
	Allocation, MedicalRule string
	// WorkState is the postal code whose order of payment applies.
	WorkState string
	Orders    []CalcFormOrder
}

// CalcFormOrder is one order row of a CalcForm.
type CalcFormOrder struct {
	Name   string
	Over12 bool
	// Stated is the total the IWO states per pay of the pay frequency
	// (items 13a–13d), dollars; blank when it states none.
	Stated  string
	Amounts []CalcFormAmount
}

// CalcFormAmount is one amount of an order row.
type CalcFormAmount struct {
	Key OrderKey
	// Amount is dollars; Per its frequency, blank for "per pay" (the
	// pay frequency), which is what an amount read off a pay stub is.
	Amount, Per string
}

// NewCalcForm returns an empty form of rows orders, each with the amounts
// keys name.
func NewCalcForm(rows int, keys ...OrderKey) CalcForm {
	var f CalcForm
	for i := 0; i < rows; i++ {
		o := CalcFormOrder{}
		for _, k := range keys {
			o.Amounts = append(o.Amounts, CalcFormAmount{Key: k})
		}
		f.Orders = append(f.Orders, o)
	}
	return f
}

// Read fills f from the named fields get returns: frequency, disposable,
// cap, other_family, allocation, medical_rule, work_state, fee, and for
// row i oI_name, oI_over12 (any non-blank value is ticked), oI_stated and,
// per amount, oI_KEY and oI_KEY_freq. Missing fields read as blank.
func (f *CalcForm) Read(get func(name string) string) {
	v := func(name string) string { return strings.TrimSpace(get(name)) }
	f.Frequency, f.Disposable, f.Cap, f.Fee = v("frequency"), v("disposable"), v("cap"), v("fee")
	f.OtherFamily, f.Allocation, f.MedicalRule = v("other_family"), v("allocation"), v("medical_rule")
	f.WorkState = strings.ToUpper(v("work_state"))
	for i := range f.Orders {
		o := &f.Orders[i]
		p := func(k string) string { return v(fmt.Sprintf("o%d_%s", i, k)) }
		o.Name, o.Over12, o.Stated = p("name"), p("over12") != "", p("stated")
		for j := range o.Amounts {
			a := &o.Amounts[j]
			a.Amount, a.Per = p(string(a.Key)), p(string(a.Key)+"_freq")
		}
	}
}

// Request reads f. Rows with no amount are skipped; an unnamed row is
// "Order N". Problems are messages for the person at the form, one per bad
// field, each starting with the field's label.
func (f CalcForm) Request() (CalcRequest, []string) {
	var r CalcRequest
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var err error
	if r.Frequency, err = ParseFrequency(f.Frequency); err != nil {
		bad("Pay frequency: %s", ErrorMessage(err))
	}
	if r.Disposable, err = ParseAmount(f.Disposable); err != nil {
		bad("Disposable earnings: enter dollars and cents, e.g. 1000.00")
	}
	if strings.TrimSpace(f.Cap) != "" {
		if r.Limit.IWOPercent, err = ParsePercent(f.Cap); err != nil {
			bad("Limit: %s", ErrorMessage(err))
		}
		r.Limit.IWOStated, r.Limit.IWOSource = true, f.CapSource
	}
	if r.Limit.OtherFamily, err = ParseOtherFamily(f.OtherFamily); err != nil {
		bad("Other family: %s", ErrorMessage(err))
	}
	if f.Allocation != "" {
		if r.Allocation, err = ParseAllocation(f.Allocation); err != nil {
			bad("When short: %s", ErrorMessage(err))
		}
	}
	if f.MedicalRule != "" {
		if r.MedicalRule, err = ParseMedicalRule(f.MedicalRule); err != nil {
			bad("Premium: %s", ErrorMessage(err))
		}
	}
	r.WorkState = strings.ToUpper(strings.TrimSpace(f.WorkState))
	if strings.TrimSpace(f.Fee) != "" {
		if r.Fee, err = ParseAmount(f.Fee); err != nil {
			bad("Fee: enter dollars and cents")
		}
	}
	for i, row := range f.Orders {
		name := row.Name
		if name == "" {
			name = fmt.Sprintf("Order %d", i+1)
		}
		o := Order{CaseID: CaseID(name), ArrearsOver12Weeks: row.Over12}
		filled := false
		if strings.TrimSpace(row.Stated) != "" {
			filled = true
			c, err := ParseAmount(row.Stated)
			switch {
			case err != nil:
				bad("%s stated per pay: enter dollars and cents", name)
			case r.Frequency == "":
				// the pay frequency is already reported
			case !o.Stated.Set(r.Frequency, c):
				bad("%s stated per pay: the IWO states no amount per %s pay", name, r.Frequency)
			}
		}
		for _, a := range row.Amounts {
			if strings.TrimSpace(a.Amount) == "" {
				continue
			}
			filled = true
			field := a.Key.Obligation(&o.Amounts)
			if field == nil {
				bad("%s: unknown amount %q", name, a.Key)
				continue
			}
			if _, err := ParseAmount(a.Amount); err != nil {
				bad("%s %s: enter dollars and cents", name, a.Key.Label())
				continue
			}
			if strings.TrimSpace(a.Per) == "" && r.Frequency == "" {
				continue // per pay, and the pay frequency is already reported
			}
			ob, err := parseObligation(a.Amount, a.Per, r.Frequency)
			if err != nil {
				bad("%s %s: %s", name, a.Key.Label(), ErrorMessage(err))
				continue
			}
			*field = ob
		}
		if filled {
			r.Orders = append(r.Orders, o)
		}
	}
	if len(r.Orders) == 0 && len(problems) == 0 {
		bad("Enter at least one order.")
	}
	return r, problems
}
