package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// ledger is a file ledger of a few nights, one file recorded a day apart.
type ledger struct {
	ach, bad, ack, dup, iwo *withholding.File
	control                 string // ack's control number
}

func mustLedger(t *testing.T, f *fixture) *ledger {
	t.Helper()
	ctx := context.Background()
	day := time.Date(2026, 11, 17, 12, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return day }
	create := func(file *withholding.File) *withholding.File {
		t.Helper()
		sum := sha256.Sum256([]byte(file.RemoteName))
		file.Size, file.SHA256 = int64(100+len(file.RemoteName)), hex.EncodeToString(sum[:])
		if err := f.db.CreateFile(ctx, file); err != nil {
			t.Fatal(err)
		}
		day = day.Add(24 * time.Hour)
		return file
	}
	o := f.orders[0]
	l := &ledger{control: "2000000202611190000001"}
	l.ach = create(&withholding.File{Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile, RemoteName: "CS_20261117.ach"})
	eff := withholding.NewDate(2026, 11, 17)
	MustApplyPayments(t, f.db, l.ach.ID,
		orderPayment(o, "091000010000001", eff, 15000), orderPayment(o, "091000010000002", eff, 25050))
	// A quarantined remittance whose errors quote a record with the SSN,
	// once bare and once with dashes.
	l.bad = create(&withholding.File{Direction: withholding.Inbound, Partner: "bank", Kind: withholding.KindACHFile, RemoteName: "CS_bad_remit.ach"})
	ssn := o.Obligor.SSN.Digits()
	quarantine := func(file *withholding.File, note string) {
		t.Helper()
		if err := f.db.SetFileState(ctx, file.ID, withholding.FileQuarantined, note); err != nil {
			t.Fatal(err)
		}
		file.State, file.Error = withholding.FileQuarantined, note
	}
	quarantine(l.bad, fmt.Sprintf("CS_bad_remit.ach:5: Entry Detail IndividualIdentificationNumber: %q is not a case ID; <b>%s-%s-%s</b> in addenda\nlocal copy: /var/lib/iwo/quarantine/bank/CS_bad_remit.ach",
		ssn, ssn[:3], ssn[3:5], ssn[5:]))
	// An acknowledgment file, applied, and a resend of its control number
	// with new bytes, refused.
	l.ack = create(&withholding.File{Direction: withholding.Inbound, Partner: "acme", Kind: withholding.KindAckFile, RemoteName: "ack-acme-1.txt"})
	if err := f.db.SetFileControl(ctx, l.ack.ID, "acme", l.control); err != nil {
		t.Fatal(err)
	}
	acks := []*withholding.Acknowledgment{{Line: 3, Action: "ORG", Status: "A"}, {Line: 4, Action: "ORG", Status: "A"}, {Line: 5, Action: "AMD", Status: "R", Reason: "01"}}
	if err := f.db.ApplyAcknowledgments(ctx, l.ack.ID, acks, nil, nil); err != nil {
		t.Fatal(err)
	}
	l.dup = create(&withholding.File{Direction: withholding.Inbound, Partner: "acme", Kind: withholding.KindAckFile, RemoteName: "ack-acme-1-again.txt"})
	if err := f.db.SetFileControl(ctx, l.dup.ID, "acme", l.control); err != nil {
		t.Fatal(err)
	}
	if err := f.db.ApplyAcknowledgments(ctx, l.dup.ID, acks[:1], nil, nil); err == nil {
		t.Fatal("a reused control number was applied")
	} else {
		quarantine(l.dup, err.Error()+" (entry "+ssn+l.control+")")
	}
	l.iwo = create(&withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "iwo-20261121.txt",
		ControlNumber: "2000000202611210000007"})
	return l
}

// listed returns the names of those of files the Files table on body
// lists, in the table's order.
func listed(t *testing.T, body string, files ...*withholding.File) []string {
	t.Helper()
	i := strings.Index(body, `<table id="files">`)
	if i < 0 {
		return nil
	}
	table := body[i : i+strings.Index(body[i:], "</table>")]
	at := map[string]int{}
	var names []string
	for _, f := range files {
		if i := strings.Index(table, ">"+f.RemoteName+"<"); i >= 0 {
			at[f.RemoteName] = i
			names = append(names, f.RemoteName)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return at[a] - at[b] })
	return names
}

func TestFilesSearch(t *testing.T) {
	f := mustFixture(t)
	l := mustLedger(t, f)
	c := f.client(t, "hl", "hl-pass")
	all := []*withholding.File{l.ach, l.bad, l.ack, l.dup, l.iwo}
	names := func(fs ...*withholding.File) string {
		var s []string
		for _, f := range fs {
			s = append(s, f.RemoteName)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		query string
		want  []*withholding.File // newest first
	}{
		{"", []*withholding.File{l.iwo, l.dup, l.ack, l.bad, l.ach}},
		{"partner=bank", []*withholding.File{l.bad, l.ach}},
		{"direction=out", []*withholding.File{l.iwo}},
		{"kind=ack", []*withholding.File{l.dup, l.ack}},
		{"state=quarantined", []*withholding.File{l.dup, l.bad}},
		{"state=applied&direction=in", []*withholding.File{l.ack, l.ach}},
		{"from=2026-11-18&to=2026-11-19", []*withholding.File{l.ack, l.bad}},
		{"to=2026-11-17", []*withholding.File{l.ach}},
		{"name=REMIT", []*withholding.File{l.bad}},
		{"name=ack-acme-1.txt", []*withholding.File{l.ack}},
		{"sha256=" + l.ack.SHA256, []*withholding.File{l.ack}},
		{"sha256=" + l.iwo.SHA256[:8], []*withholding.File{l.iwo}},
		{"sha256=" + url.QueryEscape(" "+strings.ToUpper(l.iwo.SHA256[:6])+" "+l.iwo.SHA256[6:10]), []*withholding.File{l.iwo}},
		{"control=" + l.control, []*withholding.File{l.dup, l.ack}},
		{"control=" + l.iwo.ControlNumber, []*withholding.File{l.iwo}},
		{"partner=nobody", nil},
	} {
		code, body := get(t, c, f.srv.URL+"/files?"+tc.query)
		if code != http.StatusOK {
			t.Errorf("files?%s: status %d", tc.query, code)
			continue
		}
		if got, want := strings.Join(listed(t, body, all...), ","), names(tc.want...); got != want {
			t.Errorf("files?%s lists %q, want %q", tc.query, got, want)
		}
	}
	for _, bad := range []string{"sha256=abc", "sha256=zzzzzzzzzz", "direction=up", "kind=pdf", "state=lost", "from=17/11/2026"} {
		code, body := get(t, c, f.srv.URL+"/files?"+bad)
		if code != http.StatusBadRequest || !strings.Contains(body, `id="problem"`) || !strings.Contains(body, `id="file-search"`) {
			t.Errorf("files?%s: status %d, want 400 with the form and the problem", bad, code)
		}
	}
	// Every row shows when, partner, direction, kind, size, state, control
	// number and a short SHA-256.
	_, body := get(t, c, f.srv.URL+"/files?direction=out")
	for _, want := range []string{"2026-11-21 12:00 UTC", ">portal<", "<td>out</td>", "<td>iwo</td>", fmt.Sprintf(">%d<", l.iwo.Size),
		"<td>sent</td>", l.iwo.ControlNumber, ">" + l.iwo.SHA256[:12] + "<", `href="/files/` + itoa(l.iwo.ID) + `"`} {
		if !strings.Contains(body, want) {
			t.Errorf("files row lacks %q", want)
		}
	}
}

func TestFilesPaginated(t *testing.T) {
	f := mustFixture(t)
	ctx := context.Background()
	for i := range 53 {
		name := fmt.Sprintf("report-%02d.xlsx", i)
		sum := sha256.Sum256([]byte(name))
		if err := f.db.CreateFile(ctx, &withholding.File{Direction: withholding.Outbound, Partner: "ops", Kind: withholding.KindReportFile,
			RemoteName: name, Size: 10, SHA256: hex.EncodeToString(sum[:])}); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t, "hl", "hl-pass")
	code, body := get(t, c, f.srv.URL+"/files?kind=report&partner=ops")
	if code != 200 || strings.Count(body, "report-") != 50 || !strings.Contains(body, "report-52.xlsx") || strings.Contains(body, "report-02.xlsx") {
		t.Errorf("page 1: status %d, want the 50 newest reports", code)
	}
	if !strings.Contains(body, "Files 1–50 of 53") || strings.Contains(body, `id="prev"`) {
		t.Error("page 1: wrong count or a link to a newer page")
	}
	next := `<a href="?kind=report&amp;page=2&amp;partner=ops" id="next">`
	if !strings.Contains(body, next) {
		t.Fatalf("page 1 lacks the link %s", next)
	}
	code, body = get(t, c, f.srv.URL+"/files?kind=report&page=2&partner=ops")
	if code != 200 || strings.Count(body, "report-") != 3 || !strings.Contains(body, "report-00.xlsx") || !strings.Contains(body, "Files 51–53 of 53") {
		t.Errorf("page 2: status %d, want the 3 oldest reports", code)
	}
	if strings.Contains(body, `id="next"`) || !strings.Contains(body, `<a href="?kind=report&amp;partner=ops" id="prev">`) {
		t.Error("page 2: want a link back to page 1 and none further")
	}
}

func TestFileDetail(t *testing.T) {
	f := mustFixture(t)
	l := mustLedger(t, f)
	c := f.client(t, "hl", "hl-pass")
	code, body := get(t, c, f.srv.URL+"/files/"+itoa(l.ach.ID))
	if code != 200 {
		t.Fatalf("ACH file detail: status %d", code)
	}
	for _, want := range []string{l.ach.SHA256, "CS_20261117.ach", "<td>applied</td>", "<td>payment</td><td class=\"num\">2</td><td class=\"num\">$400.50</td>"} {
		if !strings.Contains(body, want) {
			t.Errorf("ACH file detail lacks %q", want)
		}
	}
	code, body = get(t, c, f.srv.URL+"/files/"+itoa(l.ack.ID))
	if code != 200 || !strings.Contains(body, "3 acknowledgments.") || !strings.Contains(body, l.control) {
		t.Errorf("ack file detail: status %d, want 3 acknowledgments and the control number", code)
	}
	if code, _ := get(t, c, f.srv.URL+"/files/99999"); code != http.StatusNotFound {
		t.Errorf("missing file: status %d, want 404", code)
	}
	if code, _ := get(t, c, f.srv.URL+"/files/x"); code != http.StatusNotFound {
		t.Errorf("bad file id: status %d, want 404", code)
	}
	// A payment links to the file it came in.
	_, body = get(t, c, f.srv.URL+"/orders/"+itoa(f.orders[0].ID))
	if !strings.Contains(body, `<a href="/files/`+itoa(l.ach.ID)+`">`) {
		t.Error("order page: payment does not link to its file")
	}
}

// TestQuarantinedFileErrorMasked: a quarantined file's error is shown,
// escaped, on the list and the detail, with SSN-like digit runs masked and
// the file's own control number kept.
func TestQuarantinedFileErrorMasked(t *testing.T) {
	f := mustFixture(t)
	l := mustLedger(t, f)
	ssn := f.orders[0].Obligor.SSN
	c := f.client(t, "hl", "hl-pass")
	for _, path := range []string{"/files?state=quarantined", "/files/" + itoa(l.bad.ID), "/files/" + itoa(l.dup.ID)} {
		code, body := get(t, c, f.srv.URL+path)
		if code != 200 {
			t.Fatalf("GET %s: status %d", path, code)
		}
		if strings.Contains(body, ssn.Digits()) || strings.Contains(body, ssn.Digits()[:3]+"-"+ssn.Digits()[3:5]) {
			t.Errorf("GET %s shows the full SSN", path)
		}
		if strings.Contains(body, "<b>") {
			t.Errorf("GET %s: error text is not escaped", path)
		}
	}
	_, body := get(t, c, f.srv.URL+"/files/"+itoa(l.bad.ID))
	for _, want := range []string{"CS_bad_remit.ach:5: Entry Detail IndividualIdentificationNumber: &#34;" + ssn.Masked() + "&#34;",
		"&lt;b&gt;" + ssn.Masked() + "&lt;/b&gt;", "local copy: /var/lib/iwo/quarantine/bank/CS_bad_remit.ach"} {
		if !strings.Contains(body, want) {
			t.Errorf("quarantined file detail lacks %q", want)
		}
	}
	_, body = get(t, c, f.srv.URL+"/files/"+itoa(l.dup.ID))
	want := "control number " + l.control + " from sender &#34;acme&#34; was already received in file ack-acme-1.txt"
	if !strings.Contains(body, want) {
		t.Errorf("refused resend's detail lacks %q", want)
	}
	// The control number is kept only where it stands alone: glued to an
	// SSN it is masked with it.
	if strings.Contains(body, l.control+")") {
		t.Error("a control number glued to an SSN is shown")
	}
}
