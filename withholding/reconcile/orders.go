package reconcile

import (
	"cmp"
	"slices"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// orderList is what a run keeps of every order: the identifiers payments
// are matched by, and what the amount and missing-payment checks read.
// A state's night goes through 1,200,000 orders; as full withholding.Order
// values (46 fields, each string its own allocation) they took gigabytes,
// here about 110 bytes each (iwo bench night, docs/scaling.md). The input
// streams the orders, so the full ones never all exist at once.
type orderList struct {
	list chunks[slimOrder]
	// feins are the distinct employer FEINs, emps their employers (nil
	// when not given); slimOrder.fein is a place in both.
	feins    []withholding.FEIN
	emps     []*withholding.Employer
	feinAt   map[withholding.FEIN]int32
	statuses []withholding.OrderStatus // slimOrder.status is a place in it
}

// slimOrder is one order in an orderList.
type slimOrder struct {
	id int64
	// perPay is the order's per-pay total for its employer's pay frequency
	// (Order.PerPay): the only use reconciliation has for the amounts.
	perPay withholding.Cents
	// text holds the case ID, remittance ID, obligor SSN, name code
	// (NameCode), order ID and payee FIPS one after the other, lens the
	// lengths of the first five: one allocation per order instead of six.
	text       string
	lens       [5]uint16
	fein       int32
	start, end packedDate
	status     uint8
}

// packedDate is a withholding.Date in four bytes; the zero Date packs to 0.
type packedDate int32

func packDate(d withholding.Date) packedDate {
	return packedDate(d.Year<<9 | int(d.Month)<<5 | d.Day)
}

func (p packedDate) date() withholding.Date {
	return withholding.Date{Year: int(p >> 9), Month: time.Month(p >> 5 & 15), Day: int(p & 31)}
}

func newOrderList(employers []*withholding.Employer) *orderList {
	l := &orderList{feinAt: make(map[withholding.FEIN]int32, len(employers))}
	for _, e := range employers {
		if i, ok := l.feinAt[e.FEIN]; ok {
			l.emps[i] = e // the last one given wins, as in a map
			continue
		}
		l.intern(e.FEIN)
		l.emps[len(l.emps)-1] = e
	}
	return l
}

// intern returns the place of fein in feins, adding it if new.
func (l *orderList) intern(fein withholding.FEIN) int32 {
	i, ok := l.feinAt[fein]
	if !ok {
		i = int32(len(l.feins))
		l.feins = append(l.feins, fein)
		l.emps = append(l.emps, nil)
		l.feinAt[fein] = i
	}
	return i
}

// add keeps what the run needs of o; o itself is not kept.
func (l *orderList) add(o *withholding.Order) {
	s := slimOrder{id: o.ID, fein: l.intern(o.EmployerFEIN), start: packDate(o.StartDate), end: packDate(o.EndDate)}
	if emp := l.emps[s.fein]; emp != nil {
		s.perPay = o.PerPay(emp.PayFrequency).Total
	}
	s.status = l.internStatus(o.Status)
	var buf [128]byte
	b := append(buf[:0], o.CaseID...)
	b = append(b, o.RemittanceID...)
	b = append(b, o.Obligor.SSN...)
	b = appendNameCode(b, o.Obligor.Last, o.Obligor.First)
	n := len(b) - len(o.CaseID) - len(o.RemittanceID) - len(o.Obligor.SSN)
	b = append(b, o.OrderID...)
	b = append(b, o.PayeeFIPS...)
	s.lens = [5]uint16{uint16(len(o.CaseID)), uint16(len(o.RemittanceID)), uint16(len(o.Obligor.SSN)), uint16(n), uint16(len(o.OrderID))}
	s.text = string(b)
	l.list.add(s)
}

// internStatus returns the place of st in statuses, adding it if new.
func (l *orderList) internStatus(st withholding.OrderStatus) uint8 {
	for i, have := range l.statuses {
		if have == st {
			return uint8(i)
		}
	}
	l.statuses = append(l.statuses, st)
	return uint8(len(l.statuses) - 1)
}

// append adds m's orders after l's. Both lists were made from the same
// employers; m's FEINs and statuses are places in its own lists, mapped
// here to l's.
func (l *orderList) append(m *orderList) {
	for _, c := range m.list.c {
		for _, s := range c {
			s.fein = l.intern(m.feins[s.fein])
			s.status = l.internStatus(m.statuses[s.status])
			l.list.add(s)
		}
	}
}

func (l *orderList) len() int { return l.list.n }

// field returns the k-th of the strings in order i's text.
func (l *orderList) field(i int32, k int) string {
	s := l.list.at(i)
	at := 0
	for _, n := range s.lens[:k] {
		at += int(n)
	}
	if k == len(s.lens) {
		return s.text[at:]
	}
	return s.text[at : at+int(s.lens[k])]
}

func (l *orderList) caseID(i int32) withholding.CaseID { return withholding.CaseID(l.field(i, 0)) }
func (l *orderList) remittanceID(i int32) withholding.RemittanceID {
	return withholding.RemittanceID(l.field(i, 1))
}
func (l *orderList) ssn(i int32) withholding.SSN   { return withholding.SSN(l.field(i, 2)) }
func (l *orderList) nameCode(i int32) string       { return l.field(i, 3) }
func (l *orderList) orderID(i int32) string        { return l.field(i, 4) }
func (l *orderList) fips(i int32) string           { return l.field(i, 5) }
func (l *orderList) fein(i int32) withholding.FEIN { return l.feins[l.list.at(i).fein] }
func (l *orderList) status(i int32) withholding.OrderStatus {
	return l.statuses[l.list.at(i).status]
}

// order is one order of an orderList as the rules read it.
type order struct {
	ID           int64
	CaseID       withholding.CaseID
	RemittanceID withholding.RemittanceID
	EmployerFEIN withholding.FEIN
	SSN          withholding.SSN
	Status       withholding.OrderStatus
	StartDate    withholding.Date
	EndDate      withholding.Date
	// employer is the order's employer, nil if not given; perPay is the
	// order's per-pay total for its pay frequency.
	employer *withholding.Employer
	perPay   withholding.Cents
}

// at returns order i; its strings share the list's memory.
func (l *orderList) at(i int32) order {
	s := l.list.at(i)
	return order{
		ID: s.id, CaseID: l.caseID(i), RemittanceID: l.remittanceID(i), EmployerFEIN: l.feins[s.fein],
		SSN: l.ssn(i), Status: l.statuses[s.status], StartDate: s.start.date(), EndDate: s.end.date(),
		employer: l.emps[s.fein], perPay: s.perPay,
	}
}

// expecting fills o with what withholding.AppendExpected reads of the
// order: its amounts are its per-pay total for the employer's frequency,
// which converts to itself.
func (v *order) expecting(o *withholding.Order) {
	*o = withholding.Order{ID: v.ID, CaseID: v.CaseID, Status: v.Status, StartDate: v.StartDate, EndDate: v.EndDate}
	if v.employer != nil {
		o.Amounts.CurrentSupport = withholding.Obligation{Amount: v.perPay, Frequency: v.employer.PayFrequency}
	}
}

// orderIDs finds an order's place in an orderList by its ID: the places
// sorted by ID, 4 bytes an order where a map of every order by ID would
// cost tens of megabytes. Made only when a night has documents to attach.
type orderIDs struct {
	l      *orderList
	places []int32
}

func newOrderIDs(l *orderList) *orderIDs {
	places := make([]int32, l.len())
	for i := range places {
		places[i] = int32(i)
	}
	// Stores list orders by ID, so this is usually sorted already.
	byID := func(a, b int32) int { return cmp.Compare(l.list.at(a).id, l.list.at(b).id) }
	if !slices.IsSortedFunc(places, byID) {
		slices.SortFunc(places, byID)
	}
	return &orderIDs{l: l, places: places}
}

// find returns the place of the order with the given ID.
func (x *orderIDs) find(id int64) (int32, bool) {
	k, ok := slices.BinarySearchFunc(x.places, id, func(i int32, id int64) int { return cmp.Compare(x.l.list.at(i).id, id) })
	if !ok {
		return 0, false
	}
	return x.places[k], true
}
