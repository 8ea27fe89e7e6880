package withholding_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

const (
	ackFEIN  = withholding.FEIN("900000001")
	ackFEIN2 = withholding.FEIN("900000002")
	ackSSN   = withholding.SSN("900112222")
)

// sentIWO is an ORG IWO for order 1 (case CASE1) not yet answered.
func sentIWO() *withholding.Document {
	return &withholding.Document{ID: 1, TrackingID: "T1", OrderRef: 1, CaseID: "CASE1", FEIN: ackFEIN, Action: withholding.ActionOriginal, FileID: 2}
}

// answerTo is line 3 of ACK file 7 answering IWO T1 with status and reason.
func answerTo(status withholding.Disposition, reason string) *withholding.Acknowledgment {
	return &withholding.Acknowledgment{
		FileID: 7, Line: 3, Action: withholding.ActionOriginal, TrackingID: "T1", CaseID: "CASE1",
		FEIN: ackFEIN, SSN: ackSSN, Status: status, Reason: reason,
	}
}

// notice is line 5 of ACK file 7: an EMP notice about the employee.
func notice(status withholding.Disposition) *withholding.Acknowledgment {
	return &withholding.Acknowledgment{FileID: 7, Line: 5, Action: withholding.ActionEmployer, FEIN: ackFEIN, SSN: ackSSN, Status: status}
}

// employeeOrders are the employee's orders: two active ones with ACME, a
// terminated one with ACME and one with another employer.
func employeeOrders() []*withholding.Order {
	mk := func(id int64, c withholding.CaseID, fein withholding.FEIN, st withholding.OrderStatus) *withholding.Order {
		return &withholding.Order{ID: id, CaseID: c, EmployerFEIN: fein, Status: st, Obligor: withholding.Person{SSN: ackSSN}}
	}
	return []*withholding.Order{
		mk(1, "CASE1", ackFEIN, withholding.StatusAccepted),
		mk(2, "CASE2", ackFEIN, withholding.StatusSent),
		mk(3, "CASE3", ackFEIN, withholding.StatusTerminated),
		mk(4, "CASE4", ackFEIN2, withholding.StatusAccepted),
	}
}

func TestCheckAcknowledgment(t *testing.T) {
	answered := sentIWO()
	answered.Status = withholding.DispAccepted
	amend := answerTo(withholding.DispAccepted, "")
	amend.Action = withholding.ActionAmend
	noAction := answerTo(withholding.DispAccepted, "")
	noAction.Action = ""
	for _, tt := range []struct {
		name      string
		a         *withholding.Acknowledgment
		doc       *withholding.Document
		firstLine int
		want      withholding.AckRefusalKind // "" for none
		wantLine  int
	}{
		{"OK", answerTo(withholding.DispAccepted, ""), sentIWO(), 0, "", 0},
		{"OKNoEchoedAction", noAction, sentIWO(), 0, "", 0},
		{"OKNotice", notice(withholding.DispTerminated), nil, 0, "", 0},
		{"ErrUnknownIWO", answerTo(withholding.DispRejected, "U"), nil, 0, withholding.RefusedUnknownIWO, 0},
		{"ErrAnsweredInEarlierFile", answerTo(withholding.DispRejected, "N"), answered, 0, withholding.RefusedSecondAnswer, 0},
		{"ErrAnsweredEarlierInFile", answerTo(withholding.DispRejected, "N"), sentIWO(), 2, withholding.RefusedSecondAnswer, 2},
		{"ErrActionDiffers", amend, sentIWO(), 0, withholding.RefusedOtherAction, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := withholding.CheckAcknowledgment(tt.a, tt.doc, tt.firstLine)
			switch {
			case tt.want == "" && got != nil:
				t.Fatalf("refused %s, want applied", got.Kind)
			case tt.want == "":
			case got == nil:
				t.Fatalf("applied, want refused %s", tt.want)
			case got.Kind != tt.want || got.FirstLine != tt.wantLine:
				t.Errorf("refused %s (first line %d), want %s (first line %d)", got.Kind, got.FirstLine, tt.want, tt.wantLine)
			case tt.want != withholding.RefusedUnknownIWO && got.IWO != tt.doc:
				t.Errorf("refusal names IWO %v, want the one answered", got.IWO)
			}
		})
	}
}

func TestRefusalException(t *testing.T) {
	f := &withholding.File{ID: 7, RemoteName: "/inbox/ACK1"}
	a := answerTo(withholding.DispRejected, "N")
	for _, tt := range []struct {
		refusal *withholding.AckRefusal
		key     string
		want    []string
	}{
		{&withholding.AckRefusal{Kind: withholding.RefusedUnknownIWO}, "ack_unmatched|T1|7|3", []string{"/inbox/ACK1", "line 3", "no IWO this agency sent"}},
		{&withholding.AckRefusal{Kind: withholding.RefusedSecondAnswer, IWO: sentIWO(), FirstLine: 2}, "ack_unmatched|duplicate|T1|7|3", []string{"duplicate acknowledgment", "line 2 of this file", "reason N"}},
		{&withholding.AckRefusal{Kind: withholding.RefusedOtherAction, IWO: sentIWO()}, "ack_unmatched|action|T1|7|3", []string{"echoes action ORG", "but the IWO sent was ORG"}},
	} {
		e := tt.refusal.Exception(f, a)
		if e.Key != tt.key || e.Type != withholding.ExAckUnmatched || e.SuggestedAction == "" || e.FileID != 7 {
			t.Errorf("%s: key %q type %s file %d action %q, want key %q, ack_unmatched in file 7 with an action", tt.refusal.Kind, e.Key, e.Type, e.FileID, e.SuggestedAction, tt.key)
		}
		for _, w := range tt.want {
			if !strings.Contains(e.Message, w) {
				t.Errorf("%s: message %q does not say %q", tt.refusal.Kind, e.Message, w)
			}
		}
	}
}

func TestAckOrderUpdate(t *testing.T) {
	trm := sentIWO()
	trm.Action = withholding.ActionTerminate
	for _, tt := range []struct {
		name    string
		doc     *withholding.Document
		a       *withholding.Acknowledgment
		status  withholding.OrderStatus // "" for no change
		reason  string
		pending withholding.Action
	}{
		{"accepted", sentIWO(), answerTo(withholding.DispAccepted, ""), withholding.StatusAccepted, "", ""},
		{"accepted TRM", trm, answerTo(withholding.DispAccepted, ""), withholding.StatusTerminated, "", ""},
		{"rejected", sentIWO(), answerTo(withholding.DispRejected, "U"), withholding.StatusRejected, "U", ""},
		{"portal error", sentIWO(), answerTo(withholding.DispPortalError, ""), withholding.StatusRejected, "portal", withholding.ActionOriginal},
		{"termination notice", sentIWO(), answerTo(withholding.DispTerminated, ""), "", "", ""},
	} {
		upd, ok := withholding.AckOrderUpdate(tt.doc, tt.a)
		if ok != (tt.status != "") {
			t.Errorf("%s: changes the order %v, want %v", tt.name, ok, tt.status != "")
			continue
		}
		if !ok {
			continue
		}
		if upd.Status == nil || *upd.Status != tt.status {
			t.Errorf("%s: status %v, want %s", tt.name, upd.Status, tt.status)
		}
		if got := deref(upd.RejectReason); got != tt.reason {
			t.Errorf("%s: reject reason %q, want %q", tt.name, got, tt.reason)
		}
		if got := deref(upd.PendingAction); got != tt.pending {
			t.Errorf("%s: pending action %q, want %q", tt.name, got, tt.pending)
		}
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func TestAckFindings(t *testing.T) {
	portal := answerTo(withholding.DispPortalError, "")
	portal.ErrorFields = "EMPLOYEE SSN"
	fired := answerTo(withholding.DispRejected, "N")
	fired.TerminationDate, fired.NewEmployer = day("2026-11-15"), "OTHER CO"
	lump := notice(withholding.DispLumpSum)
	lump.LumpSumCents, lump.LumpSumDate = 500000, day("2026-12-15")
	stranger := notice(withholding.DispSuspended)
	stranger.SSN = "900998888"
	trackedNotice := answerTo(withholding.DispTerminated, "")
	for _, tt := range []struct {
		name   string
		a      *withholding.Acknowledgment
		doc    *withholding.Document
		orders []*withholding.Order
		keys   []string
		typ    withholding.ExceptionType
		order  int64 // of the first finding
		want   []string
	}{
		{"accepted", answerTo(withholding.DispAccepted, ""), sentIWO(), employeeOrders()[:1], nil, "", 0, nil},
		{"rejected", fired, sentIWO(), employeeOrders()[:1], []string{"iwo_rejected|T1"}, withholding.ExIWORejected, 1,
			[]string{"rejected ORG IWO T1 for case CASE1", "employee no longer works for the employer", "employment ended 2026-11-15", "new employer OTHER CO"}},
		{"portal error", portal, sentIWO(), employeeOrders()[:1], []string{"portal_error|T1"}, withholding.ExPortalError, 1,
			[]string{"flagged IWO T1", "error in EMPLOYEE SSN"}},
		{"EMP termination is one finding naming the employer's active orders", notice(withholding.DispTerminated), nil, employeeOrders(),
			[]string{"employer_notice|T|f7:l5"}, withholding.ExEmployerNotice, 1,
			[]string{"reports for cases CASE1, CASE2", "employment or income ended"}},
		{"EMP lump sum", lump, nil, employeeOrders()[:1], []string{"employer_notice|L|f7:l5"}, withholding.ExEmployerNotice, 1,
			[]string{"lump sum $5,000.00 on 2026-12-15"}},
		{"EMP notice about no known order", stranger, nil, employeeOrders(), []string{"employer_notice|S|f7:l5"}, withholding.ExEmployerNotice, 0,
			[]string{"reports for employee", "suspense"}},
		{"answer with a termination disposition is a notice", trackedNotice, sentIWO(), employeeOrders(),
			[]string{"employer_notice|T|f7:l3"}, withholding.ExEmployerNotice, 1, []string{"reports for cases CASE1, CASE2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := withholding.AckFindings(tt.a, tt.doc, tt.orders)
			var keys []string
			for _, e := range got {
				keys = append(keys, e.Key)
				if e.Type != tt.typ || e.Message == "" || e.SuggestedAction == "" || e.FileID != 7 {
					t.Errorf("%s: type %s file %d, message %q, action %q; want %s from file 7 with a message and an action", e.Key, e.Type, e.FileID, e.Message, e.SuggestedAction, tt.typ)
				}
			}
			if !slices.Equal(keys, tt.keys) {
				t.Fatalf("keys %q, want %q", keys, tt.keys)
			}
			if len(got) == 0 {
				return
			}
			if e := got[0]; e.OrderRef != tt.order || (tt.order != 0 && e.SSN != ackSSN) {
				t.Errorf("first finding on order %d with SSN %s, want order %d", e.OrderRef, e.SSN, tt.order)
			}
			for _, w := range tt.want {
				if !strings.Contains(got[0].Message, w) {
					t.Errorf("message %q does not say %q", got[0].Message, w)
				}
			}
			// The key is the same once the acknowledgment has a store ID.
			stored := *tt.a
			stored.ID = 99
			for i, e := range withholding.AckFindings(&stored, tt.doc, tt.orders) {
				if e.Key != keys[i] {
					t.Errorf("key %q once stored, %q before", e.Key, keys[i])
				}
			}
		})
	}
}

// TestAckFindings_RejectReasons checks each disposition reason code gets
// its own suggested action.
func TestAckFindings_RejectReasons(t *testing.T) {
	actions := map[string]string{}
	for _, code := range []string{"", "B", "S", "W", "D", "M", "N", "O", "U", "X", "Z", "Q"} {
		a := answerTo(withholding.DispRejected, code)
		if code == "W" {
			a.CorrectedFEIN = ackFEIN2
		}
		got := withholding.AckFindings(a, sentIWO(), employeeOrders()[:1])
		if len(got) != 1 || got[0].Type != withholding.ExIWORejected {
			t.Fatalf("reason %q: %d findings, want one iwo_rejected", code, len(got))
		}
		e := got[0]
		if code == "W" && !strings.Contains(e.Message, string(ackFEIN2)) {
			t.Errorf("reason W: message %q lacks the corrected FEIN", e.Message)
		}
		if !strings.Contains(e.Message, withholding.ReasonText(code)) {
			t.Errorf("reason %q: message %q lacks %q", code, e.Message, withholding.ReasonText(code))
		}
		for other, act := range actions {
			if act == e.SuggestedAction {
				t.Errorf("reason %q: same suggested action as reason %q", code, other)
			}
		}
		actions[code] = e.SuggestedAction
	}
}

// TestDocumentFinding checks the finding for an answer recorded on an IWO
// has the key AckFindings gave the acknowledgment that recorded it.
func TestDocumentFinding(t *testing.T) {
	for _, status := range []withholding.Disposition{withholding.DispAccepted, withholding.DispRejected, withholding.DispPortalError, withholding.DispTerminated} {
		doc := sentIWO()
		doc.Status, doc.Reason = status, "U"
		e := withholding.DocumentFinding(doc)
		fromAck := withholding.AckFindings(answerTo(status, "U"), sentIWO(), employeeOrders()[:1])
		if status != withholding.DispRejected && status != withholding.DispPortalError {
			if e != nil {
				t.Errorf("status %s: finding %s, want none", status, e.Key)
			}
			continue
		}
		if e == nil || len(fromAck) != 1 || e.Key != fromAck[0].Key || e.Type != fromAck[0].Type || e.OrderRef != 1 {
			t.Errorf("status %s: document finding %+v, acknowledgment's %+v; want one key, type and order", status, e, fromAck)
		}
	}
}
