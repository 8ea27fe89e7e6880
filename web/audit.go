package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// auditPerPage is how many entries one page of the audit log shows.
const auditPerPage = 100

// audit records that the signed-in user of r did action to subject
// ("order:42", "exception:7", "file:3", "job:night"), with detail (a note,
// a count; SSN-like numbers are masked by the store). Handlers call it
// before they answer: a page whose view cannot be recorded is not shown,
// and a change whose record fails reports an error.
func (s *Server) audit(r *http.Request, action withholding.AuditAction, subject, detail string) error {
	return s.record(r.Context(), userFrom(r.Context()).Name, s.clientAddr(r), action, subject, detail)
}

func (s *Server) record(ctx context.Context, user, addr string, action withholding.AuditAction, subject, detail string) error {
	e := &withholding.AuditEntry{At: s.cfg.Now(), User: withholding.MaskDigitRuns(user), Action: action, Subject: subject, Detail: detail, Addr: addr}
	if err := s.cfg.Audit.RecordAudit(ctx, e); err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
}

// forbid answers 403 with why.
func forbid(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintln(w, why)
}

// auditSearch is the audit page's form as typed.
type auditSearch struct {
	User, Action, Subject, From, To string
	Page                            int
}

// link returns the query string of the search showing page.
func (q auditSearch) link(page int) string {
	v := url.Values{"user": {q.User}, "action": {q.Action}, "subject": {q.Subject}, "from": {q.From}, "to": {q.To}}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	maps.DeleteFunc(v, func(_ string, s []string) bool { return s[0] == "" })
	return "?" + v.Encode()
}

// filter returns the audit filter q asks for, or a message naming the bad
// field. Dates are days in the agency's time zone; To takes in its whole
// day.
func (q auditSearch) filter(loc *time.Location) (withholding.AuditFilter, string) {
	f := withholding.AuditFilter{User: q.User, Subject: q.Subject, Offset: (q.Page - 1) * auditPerPage, Limit: auditPerPage}
	if q.Action != "" {
		a := withholding.AuditAction(q.Action)
		if !slices.Contains(withholding.AuditActions, a) {
			return f, "Action: choose one of the listed actions."
		}
		f.Action = a
	}
	var ok bool
	if f.From, ok = startOfDay(q.From, loc); !ok {
		return f, "From: want a date as YYYY-MM-DD."
	}
	if f.To, ok = startOfDay(q.To, loc); !ok {
		return f, "To: want a date as YYYY-MM-DD."
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	return f, ""
}

// startOfDay reads day (YYYY-MM-DD) as its midnight in loc; "" is the zero
// time. ok is false for anything else.
func startOfDay(day string, loc *time.Location) (t time.Time, ok bool) {
	if day == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation(time.DateOnly, day, loc)
	return t, err == nil
}

type auditRow struct {
	*withholding.AuditEntry
	When string
	// Link is the page of the subject, when it has one.
	Link string
}

// auditLog is the audit page: admins only.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) error {
	if !userFrom(r.Context()).Role.CanAdminister() {
		forbid(w, "Only an admin may read the audit log.")
		return nil
	}
	v := r.URL.Query()
	field := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := auditSearch{User: field("user"), Action: field("action"), Subject: field("subject"), From: field("from"), To: field("to")}
	q.Page, _ = strconv.Atoi(v.Get("page"))
	q.Page = max(q.Page, 1)
	data := map[string]any{"Q": q, "Actions": withholding.AuditActions}
	f, problem := q.filter(s.cfg.Location)
	if problem == "" {
		list, n, err := s.cfg.Audit.FindAudit(r.Context(), f)
		if err != nil {
			return fmt.Errorf("find audit: %w", err)
		}
		rows := make([]auditRow, len(list))
		for i, e := range list {
			rows[i] = auditRow{AuditEntry: e, When: e.At.In(s.cfg.Location).Format("2006-01-02 15:04:05 MST"), Link: subjectLink(e.Subject)}
		}
		data["Entries"] = rows
		pageLinks(data, q.Page, f.Offset, len(rows), n, q.link)
	} else {
		data["Problem"] = problem
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
	}
	return s.render(w, r, "audit", "Audit log", data)
}

// subjectLink is the console page of an audit subject, or "".
func subjectLink(subject string) string {
	kind, key, _ := strings.Cut(subject, ":")
	if key == "" {
		return ""
	}
	switch kind {
	case "order":
		return "/orders/" + url.PathEscape(key)
	case "employer":
		return "/employers/" + url.PathEscape(key)
	case "file":
		return "/files/" + url.PathEscape(key)
	}
	return ""
}

// pageLinks sets what a paged list's template shows around its rows:
// Count, First and Last (1-based) and the Prev and Next links (link makes
// a page's query string). The Files page could use it too.
func pageLinks(data map[string]any, page, offset, shown, total int, link func(page int) string) {
	data["Count"], data["First"], data["Last"] = total, offset+1, offset+shown
	if page > 1 {
		data["Prev"] = link(page - 1)
	}
	if offset+shown < total {
		data["Next"] = link(page + 1)
	}
}
