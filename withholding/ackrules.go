package withholding

import (
	stdcmp "cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The acknowledgment rules: whether an answer counts (spec §8.4), what it
// does to its order and which exceptions it raises. The pull-acks job
// applies them once, in the transaction that records the file, so every
// finding below exists once in the books and nothing derives it again.

// AckRefusalKind says why an acknowledgment was stored but not applied
// (e-IWO spec §8.4 edits 1–3). Its text is what Acknowledgment.Refused
// records.
type AckRefusalKind string

// Kinds of AckRefusal.
const (
	// RefusedUnknownIWO: the tracking ID is no IWO this agency sent (edit 1).
	RefusedUnknownIWO AckRefusalKind = "unknown tracking ID"
	// RefusedSecondAnswer: the IWO was already answered, in an earlier
	// file or earlier in the same file (edit 2).
	RefusedSecondAnswer AckRefusalKind = "second answer"
	// RefusedOtherAction: the echoed action is not the IWO's (edit 3).
	RefusedOtherAction AckRefusalKind = "action differs from the IWO"
)

// AckRefusal is the verdict on an acknowledgment that must not be applied.
type AckRefusal struct {
	Kind AckRefusalKind
	// IWO is the document the acknowledgment names; nil for
	// RefusedUnknownIWO.
	IWO *Document
	// FirstLine is, for RefusedSecondAnswer, the line of the first answer
	// when it came earlier in the same file; 0 when it came in an earlier
	// file.
	FirstLine int
}

// CheckAcknowledgment applies spec §8.4 edits 1–3 to acknowledgment a.
// doc is the IWO with a's tracking ID, nil when the agency sent none;
// firstLine is the line of an answer to that IWO applied earlier in the
// same file, 0 for none. It returns nil when a counts: an answer that
// passes the edits, or a notice (no tracking ID), which answers no IWO.
func CheckAcknowledgment(a *Acknowledgment, doc *Document, firstLine int) *AckRefusal {
	switch {
	case a.TrackingID == "":
		return nil
	case doc == nil:
		return &AckRefusal{Kind: RefusedUnknownIWO}
	case firstLine != 0 || doc.Status != "":
		return &AckRefusal{Kind: RefusedSecondAnswer, IWO: doc, FirstLine: firstLine}
	case a.Action != "" && a.Action != doc.Action:
		return &AckRefusal{Kind: RefusedOtherAction, IWO: doc}
	}
	return nil
}

// Exception returns the ack_unmatched exception that tells staff why a,
// line a.Line of file f, was not applied. Its key names the refusal, the
// tracking ID, the file and the line, so applying the file again adds
// nothing.
func (r *AckRefusal) Exception(f *File, a *Acknowledgment) *Exception {
	e := &Exception{
		Type:     ExAckUnmatched,
		Severity: SeverityMedium,
		CaseID:   a.CaseID,
		FEIN:     a.FEIN,
		SSN:      a.SSN,
		FileID:   f.ID,
	}
	parts := []string{string(ExAckUnmatched)}
	if r.IWO != nil {
		e.OrderRef = r.IWO.OrderRef
	}
	switch r.Kind {
	case RefusedUnknownIWO:
		e.Message = fmt.Sprintf("%s, line %d: acknowledgment (%s, disposition %s) for tracking ID %s, which is no IWO this agency sent; it was stored and changed no order.",
			f.RemoteName, a.Line, a.Action, a.Status, a.TrackingID)
		e.SuggestedAction = "Ask the employer (FEIN " + string(a.FEIN) + ") which IWO it meant to answer; if it is another state's IWO, tell the sender. Resolve once the IWO is answered correctly."
	case RefusedSecondAnswer:
		parts = append(parts, "duplicate")
		first := fmt.Sprintf("an earlier file (disposition %s)", r.IWO.Status)
		if r.FirstLine != 0 {
			first = fmt.Sprintf("line %d of this file", r.FirstLine)
		}
		disp := string(a.Status)
		if a.Reason != "" {
			disp += " reason " + a.Reason
		}
		e.Message = fmt.Sprintf("%s, line %d: duplicate acknowledgment (disposition %s) for IWO %s, already answered in %s; the first answer stands and this one was not applied.",
			f.RemoteName, a.Line, disp, a.TrackingID, first)
		e.SuggestedAction = "Compare the two answers; if the employer meant to change its answer, ask it for the correction and update the order by hand."
	case RefusedOtherAction:
		parts = append(parts, "action")
		e.Message = fmt.Sprintf("%s, line %d: acknowledgment for IWO %s echoes action %s, but the IWO sent was %s; it was not applied.",
			f.RemoteName, a.Line, a.TrackingID, a.Action, r.IWO.Action)
		e.SuggestedAction = "Ask the employer to answer the " + string(r.IWO.Action) + " IWO " + string(a.TrackingID) + " again with the right action code."
	}
	parts = append(parts, string(a.TrackingID), strconv.FormatInt(f.ID, 10), strconv.Itoa(a.Line))
	e.Key = strings.Join(parts, "|")
	return e
}

// AckOrderUpdate returns what applied acknowledgment a of IWO doc does to
// doc's order: accepted → accepted (terminated for an accepted TRM);
// rejected → rejected with the reason code; a portal error → rejected
// with reason "portal" and the IWO's action pending again, so that it is
// resent once corrected. It returns false for an answer that changes
// nothing (an employer notice).
func AckOrderUpdate(doc *Document, a *Acknowledgment) (OrderUpdate, bool) {
	status := func(s OrderStatus) *OrderStatus { return &s }
	switch a.Status {
	case DispAccepted:
		if doc.Action == ActionTerminate {
			return OrderUpdate{Status: status(StatusTerminated)}, true
		}
		return OrderUpdate{Status: status(StatusAccepted)}, true
	case DispRejected:
		reason := a.Reason
		return OrderUpdate{Status: status(StatusRejected), RejectReason: &reason}, true
	case DispPortalError:
		reason, action := "portal", doc.Action
		return OrderUpdate{Status: status(StatusRejected), RejectReason: &reason, PendingAction: &action}, true
	}
	return OrderUpdate{}, false
}

// IsNotice reports whether a is an employer notice about the employee
// rather than an answer to an IWO: an EMP acknowledgment, or an answer
// whose disposition is a termination, lump sum or suspension. A notice's
// findings go to every order of the employee with that employer.
func (a *Acknowledgment) IsNotice() bool {
	switch a.Status {
	case DispTerminated, DispLumpSum, DispSuspended:
		return true
	}
	return a.Action == ActionEmployer
}

// AckFindings returns the exceptions applied acknowledgment a raises: an
// iwo_rejected or portal_error exception for an IWO rejected or flagged,
// and for a notice (IsNotice) one employer_notice exception naming the
// employee's active orders with that employer. doc is the IWO a answers, nil for an EMP notice;
// orders are the orders a may concern: the IWO's order, and for a
// notice the employee's orders. a must carry its FileID and Line.
//
// Keys do not depend on a's store ID, so the same finding has the same
// key before and after a is stored: "iwo_rejected|TRACKING",
// "portal_error|TRACKING" (the keys DocumentFinding gives the IWO's
// recorded answer) and "employer_notice|STATUS|fFILE:lLINE".
func AckFindings(a *Acknowledgment, doc *Document, orders []*Order) []*Exception {
	if a.IsNotice() {
		return noticeFindings(a, orders)
	}
	if a.Status != DispRejected && a.Status != DispPortalError {
		return nil
	}
	ans := answer{
		status: a.Status, tracking: a.TrackingID, caseID: a.CaseID, fein: a.FEIN, fileID: a.FileID,
		reason: a.Reason, action: a.Action, detail: rejectDetail(a), fields: a.ErrorFields,
	}
	var ref int64
	if doc != nil {
		ans.caseID, ans.fein, ans.action = stdcmp.Or(ans.caseID, doc.CaseID), stdcmp.Or(ans.fein, doc.FEIN), stdcmp.Or(ans.action, doc.Action)
		ref = doc.OrderRef
	}
	e := ans.exception()
	for _, o := range orders {
		if (ref != 0 && o.ID == ref) || (ref == 0 && o.CaseID == e.CaseID && (e.FEIN == "" || o.EmployerFEIN == e.FEIN)) {
			e.OrderRef, e.SSN = o.ID, o.Obligor.SSN
			break
		}
	}
	if e.OrderRef == 0 {
		e.OrderRef = ref
	}
	if e.SSN == "" {
		e.SSN = a.SSN
	}
	return []*Exception{e}
}

// DocumentFinding returns the exception the answer recorded on IWO d
// raises, for an IWO rejected or flagged by the portal, with the key
// AckFindings gave the acknowledgment that recorded it; nil for any other
// status. OrderRef is d's; the caller fills SSN from the order.
func DocumentFinding(d *Document) *Exception {
	if d.Status != DispRejected && d.Status != DispPortalError {
		return nil
	}
	e := answer{
		status: d.Status, tracking: d.TrackingID, caseID: d.CaseID, fein: d.FEIN, fileID: d.FileID,
		reason: d.Reason, action: d.Action,
	}.exception()
	e.OrderRef = d.OrderRef
	return e
}

// answer is an IWO's rejection or portal error, as an acknowledgment or
// the IWO's document records it.
type answer struct {
	status   Disposition
	tracking TrackingID
	caseID   CaseID
	fein     FEIN
	fileID   int64
	reason   string
	action   Action
	detail   string // what the acknowledgment adds (rejections)
	fields   string // the elements the portal named (portal errors)
}

func (a answer) exception() *Exception {
	e := &Exception{
		Severity: SeverityHigh,
		CaseID:   a.caseID,
		FEIN:     a.fein,
		FileID:   a.fileID,
	}
	if a.status == DispPortalError {
		e.Type = ExPortalError
		msg := fmt.Sprintf("The e-IWO portal flagged IWO %s for case %s (FEIN %s)", a.tracking, a.caseID, a.fein)
		if a.fields != "" {
			msg += ": error in " + a.fields
		}
		e.Message = msg + "."
		e.SuggestedAction = "Correct the fields the portal named on the order and resend the IWO; the employer never received this one."
	} else {
		e.Type = ExIWORejected
		e.Message = fmt.Sprintf("The employer (FEIN %s) rejected %s IWO %s for case %s: %s (reason %q).", a.fein, a.action, a.tracking, a.caseID, ReasonText(a.reason), a.reason)
		if a.detail != "" {
			e.Message += " " + a.detail + "."
		}
		e.SuggestedAction = ReasonAction(a.reason)
	}
	e.Key = string(e.Type) + "|" + string(a.tracking)
	return e
}

// rejectDetail is what an acknowledgment tells beyond its disposition.
func rejectDetail(a *Acknowledgment) string {
	var parts []string
	if a.CorrectedFEIN != "" {
		parts = append(parts, "corrected FEIN "+string(a.CorrectedFEIN))
	}
	if a.MultipleState != "" {
		parts = append(parts, "IWO already in place from "+a.MultipleState)
	}
	if !a.TerminationDate.IsZero() {
		parts = append(parts, "employment ended "+a.TerminationDate.String())
	}
	if a.NewEmployer != "" {
		parts = append(parts, "new employer "+a.NewEmployer)
	}
	return strings.Join(parts, "; ")
}

// noticeFindings reports a notice once: one finding, one exception, on
// the employee's first active order with that employer (by order ID), its
// message naming every such order's case (Kansas fans EMP notices out per
// order; iwo keeps one exception a notice so that the queue counts what
// employers sent, and staff see every case it concerns in the message).
func noticeFindings(a *Acknowledgment, orders []*Order) []*Exception {
	kind, ok := noticeKinds[a.Status]
	if !ok {
		kind = noticeKinds[DispTerminated]
		kind.what = "an employer notice with status " + quote(string(a.Status))
		kind.action = "Read the notice and call the employer to learn what it reports."
	}
	detail := rejectDetail(a)
	if a.Status == DispLumpSum {
		detail = fmt.Sprintf("lump sum %s on %s (%s)", a.LumpSumCents.Dollars(), a.LumpSumDate, strings.TrimSpace(a.LumpSumType))
	}
	if a.Status == DispTerminated && a.FinalPaymentCents != 0 {
		detail = strings.TrimPrefix(detail+fmt.Sprintf("; final payment %s on %s", a.FinalPaymentCents.Dollars(), a.FinalPaymentDate), "; ")
	}
	e := &Exception{
		Type:            ExEmployerNotice,
		Severity:        kind.severity,
		Key:             fmt.Sprintf("%s|%s|f%d:l%d", ExEmployerNotice, a.Status, a.FileID, a.Line),
		CaseID:          a.CaseID,
		FEIN:            a.FEIN,
		SSN:             a.SSN,
		FileID:          a.FileID,
		SuggestedAction: kind.action,
	}
	switch a.Status {
	case DispLumpSum:
		e.Amount, e.DueDate = a.LumpSumCents, a.LumpSumDate
	case DispTerminated:
		e.Amount, e.DueDate = a.FinalPaymentCents, a.TerminationDate
	}
	var concerned []*Order
	for _, o := range orders {
		if a.SSN != "" && o.Obligor.SSN == a.SSN && (a.FEIN == "" || o.EmployerFEIN == a.FEIN) && o.Status != StatusTerminated {
			concerned = append(concerned, o)
		}
	}
	slices.SortFunc(concerned, func(x, y *Order) int { return stdcmp.Compare(x.ID, y.ID) })
	var cases []string
	for _, o := range concerned {
		cases = append(cases, string(o.CaseID))
	}
	switch len(concerned) {
	case 0:
		e.Message = fmt.Sprintf("Employer FEIN %s reports for employee %s: %s.", a.FEIN, a.SSN, kind.what)
		if e.CaseID != "" {
			e.Message = fmt.Sprintf("Employer FEIN %s reports for case %s (employee %s): %s.", a.FEIN, e.CaseID, a.SSN, kind.what)
		}
	case 1:
		e.CaseID, e.OrderRef = concerned[0].CaseID, concerned[0].ID
		e.Message = fmt.Sprintf("Employer FEIN %s reports for case %s (employee %s): %s.", a.FEIN, e.CaseID, a.SSN, kind.what)
	default:
		e.CaseID, e.OrderRef = concerned[0].CaseID, concerned[0].ID
		e.Message = fmt.Sprintf("Employer FEIN %s reports for cases %s (employee %s): %s.", a.FEIN, strings.Join(cases, ", "), a.SSN, kind.what)
	}
	if detail != "" {
		e.Message += " " + detail + "."
	}
	return []*Exception{e}
}
