package withholding

import "sort"

// Allocation is how money that cannot cover every order is split among the
// orders of one employee (spec §3.2). The work state decides.
type Allocation string

// Allocation methods.
const (
	// Proportional gives each order its share of the tier's total ordered
	// amount (Iowa, Rhode Island, Michigan, Ohio, Illinois, California).
	Proportional Allocation = "proportional"
	// Equal gives every order the same amount until an order is fully
	// paid, then shares the rest equally among the others (Texas).
	Equal Allocation = "equal"
)

// DefaultAllocation is used when CalcInput.Allocation is empty.
const DefaultAllocation = Proportional

// ParseAllocation reads "proportional" or "equal".
func ParseAllocation(s string) (Allocation, error) {
	switch a := Allocation(s); a {
	case Proportional, Equal:
		return a, nil
	}
	return "", Errorf(EINVALID, "unknown allocation method %q (want proportional or equal)", s)
}

// allocate splits avail among demands. The result r satisfies, for every i,
// 0 ≤ r[i] ≤ demand[i], and Σr = min(avail, Σdemand).
//
// When everything fits, every order gets its demand. Otherwise:
//
// Proportional uses the largest-remainder rule: each order first gets
// ⌊avail × demand ÷ total⌋ cents; the cents still left go one each to the
// orders with the largest remainders, the earlier order (input order) first
// among equal remainders. That reproduces the spec's worked examples
// (§5: 37.37/28.02, 228.57/171.43). Then, when avail is at least one cent
// per order with a positive demand, no such order is left at zero: it gets
// one cent taken from the order with the largest share (the earliest among
// equals), because 45 CFR 303.100(a)(5) forbids leaving an obligation
// without withholding.
//
// Equal fills levels: every unpaid order gets the same amount, orders whose
// demand is smaller are paid in full and drop out, and the rest share what
// remains. When the remaining cents do not divide evenly, the leftover cents
// go one each to the earliest orders (input order) that are not yet full:
// $65.39 between two orders is $32.70 and $32.69.
func allocate(avail Cents, demand []Cents, method Allocation) []Cents {
	out := make([]Cents, len(demand))
	var total Cents
	for _, d := range demand {
		total += d
	}
	if avail <= 0 || total <= 0 {
		return out
	}
	if total <= avail {
		copy(out, demand)
		return out
	}
	if method == Equal {
		allocateEqual(avail, demand, out)
	} else {
		allocateProportional(avail, total, demand, out)
	}
	return out
}

func allocateProportional(avail, total Cents, demand, out []Cents) {
	rem := make([]uint64, len(demand))
	var given Cents
	positive := 0
	for i, d := range demand {
		if d <= 0 {
			continue
		}
		positive++
		q, r := mulDiv(uint64(avail), uint64(d), uint64(total))
		out[i], rem[i] = Cents(q), r
		given += out[i]
	}
	// Largest remainders first, input order among equals. Every floor is
	// strictly below its demand (avail < total), so +1 never overpays.
	idx := make([]int, 0, positive)
	for i, d := range demand {
		if d > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return rem[idx[a]] > rem[idx[b]] })
	for k := 0; given < avail; k++ {
		out[idx[k]]++
		given++
	}
	if avail < Cents(positive) {
		return
	}
	// Minimum one cent per order. The donor always has at least two cents:
	// avail ≥ positive cents are spread over positive slots, one is empty.
	for i, d := range demand {
		if d <= 0 || out[i] > 0 {
			continue
		}
		donor := -1
		for j := range out {
			if donor < 0 || out[j] > out[donor] {
				donor = j
			}
		}
		out[donor]--
		out[i]++
	}
}

func allocateEqual(avail Cents, demand, out []Cents) {
	open := make([]int, 0, len(demand)) // orders not yet paid in full
	for i, d := range demand {
		if d > 0 {
			open = append(open, i)
		}
	}
	for len(open) > 0 && avail > 0 {
		level := avail / Cents(len(open))
		// Pay in full every order whose remaining demand fits in the level.
		next := open[:0:0]
		paid := false
		for _, i := range open {
			if need := demand[i] - out[i]; need <= level {
				out[i] += need
				avail -= need
				paid = true
			} else {
				next = append(next, i)
			}
		}
		open = next
		if paid {
			continue
		}
		// No order fits under the level: all get it, and the odd cents go
		// to the earliest orders. Each still needs more than level, so the
		// extra cent never overpays.
		extra := avail - level*Cents(len(open))
		for k, i := range open {
			out[i] += level
			if Cents(k) < extra {
				out[i]++
			}
		}
		return
	}
}
