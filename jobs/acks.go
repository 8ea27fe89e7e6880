package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// PullAcks is the "pull-acks" job: it fetches employers' acknowledgment
// files (FHA…) and the portal's IWO result files (FHS…), validates them
// with the e-IWO reader, and applies each in one transaction
// (withholding.FileService.ApplyAcknowledgments): the acknowledgments, the
// order status each implies, and the exceptions staff must see. A file with
// any problem is quarantined whole.
//
// Order changes: accepted → accepted (terminated for an accepted TRM);
// rejected → rejected with the reason code; a portal error → rejected with
// reason "portal" and the IWO's action pending again, so it is resent once
// corrected. Exceptions for rejections, portal errors and EMP notices
// (terminations, lump sums, suspensions) come from withholding/reconcile's
// rules, with the same keys the reconcile job uses, so the night never
// holds two copies of one finding.
//
// Spec §8.4 edits 1–3 are applied here: an answer whose tracking ID is no
// IWO the agency sent, a second answer to an IWO (from an earlier file or
// earlier in this one), or one whose echoed action is not the IWO's is
// stored as received but changes no order and becomes an ack_unmatched
// exception naming the file, line and tracking ID. Edits 4–6 are the
// reader's: a file breaking them is quarantined. So is a file whose sender
// (controlSender) already had a file with the same control number applied
// (spec §8.1 edit 7); the store checks that in the applying transaction.
type PullAcks struct {
	Exchange  *Exchange
	Files     withholding.FileService
	Orders    withholding.OrderService
	Documents withholding.DocumentService
	// Settings are reconciliation's settings (only their defaults matter
	// for acknowledgments); Location is the agency's time zone.
	Settings reconcile.Settings
	Location *time.Location
}

// Name implements Job.
func (j *PullAcks) Name() string { return JobPullAcks }

// Run implements Job.
func (j *PullAcks) Run(ctx context.Context) (Result, error) {
	in := &Inbound{
		Job:      JobPullAcks,
		Exchange: j.Exchange,
		Files:    j.Files,
		Kinds:    []withholding.FileKind{withholding.KindAckFile, withholding.KindIWOResult},
		Apply:    j.apply,
	}
	return in.Run(ctx)
}

// controlSender names who assigned the control number of a file received
// from partner with file header h: a sender never uses a control number
// twice (spec §3 element 2, §8.1 edit 7), so a second file from the same
// sender with a control number already applied is refused whole.
//
// Choice (the spec does not say who "the sender" is): the partner the file
// came from plus everything the file header says about who wrote it and
// for whom — its document code (FHA or FHS: an employer's file or the
// portal's), State FIPS Code, EIN and Primary EIN. A replay, a corrected
// resend or a wrapped sequence keeps all of these, so it is caught; two
// employers, payroll providers or partners that happen to pick the same
// number are not confused. The same number arriving from another partner
// or under another header EIN is not caught. Batch control numbers are not
// compared across files: §8.1 and the portal's DUP code speak of a file
// already received, the portal regroups employers' batches into its own
// files, and an answer replayed in another file is still refused one by
// one as a second answer (spec §8.4 edit 2). Change this function to
// change the rule; the store compares the string it returns.
func controlSender(partner string, h *edi.Header) string {
	blank := func(s string) string { return cmp.Or(s, "-") }
	return fmt.Sprintf("partner %s, %s FIPS %s EIN %s primary EIN %s",
		partner, h.Code, blank(h.FIPS), blank(string(h.EIN)), blank(string(h.PrimaryEIN)))
}

// readAcks reads and validates an acknowledgment or IWO result file. It
// returns the file header, when the file starts with one, even when the
// file is invalid.
func readAcks(path, name string, want withholding.FileKind) ([]*withholding.Acknowledgment, *edi.Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	rd := edi.NewReader(f, name)
	var acks []*withholding.Acknowledgment
	var header *edi.Header
	var problems edi.Errors
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if es := edi.AsErrors(err); es != nil {
			problems = append(problems, es...)
		} else if err != nil {
			return nil, header, fmt.Errorf("read %s: %w", name, err)
		}
		if k := rd.Kind(); k != 0 && k.FileKind() != want && len(problems) == 0 {
			return nil, header, &InvalidFileError{Err: fmt.Errorf("%s: a %s file where a %s file was expected", name, k.FileKind(), want)}
		}
		switch r := rec.(type) {
		case *edi.Header:
			if rd.Line() == 1 && !r.IsBatch() {
				header = r
			}
		case *edi.Ack:
			a := r.Acknowledgment()
			a.Line = rd.Line()
			acks = append(acks, &a)
		case *edi.IWO:
			acks = append(acks, &withholding.Acknowledgment{
				Line: rd.Line(), Action: r.Action, TrackingID: r.TrackingID, CaseID: r.CaseID, OrderID: r.OrderID,
				FEIN: r.EmployerEIN, SSN: r.Employee.SSN, Employee: r.Employee, Status: withholding.DispPortalError,
				ErrorFields: joinNonEmpty("; ", r.ErrorField1, r.ErrorField2),
			})
		}
	}
	if len(problems) > 0 {
		return nil, header, &InvalidFileError{Err: problems}
	}
	return acks, header, nil
}

func (j *PullAcks) apply(ctx context.Context, f *withholding.File) (Result, error) {
	var res Result
	acks, header, err := readAcks(f.LocalPath, f.RemoteName, f.Kind)
	if header != nil && header.ControlNumber != "" {
		// Recorded even for a file about to be quarantined, so the ledger
		// shows it; ApplyAcknowledgments refuses a number already applied.
		f.ControlNumber, f.Sender = header.ControlNumber, controlSender(f.Partner, header)
		if err := j.Files.SetFileControl(ctx, f.ID, f.Sender, f.ControlNumber); err != nil {
			return res, fmt.Errorf("record control number of %s: %w", f.RemoteName, err)
		}
	}
	if err != nil {
		return res, err
	}
	updates := map[int64]withholding.OrderUpdate{}
	orders := map[int64]*withholding.Order{}
	var docs []*withholding.Document
	// applied are the acknowledgments that count; the others are stored
	// as received and reported (spec §8.4 edits 1–3).
	var applied, refused []*withholding.Acknowledgment
	var unmatched []*withholding.Exception
	answered := map[withholding.TrackingID]int{} // tracking ID → line of its answer in this file
	for _, a := range acks {
		a.FileID = f.ID
		res.Add("acks."+string(a.Status), 1)
		if a.TrackingID != "" {
			doc, err := j.Documents.FindDocumentByTrackingID(ctx, a.TrackingID)
			if withholding.ErrorCode(err) == withholding.ENOTFOUND {
				res.Add("unknown_tracking", 1)
				refused = append(refused, a)
				a.Refused = "unknown tracking ID"
				unmatched = append(unmatched, ackUnknown(f, a))
				continue
			} else if err != nil {
				return res, fmt.Errorf("find IWO %s: %w", a.TrackingID, err)
			}
			if line, ok := answered[a.TrackingID]; ok || doc.Status != "" {
				res.Add("duplicate_acks", 1)
				refused = append(refused, a)
				a.Refused = "second answer"
				unmatched = append(unmatched, ackDuplicate(f, a, doc, line))
				continue
			}
			if a.Action != "" && a.Action != doc.Action {
				res.Add("action_mismatch", 1)
				refused = append(refused, a)
				a.Refused = "action differs from the IWO"
				unmatched = append(unmatched, ackActionMismatch(f, a, doc))
				continue
			}
			answered[a.TrackingID] = a.Line
			applied = append(applied, a)
			docs = append(docs, doc)
			if upd, ok := orderChange(doc, a); ok {
				updates[doc.OrderRef] = upd
			}
			if err := j.loadOrder(ctx, doc.OrderRef, orders); err != nil {
				return res, err
			}
			continue
		}
		applied = append(applied, a)
		// EMP notices carry no tracking ID: the employee's orders.
		if a.SSN != "" {
			ssn := a.SSN
			found, _, err := j.Orders.FindOrders(ctx, withholding.OrderFilter{SSN: &ssn, Limit: 100})
			if err != nil {
				return res, fmt.Errorf("find orders of an EMP notice: %w", err)
			}
			for _, o := range found {
				orders[o.ID] = o
			}
		}
	}
	exs, err := j.exceptions(ctx, applied, orders, docs)
	if err != nil {
		return res, err
	}
	exs = append(exs, unmatched...)
	// The store records the disposition of each applied acknowledgment on
	// the document with its tracking ID; refused ones (Refused set) are
	// stored as received and touch no document.
	stored := slices.Concat(refused, applied)
	if err := j.Files.ApplyAcknowledgments(ctx, f.ID, stored, updates, exs); err != nil {
		return res, err
	}
	res.Add("acks", int64(len(acks)))
	res.Add("orders_updated", int64(len(updates)))
	res.Add("exceptions", int64(len(exs)))
	return res, nil
}

// ackUnknown reports an acknowledgment whose tracking ID is no IWO the
// agency sent (spec §8.4 edit 1).
func ackUnknown(f *withholding.File, a *withholding.Acknowledgment) *withholding.Exception {
	e := ackException(f, a, "")
	e.Message = fmt.Sprintf("%s, line %d: acknowledgment (%s, disposition %s) for tracking ID %s, which is no IWO this agency sent; it was stored and changed no order.",
		f.RemoteName, a.Line, a.Action, a.Status, a.TrackingID)
	e.SuggestedAction = "Ask the employer (FEIN " + string(a.FEIN) + ") which IWO it meant to answer; if it is another state's IWO, tell the sender. Resolve once the IWO is answered correctly."
	return e
}

// ackDuplicate reports a second answer to doc (spec §8.4 edit 2): line is
// the first answer's line when it came earlier in the same file.
func ackDuplicate(f *withholding.File, a *withholding.Acknowledgment, doc *withholding.Document, line int) *withholding.Exception {
	e := ackException(f, a, "duplicate")
	first := fmt.Sprintf("an earlier file (disposition %s)", doc.Status)
	if line != 0 {
		first = fmt.Sprintf("line %d of this file", line)
	}
	e.OrderRef = doc.OrderRef
	disp := string(a.Status)
	if a.Reason != "" {
		disp += " reason " + a.Reason
	}
	e.Message = fmt.Sprintf("%s, line %d: duplicate acknowledgment (disposition %s) for IWO %s, already answered in %s; the first answer stands and this one was not applied.",
		f.RemoteName, a.Line, disp, a.TrackingID, first)
	e.SuggestedAction = "Compare the two answers; if the employer meant to change its answer, ask it for the correction and update the order by hand."
	return e
}

// ackActionMismatch reports an answer whose echoed action is not the
// IWO's (spec §8.4 edit 3).
func ackActionMismatch(f *withholding.File, a *withholding.Acknowledgment, doc *withholding.Document) *withholding.Exception {
	e := ackException(f, a, "action")
	e.OrderRef = doc.OrderRef
	e.Message = fmt.Sprintf("%s, line %d: acknowledgment for IWO %s echoes action %s, but the IWO sent was %s; it was not applied.",
		f.RemoteName, a.Line, a.TrackingID, a.Action, doc.Action)
	e.SuggestedAction = "Ask the employer to answer the " + string(doc.Action) + " IWO " + string(a.TrackingID) + " again with the right action code."
	return e
}

// ackException starts an ack_unmatched exception about a; its key is
// stable for the file and line, so re-running adds nothing.
func ackException(f *withholding.File, a *withholding.Acknowledgment, kind string) *withholding.Exception {
	parts := []string{string(withholding.ExAckUnmatched)}
	if kind != "" {
		parts = append(parts, kind)
	}
	parts = append(parts, string(a.TrackingID), strconv.FormatInt(f.ID, 10), strconv.Itoa(a.Line))
	return &withholding.Exception{
		Type:     withholding.ExAckUnmatched,
		Severity: withholding.SeverityMedium,
		Key:      strings.Join(parts, "|"),
		CaseID:   a.CaseID,
		FEIN:     a.FEIN,
		SSN:      a.SSN,
		FileID:   f.ID,
	}
}

func (j *PullAcks) loadOrder(ctx context.Context, id int64, into map[int64]*withholding.Order) error {
	if _, ok := into[id]; ok || id == 0 {
		return nil
	}
	o, err := j.Orders.FindOrderByID(ctx, id)
	if withholding.ErrorCode(err) == withholding.ENOTFOUND {
		return nil
	} else if err != nil {
		return fmt.Errorf("find order %d: %w", id, err)
	}
	into[id] = o
	return nil
}

// ackExceptionTypes are the findings pull-acks records as it applies a
// file; reconcile would find the same ones later with the same keys.
var ackExceptionTypes = []withholding.ExceptionType{withholding.ExIWORejected, withholding.ExPortalError, withholding.ExEmployerNotice}

// exceptions runs reconciliation's acknowledgment rules over this file's
// acknowledgments.
func (j *PullAcks) exceptions(ctx context.Context, acks []*withholding.Acknowledgment, orders map[int64]*withholding.Order, docs []*withholding.Document) ([]*withholding.Exception, error) {
	if len(acks) == 0 {
		return nil, nil
	}
	loc := j.Location
	if loc == nil {
		loc = time.UTC
	}
	list := make([]*withholding.Order, 0, len(orders))
	for _, id := range slices.Sorted(mapKeys(orders)) {
		list = append(list, orders[id])
	}
	r, err := reconcile.Run(ctx, reconcile.Input{
		RunDate:         withholding.DateOf(j.Exchange.now().In(loc)),
		Location:        loc,
		Settings:        j.Settings,
		Orders:          list,
		Documents:       docs,
		Acknowledgments: acks,
	})
	if err != nil {
		return nil, fmt.Errorf("derive exceptions from acknowledgments: %w", err)
	}
	var out []*withholding.Exception
	for _, e := range r.Exceptions {
		if slices.Contains(ackExceptionTypes, e.Type) {
			out = append(out, e)
		}
	}
	return out, nil
}

// orderChange is what an acknowledgment of doc does to its order.
func orderChange(doc *withholding.Document, a *withholding.Acknowledgment) (withholding.OrderUpdate, bool) {
	status := func(s withholding.OrderStatus) *withholding.OrderStatus { return &s }
	switch a.Status {
	case withholding.DispAccepted:
		if doc.Action == withholding.ActionTerminate {
			return withholding.OrderUpdate{Status: status(withholding.StatusTerminated)}, true
		}
		return withholding.OrderUpdate{Status: status(withholding.StatusAccepted)}, true
	case withholding.DispRejected:
		reason := a.Reason
		return withholding.OrderUpdate{Status: status(withholding.StatusRejected), RejectReason: &reason}, true
	case withholding.DispPortalError:
		reason, action := "portal", doc.Action
		return withholding.OrderUpdate{Status: status(withholding.StatusRejected), RejectReason: &reason, PendingAction: &action}, true
	}
	return withholding.OrderUpdate{}, false
}

func joinNonEmpty(sep string, ss ...string) string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}
