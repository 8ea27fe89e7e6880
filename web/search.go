package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// searchLimit is the most rows of one kind the search page lists.
const searchLimit = 50

var (
	// ssnShaped is an SSN as people write it, NNN-NN-NNNN (or with
	// spaces): refused, since a GET puts it in the history and in proxy
	// logs. Nine bare digits are taken for an FEIN.
	ssnShaped = regexp.MustCompile(`^\d{3}[- ]\d{2}[- ]\d{4}$`)
	feinShape = regexp.MustCompile(`^\d{2}-?\d{7}$`)
	last4     = regexp.MustCompile(`^\d{4}$`)
)

// searchQuery is what the one search box was given, read once: an FEIN
// (with or without its dash), the last four digits of an SSN, and the
// rest as words (a name, a case, order, trace or tracking ID).
type searchQuery struct {
	Text  string // as typed, shown back in the box
	FEIN  withholding.FEIN
	Last4 string
	// Words are the other tokens; Comma says the name was typed
	// "last, first".
	Words []string
	Comma bool
	// FullSSN is set when the box held a whole SSN; nothing is searched
	// and the page does not show it back.
	FullSSN bool
}

func parseSearch(q string) searchQuery {
	q = strings.TrimSpace(q)
	sq := searchQuery{Text: q}
	if ssnShaped.MatchString(q) {
		return searchQuery{FullSSN: true}
	}
	sq.Comma = strings.Contains(q, ",")
	for _, tok := range strings.FieldsFunc(q, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		switch {
		case sq.FEIN == "" && feinShape.MatchString(tok):
			sq.FEIN = withholding.FEIN(strings.ReplaceAll(tok, "-", ""))
		case sq.Last4 == "" && last4.MatchString(tok):
			sq.Last4 = tok
		default:
			sq.Words = append(sq.Words, tok)
		}
	}
	return sq
}

// searchResult is the search page: matches grouped by kind.
type searchResult struct {
	Query     string
	Searched  bool
	Employers []*withholding.Employer
	Orders    []*withholding.Order
	Payments  []*withholding.Payment
	// Hint tells the agent how to search better (a full SSN refused,
	// last four alone).
	Hint string
}

// search answers the one search box. Every query it makes is served by
// an index (migration 00008_search.sql), and BenchmarkSearch checks it with
// a million orders.
//
// A full SSN is not searched by GET: the SSN search by POST (the number
// in the body, never echoed) belongs with the accounts and audit work, and
// its form goes in the template's "ssn-search" block.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	sq := parseSearch(r.URL.Query().Get("q"))
	res := searchResult{Query: sq.Text}
	switch {
	case sq.FullSSN:
		res.Hint = "A full SSN is not searched here: it would stay in the browser's history. Type the last four digits with the obligor's name or the employer, or use the SSN form below (the number is sent by POST and never shown back)."
	case sq.Text != "":
		res.Searched = true
		if err := s.find(r.Context(), sq, &res); err != nil {
			return err
		}
	}
	return s.render(w, r, "search", "Search", res)
}

// find fills res with what sq matches.
func (s *Server) find(ctx context.Context, sq searchQuery, res *searchResult) error {
	orders := &orderSet{}
	if sq.FEIN != "" {
		e, err := s.cfg.Employers.FindEmployerByFEIN(ctx, sq.FEIN)
		switch {
		case err == nil:
			res.Employers = append(res.Employers, e)
		case withholding.ErrorCode(err) != withholding.ENOTFOUND:
			return fmt.Errorf("find employer: %w", err)
		}
		if sq.Last4 != "" {
			if err := orders.find(ctx, s.cfg.Orders, withholding.OrderFilter{EmployerFEIN: &sq.FEIN, SSNLast4: sq.Last4}); err != nil {
				return err
			}
		}
	}
	text := strings.Join(sq.Words, " ")
	if text != "" {
		if err := s.findText(ctx, sq, text, res, orders); err != nil {
			return err
		}
	}
	if sq.Last4 != "" && sq.FEIN == "" && len(sq.Words) == 0 {
		res.Hint = "The last four digits of an SSN alone match too many people: add the obligor's name or the employer."
	}
	res.Orders = orders.list
	return nil
}

// findText searches the words of a query: an employer's name, an
// obligor's name, and (one word) a case, order, trace or tracking ID.
func (s *Server) findText(ctx context.Context, sq searchQuery, text string, res *searchResult, orders *orderSet) error {
	emps, _, err := s.cfg.Employers.FindEmployers(ctx, withholding.EmployerFilter{Query: text, Limit: searchLimit})
	if err != nil {
		return fmt.Errorf("find employers: %w", err)
	}
	res.Employers = appendNewEmployers(res.Employers, emps)
	if sq.Last4 != "" && sq.FEIN == "" {
		// "Acme 1234": the obligors at the employers named so.
		for _, e := range emps {
			if err := orders.find(ctx, s.cfg.Orders, withholding.OrderFilter{EmployerFEIN: &e.FEIN, SSNLast4: sq.Last4}); err != nil {
				return err
			}
		}
	}
	for _, name := range obligorNames(sq.Words, sq.Comma) {
		f := withholding.OrderFilter{ObligorLast: name[0], ObligorFirst: name[1], SSNLast4: sq.Last4}
		if sq.FEIN != "" {
			f.EmployerFEIN = &sq.FEIN
		}
		if err := orders.find(ctx, s.cfg.Orders, f); err != nil {
			return err
		}
	}
	if len(sq.Words) != 1 || sq.Last4 != "" {
		return nil
	}
	word := sq.Words[0]
	caseID, orderID := withholding.CaseID(strings.ToUpper(word)), withholding.OrderID(word)
	for _, f := range []withholding.OrderFilter{{CaseID: &caseID}, {OrderID: &orderID}} {
		if err := orders.find(ctx, s.cfg.Orders, f); err != nil {
			return err
		}
	}
	doc, err := s.cfg.Documents.FindDocumentByTrackingID(ctx, withholding.TrackingID(word))
	switch {
	case err == nil:
		id := doc.OrderRef
		if err := orders.find(ctx, s.cfg.Orders, withholding.OrderFilter{ID: &id}); err != nil {
			return err
		}
	case withholding.ErrorCode(err) != withholding.ENOTFOUND:
		return fmt.Errorf("find IWO by tracking ID: %w", err)
	}
	trace := withholding.TraceNumber(word)
	pays, _, err := s.cfg.Payments.FindPayments(ctx, withholding.PaymentFilter{Trace: &trace, Limit: searchLimit})
	if err != nil {
		return fmt.Errorf("find payments by trace: %w", err)
	}
	res.Payments = pays
	return nil
}

// obligorNames are the (last, first) name prefixes words may mean: "last,
// first" as typed; "first last" read both ways round, since callers give
// either; one word is a last name.
func obligorNames(words []string, comma bool) [][2]string {
	switch {
	case len(words) == 0:
		return nil
	case len(words) == 1:
		return [][2]string{{words[0], ""}}
	case comma:
		return [][2]string{{words[0], strings.Join(words[1:], " ")}}
	default:
		n := len(words)
		return [][2]string{
			{words[n-1], strings.Join(words[:n-1], " ")},
			{words[0], strings.Join(words[1:], " ")},
		}
	}
}

func appendNewEmployers(have, more []*withholding.Employer) []*withholding.Employer {
	seen := map[withholding.FEIN]bool{}
	for _, e := range have {
		seen[e.FEIN] = true
	}
	for _, e := range more {
		if !seen[e.FEIN] {
			have = append(have, e)
		}
	}
	return have
}

// orderSet gathers the orders of several searches, each once, in the
// order found, up to searchLimit.
type orderSet struct {
	list []*withholding.Order
	seen map[int64]bool
}

func (o *orderSet) find(ctx context.Context, svc withholding.OrderService, f withholding.OrderFilter) error {
	if len(o.list) >= searchLimit {
		return nil
	}
	f.Limit = searchLimit
	found, _, err := svc.FindOrders(ctx, f)
	if err != nil {
		return fmt.Errorf("find orders: %w", err)
	}
	if o.seen == nil {
		o.seen = map[int64]bool{}
	}
	for _, x := range found {
		if !o.seen[x.ID] && len(o.list) < searchLimit {
			o.seen[x.ID] = true
			o.list = append(o.list, x)
		}
	}
	return nil
}
