package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// filesPerPage is how many ledger entries one page of the Files list shows.
const filesPerPage = 50

// The choices the Files form offers; anything else is refused.
var (
	fileDirections = []withholding.Direction{withholding.Inbound, withholding.Outbound}
	fileKinds      = []withholding.FileKind{withholding.KindACHFile, withholding.KindAckFile, withholding.KindIWOFile,
		withholding.KindIWOResult, withholding.KindAckResult, withholding.KindReportFile}
	fileStates = []withholding.FileState{withholding.FileReceived, withholding.FileParsed, withholding.FileApplied,
		withholding.FileArchived, withholding.FileQuarantined, withholding.FileSent}
)

// fileRow is a ledger entry as the console shows it.
type fileRow struct {
	*withholding.File
	When     string // CreatedAt in the agency's time zone
	Updated  string
	ShortSHA string
	Note     string // Error, with SSN-like digit runs masked
}

func (s *Server) fileRow(f *withholding.File) fileRow {
	short := f.SHA256
	if len(short) > 12 {
		short = short[:12]
	}
	return fileRow{File: f, When: s.localTime(f.CreatedAt), Updated: s.localTime(f.UpdatedAt), ShortSHA: short,
		Note: maskNote(f.Error, f.ControlNumber)}
}

func (s *Server) localTime(t time.Time) string {
	return t.In(s.cfg.Location).Format("2006-01-02 15:04 MST")
}

// maskNote masks SSN-like digit runs in a ledger error: a quarantined
// file's errors may quote its records, and a shifted field can carry an
// SSN. The file's own control number, where it stands alone (no digit or
// dash beside it, so no SSN can run across it), is kept, so that "control
// number … was already received" stays readable.
func maskNote(note, control string) string {
	if len(control) < 9 {
		return withholding.MaskDigitRuns(note)
	}
	var b strings.Builder
	rest := note
	for {
		i := standalone(rest, control)
		if i < 0 {
			break
		}
		b.WriteString(withholding.MaskDigitRuns(rest[:i]))
		b.WriteString(control)
		rest = rest[i+len(control):]
	}
	b.WriteString(withholding.MaskDigitRuns(rest))
	return b.String()
}

// standalone returns the index of the first occurrence of word in s with
// neither a digit nor a dash on either side, or -1.
func standalone(s, word string) int {
	joins := func(c byte) bool { return c >= '0' && c <= '9' || c == '-' }
	for off := 0; ; {
		i := strings.Index(s[off:], word)
		if i < 0 {
			return -1
		}
		i += off
		end := i + len(word)
		if (i == 0 || !joins(s[i-1])) && (end == len(s) || !joins(s[end])) {
			return i
		}
		off = i + 1
	}
}

// fileSearch is the Files form as typed, and the filter it makes.
type fileSearch struct {
	Partner, Direction, Kind, State, From, To, Name, SHA256, Control string
	Page                                                             int
	// All lists every ledger entry; by default only the transfers, the
	// files exchanged with a partner (report copies written locally are
	// not transfers).
	All bool
}

// filter checks the form and returns the ledger filter it asks for, or a
// message naming the bad field.
func (q fileSearch) filter(loc *time.Location) (withholding.FileFilter, string) {
	f := withholding.FileFilter{Name: q.Name, Offset: (q.Page - 1) * filesPerPage, Limit: filesPerPage, WithPartner: !q.All}
	if q.Partner != "" {
		f.Partner = &q.Partner
	}
	if q.Direction != "" {
		d := withholding.Direction(q.Direction)
		if d != withholding.Inbound && d != withholding.Outbound {
			return f, "Direction: choose in or out."
		}
		f.Direction = &d
	}
	var ok bool
	if f.Kind, ok = choice(q.Kind, fileKinds); !ok {
		return f, "Kind: choose one of the listed kinds."
	}
	if f.State, ok = choice(q.State, fileStates); !ok {
		return f, "State: choose one of the listed states."
	}
	for _, d := range []struct {
		name, v string
		to      *time.Time
		days    int
	}{{"From", q.From, &f.Since, 0}, {"To", q.To, &f.Until, 1}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.v, loc)
		if err != nil {
			return f, d.name + ": want a date as YYYY-MM-DD."
		}
		*d.to = t.AddDate(0, 0, d.days) // To takes in the whole day
	}
	if q.SHA256 != "" {
		if !withholding.ValidSHA256Prefix(q.SHA256) {
			return f, fmt.Sprintf("SHA-256: paste the file's SHA-256, or at least its first %d hex digits.", withholding.MinSHA256Prefix)
		}
		f.SHA256Prefix = q.SHA256
	}
	if q.Control != "" {
		f.ControlNumber = &q.Control
	}
	return f, ""
}

// link returns the query string of the search showing page.
func (q fileSearch) link(page int) string {
	v := url.Values{}
	for k, s := range map[string]string{"partner": q.Partner, "direction": q.Direction, "kind": q.Kind, "state": q.State,
		"from": q.From, "to": q.To, "name": q.Name, "sha256": q.SHA256, "control": q.Control} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.All {
		v.Set("all", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "?" + v.Encode()
}

// toggle returns the query string of the same search with All flipped.
func (q fileSearch) toggle() string {
	q.All = !q.All
	return q.link(1)
}

// files searches the file ledger: "did you receive our file?"
func (s *Server) files(w http.ResponseWriter, r *http.Request) error {
	v := r.URL.Query()
	field := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := fileSearch{Partner: field("partner"), Direction: field("direction"), Kind: field("kind"), State: field("state"),
		From: field("from"), To: field("to"), Name: field("name"),
		// A pasted hash may come in capitals or broken by spaces.
		SHA256:  strings.ToLower(strings.Join(strings.Fields(v.Get("sha256")), "")),
		Control: field("control"), All: v.Get("all") == "1"}
	q.Page, _ = strconv.Atoi(v.Get("page"))
	q.Page = max(q.Page, 1)
	data := map[string]any{"Q": q, "Directions": fileDirections, "Kinds": fileKinds, "States": fileStates, "Toggle": q.toggle()}
	filter, problem := q.filter(s.cfg.Location)
	if problem != "" {
		data["Problem"] = problem
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		return s.render(w, r, "files", "Files", data)
	}
	list, n, err := s.cfg.Files.FindFiles(r.Context(), filter)
	if err != nil {
		return fmt.Errorf("find files: %w", err)
	}
	rows := make([]fileRow, len(list))
	for i, f := range list {
		rows[i] = s.fileRow(f)
	}
	data["Files"], data["Count"] = rows, n
	data["First"], data["Last"] = filter.Offset+1, filter.Offset+len(rows)
	if q.Page > 1 {
		data["Prev"] = q.link(q.Page - 1)
	}
	if filter.Offset+len(rows) < n {
		data["Next"] = q.link(q.Page + 1)
	}
	return s.render(w, r, "files", "Files", data)
}

// file shows one ledger entry whole, and what the file carried where the
// store can count it without reading the file again.
func (s *Server) file(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id, err := pathID(r, "file")
	if err != nil {
		return err
	}
	f, err := s.cfg.Files.FindFileByID(ctx, id)
	if err != nil {
		return err
	}
	data := map[string]any{"File": s.fileRow(f), "CanRequeue": userFrom(ctx).Role.CanRequeueFiles()}
	switch f.Kind {
	case withholding.KindACHFile:
		sums, err := s.cfg.Payments.SumPayments(ctx, withholding.PaymentFilter{FileID: &f.ID})
		if err != nil {
			return fmt.Errorf("sum payments: %w", err)
		}
		data["Payments"] = sums
		list, err := s.filePayments(ctx, f.ID)
		if err != nil {
			return err
		}
		data["List"] = list
	case withholding.KindAckFile, withholding.KindAckResult, withholding.KindIWOResult:
		_, n, err := s.cfg.Payments.FindAcknowledgments(ctx, f.ID, nil, 0, 1)
		if err != nil {
			return fmt.Errorf("count acknowledgments: %w", err)
		}
		data["AckFile"], data["Acknowledgments"] = true, n
	}
	return s.render(w, r, "file", fmt.Sprintf("File %d", f.ID), data)
}

// resolveFile settles a quarantined inbound file: it moves to archived in
// the ledger with who, when and why as its note (the errors it was
// quarantined for kept below), and the line goes to the log.
//
// It does not apply anything. The inbound path applies what it finds in
// a partner's inbox, and never the same bytes twice: a fixed file the
// partner sends is new bytes and the next pull applies it on its own
// (name it here as the replacement); the quarantined bytes, never
// applied, are applied if they are put back in the partner's inbox,
// which is safe only once the reason they were refused is fixed.
func (s *Server) resolveFile(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := userFrom(ctx)
	if !u.Role.CanRequeueFiles() {
		forbid(w, "Only a supervisor or an admin may resolve quarantined files.")
		return nil
	}
	id, err := pathID(r, "file")
	if err != nil {
		return err
	}
	note := strings.TrimSpace(r.PostFormValue("note"))
	if note == "" {
		return withholding.Errorf(withholding.EINVALID, "say in the note why the file is settled")
	}
	f, err := s.cfg.Files.FindFileByID(ctx, id)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("quarantine resolved by %s on %s: %s", u.Name, s.localTime(s.cfg.Now()), note)
	if v := strings.TrimSpace(r.PostFormValue("replacement")); v != "" {
		rid, err := strconv.ParseInt(strings.TrimPrefix(v, "#"), 10, 64)
		if err != nil {
			return withholding.Errorf(withholding.EINVALID, "replacement: type the ledger ID of the file that replaced it")
		}
		rf, err := s.cfg.Files.FindFileByID(ctx, rid)
		if withholding.ErrorCode(err) == withholding.ENOTFOUND {
			return withholding.Errorf(withholding.EINVALID, "replacement: no file %d in the ledger", rid)
		} else if err != nil {
			return err
		}
		if rf.Direction != withholding.Inbound || rf.Partner != f.Partner || rf.State != withholding.FileApplied {
			return withholding.Errorf(withholding.EINVALID, "replacement: file %d is not a file applied from %s", rid, f.Partner)
		}
		text += fmt.Sprintf("\nreplaced by ledger file %d (%s)", rf.ID, rf.RemoteName)
	}
	text += "\nquarantined for: " + f.Error
	if _, err := s.cfg.Files.ResolveQuarantine(ctx, id, text); err != nil {
		return err
	}
	if err := s.audit(r, withholding.AuditRequeueFile, fmt.Sprintf("file:%d", id), text); err != nil {
		return err
	}
	s.log.Info("console quarantined file resolved", "user", u.Name, "file", id, "partner", f.Partner)
	http.Redirect(w, r, fmt.Sprintf("/files/%d", id), http.StatusSeeOther)
	return nil
}
