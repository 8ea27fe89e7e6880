package web

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/iwoproject/iwo/withholding"
)

// paymentsShown is how many payments one list shows; its totals cover
// every payment it counts.
const paymentsShown = 100

// paymentRow is a payment as the console lists it: the money the bank
// credited and what reconciliation did with it, read from its stored
// posting (STYLE.md §10) rather than worked out again from the case ID
// the employer typed.
type paymentRow struct {
	*withholding.Payment
	// Status is the posting's status, "pending" for a payment not yet
	// reconciled, or "other" for an entry that is not a support payment
	// (Fate then says what it is).
	Status string
	Fate   string
	// Here: the posting names the order whose page lists the payment.
	Here bool
	// Reason is the readable label of the exception type holding a held
	// payment; Exception is that exception, when found by its key.
	Reason    string
	Exception *withholding.Exception
	// Sent spells out a case ID that is not the remittance ID of the
	// order the payment was posted to or held against.
	Sent string
	// Carries says, on an order page, why a reconciled payment that is
	// not on the order's books is listed there.
	Carries string
	// Application names a DED01 other than CS (an interstate collection,
	// say), which posts like CS but is worth seeing.
	Application string
}

// paymentList is what the "payments" template shows.
type paymentList struct {
	Rows []paymentRow
	// Count is how many payments the list stands for; more than
	// len(Rows) when it was cut to paymentsShown.
	Count int
	// Books, when set, are the totals the page shows under the list,
	// titled BooksTitle.
	Books      *books
	BooksTitle string
	// Columns: the paying employer (pages not about one employer) and the
	// file (pages not about one file).
	ShowEmployer, HideFile bool
}

// books adds up support payments by what reconciliation did with them:
// Posted, Held, Zero and Pending (not yet reconciled) add up to Credited,
// as the store's posting sums do.
type books struct {
	Credited, Posted, Held, Zero, Pending withholding.Tally
	// Other are payments listed beside the books but not in them (an
	// order page's payments that carry its ID but name another order or
	// none).
	Other withholding.Tally
}

// add counts p's credited amount under its posting; entries that are not
// support payments carry no credited money and are not counted.
func (b *books) add(p *withholding.Payment) {
	if p.Kind != withholding.KindPayment {
		return
	}
	b.Credited.Add(p.Credited)
	switch status(p) {
	case withholding.PostingPosted:
		b.Posted.Add(p.Credited)
	case withholding.PostingHeld:
		b.Held.Add(p.Credited)
	case withholding.PostingZero:
		b.Zero.Add(p.Credited)
	default:
		b.Pending.Add(p.Credited)
	}
}

func status(p *withholding.Payment) withholding.PostingStatus {
	if p.Posting == nil {
		return ""
	}
	return p.Posting.Status
}

// remittanceID is the ID an employer should send in DED02 for order o: its
// remittance ID, or its case ID when it has none (as reconciliation
// matches).
func remittanceID(o *withholding.Order) withholding.RemittanceID {
	if o.RemittanceID != "" {
		return o.RemittanceID
	}
	return withholding.RemittanceID(o.CaseID)
}

// kindFate says what an entry that is not a support payment is.
func kindFate(p *withholding.Payment) string {
	switch p.Kind {
	case withholding.KindPrenote:
		return "Prenote: a test entry, no money"
	case withholding.KindReturn:
		return "ACH return " + p.ReturnCode
	case withholding.KindNOC:
		return "Notification of change " + p.ReturnCode
	}
	return "Not a child support entry"
}

// rowMaker turns payments read WithPosting into rows, looking up the
// orders their postings name and the exceptions that hold them once per
// page.
type rowMaker struct {
	s    *Server
	here *withholding.Order // the page's order, if it is an order page
	// orders by ID; nil for an order that could not be found.
	orders map[int64]*withholding.Order
	// exceptions by key; nil for a key that names none.
	exceptions map[string]*withholding.Exception
}

func (s *Server) rowMaker(here *withholding.Order) *rowMaker {
	m := &rowMaker{s: s, here: here, orders: map[int64]*withholding.Order{},
		exceptions: map[string]*withholding.Exception{}}
	if here != nil {
		m.orders[here.ID] = here
	}
	return m
}

func (m *rowMaker) rows(ctx context.Context, pays []*withholding.Payment) ([]paymentRow, error) {
	out := make([]paymentRow, 0, len(pays))
	for _, p := range pays {
		r, err := m.row(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (m *rowMaker) row(ctx context.Context, p *withholding.Payment) (paymentRow, error) {
	r := paymentRow{Payment: p, Status: string(status(p))}
	if id := p.ApplicationID; id != "" && id != withholding.ApplicationChildSupport {
		label, ok := withholding.ApplicationLabel(id)
		if !ok {
			label = "unknown application"
		}
		r.Application = id + ": " + label
	}
	switch {
	case p.Kind != withholding.KindPayment:
		r.Status, r.Fate = "other", kindFate(p)
		return r, nil
	case p.Posting == nil:
		r.Status = "pending"
	}
	var o *withholding.Order
	if p.Posting != nil && p.Posting.OrderRef != 0 {
		var err error
		if o, err = m.order(ctx, p.Posting.OrderRef); err != nil {
			return r, err
		}
		r.Here = m.here != nil && m.here.ID == p.Posting.OrderRef
	}
	if r.Status == string(withholding.PostingHeld) {
		r.Reason = p.Posting.Reason.Label()
		ex, err := m.holding(ctx, p)
		if err != nil {
			return r, err
		}
		r.Exception = ex
	}
	if o != nil {
		if want := remittanceID(o); p.RemittanceID != want && withholding.CaseID(p.RemittanceID) != o.CaseID {
			sent := "sent " + strconv.Quote(string(p.RemittanceID))
			if p.RemittanceID == "" {
				sent = "sent no case ID"
			}
			whose := "this order's"
			if !r.Here {
				whose = "case " + string(o.CaseID) + "'s"
			}
			r.Sent = fmt.Sprintf("%s; %s remittance ID is %s", sent, whose, want)
		}
	}
	// A payment not yet reconciled is on no order's books; that it
	// carries the order's ID is why it is listed, and goes without saying.
	if m.here != nil && !r.Here && p.Posting != nil {
		r.Carries = "Carries this order's remittance ID"
		if p.RemittanceID != remittanceID(m.here) {
			r.Carries = "Carries this order's case ID"
		}
	}
	return r, nil
}

// order returns the order id, nil when there is none any more.
func (m *rowMaker) order(ctx context.Context, id int64) (*withholding.Order, error) {
	if o, ok := m.orders[id]; ok {
		return o, nil
	}
	o, err := m.s.cfg.Orders.FindOrderByID(ctx, id)
	if withholding.ErrorCode(err) == withholding.ENOTFOUND {
		o, err = nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find order %d: %w", id, err)
	}
	m.orders[id] = o
	return o, nil
}

// holding finds the exception that holds the held payment p, by the key
// its posting names, or returns nil.
func (m *rowMaker) holding(ctx context.Context, p *withholding.Payment) (*withholding.Exception, error) {
	key := p.Posting.ExceptionKey
	if key == "" {
		return nil, nil
	}
	if e, ok := m.exceptions[key]; ok {
		return e, nil
	}
	exs, _, err := m.s.cfg.Exceptions.FindExceptions(ctx, withholding.ExceptionFilter{Key: &key, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("find the exception holding payment %d: %w", p.ID, err)
	}
	var e *withholding.Exception
	if len(exs) > 0 {
		e = exs[0]
	}
	m.exceptions[key] = e
	return e, nil
}

// latestPayments returns the last limit payments matching f, in the order
// they were stored, and how many match.
func (s *Server) latestPayments(ctx context.Context, f withholding.PaymentFilter, limit int) ([]*withholding.Payment, int, error) {
	f.Limit = limit
	pays, n, err := s.cfg.Payments.FindPayments(ctx, f)
	if err != nil || n <= limit {
		return pays, n, err
	}
	f.Offset = n - limit
	return s.cfg.Payments.FindPayments(ctx, f)
}

// latest keeps the last n payments of ps, by ID.
func latest(ps []*withholding.Payment, n int) []*withholding.Payment {
	slices.SortFunc(ps, func(a, b *withholding.Payment) int { return cmp.Compare(a.ID, b.ID) })
	return ps[max(len(ps)-n, 0):]
}

// orderPayments lists the payments of order o's page: those whose posting
// names it (posted to it or held against it), which are its books, and
// those carrying its remittance ID or case ID that are not on its books
// (not yet reconciled, posted to another order, held without one), so that
// no payment a caller expects to see is missing. It shows the latest
// paymentsShown of them.
func (s *Server) orderPayments(ctx context.Context, o *withholding.Order) (paymentList, error) {
	var bk books
	var pays []*withholding.Payment
	seen := map[int64]bool{}
	for p, err := range s.cfg.Payments.EachPayment(ctx, withholding.PaymentFilter{OrderRef: &o.ID, WithPosting: true}) {
		if err != nil {
			return paymentList{}, fmt.Errorf("find the order's payments: %w", err)
		}
		bk.add(p)
		pays, seen[p.ID] = append(pays, p), true
	}
	ids := []withholding.RemittanceID{remittanceID(o)}
	if c := withholding.RemittanceID(o.CaseID); c != ids[0] {
		ids = append(ids, c)
	}
	for _, id := range ids {
		for p, err := range s.cfg.Payments.EachPayment(ctx, withholding.PaymentFilter{RemittanceID: &id, WithPosting: true}) {
			if err != nil {
				return paymentList{}, fmt.Errorf("find payments carrying %s: %w", id, err)
			}
			if seen[p.ID] {
				continue
			}
			if p.Kind == withholding.KindPayment {
				bk.Other.Add(p.Credited)
			}
			pays, seen[p.ID] = append(pays, p), true
		}
	}
	n := len(pays)
	rows, err := s.rowMaker(o).rows(ctx, latest(pays, paymentsShown))
	if err != nil {
		return paymentList{}, err
	}
	return paymentList{Rows: rows, Count: n, Books: &bk, BooksTitle: "On this order's books"}, nil
}

// filePayments lists what an ACH file carried, entry by entry, with what
// became of each payment: the first paymentsShown entries, and the books
// of all of them.
func (s *Server) filePayments(ctx context.Context, fileID int64) (paymentList, error) {
	var bk books
	var pays []*withholding.Payment
	n := 0
	for p, err := range s.cfg.Payments.EachPayment(ctx, withholding.PaymentFilter{FileID: &fileID, WithPosting: true}) {
		if err != nil {
			return paymentList{}, fmt.Errorf("find the file's payments: %w", err)
		}
		bk.add(p)
		if n++; n <= paymentsShown {
			pays = append(pays, p)
		}
	}
	rows, err := s.rowMaker(nil).rows(ctx, pays)
	if err != nil {
		return paymentList{}, err
	}
	return paymentList{Rows: rows, Count: n, Books: &bk, BooksTitle: "The file's payments", ShowEmployer: true, HideFile: true}, nil
}
