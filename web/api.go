package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// The read-only JSON API serves a case management system the data the
// console shows, under /api/v1/, to clients holding a token made with
// "iwo user token add". Every call is in the audit log as "api:" and the
// token's name; SSNs are masked to the last four digits unless the token's
// role may see them whole (supervisor, admin), as in the console.

const apiPrefix = "/api/v1/"

// apiHandler answers one API call for the client tok names.
type apiHandler func(r *http.Request, tok *withholding.APIToken) (subject string, body any, err error)

// apiRoutes adds the API's routes to mux.
func (s *Server) apiRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+apiPrefix+"orders/{id}", s.api(s.apiOrder))
	mux.Handle("GET "+apiPrefix+"orders/{id}/payments", s.api(s.apiOrderPayments))
	mux.Handle("GET "+apiPrefix+"employers/{fein}", s.api(s.apiEmployer))
	mux.Handle("GET "+apiPrefix+"exceptions", s.api(s.apiExceptions))
	mux.Handle(apiPrefix, s.api(func(*http.Request, *withholding.APIToken) (string, any, error) {
		return "", nil, withholding.Errorf(withholding.ENOTFOUND, "no such API path")
	}))
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away
}

// api checks the bearer token, records the call in the audit log (a call
// that cannot be recorded is not answered) and writes h's answer as JSON.
// Without a working token it answers 401, before routing, so that a
// client without one learns nothing of what exists.
func (s *Server) api(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := s.apiToken(r)
		if err != nil {
			if withholding.ErrorCode(err) != withholding.ENOTFOUND {
				s.apiFail(w, r, err)
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="iwo"`)
			writeJSON(w, http.StatusUnauthorized, apiError{Error: "a working API token is required (Authorization: Bearer TOKEN)", Code: "unauthorized"})
			return
		}
		subject, body, err := h(r, tok)
		detail := r.URL.Path
		if err != nil {
			detail += " (" + withholding.ErrorCode(err) + ")"
		}
		if aerr := s.record(r.Context(), "api:"+tok.Name, s.clientAddr(r), withholding.AuditAPICall, subject, detail); aerr != nil {
			s.apiFail(w, r, aerr)
			return
		}
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, body)
	})
}

// apiToken returns the working token r's Authorization header carries.
// ENOTFOUND when there is none.
func (s *Server) apiToken(r *http.Request) (*withholding.APIToken, error) {
	if s.cfg.APITokens == nil {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "the API is off")
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "no bearer token")
	}
	tok, err := s.cfg.APITokens.FindAPIToken(r.Context(), tokenHash(strings.TrimSpace(token)))
	if err != nil {
		return nil, err
	}
	if !Role(tok.Role).Valid() {
		return nil, withholding.Errorf(withholding.ENOTFOUND, "token of no known role")
	}
	return tok, nil
}

func (s *Server) apiFail(w http.ResponseWriter, r *http.Request, err error) {
	code, status := withholding.ErrorCode(err), http.StatusInternalServerError
	switch code {
	case withholding.ENOTFOUND:
		status = http.StatusNotFound
	case withholding.EINVALID:
		status = http.StatusBadRequest
	default:
		code = withholding.EINTERNAL
	}
	msg := withholding.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		s.log.Error("api request failed", "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, apiError{Error: msg, Code: code})
}

// apiSSN is an SSN as the token's role may see it.
func apiSSN(tok *withholding.APIToken, ssn withholding.SSN) string {
	if ssn == "" {
		return ""
	}
	if Role(tok.Role).SeesFullSSN() {
		return ssn.Digits()
	}
	return ssn.Masked()
}

// APIPerson is an obligor as the API shows one.
type APIPerson struct {
	Last   string `json:"last"`
	First  string `json:"first"`
	Middle string `json:"middle,omitempty"`
	// SSN is masked to the last four digits ("***-**-1234") unless the
	// token's role may see it whole.
	SSN string `json:"ssn"`
}

// APIOrder is an order as the API shows it.
type APIOrder struct {
	ID                 int64                    `json:"id"`
	CaseID             withholding.CaseID       `json:"case_id"`
	OrderID            withholding.OrderID      `json:"order_id"`
	RemittanceID       withholding.RemittanceID `json:"remittance_id"`
	EmployerFEIN       withholding.FEIN         `json:"employer_fein"`
	Obligor            APIPerson                `json:"obligor"`
	Amounts            withholding.Amounts      `json:"amounts"`
	ArrearsOver12Weeks bool                     `json:"arrears_over_12_weeks"`
	StartDate          withholding.Date         `json:"start_date"`
	EndDate            withholding.Date         `json:"end_date"`
	Status             withholding.OrderStatus  `json:"status"`
	PendingAction      withholding.Action       `json:"pending_action,omitempty"`
}

// APIPayment is one payment of an order as the API shows it: what the
// bank credited and what became of it (the console's "What became of it").
type APIPayment struct {
	ID            int64                    `json:"id"`
	FileID        int64                    `json:"file_id"`
	Trace         withholding.TraceNumber  `json:"trace"`
	EffectiveDate withholding.Date         `json:"effective_date"`
	PayDate       withholding.Date         `json:"pay_date"`
	CaseIDSent    withholding.RemittanceID `json:"case_id_sent"`
	CreditedCents withholding.Cents        `json:"credited_cents"`
	EmployerFEIN  withholding.FEIN         `json:"employer_fein,omitempty"`
	// Status is posted, held, zero, pending (not yet reconciled) or
	// other (not a support payment: Fate says what).
	Status string `json:"status"`
	Fate   string `json:"fate,omitempty"`
	// OnBooks says the payment is on this order's books (posted to it
	// or held against it); otherwise it only carries the order's IDs.
	OnBooks bool `json:"on_books"`
	// PostedTo is the order the payment was posted to or held against.
	PostedTo int64    `json:"posted_to,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Problems []string `json:"problems,omitempty"`
}

// APIException is an open exception as the API shows it.
type APIException struct {
	ID              int64                       `json:"id"`
	Type            withholding.ExceptionType   `json:"type"`
	Label           string                      `json:"label"`
	Severity        withholding.Severity        `json:"severity"`
	Status          withholding.ExceptionStatus `json:"status"`
	CaseID          withholding.CaseID          `json:"case_id,omitempty"`
	OrderRef        int64                       `json:"order_ref,omitempty"`
	EmployerFEIN    withholding.FEIN            `json:"employer_fein,omitempty"`
	AmountCents     withholding.Cents           `json:"amount_cents"`
	Message         string                      `json:"message"`
	SuggestedAction string                      `json:"suggested_action"`
	OpenedOn        withholding.Date            `json:"opened_on"`
	AssignedTo      string                      `json:"assigned_to,omitempty"`
}

func (s *Server) apiFindOrder(r *http.Request) (*withholding.Order, error) {
	id, err := pathID(r, "order")
	if err != nil {
		return nil, err
	}
	return s.cfg.Orders.FindOrderByID(r.Context(), id)
}

func (s *Server) apiOrder(r *http.Request, tok *withholding.APIToken) (string, any, error) {
	o, err := s.apiFindOrder(r)
	if err != nil {
		return "", nil, err
	}
	return orderSubject(o), APIOrder{
		ID: o.ID, CaseID: o.CaseID, OrderID: o.OrderID, RemittanceID: o.RemittanceID, EmployerFEIN: o.EmployerFEIN,
		Obligor:            APIPerson{Last: o.Obligor.Last, First: o.Obligor.First, Middle: o.Obligor.Middle, SSN: apiSSN(tok, o.Obligor.SSN)},
		Amounts:            o.Amounts,
		ArrearsOver12Weeks: o.ArrearsOver12Weeks, StartDate: o.StartDate, EndDate: o.EndDate, Status: o.Status, PendingAction: o.PendingAction,
	}, nil
}

func orderSubject(o *withholding.Order) string { return "order:" + strconv.FormatInt(o.ID, 10) }

func (s *Server) apiOrderPayments(r *http.Request, _ *withholding.APIToken) (string, any, error) {
	o, err := s.apiFindOrder(r)
	if err != nil {
		return "", nil, err
	}
	list, err := s.orderPayments(r.Context(), o)
	if err != nil {
		return "", nil, err
	}
	out := struct {
		Count    int          `json:"count"`
		Payments []APIPayment `json:"payments"`
	}{Count: list.Count, Payments: []APIPayment{}}
	for _, p := range list.Rows {
		ap := APIPayment{ID: p.ID, FileID: p.FileID, Trace: p.Trace, EffectiveDate: p.EffectiveDate, PayDate: p.PayDate,
			CaseIDSent: p.RemittanceID, CreditedCents: p.Credited, EmployerFEIN: p.FEIN, Status: p.Status, Fate: p.Fate,
			OnBooks: p.Here, Reason: p.Reason, Problems: p.Problems}
		if p.Posting != nil {
			ap.PostedTo = p.Posting.OrderRef
		}
		out.Payments = append(out.Payments, ap)
	}
	return orderSubject(o), out, nil
}

func (s *Server) apiEmployer(r *http.Request, _ *withholding.APIToken) (string, any, error) {
	fein := withholding.FEIN(strings.ReplaceAll(r.PathValue("fein"), "-", ""))
	e, err := s.cfg.Employers.FindEmployerByFEIN(r.Context(), fein)
	if err != nil {
		return "", nil, err
	}
	return "employer:" + string(e.FEIN), e, nil
}

// apiExceptionsLimit caps one answer of /api/v1/exceptions.
const apiExceptionsLimit = 500

// apiExceptions lists open exceptions, oldest first, selected by fein,
// case_id or order (an order's ID); at least one is required, so that a
// client cannot pull the whole queue in one call.
func (s *Server) apiExceptions(r *http.Request, _ *withholding.APIToken) (string, any, error) {
	ctx, q := r.Context(), r.URL.Query()
	open := withholding.ExceptionOpen
	f := withholding.ExceptionFilter{Status: &open, Limit: apiExceptionsLimit}
	var subject string
	switch {
	case q.Get("order") != "":
		id, err := strconv.ParseInt(q.Get("order"), 10, 64)
		if err != nil {
			return "", nil, withholding.Errorf(withholding.EINVALID, "order: want an order ID")
		}
		o, err := s.cfg.Orders.FindOrderByID(ctx, id)
		if err != nil {
			return "", nil, err
		}
		f.CaseID, subject = &o.CaseID, orderSubject(o)
	case q.Get("case_id") != "":
		c := withholding.CaseID(q.Get("case_id"))
		f.CaseID, subject = &c, "case:"+string(c)
	case q.Get("fein") != "":
		fein := withholding.FEIN(strings.ReplaceAll(q.Get("fein"), "-", ""))
		f.FEIN, subject = &fein, "employer:"+string(fein)
	default:
		return "", nil, withholding.Errorf(withholding.EINVALID, "give order, case_id or fein")
	}
	exs, n, err := s.cfg.Exceptions.FindExceptions(ctx, f)
	if err != nil {
		return "", nil, fmt.Errorf("find exceptions: %w", err)
	}
	out := struct {
		Count      int            `json:"count"`
		Exceptions []APIException `json:"exceptions"`
	}{Count: n, Exceptions: []APIException{}}
	for _, e := range exs {
		out.Exceptions = append(out.Exceptions, APIException{ID: e.ID, Type: e.Type, Label: e.Type.Label(), Severity: e.Severity, Status: e.Status,
			CaseID: e.CaseID, OrderRef: e.OrderRef, EmployerFEIN: e.FEIN, AmountCents: e.Amount,
			Message: withholding.MaskDigitRuns(e.Message), SuggestedAction: e.SuggestedAction, OpenedOn: e.OpenedOn, AssignedTo: e.AssignedTo})
	}
	return subject, out, nil
}

// NewAPIToken returns a random API token for a client, to show it once,
// and the hash to keep of it (withholding.APIToken.TokenHash): the same 32
// random bytes and SHA-256 as a session's.
func NewAPIToken() (token, hash string, err error) { return newSessionToken() }
