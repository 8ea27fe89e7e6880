package withholding

import (
	"fmt"
	"strings"
)

// Tier is one priority level of the calculator: a group of IWO components
// that is paid, across all orders, before the next tier gets anything.
type Tier string

// Tiers and the IWO components each holds. Within an order, a tier's share
// is spread over its components in the order listed.
const (
	TierCurrent Tier = "current" // current child support, then current spousal support
	TierMedical Tier = "medical" // current cash medical support
	TierPremium Tier = "premium" // health-coverage premium (NMSN); never withheld in part
	TierArrears Tier = "arrears" // past-due child support, past-due medical, past-due spousal
	TierOther   Tier = "other"   // "other" (IWO item 11), always last in the built-in rules
)

var tierLabels = map[Tier]string{
	TierCurrent: "Current support",
	TierMedical: "Cash medical support",
	TierPremium: "Health-coverage premium",
	TierArrears: "Arrears",
	TierOther:   "Other ordered amounts",
}

// MedicalRule names a priority preset: where the health-coverage premium
// and cash medical support come among the cash support tiers. The work
// state decides (spec §4); PriorityRules keeps which state uses which.
type MedicalRule string

// Medical rules, the named presets of PriorityRules.
const (
	// MedicalAfterCurrent: current support, then the premium and current
	// cash medical, then arrears (California county guidance). The default.
	MedicalAfterCurrent MedicalRule = "after-current"
	// MedicalAfterCash: all cash support (current, cash medical, arrears)
	// first, then the premium (West Virginia).
	MedicalAfterCash MedicalRule = "after-cash"
	// MedicalFirst: the premium first, then current support, cash
	// medical and arrears (California, when the obligee chose coverage).
	MedicalFirst MedicalRule = "first"
	// MedicalMaryland: current support, then arrears, then the health
	// insurance premium, then other medical support (cash medical), as
	// Maryland orders them (COMAR 07.07.20.06, per the survey).
	// It differs from the others in putting arrears before any medical
	// support.
	MedicalMaryland MedicalRule = "maryland"
)

// DefaultMedicalRule is used when CalcInput.MedicalRule is empty.
const DefaultMedicalRule = MedicalAfterCurrent

// MedicalRules lists the presets, in the order help text names them.
var MedicalRules = []MedicalRule{MedicalAfterCurrent, MedicalAfterCash, MedicalFirst, MedicalMaryland}

// ParseMedicalRule reads a MedicalRule name.
func ParseMedicalRule(s string) (MedicalRule, error) {
	r := MedicalRule(s)
	if r.Priority() == nil {
		return "", Errorf(EINVALID, "unknown medical rule %q (want %s)", s, ruleList())
	}
	return r, nil
}

func ruleList() string {
	s := make([]string, len(MedicalRules))
	for i, r := range MedicalRules {
		s[i] = string(r)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Priority returns the tiers in the order the rule pays them, or nil for an
// unknown rule. "Other" is last in every rule.
func (r MedicalRule) Priority() []Tier {
	switch r {
	case MedicalAfterCurrent:
		return []Tier{TierCurrent, TierPremium, TierMedical, TierArrears, TierOther}
	case MedicalAfterCash:
		return []Tier{TierCurrent, TierMedical, TierArrears, TierPremium, TierOther}
	case MedicalFirst:
		return []Tier{TierPremium, TierCurrent, TierMedical, TierArrears, TierOther}
	case MedicalMaryland:
		return []Tier{TierCurrent, TierArrears, TierPremium, TierMedical, TierOther}
	}
	return nil
}

// tierFields returns pointers to the components of p in tier t, in the
// order a tier's share fills them.
func tierFields(t Tier, p *PerPay) []*Cents {
	switch t {
	case TierCurrent:
		return []*Cents{&p.CurrentSupport, &p.CurrentSpousal}
	case TierMedical:
		return []*Cents{&p.CurrentMedical}
	case TierPremium:
		return []*Cents{&p.MedicalPremium}
	case TierArrears:
		return []*Cents{&p.PastDueSupport, &p.PastDueMedical, &p.PastDueSpousal}
	case TierOther:
		return []*Cents{&p.Other}
	}
	return nil
}

// CalcOrder is one order as the calculator sees it: its amounts already
// restated per pay.
type CalcOrder struct {
	// Name identifies the order in results and explanations (case ID, or
	// whatever the caller typed).
	Name string `json:"name"`
	// Ref is the Order.ID, if any.
	Ref int64 `json:"ref,omitempty"`
	// Due is what the order asks for this pay.
	Due PerPay `json:"due"`
	// ArrearsOver12Weeks is the order's field 6c.
	ArrearsOver12Weeks bool `json:"arrears_over_12_weeks"`
	// Basis says where Due comes from, for the explanation (see
	// Order.PerPayBasis); "" says nothing.
	Basis string `json:"basis,omitempty"`
	// Percent, when positive, adds that percentage of the pay's
	// disposable earnings, rounded down to the cent, to Due's current
	// support (Order.Percent).
	Percent Percent `json:"percent,omitempty"`
}

// CalcOrderOf returns o as the calculator sees it for pays of frequency f.
// Its name is the case ID (the order ID when the case ID is empty). This is
// the one conversion path: the employer mode and "iwo calc" both use it.
func CalcOrderOf(o Order, f Frequency) CalcOrder {
	name := string(o.CaseID)
	if name == "" {
		name = string(o.OrderID)
	}
	return CalcOrder{Name: name, Ref: o.ID, Due: o.PerPay(f), ArrearsOver12Weeks: o.ArrearsOver12Weeks,
		Basis: o.PerPayBasis(f), Percent: o.Percent}
}

// CalcInput is one pay of one employee with every order withheld from it.
type CalcInput struct {
	// Frequency is the pay frequency (for the explanation; amounts in
	// Orders are already per pay).
	Frequency Frequency `json:"frequency"`
	// Disposable is the disposable earnings of this pay, as the work state
	// defines them (spec §1.2).
	Disposable Cents `json:"disposable_cents"`
	// Limit decides the percentage.
	Limit Limit `json:"limit"`
	// Allocation splits a tier that does not fit; "" means Proportional.
	Allocation Allocation `json:"allocation"`
	// MedicalRule places the premium; "" means MedicalAfterCurrent.
	MedicalRule MedicalRule `json:"medical_rule"`
	// Priority, when set, overrides MedicalRule with an explicit order; it
	// must list each of the five tiers exactly once. PriorityBasis says
	// whose order it is, for the explanation (PriorityRules.For).
	Priority      []Tier `json:"priority,omitempty"`
	PriorityBasis string `json:"priority_basis,omitempty"`
	// Fee is the employer's administrative fee for this pay, 0 if none or
	// if the work state allows none.
	Fee Cents `json:"fee_cents"`
	// FeeOutsideLimit takes the fee on top of the limit. The federal IWO
	// says support plus fee must stay within the limit (spec §1.3), so the
	// zero value, inside, is the federal rule.
	FeeOutsideLimit bool `json:"fee_outside_limit"`
	// FeeRule, when set and Fee is 0, is the work state's fee rule
	// (DefaultStateFees): Calculate works out the fee for this pay from it
	// and takes it inside the limit unless the rule says otherwise.
	FeeRule *FeeRule `json:"fee_rule,omitempty"`
	// Orders are withheld for, in the order given (ties go to earlier ones).
	Orders []CalcOrder `json:"orders"`
}

// OrderResult is what one order gets from one pay.
type OrderResult struct {
	Name string `json:"name"`
	Ref  int64  `json:"ref,omitempty"`
	// Ordered is the order's per-pay amounts; Withheld what was taken, by
	// component (Withheld.Total is what goes to the SDU).
	Ordered  PerPay `json:"ordered"`
	Withheld PerPay `json:"withheld"`
	// The same money in the four columns the help line reads out:
	// Current = current child + spousal support; Medical = cash medical +
	// premium; Arrears = all past-due support; Other = item 11.
	Current Cents `json:"current_cents"`
	Medical Cents `json:"medical_cents"`
	Arrears Cents `json:"arrears_cents"`
	Other   Cents `json:"other_cents"`
	// Total is everything taken from the pay for this order (premium
	// included); Remit is the part sent to the SDU (premium excluded).
	Total Cents `json:"total_cents"`
	Remit Cents `json:"remit_cents"`
}

// CalcResult is the outcome of Calculate, with the audit trail an agency
// needs in a dispute (spec §6): the limit's basis, the method, and a
// plain-language explanation.
type CalcResult struct {
	Frequency  Frequency `json:"frequency"`
	Disposable Cents     `json:"disposable_cents"`
	Percent    Percent   `json:"percent"`
	// Basis says where Percent came from, in words.
	Basis string `json:"basis"`
	// Cap is Percent of Disposable, rounded down to the cent.
	Cap Cents `json:"cap_cents"`
	// Fee is the administrative fee actually taken (0 when nothing was
	// withheld or it did not fit); Available is what the limit left for
	// support after a fee taken inside it.
	Fee             Cents      `json:"fee_cents"`
	FeeOutsideLimit bool       `json:"fee_outside_limit"`
	Available       Cents      `json:"available_cents"`
	Allocation      Allocation `json:"allocation"`
	Priority        []Tier     `json:"priority"`
	// Ordered is everything the orders ask for this pay, premiums
	// included; Withheld what was taken for them (fee excluded);
	// Unwithheld = Ordered − Withheld, what the limit left unpaid.
	Ordered    Cents         `json:"ordered_cents"`
	Withheld   Cents         `json:"withheld_cents"`
	Unwithheld Cents         `json:"unwithheld_cents"`
	Orders     []OrderResult `json:"orders"`
	// Explanation is sentences a help-line agent can read out, in the
	// order the rules were applied.
	Explanation []string `json:"explanation"`
}

// Calculate works out one pay's withholding for every order of one
// employee (spec §6 steps):
//
//  1. the limit percentage (Limit.Resolve) and the cap: that percentage of
//     disposable earnings, rounded down to the cent;
//  2. a fee taken inside the limit is set aside first; if the cap cannot
//     hold it, no fee is taken and support keeps the whole cap;
//  3. tiers are paid in priority order across all orders; a tier that does
//     not fit in what is left is split by the allocation method; a premium
//     is taken whole or not at all (a partial premium cannot buy coverage,
//     spec §4 [uncertain]), earlier orders first;
//  4. no order with a cash amount ordered is left at zero while another
//     order has two cents or more: it gets one cent from the order with the
//     largest cash withholding, taken from that order's lowest-priority
//     component (45 CFR 303.100(a)(5));
//  5. the fee is dropped when no support was withheld.
//
// All amounts stay integer cents; see allocate for the rounding of splits.
// Calculate returns an EINVALID error for negative money, an out-of-range
// percentage, an unknown method or rule, or a priority list that does not
// name each tier once.
func Calculate(in CalcInput) (CalcResult, error) {
	if err := in.validate(); err != nil {
		return CalcResult{}, err
	}
	method := in.Allocation
	if method == "" {
		method = DefaultAllocation
	}
	prio, prioBasis := in.Priority, in.PriorityBasis
	if prio == nil {
		rule := in.MedicalRule
		if rule == "" {
			rule = DefaultMedicalRule
		}
		prio, prioBasis = rule.Priority(), "the "+string(rule)+" order"
	}
	if prioBasis == "" {
		prioBasis = "as given"
	}

	lim := in.Limit
	for _, o := range in.Orders {
		lim.ArrearsOver12Weeks = lim.ArrearsOver12Weeks || o.ArrearsOver12Weeks
	}
	pct, basis, err := lim.Resolve()
	if err != nil {
		return CalcResult{}, err
	}
	res := CalcResult{
		Frequency:       in.Frequency,
		Disposable:      in.Disposable,
		Percent:         pct,
		Basis:           basis,
		Cap:             pct.Of(in.Disposable),
		FeeOutsideLimit: in.FeeOutsideLimit,
		Allocation:      method,
		Priority:        append([]Tier(nil), prio...),
		Orders:          make([]OrderResult, len(in.Orders)),
	}
	say := func(format string, args ...any) {
		res.Explanation = append(res.Explanation, fmt.Sprintf(format, args...))
	}
	per := "pay"
	if in.Frequency != "" {
		per = string(in.Frequency) + " pay"
	}
	say("Disposable earnings for this %s: %s.", per, in.Disposable.Dollars())
	say("Limit: %s of disposable earnings = %s (%s).", pct, res.Cap.Dollars(), basis)
	say("Order of payment: %s (%s).", describePriority(prio), prioBasis)

	res.Available = res.Cap
	fee := in.Fee
	var pctFee *FeeRule // a percentage fee, worked out once support is known
	if rule := in.FeeRule; rule != nil && fee == 0 {
		res.FeeOutsideLimit = rule.OutsideLimit
		if rule.Basis == FeePercent {
			pctFee = rule
		} else {
			paying := 0
			for _, o := range in.Orders {
				if o.Due.sum().Total > 0 || o.Percent > 0 {
					paying++
				}
			}
			fee = rule.fixed(in.Frequency, paying)
		}
		say("Employer fee by the work state's rule: %s (%s).", rule.Describe(), rule.Source)
	}
	switch {
	case pctFee != nil && !res.FeeOutsideLimit:
		res.Available = pctFee.supportRoom(res.Cap)
		say("The fee must fit inside the limit with support: support may take at most %s, leaving room for %s of it.", res.Available.Dollars(), pctFee.Percent)
	case fee == 0:
	case res.FeeOutsideLimit:
		say("The administrative fee of %s is taken on top of the limit (work-state rule).", fee.Dollars())
	case res.Cap > fee:
		res.Available = res.Cap - fee
		say("The administrative fee of %s must fit inside the limit, leaving %s for support.", fee.Dollars(), res.Available.Dollars())
	default:
		say("The administrative fee of %s does not fit inside the limit of %s; no fee is taken.", fee.Dollars(), res.Cap.Dollars())
		fee = 0
	}

	for i, o := range in.Orders {
		due := o.Due.sum() // a hand-built PerPay may lack its Total
		if o.Basis != "" && due.Total > 0 {
			say("%s: %s ordered for this %s, %s.", o.Name, due.Total.Dollars(), per, o.Basis)
		}
		if o.Percent > 0 {
			// Rounded down like the cap: a share of earnings is a
			// maximum the order allows, never rounded up.
			share := o.Percent.Of(in.Disposable)
			due.CurrentSupport += share
			due = due.sum()
			say("%s: %s of disposable earnings = %s current support (a percentage order; the limit still applies).", o.Name, o.Percent, share.Dollars())
		}
		res.Orders[i] = OrderResult{Name: o.Name, Ref: o.Ref, Ordered: due}
		res.Ordered += due.Withheld()
	}
	left := res.Available
	for _, t := range prio {
		left = res.payTier(t, left, method, say)
	}
	res.keepEveryOrder(prio, say)

	for i := range res.Orders {
		r := &res.Orders[i]
		w := r.Withheld.sum()
		r.Withheld = w
		r.Current = w.CurrentSupport + w.CurrentSpousal
		r.Medical = w.CurrentMedical + w.MedicalPremium
		r.Arrears = w.PastDueSupport + w.PastDueMedical + w.PastDueSpousal
		r.Other = w.Other
		r.Total = w.Withheld()
		r.Remit = w.Total
		res.Withheld += r.Total
	}
	if pctFee != nil {
		fee = pctFee.capped(pctFee.Percent.Of(res.Withheld))
		if fee > 0 {
			say("The employer may keep %s (%s of %s withheld).", fee.Dollars(), pctFee.Percent, res.Withheld.Dollars())
		}
	}
	if res.Withheld == 0 && fee > 0 {
		say("Nothing is withheld for support, so no fee is taken.")
		fee = 0
	}
	res.Fee = fee
	res.Unwithheld = res.Ordered - res.Withheld
	if res.Unwithheld > 0 {
		say("Withheld %s of %s ordered; %s cannot be withheld this pay because of the limit.",
			res.Withheld.Dollars(), res.Ordered.Dollars(), res.Unwithheld.Dollars())
	} else {
		say("Everything ordered fits under the limit: withhold %s.", res.Withheld.Dollars())
	}
	return res, nil
}

// payTier pays tier t from left and returns what is left after it.
func (res *CalcResult) payTier(t Tier, left Cents, method Allocation, say func(string, ...any)) Cents {
	demand := make([]Cents, len(res.Orders))
	var total Cents
	for i := range res.Orders {
		for _, f := range tierFields(t, &res.Orders[i].Ordered) {
			demand[i] += *f
		}
		total += demand[i]
	}
	if total == 0 {
		return left
	}
	label := tierLabels[t]
	if t == TierPremium {
		for i, d := range demand {
			if d == 0 {
				continue
			}
			if d <= left {
				res.Orders[i].Withheld.MedicalPremium = d
				left -= d
				say("%s: %s for %s fits and is withheld (%s left).", label, d.Dollars(), res.Orders[i].Name, left.Dollars())
			} else {
				say("%s: %s for %s does not fit in the %s left; a premium cannot be withheld in part, so none is withheld (tell the agency the limit prevents enrollment).",
					label, d.Dollars(), res.Orders[i].Name, left.Dollars())
			}
		}
		return left
	}
	shares := allocate(left, demand, method)
	for i, s := range shares {
		w := &res.Orders[i].Withheld
		o := &res.Orders[i].Ordered
		wf, of := tierFields(t, w), tierFields(t, o)
		for k := range wf {
			take := min(s, *of[k])
			*wf[k] += take
			s -= take
		}
	}
	switch {
	case total <= left:
		left -= total
		say("%s: %s ordered, all withheld (%s left).", label, total.Dollars(), left.Dollars())
	case left == 0:
		say("%s: %s ordered, nothing left under the limit; none withheld.", label, total.Dollars())
	case len(res.Orders) == 1:
		say("%s: %s ordered but only %s left; withhold that.", label, total.Dollars(), left.Dollars())
		left = 0
	default:
		how := "in proportion to each order's amount"
		if method == Equal {
			how = "in equal amounts until an order is paid in full"
		}
		parts := make([]string, 0, len(shares))
		for i, s := range shares {
			if demand[i] > 0 {
				parts = append(parts, fmt.Sprintf("%s %s", res.Orders[i].Name, s.Dollars()))
			}
		}
		say("%s: %s ordered but only %s left; split %s: %s.", label, total.Dollars(), left.Dollars(), how, strings.Join(parts, ", "))
		left = 0
	}
	return left
}

// keepEveryOrder is step 4 of Calculate: an order with cash support
// ordered and nothing withheld gets one cent from the order with the most.
func (res *CalcResult) keepEveryOrder(prio []Tier, say func(string, ...any)) {
	cash := func(p *PerPay) Cents { return p.sum().Total }
	for i := range res.Orders {
		r := &res.Orders[i]
		if cash(&r.Ordered) == 0 || r.Withheld.sum().Withheld() > 0 {
			continue
		}
		donor := -1
		for j := range res.Orders {
			if donor < 0 || cash(&res.Orders[j].Withheld) > cash(&res.Orders[donor].Withheld) {
				donor = j
			}
		}
		if cash(&res.Orders[donor].Withheld) < 2 {
			return
		}
		d := &res.Orders[donor]
		// Take from the donor's lowest-priority cash component …
	take:
		for k := len(prio) - 1; k >= 0; k-- {
			if prio[k] == TierPremium {
				continue
			}
			fs := tierFields(prio[k], &d.Withheld)
			for n := len(fs) - 1; n >= 0; n-- {
				if *fs[n] > 0 {
					*fs[n]--
					break take
				}
			}
		}
		// … and give to the recipient's highest-priority unpaid one.
	give:
		for _, t := range prio {
			if t == TierPremium {
				continue
			}
			wf, of := tierFields(t, &r.Withheld), tierFields(t, &r.Ordered)
			for n := range wf {
				if *wf[n] < *of[n] {
					*wf[n]++
					break give
				}
			}
		}
		say("%s would get nothing, and every order must receive something (45 CFR 303.100(a)(5)): one cent moves from %s to %s.",
			r.Name, d.Name, r.Name)
	}
}

func (in CalcInput) validate() error {
	if in.Frequency != "" && !in.Frequency.Valid() {
		return Errorf(EINVALID, "unknown pay frequency %q", in.Frequency)
	}
	if in.Disposable < 0 {
		return Errorf(EINVALID, "disposable earnings %s is negative", in.Disposable)
	}
	if in.Fee < 0 {
		return Errorf(EINVALID, "fee %s is negative", in.Fee)
	}
	if in.FeeRule != nil {
		if err := in.FeeRule.validate(); err != nil {
			return err
		}
	}
	if in.Allocation != "" {
		if _, err := ParseAllocation(string(in.Allocation)); err != nil {
			return err
		}
	}
	if in.MedicalRule != "" {
		if _, err := ParseMedicalRule(string(in.MedicalRule)); err != nil {
			return err
		}
	}
	if in.Priority != nil {
		if err := validPriority(in.Priority); err != nil {
			return err
		}
	}
	for _, o := range in.Orders {
		p := o.Due
		for _, c := range []Cents{p.CurrentSupport, p.PastDueSupport, p.CurrentMedical, p.PastDueMedical,
			p.CurrentSpousal, p.PastDueSpousal, p.Other, p.MedicalPremium} {
			if c < 0 {
				return Errorf(EINVALID, "order %s: amount %s is negative", o.Name, c)
			}
		}
		if !o.Percent.Valid() {
			return Errorf(EINVALID, "order %s: percentage %s is not between 0 and 100", o.Name, o.Percent)
		}
	}
	return nil
}
