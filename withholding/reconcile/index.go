package reconcile

import (
	"fmt"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// multi maps a key to several orders without a slice per key: head holds the
// last order added for a key (index+1) and next chains to the one before.
// For a million orders that is one map entry and one int32 per order.
type multi[K comparable] struct {
	head map[K]int32
	next []int32
}

func newMulti[K comparable](n int) multi[K] {
	return multi[K]{head: make(map[K]int32, n), next: make([]int32, n)}
}

func (m *multi[K]) add(k K, i int) {
	m.next[i] = m.head[k]
	m.head[k] = int32(i) + 1
}

// each calls f for every order under k until f returns false.
func (m *multi[K]) each(k K, f func(i int32) bool) {
	if m.head == nil {
		return
	}
	for j := m.head[k]; j != 0; j = m.next[j-1] {
		if !f(j - 1) {
			return
		}
	}
}

// index finds orders by the identifiers a payment carries.
type index struct {
	orders    []*withholding.Order
	rules     []MatchRule
	byRemit   multi[withholding.RemittanceID]
	byCase    multi[withholding.CaseID]
	bySSN     multi[withholding.SSN]
	byName    multi[string]
	byID      map[int64]int
	employers map[withholding.FEIN]*withholding.Employer
}

func newIndex(orders []*withholding.Order, employers []*withholding.Employer, rules []MatchRule) *index {
	n := len(orders)
	x := &index{
		orders:    orders,
		rules:     rules,
		byRemit:   newMulti[withholding.RemittanceID](n),
		byCase:    newMulti[withholding.CaseID](n),
		bySSN:     newMulti[withholding.SSN](n),
		byID:      make(map[int64]int, n),
		employers: make(map[withholding.FEIN]*withholding.Employer, len(employers)),
	}
	names := false
	for _, r := range rules {
		names = names || r == MatchNameFIPS
	}
	if names {
		x.byName = newMulti[string](n)
	}
	for i, o := range orders {
		if o.RemittanceID != "" {
			x.byRemit.add(o.RemittanceID, i)
		}
		if o.CaseID != "" {
			x.byCase.add(o.CaseID, i)
		}
		if o.Obligor.SSN != "" {
			x.bySSN.add(o.Obligor.SSN, i)
		}
		if names {
			if k := nameKey(NameCode(o.Obligor.Last, o.Obligor.First), o.PayeeFIPS); k != "" {
				x.byName.add(k, i)
			}
		}
		if o.ID != 0 {
			x.byID[o.ID] = i
		}
	}
	for _, e := range employers {
		x.employers[e.FEIN] = e
	}
	return x
}

// NameCode is the DED07 form of a name: the first seven letters of the last
// name and the first three of the first name, with a comma between them when
// the last name is shorter than seven letters ("CASTELLANO", "MARIA" →
// "CASTELLMAR"; "LEE", "SAM" → "LEE,SAM"). Only letters count.
func NameCode(last, first string) string {
	l, f := letters(last), letters(first)
	if l == "" {
		return ""
	}
	if len(f) > 3 {
		f = f[:3]
	}
	if len(l) >= 7 {
		return l[:7] + f
	}
	return l + "," + f
}

func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// normalName reads a DED07 as sent: upper case, spaces dropped.
func normalName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || r == ',' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameKey joins a name code with the five-digit state+county FIPS.
func nameKey(code, fips string) string {
	fips = strings.TrimSpace(fips)
	if code == "" || len(fips) < 5 {
		return ""
	}
	return code + "|" + fips[:5]
}

// match finds the order for p by the configured rules. It returns the
// order's index and the rule that found it, or -1 and why nothing did.
func (x *index) match(p *withholding.Payment) (int, MatchRule, string) {
	var why []string
	for _, rule := range x.rules {
		var cands []int32
		collect := func(i int32) bool { cands = append(cands, i); return len(cands) < 64 }
		switch rule {
		case MatchCase:
			if p.CaseID == "" {
				why = append(why, "no case identifier")
				continue
			}
			x.byRemit.each(p.CaseID, collect)
			if len(cands) == 0 {
				x.byCase.each(withholding.CaseID(p.CaseID), collect)
			}
			if len(cands) == 0 {
				why = append(why, fmt.Sprintf("case identifier %q is not on file", p.CaseID))
				continue
			}
		case MatchSSN:
			if !p.SSN.Valid() {
				why = append(why, "no valid SSN")
				continue
			}
			x.bySSN.each(p.SSN, collect)
			if len(cands) == 0 {
				why = append(why, fmt.Sprintf("SSN %s is not on any order", p.SSN))
				continue
			}
		case MatchNameFIPS:
			k := nameKey(normalName(p.Name), p.FIPS)
			if k == "" {
				why = append(why, "no name and FIPS")
				continue
			}
			x.byName.each(k, collect)
			if len(cands) == 0 {
				why = append(why, fmt.Sprintf("name %q with FIPS %s is on no order", p.Name, p.FIPS))
				continue
			}
		}
		if i, ok := x.narrow(cands, p, rule); ok {
			return int(i), rule, ""
		}
		why = append(why, fmt.Sprintf("%s matches %d orders and nothing else tells them apart", rule, len(cands)))
	}
	if len(why) == 0 {
		why = append(why, "no match rule applies")
	}
	return -1, "", strings.Join(why, "; ")
}

// narrow picks one order among candidates: the only one, else the only one
// with the paying employer, else (for matches not made by SSN) the only one
// with the SSN sent, else the only active one.
func (x *index) narrow(cands []int32, p *withholding.Payment, rule MatchRule) (int32, bool) {
	if len(cands) == 1 {
		return cands[0], true
	}
	filters := []func(o *withholding.Order) bool{
		func(o *withholding.Order) bool { return p.FEIN != "" && o.EmployerFEIN == p.FEIN },
		func(o *withholding.Order) bool { return rule != MatchSSN && p.SSN.Valid() && o.Obligor.SSN == p.SSN },
		func(o *withholding.Order) bool {
			return o.Status == withholding.StatusAccepted || o.Status == withholding.StatusSent
		},
	}
	for _, keep := range filters {
		var kept []int32
		for _, i := range cands {
			if keep(x.orders[i]) {
				kept = append(kept, i)
			}
		}
		if len(kept) == 1 {
			return kept[0], true
		}
		if len(kept) > 1 {
			cands = kept
		}
	}
	return -1, false
}
