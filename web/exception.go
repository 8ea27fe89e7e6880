package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/iwoproject/iwo/report"
	"github.com/iwoproject/iwo/withholding"
)

// exceptionsPerPage is how many exceptions one page of the queue shows.
const exceptionsPerPage = 50

// The queue form's fixed choices; anything else is refused.
var (
	exceptionStatuses = []withholding.ExceptionStatus{withholding.ExceptionOpen, withholding.ExceptionResolved, withholding.ExceptionDismissed}
	severities        = []withholding.Severity{withholding.SeverityHigh, withholding.SeverityMedium, withholding.SeverityLow}
	// queueAges are the "older than" choices, in days.
	queueAges = []int{3, 7, 14, 30, 60, 90}
)

// queueQuery is the exception queue's filter form as typed. The page,
// its CSV and the bulk form's way back all read it, so that they list the
// same exceptions.
type queueQuery struct {
	Status, Type, Severity, FEIN, Assigned, Sort string
	Age                                          int // older than this many days; 0 any age
	Page                                         int
}

func readQueueQuery(v url.Values) queueQuery {
	f := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := queueQuery{Status: f("status"), Type: f("type"), Severity: f("severity"), Assigned: f("assigned"), Sort: f("sort"),
		FEIN: strings.ReplaceAll(f("fein"), "-", "")}
	if q.Status == "" {
		q.Status = string(withholding.ExceptionOpen)
	}
	q.Age, _ = strconv.Atoi(f("age"))
	q.Page, _ = strconv.Atoi(f("page"))
	q.Page = max(q.Page, 1)
	return q
}

// filter checks the form and returns the filter it asks for, or a
// message naming the bad field. user is who "assigned to me" means;
// today counts the ages.
func (q queueQuery) filter(user string, today withholding.Date) (withholding.ExceptionFilter, string) {
	f := withholding.ExceptionFilter{Offset: (q.Page - 1) * exceptionsPerPage, Limit: exceptionsPerPage}
	st := withholding.ExceptionStatus(q.Status)
	if !slices.Contains(exceptionStatuses, st) {
		return f, "Status: choose open, resolved or dismissed."
	}
	f.Status = &st
	var ok bool
	if f.Type, ok = choice(q.Type, withholding.ExceptionTypes()); !ok {
		return f, "Type: choose one of the listed types."
	}
	if f.Severity, ok = choice(q.Severity, severities); !ok {
		return f, "Severity: choose high, medium or low."
	}
	if q.FEIN != "" {
		fein := withholding.FEIN(q.FEIN)
		if !fein.Valid() {
			return f, "Employer: type the FEIN, nine digits (the dash may stay)."
		}
		f.FEIN = &fein
	}
	switch q.Assigned {
	case "":
	case "me":
		f.AssignedTo = &user
	case "none":
		nobody := ""
		f.AssignedTo = &nobody
	default:
		return f, "Assigned: choose anyone, me or nobody."
	}
	if q.Age != 0 {
		if !slices.Contains(queueAges, q.Age) {
			return f, "Age: choose one of the listed ages."
		}
		f.OpenedBefore = today.AddDays(-q.Age + 1)
	}
	if q.Sort != "" {
		if !slices.Contains(withholding.ExceptionSorts, withholding.ExceptionSort(q.Sort)) {
			return f, "Sort: choose one of the listed orders."
		}
		f.Sort = withholding.ExceptionSort(q.Sort)
	}
	return f, ""
}

// values returns the form as a query, with the type t (the per-type
// counts link to each type) and page.
func (q queueQuery) values(t string, page int) url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"status": q.Status, "type": t, "severity": q.Severity, "fein": q.FEIN,
		"assigned": q.Assigned, "sort": q.Sort} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Age != 0 {
		v.Set("age", strconv.Itoa(q.Age))
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return v
}

func (q queueQuery) link(page int) string { return "/exceptions?" + q.values(q.Type, page).Encode() }

// typeCount is one entry of the per-type counts at the top of the queue.
type typeCount struct {
	withholding.ExceptionCount
	Link     string
	Selected bool
}

// exceptions is the work queue: a filtered, sorted page of exceptions,
// with counts per type, for working them alone or in bulk.
func (s *Server) exceptions(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := userFrom(ctx)
	q := readQueueQuery(r.URL.Query())
	users, err := s.userNames(ctx)
	if err != nil {
		return err
	}
	data := map[string]any{
		"Q": q, "Statuses": exceptionStatuses, "Types": withholding.ExceptionTypes(), "Severities": severities,
		"Ages": queueAges, "Sorts": withholding.ExceptionSorts, "CanWork": u.Role.CanWorkExceptions(),
		"Users": users, "Back": q.link(q.Page),
	}
	filter, problem := q.filter(u.Name, s.today())
	if problem != "" {
		data["Problem"] = problem
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		return s.render(w, r, "exceptions", "Exceptions", data)
	}
	exs, n, err := s.cfg.Exceptions.FindExceptions(ctx, filter)
	if err != nil {
		return fmt.Errorf("find exceptions: %w", err)
	}
	counts, err := s.cfg.Exceptions.CountExceptions(ctx, filter)
	if err != nil {
		return fmt.Errorf("count exceptions: %w", err)
	}
	tc := make([]typeCount, len(counts))
	all := 0
	for i, c := range counts {
		tc[i] = typeCount{c, "/exceptions?" + q.values(string(c.Type), 1).Encode(), string(c.Type) == q.Type}
		all += c.Count
	}
	data["Exceptions"], data["Count"], data["Counts"], data["All"] = exs, n, tc, all
	data["AllLink"] = "/exceptions?" + q.values("", 1).Encode()
	data["First"], data["Last"] = filter.Offset+1, filter.Offset+len(exs)
	if q.Page > 1 {
		data["Prev"] = q.link(q.Page - 1)
	}
	if filter.Offset+len(exs) < n {
		data["Next"] = q.link(q.Page + 1)
	}
	csv := q.values(q.Type, 1)
	data["CSV"] = "/exceptions.csv?" + csv.Encode()
	return s.render(w, r, "exceptions", "Exceptions", data)
}

// exceptionsCSV downloads every exception the queue's filters select (all
// pages), in the report's CSV layout, whose cells are safe to open in a
// spreadsheet.
func (s *Server) exceptionsCSV(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	q := readQueueQuery(r.URL.Query())
	filter, problem := q.filter(u.Name, s.today())
	if problem != "" {
		return withholding.Errorf(withholding.EINVALID, "%s", problem)
	}
	filter.Offset, filter.Limit = 0, 0
	exs, _, err := s.cfg.Exceptions.FindExceptions(r.Context(), filter)
	if err != nil {
		return fmt.Errorf("find exceptions: %w", err)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="exceptions.csv"`)
	return report.WriteExceptionsCSV(w, exs)
}

// workExceptions applies one action to the chosen exceptions: resolve or
// dismiss with the note, assign to a user, or unassign. A row's own button
// sends "action:ID" and acts on that row alone; the bulk buttons act on
// the ticked rows. All of them change, or none does.
func (s *Server) workExceptions(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if !u.Role.CanWorkExceptions() {
		forbid(w, "Only a supervisor or an admin may work exceptions.")
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return withholding.Errorf(withholding.EINVALID, "unreadable form")
	}
	action, one, _ := strings.Cut(r.PostFormValue("action"), ":")
	var ids []int64
	switch {
	case r.PathValue("id") != "":
		id, err := pathID(r, "exception")
		if err != nil {
			return err
		}
		ids = []int64{id}
	case one != "":
		id, err := strconv.ParseInt(one, 10, 64)
		if err != nil {
			return withholding.Errorf(withholding.EINVALID, "no such exception")
		}
		ids = []int64{id}
	default:
		for _, v := range r.PostForm["id"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return withholding.Errorf(withholding.EINVALID, "no such exception")
			}
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return withholding.Errorf(withholding.EINVALID, "tick the exceptions to work first")
	}
	upd := withholding.ExceptionUpdate{By: u.Name}
	note := strings.TrimSpace(r.PostFormValue("note"))
	switch action {
	case "resolve", "dismiss":
		st := withholding.ExceptionResolved
		if action == "dismiss" {
			st = withholding.ExceptionDismissed
		}
		upd.Status, upd.Note = &st, &note
	case "assign":
		who := r.PostFormValue("assignee")
		if who == "me" {
			who = u.Name
		}
		if u, err := s.cfg.Accounts.FindUserByName(r.Context(), who); withholding.ErrorCode(err) == withholding.ENOTFOUND || err == nil && u.Disabled {
			return withholding.Errorf(withholding.EINVALID, "assign to: choose a console user")
		} else if err != nil {
			return err
		}
		upd.AssignedTo = &who
	case "unassign":
		nobody := ""
		upd.AssignedTo = &nobody
	default:
		return withholding.Errorf(withholding.EINVALID, "action must be resolve, dismiss, assign or unassign")
	}
	if _, err := s.cfg.Exceptions.UpdateExceptions(r.Context(), ids, upd); err != nil {
		return err
	}
	// One audit entry per exception changed: "who changed what" is
	// looked up by exception.
	audit := map[string]withholding.AuditAction{"resolve": withholding.AuditResolveException,
		"dismiss": withholding.AuditDismissException, "assign": withholding.AuditAssignException,
		"unassign": withholding.AuditAssignException}[action]
	for _, id := range ids {
		detail := deref(upd.Note)
		if upd.AssignedTo != nil {
			detail = "assigned to " + strconv.Quote(*upd.AssignedTo)
		}
		if err := s.audit(r, audit, "exception:"+strconv.FormatInt(id, 10), detail); err != nil {
			return err
		}
	}
	s.log.Info("console exceptions worked", "user", u.Name, "action", action, "exceptions", ids, "assignee", deref(upd.AssignedTo))
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/exceptions?") && back != "/exceptions" {
		back = "/exceptions"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// userNames are the console's enabled users, by name, for the queue's
// "assign to" list.
func (s *Server) userNames(ctx context.Context) ([]string, error) {
	users, err := s.cfg.Accounts.FindUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var names []string
	for _, u := range users {
		if !u.Disabled {
			names = append(names, u.Name)
		}
	}
	return names, nil
}

// today is the agency's business day now.
func (s *Server) today() withholding.Date {
	return withholding.DateOf(s.cfg.Now().In(s.cfg.Location))
}

// shortText is the start of a long message, for a compact row whose
// whole message opens on a click.
func shortText(s string) string {
	const n = 90
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndex(s[:n], " ")
	if cut < n/2 {
		cut = n
	}
	return s[:cut] + " …"
}
