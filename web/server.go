package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

//go:embed templates/*.html
var templateFS embed.FS

// Services are the stores the console reads. All are required.
type Services struct {
	Employers  withholding.EmployerService
	Orders     withholding.OrderService
	Documents  withholding.DocumentService
	Payments   withholding.PaymentService
	Exceptions withholding.ExceptionService
	JobRuns    withholding.JobRunService
	Files      withholding.FileService
	// Accounts holds the users and their sessions.
	Accounts withholding.UserService
	// Audit records who viewed, revealed and changed what.
	Audit withholding.AuditService
	// APITokens holds the JSON API's client tokens; nil turns the API
	// off (every call answers 401).
	APITokens withholding.APITokenService
}

// Config configures a Server.
type Config struct {
	Services
	// Users are added to Accounts when New finds no user of their name:
	// a way to start from the configuration file. A user already in the
	// store keeps its stored role, password and state.
	Users []User
	// Agency is shown in the page header.
	Agency string
	// Location is the agency's time zone for displayed times.
	Location *time.Location
	// SessionTTL is how long a sign-in lasts; zero means 8 hours (a shift).
	SessionTTL time.Duration
	// TLSProxy says a TLS-terminating proxy is in front: cookies are
	// marked Secure, pages send Strict-Transport-Security, and the client
	// address (for sign-in throttling and the audit log) is the last
	// X-Forwarded-For entry, the one the proxy added.
	TLSProxy bool
	// Calc holds the calculator's defaults for the work state.
	Calc CalcDefaults
	// Logger receives operational lines (sign-ins, failures). Never an SSN.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Runner runs a job by hand ("Run now" on the Job runs page); nil
	// means the console cannot run jobs.
	Runner Runner
}

// CalcDefaults pre-fill the calculator form.
type CalcDefaults struct {
	// CapPercent pre-fills the limit, e.g. 50; 0 leaves it blank, which
	// means the CCPA rule (50%, 55% with arrears over 12 weeks).
	CapPercent float64
	Allocation withholding.Allocation // proportional or equal
	// WorkState pre-fills the work state; Priorities gives each work
	// state's order of payment (the configuration's withholding.priority).
	WorkState  string
	Priorities withholding.PriorityRules
}

// Server is the console. Use Handler to serve it.
type Server struct {
	cfg      Config
	throttle *throttle
	// compare checks a password against a bcrypt hash (tests count calls).
	compare func(hash, password string) error
	tmpl    map[string]*template.Template
	log     *slog.Logger
	running sync.WaitGroup // job runs started with "Run now"
}

const cookieName = "iwo_session"

// New checks cfg, adds cfg.Users missing from the store, and returns a
// Server.
func New(cfg Config) (*Server, error) {
	s := cfg.Services
	if s.Employers == nil || s.Orders == nil || s.Documents == nil || s.Payments == nil || s.Exceptions == nil || s.JobRuns == nil || s.Files == nil || s.Accounts == nil || s.Audit == nil {
		return nil, errors.New("web: every service is required")
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 8 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Calc.Allocation == "" {
		cfg.Calc.Allocation = withholding.Proportional
	}
	if err := bootstrapUsers(context.Background(), cfg.Accounts, cfg.Users, cfg.Logger); err != nil {
		return nil, err
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	// Make the dummy hash now, in the background, rather than in the
	// first refused sign-in, without delaying the start.
	go dummyHashOnce()
	return &Server{cfg: cfg, throttle: newThrottle(cfg.Now), compare: bcryptCompare, tmpl: tmpl, log: cfg.Logger}, nil
}

func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"money": func(c withholding.Cents) string { return c.Dollars() },
		"ssn": func(s withholding.SSN, reveal bool) string {
			if reveal {
				return s.Digits()
			}
			return s.Masked()
		},
		"join": strings.Join,
		"list": func(s ...string) []string { return s },
		// maskdigits masks SSN-like digit runs in partner-quoted text.
		"maskdigits": withholding.MaskDigitRuns,
		"warned":     warned,
		"label":      withholding.ExceptionType.Label,
		"short":      shortText,
	}
	pages := []string{"login", "search", "employer", "order", "calc", "exceptions", "runs", "files", "file", "audit", "ssnsearch"}
	out := map[string]*template.Template{}
	for _, p := range pages {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/payments.html", "templates/ssnform.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", p, err)
		}
		out[p] = t
	}
	return out, nil
}

// Handler returns the console's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.Handle("GET /{$}", s.auth(s.search))
	mux.Handle("POST /search/ssn", s.auth(s.searchSSN))
	mux.Handle("GET /employers/{fein}", s.auth(s.employer))
	mux.Handle("GET /orders/{id}", s.auth(s.order))
	mux.Handle("GET /calc", s.auth(s.calc))
	mux.Handle("POST /calc", s.auth(s.calc))
	mux.Handle("GET /exceptions", s.auth(s.exceptions))
	mux.Handle("GET /exceptions.csv", s.auth(s.exceptionsCSV))
	mux.Handle("POST /exceptions", s.auth(s.workExceptions))
	mux.Handle("POST /exceptions/{id}", s.auth(s.workExceptions))
	mux.Handle("GET /runs", s.auth(s.runs))
	mux.Handle("POST /runs", s.auth(s.runNow))
	mux.Handle("GET /files", s.auth(s.files))
	mux.Handle("GET /files/{id}", s.auth(s.file))
	mux.Handle("POST /files/{id}/resolve", s.auth(s.resolveFile))
	mux.Handle("GET /audit", s.auth(s.auditLog))
	s.apiRoutes(mux)
	return s.protect(mux)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	switch withholding.ErrorCode(err) {
	case withholding.ENOTFOUND:
		code = http.StatusNotFound
	case withholding.EINVALID:
		code = http.StatusBadRequest
	case withholding.ECONFLICT:
		code = http.StatusConflict
	}
	if code == http.StatusInternalServerError {
		s.log.Error("console request failed", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "%s\n", withholding.ErrorMessage(err))
}

// page is what every template gets.
type page struct {
	Title  string
	Agency string
	User   User
	Data   any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name, title string, data any) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return s.tmpl[name].Execute(w, page{Title: title, Agency: s.cfg.Agency, User: userFrom(r.Context()), Data: data})
}

// pathID reads the {id} of a request's path; an ID that is not a number
// names nothing, so it is "no such " + what.
func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, withholding.Errorf(withholding.ENOTFOUND, "no such %s", what)
	}
	return id, nil
}

func (s *Server) employer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fein := withholding.FEIN(r.PathValue("fein"))
	e, err := s.cfg.Employers.FindEmployerByFEIN(ctx, fein)
	if err != nil {
		return err
	}
	if err := s.audit(r, withholding.AuditViewEmployer, "employer:"+string(e.FEIN), ""); err != nil {
		return err
	}
	orders, nOrders, err := s.cfg.Orders.FindOrders(ctx, withholding.OrderFilter{EmployerFEIN: &fein, Limit: 200})
	if err != nil {
		return fmt.Errorf("find orders: %w", err)
	}
	pays, nPays, err := s.latestPayments(ctx, withholding.PaymentFilter{FEIN: &fein, WithPosting: true}, 50)
	if err != nil {
		return fmt.Errorf("find payments: %w", err)
	}
	rows, err := s.rowMaker(nil).rows(ctx, pays)
	if err != nil {
		return err
	}
	open := withholding.ExceptionOpen
	exs, _, err := s.cfg.Exceptions.FindExceptions(ctx, withholding.ExceptionFilter{FEIN: &fein, Status: &open, Limit: 100})
	if err != nil {
		return fmt.Errorf("find exceptions: %w", err)
	}
	return s.render(w, r, "employer", e.Name, map[string]any{
		"Employer": e, "Orders": orders, "OrderCount": nOrders,
		"Payments": paymentList{Rows: rows, Count: nPays}, "Exceptions": exs,
	})
}

func (s *Server) order(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "order")
	if err != nil {
		return err
	}
	o, err := s.cfg.Orders.FindOrderByID(ctx, id)
	if err != nil {
		return err
	}
	u := userFrom(ctx)
	reveal := r.URL.Query().Get("reveal") == "ssn" && u.Role.SeesFullSSN()
	// Who looked at which obligor's order, and who saw a whole SSN: the
	// number itself is never recorded.
	action := withholding.AuditViewOrder
	if reveal {
		action = withholding.AuditRevealSSN
	}
	if err := s.audit(r, action, "order:"+strconv.FormatInt(o.ID, 10), "case "+string(o.CaseID)); err != nil {
		return err
	}
	docs, _, err := s.cfg.Documents.FindDocuments(ctx, o.ID, 0, 50)
	if err != nil {
		return fmt.Errorf("find documents: %w", err)
	}
	pays, err := s.orderPayments(ctx, o)
	if err != nil {
		return err
	}
	exs, _, err := s.cfg.Exceptions.FindExceptions(ctx, withholding.ExceptionFilter{CaseID: &o.CaseID, Limit: 100})
	if err != nil {
		return fmt.Errorf("find exceptions: %w", err)
	}
	var emp *withholding.Employer
	if e, err := s.cfg.Employers.FindEmployerByFEIN(ctx, o.EmployerFEIN); err == nil {
		emp = e
	}
	var perPay []perPayRow
	for _, f := range []withholding.Frequency{withholding.Weekly, withholding.Biweekly, withholding.Semimonthly, withholding.Monthly} {
		pp := o.PerPay(f)
		perPay = append(perPay, perPayRow{Frequency: string(f), PerPay: pp})
	}
	return s.render(w, r, "order", "Case "+string(o.CaseID), map[string]any{
		"Order": o, "Employer": emp, "Documents": docs, "Payments": pays, "Exceptions": exs,
		"Reveal": reveal, "CanReveal": u.Role.SeesFullSSN(), "PerPay": perPay,
	})
}

// warned counts the payments that carry warnings, so a page explains its
// notes only when it shows some.
func warned(rows []paymentRow) int {
	n := 0
	for _, r := range rows {
		if len(r.Warnings) > 0 {
			n++
		}
	}
	return n
}

type perPayRow struct {
	Frequency string
	withholding.PerPay
}
