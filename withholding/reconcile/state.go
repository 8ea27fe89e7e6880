package reconcile

import "github.com/iwoproject/iwo/withholding"

// chunkBits sizes the chunks of a chunks list: 4096 elements.
const chunkBits = 12

// chunks is an append-only list stored in fixed-size chunks. A run appends
// about one element per payment, a million on a state's night: a slice
// would copy itself as it grows and leave each old array behind as
// garbage, several times the final size in all.
type chunks[T any] struct {
	c [][]T
	n int
}

// add appends v and returns its position.
func (l *chunks[T]) add(v T) int32 {
	if l.n>>chunkBits == len(l.c) {
		l.c = append(l.c, make([]T, 0, 1<<chunkBits))
	}
	c := &l.c[len(l.c)-1]
	*c = append(*c, v)
	l.n++
	return int32(l.n - 1)
}

func (l *chunks[T]) at(i int32) *T { return &l.c[i>>chunkBits][i&(1<<chunkBits-1)] }

// receipt is the little a run keeps of a payment matched to an order.
type receipt struct {
	day    int32 // pay date as a day number
	from   int32 // FEIN, or the ACH company ID when the FEIN is unknown (run.sender)
	next   int32 // index+1 of the order's next receipt; 0 = last
	amount withholding.Cents
	id     int64
}

// orderState is what a run learns about one order. Its receipts are a list
// in run.receipts, oldest first, rather than a slice per order.
type orderState struct {
	first, last int32 // index+1 of the order's first and last receipts; 0 = none
	medicalDay  int32 // pay date of medical
	medical     byte  // last DED06 seen
}

// posting is a Match in a third of the space; Result.Matches is made from
// them at the end.
type posting struct {
	payment int64
	amount  withholding.Cents
	order   int32
	rule    uint8 // the MatchRule, as its place in index.rules
}

// receive adds a receipt to order i's list.
func (r *run) receive(i int, rc receipt) {
	st := &r.st[i]
	j := r.receipts.add(rc) + 1
	if st.last == 0 {
		st.first = j
	} else {
		r.receipts.at(st.last - 1).next = j
	}
	st.last = j
}

// eachReceipt calls f for order i's receipts, oldest first, until f returns
// false.
func (r *run) eachReceipt(i int, f func(rc *receipt) bool) {
	for j := r.st[i].first; j != 0; {
		rc := r.receipts.at(j - 1)
		if !f(rc) {
			return
		}
		j = rc.next
	}
}

// sender numbers who a payment came from, so that receipts compare an
// int32 instead of each holding a string.
func (r *run) sender(p *withholding.Payment) int32 {
	from := string(p.FEIN)
	if from == "" {
		from = p.CompanyID
	}
	n, ok := r.senders[from]
	if !ok {
		n = int32(len(r.senders))
		r.senders[from] = n
	}
	return n
}

// matches turns the postings into Result.Matches.
func (r *run) matches() []Match {
	if r.postings.n == 0 {
		return nil
	}
	out := make([]Match, 0, r.postings.n)
	for _, c := range r.postings.c {
		for _, p := range c {
			out = append(out, Match{PaymentID: p.payment, OrderRef: r.orders.list.at(p.order).id, CaseID: r.orders.caseID(p.order), Amount: p.amount, By: r.idx.rules[p.rule]})
		}
	}
	return out
}
