package withholding

import (
	"sort"
	"strings"
)

// PriorityRules decide the order in which one pay's withholding pays the
// calculator's tiers, by work state (the state of the employee's principal
// place of employment, whose law governs priorities: spec §3.1). It is the
// one place that decides: "iwo calc", the console and the employer mode
// all reach it through CalcRequest.
type PriorityRules struct {
	// Default is the preset for a state without an entry; "" means
	// DefaultMedicalRule.
	Default MedicalRule
	// States maps a two-letter postal code to its order of the five tiers.
	States map[string][]Tier
}

// DefaultStatePriorities is iwo's table of the states whose order is
// known to differ from DefaultMedicalRule. A configuration replaces it
// (withholding.priority). Sources are per the survey (issue 17);
// verify with the state before relying on an entry.
var DefaultStatePriorities = map[string]MedicalRule{
	// COMAR 07.07.20.06: current support, then arrears, then the health
	// insurance premium, then other medical support.
	"MD": MedicalMaryland,
	// West Virginia: all cash support before the premium (the
	// after-cash rule's source, docs/withholding.md).
	"WV": MedicalAfterCash,
}

// DefaultPriorityRules returns DefaultMedicalRule with
// DefaultStatePriorities.
func DefaultPriorityRules() PriorityRules {
	r := PriorityRules{Default: DefaultMedicalRule, States: map[string][]Tier{}}
	for st, rule := range DefaultStatePriorities {
		r.States[st] = rule.Priority()
	}
	return r
}

// ParsePriority reads an order of payment as a configuration or a flag
// writes it: a preset name (after-current, after-cash, first, maryland) or
// the five tiers in order, comma-separated ("current, arrears, premium,
// medical, other"). It returns EINVALID.
func ParsePriority(s string) ([]Tier, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if p := MedicalRule(s).Priority(); p != nil {
		return p, nil
	}
	if !strings.Contains(s, ",") {
		return nil, Errorf(EINVALID, "priority %q: want %s, or the tiers %s in order, comma-separated", s, ruleList(), tierList())
	}
	var p []Tier
	for _, part := range strings.Split(s, ",") {
		p = append(p, Tier(strings.TrimSpace(part)))
	}
	if err := validPriority(p); err != nil {
		return nil, err
	}
	return p, nil
}

// For returns the tiers in the order state's rule pays them, and words
// saying whose order it is, for the explanation.
func (r PriorityRules) For(state string) ([]Tier, string) {
	state = strings.ToUpper(strings.TrimSpace(state))
	if p, ok := r.States[state]; ok {
		if name := presetOf(p); name != "" {
			return p, "the " + string(name) + " order, set for work state " + state
		}
		return p, "the order set for work state " + state
	}
	rule := r.Default
	if rule == "" {
		rule = DefaultMedicalRule
	}
	basis := "the " + string(rule) + " order"
	if state != "" {
		basis += ", the default: no order is set for work state " + state
	}
	return rule.Priority(), basis
}

// presetOf returns the preset whose order p is, or "".
func presetOf(p []Tier) MedicalRule {
	for _, r := range MedicalRules {
		if equalTiers(r.Priority(), p) {
			return r
		}
	}
	return ""
}

func equalTiers(a, b []Tier) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// validPriority checks that p names each of the five tiers once.
func validPriority(p []Tier) error {
	seen := map[Tier]bool{}
	for _, t := range p {
		if _, ok := tierLabels[t]; !ok || seen[t] {
			return Errorf(EINVALID, "priority %v: tier %q is unknown or repeated (want %s once each)", p, t, tierList())
		}
		seen[t] = true
	}
	if len(seen) != len(tierLabels) {
		return Errorf(EINVALID, "priority %v: must list %s once each", p, tierList())
	}
	return nil
}

func tierList() string {
	ts := make([]string, 0, len(tierLabels))
	for t := range tierLabels {
		ts = append(ts, string(t))
	}
	sort.Strings(ts)
	return strings.Join(ts, ", ")
}

// describePriority names the tiers of p for people, in order.
func describePriority(p []Tier) string {
	names := make([]string, len(p))
	for i, t := range p {
		names[i] = strings.ToLower(tierLabels[t])
	}
	return strings.Join(names, ", then ")
}
