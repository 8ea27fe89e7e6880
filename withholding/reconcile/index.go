package reconcile

import (
	"fmt"
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"
	"unicode"

	"github.com/iwoproject/iwo/withholding"
)

// table finds orders by one kind of key. A state's night indexes a million
// orders four ways, so it is built for size rather than generality: open
// addressing over 8-byte slots (a hash fragment and the newest order with
// the key) with the other orders of a key chained through next, about 20
// bytes per order, where a Go map with string keys took about 60. Keys are
// not stored: a slot's key is read back from its order (key), which the
// fragment makes rare.
type table[K comparable] struct {
	slots []slot
	next  []int32 // per order: index+1 of the order added before it with the same key
	hash  func(K) uint64
	key   func(i int) (K, bool) // order i's key; false when it has none
}

type slot struct {
	frag uint32 // high bits of the key's hash
	head int32  // index+1 of the last order added with the key; 0 = empty
}

// newTable indexes the first n orders by key, with a table at most about
// two-thirds full so that probes stay short.
func newTable[K comparable](n int, hash func(K) uint64, key func(i int) (K, bool)) *table[K] {
	size := 1 << bits.Len(uint(n+n/2))
	t := &table[K]{slots: make([]slot, size), next: make([]int32, n), hash: hash, key: key}
	for i := range n {
		if k, ok := key(i); ok {
			t.add(k, i)
		}
	}
	return t
}

// find returns the slot that holds k, or the empty slot where it would go.
func (t *table[K]) find(k K) *slot {
	h := t.hash(k)
	frag, mask := uint32(h>>32), uint64(len(t.slots)-1)
	for j := h & mask; ; j = (j + 1) & mask {
		s := &t.slots[j]
		if s.head == 0 {
			return s
		}
		if s.frag == frag {
			if sk, _ := t.key(int(s.head - 1)); sk == k {
				return s
			}
		}
	}
}

func (t *table[K]) add(k K, i int) {
	s := t.find(k)
	if s.head == 0 {
		s.frag = uint32(t.hash(k) >> 32)
	}
	t.next[i] = s.head
	s.head = int32(i) + 1
}

// each calls f for every order under k, newest first, until f returns false.
func (t *table[K]) each(k K, f func(i int32) bool) {
	if t == nil {
		return
	}
	for j := t.find(k).head; j != 0; j = t.next[j-1] {
		if !f(j - 1) {
			return
		}
	}
}

// nameKey is a name code (NameCode, at most ten characters) and the
// five-digit state+county FIPS packed into a comparable value, so that the
// name index needs no string per order.
type nameKey [16]byte

const nameCodeMax = len(nameKey{}) - 5

// makeNameKey packs a name code and a FIPS code; false when either is
// missing. A code too long to be any order's packs to a key no order has.
func makeNameKey(code []byte, fips string) (nameKey, bool) {
	var k nameKey
	fips = strings.TrimSpace(fips)
	if len(code) == 0 || len(fips) < 5 {
		return k, false
	}
	if len(code) > nameCodeMax {
		k[0] = 0xff // name codes are letters and commas
		return k, true
	}
	copy(k[:], code)
	copy(k[nameCodeMax:], fips[:5])
	return k, true
}

// index finds orders by the identifiers a payment carries.
type index struct {
	orders *orderList
	rules  []MatchRule
	// byID holds, for each field of the "case" rule in its order, the
	// orders by that identifier in NormalID form.
	byID []idTable
	// byCase is the orders by case ID as stored, for exceptions that name
	// an order by its case (attachOrder).
	byCase *table[withholding.CaseID]
	bySSN  *table[withholding.SSN]
	byName *table[nameKey] // nil unless a rule matches by name
}

// idTable is the orders by one identifier field.
type idTable struct {
	field IDField
	t     *table[string]
}

func newIndex(orders *orderList, rules []MatchRule, ids []IDField) *index {
	seed := maphash.MakeSeed()
	x := &index{
		orders: orders,
		rules:  rules,
		byCase: newStringTable(orders, seed, orders.caseID),
		bySSN:  newStringTable(orders, seed, orders.ssn),
	}
	if slices.Contains(rules, MatchCase) {
		for _, f := range ids {
			var key func(int32) string
			switch f {
			case IDRemittance:
				key = func(i int32) string { return string(orders.remittanceID(i)) }
			case IDCase:
				key = func(i int32) string { return string(orders.caseID(i)) }
			case IDOrder:
				key = orders.orderID
			}
			x.byID = append(x.byID, idTable{f, newStringTable(orders, seed, func(i int32) string { return withholding.NormalID(key(i)) })})
		}
	}
	if slices.Contains(rules, MatchNameFIPS) {
		x.byName = newTable(orders.len(), func(k nameKey) uint64 { return maphash.Bytes(seed, k[:]) },
			func(i int) (nameKey, bool) {
				return makeNameKey([]byte(orders.nameCode(int32(i))), orders.fips(int32(i)))
			})
	}
	return x
}

// newStringTable indexes orders by a string key that key reads from an
// order; orders whose key is empty are left out.
func newStringTable[K ~string](orders *orderList, seed maphash.Seed, key func(i int32) K) *table[K] {
	return newTable(orders.len(), func(k K) uint64 { return maphash.String(seed, string(k)) },
		func(i int) (K, bool) {
			k := key(int32(i))
			return k, k != ""
		})
}

// NameCode is the DED07 form of a name: the first seven letters of the last
// name and the first three of the first name, with a comma between them when
// the last name is shorter than seven letters ("CASTELLANO", "MARIA" →
// "CASTELLMAR"; "LEE", "SAM" → "LEE,SAM"). Only letters count.
func NameCode(last, first string) string {
	return string(appendNameCode(nil, last, first))
}

// appendNameCode appends NameCode(last, first) to dst; the index calls it
// for every order, so it does not allocate when dst has room.
func appendNameCode(dst []byte, last, first string) []byte {
	start := len(dst)
	dst = appendLetters(dst, last, false)
	l := len(dst) - start
	if l == 0 {
		return dst
	}
	if l >= 7 {
		dst = dst[:start+7]
	} else {
		dst = append(dst, ',')
	}
	mark := len(dst)
	dst = appendLetters(dst, first, false)
	if len(dst) > mark+3 {
		dst = dst[:mark+3]
	}
	return dst
}

// appendDEDName appends the name code of a DED07 as senders write it: the
// convention's 7+3 code ("CASTELLMAR", "LEE,SAM") as it is, and the forms
// vendors and clerks send instead — "DOE, JOHN", "DOE,JOHN", "Doe, John",
// "Jones,John" — reduced to it: letters before the first comma are the
// last name, after it the first name (issue 17). Without a comma the
// letters are taken as the code; a name written "JOHN DOE" cannot be told
// from a code and does not match.
func appendDEDName(dst []byte, name string) []byte {
	if last, first, ok := strings.Cut(name, ","); ok {
		return appendNameCode(dst, last, first)
	}
	start := len(dst)
	dst = appendLetters(dst, name, false)
	if len(dst) > start+10 {
		dst = dst[:start+10]
	}
	return dst
}

// appendLetters appends the letters of s in upper case (as strings.ToUpper
// maps them), and commas too when comma is set.
func appendLetters(dst []byte, s string, comma bool) []byte {
	for _, r := range s {
		r = unicode.ToUpper(r)
		if (r >= 'A' && r <= 'Z') || (comma && r == ',') {
			dst = append(dst, byte(r))
		}
	}
	return dst
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
			id := withholding.NormalID(string(p.RemittanceID))
			if id == "" {
				why = append(why, "no case identifier")
				continue
			}
			// The first field that knows the identifier decides, as the
			// remittance ID alone did before the others were tried.
			for _, t := range x.byID {
				if t.t.each(id, collect); len(cands) > 0 {
					break
				}
			}
			if len(cands) == 0 {
				why = append(why, fmt.Sprintf("case identifier %q is not on file", p.RemittanceID))
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
			var buf [32]byte
			k, ok := makeNameKey(appendDEDName(buf[:0], p.Name), p.FIPS)
			if !ok {
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
	o := x.orders
	filters := []func(i int32) bool{
		func(i int32) bool { return p.FEIN != "" && o.fein(i) == p.FEIN },
		func(i int32) bool { return rule != MatchSSN && p.SSN.Valid() && o.ssn(i) == p.SSN },
		func(i int32) bool {
			st := o.status(i)
			return st == withholding.StatusAccepted || st == withholding.StatusSent
		},
	}
	for _, keep := range filters {
		var kept []int32
		for _, i := range cands {
			if keep(i) {
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
