package jobs

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// PullAcks is the "pull-acks" job: it fetches employers' acknowledgment
// files (FHA…) and the portal's IWO result files (FHS…), validates them
// with the e-IWO reader, and applies each in one transaction
// (withholding.FileService.ApplyAcknowledgments): the acknowledgments, the
// order status each implies, and the exceptions staff must see. A file with
// any problem is quarantined whole.
//
// The rules are the domain's acknowledgment rules: the order change is
// withholding.AckOrderUpdate, and the exceptions for rejections, portal
// errors and employer notices (terminations, lump sums, suspensions; one
// exception a notice, naming each of the employee's orders with that
// employer) are
// withholding.AckFindings. This job is the only place they are applied:
// the reconcile job does not derive them again, so each finding is one
// exception, under a key that does not depend on the acknowledgment's
// store ID.
//
// Spec §8.4 edits 1–3 (withholding.CheckAcknowledgment) are applied here:
// an answer whose tracking ID is no IWO the agency sent, a second answer
// to an IWO (from an earlier file or earlier in this one), or one whose
// echoed action is not the IWO's is stored as received but changes no
// order and becomes an ack_unmatched exception naming the file, line and
// tracking ID. Edits 4–6 are the reader's: a file breaking them is
// quarantined. So is a file whose sender (controlSender) already had a
// file with the same control number applied (spec §8.1 edit 7); the store
// checks that in the applying transaction.
type PullAcks struct {
	Exchange  *Exchange
	Files     withholding.FileService
	Orders    withholding.OrderService
	Documents withholding.DocumentService
	// Env is the clock and the agency's time zone: exceptions open on its
	// calendar day.
	Env
}

// Name implements Job.
func (j *PullAcks) Name() string { return JobPullAcks }

// ClaimsItems implements ItemClaimer: with Exchange.Claims set on a store
// that takes several writers at once (PostgreSQL), each file is claimed,
// and instances run the job together.
func (j *PullAcks) ClaimsItems() bool { return j.Exchange.claims() != nil }

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
	var acks []*withholding.Acknowledgment
	var problems edi.Errors
	header, err := edi.Stream(f, name, func(rec edi.Record, rd *edi.Reader) error {
		if k := rd.Kind(); k != 0 && k.FileKind() != want && len(problems) == 0 {
			return &InvalidFileError{Err: fmt.Errorf("%s: a %s file where a %s file was expected", name, k.FileKind(), want)}
		}
		switch r := rec.(type) {
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
		return nil
	}, func(es edi.Errors) error {
		problems = append(problems, es...)
		return nil
	})
	if _, wrong := err.(*InvalidFileError); wrong {
		return nil, nil, err // the header is of a file of another kind
	} else if err != nil {
		return nil, header, fmt.Errorf("read %s: %w", name, err)
	}
	if len(problems) > 0 {
		return nil, header, &InvalidFileError{Err: problems}
	}
	return acks, header, nil
}

// refusalCounts name the run count of each §8.4 refusal.
var refusalCounts = map[withholding.AckRefusalKind]string{
	withholding.RefusedUnknownIWO:   "unknown_tracking",
	withholding.RefusedSecondAnswer: "duplicate_acks",
	withholding.RefusedOtherAction:  "action_mismatch",
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
	docs, err := j.documentsOf(ctx, acks)
	if err != nil {
		return res, err
	}
	orders := &orderCache{svc: j.Orders, byID: map[int64]*withholding.Order{}, bySSN: map[withholding.SSN][]*withholding.Order{}}
	if err := orders.load(ctx, docs); err != nil {
		return res, err
	}
	// applied are the acknowledgments that count; the others are stored
	// as received and reported (spec §8.4 edits 1–3).
	var applied, refused []*withholding.Acknowledgment
	var exs []*withholding.Exception
	answered := map[withholding.TrackingID]int{} // tracking ID → line of its answer in this file
	for _, a := range acks {
		a.FileID = f.ID
		res.Add("acks."+string(a.Status), 1)
		doc := docs[a.TrackingID] // nil when none has it
		if no := withholding.CheckAcknowledgment(a, doc, answered[a.TrackingID]); no != nil {
			res.Add(refusalCounts[no.Kind], 1)
			a.Refused = string(no.Kind)
			refused = append(refused, a)
			exs = append(exs, no.Exception(f, a))
			continue
		}
		applied = append(applied, a)
		if doc != nil {
			answered[a.TrackingID] = a.Line
			if upd, ok := withholding.AckOrderUpdate(doc, a); ok {
				updates[doc.OrderRef] = upd
			}
		}
		concerned, err := orders.of(ctx, a, doc)
		if err != nil {
			return res, err
		}
		exs = append(exs, withholding.AckFindings(a, doc, concerned)...)
	}
	today := j.Today()
	for _, e := range exs {
		e.Status, e.OpenedOn = withholding.ExceptionOpen, today
	}
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

// lookupBatch is how many IWOs or orders pull-acks reads in one query.
const lookupBatch = 500

// documentsOf returns the IWOs the acknowledgments answer, by tracking ID,
// read lookupBatch at a time: one query an acknowledgment, and one more
// for its order, were most of pull-acks' time (docs/scaling.md, fix 27).
// They are read as the file was received, before any of its answers.
func (j *PullAcks) documentsOf(ctx context.Context, acks []*withholding.Acknowledgment) (map[withholding.TrackingID]*withholding.Document, error) {
	var ids []withholding.TrackingID
	seen := map[withholding.TrackingID]bool{}
	for _, a := range acks {
		if a.TrackingID != "" && !seen[a.TrackingID] {
			seen[a.TrackingID] = true
			ids = append(ids, a.TrackingID)
		}
	}
	docs := make(map[withholding.TrackingID]*withholding.Document, len(ids))
	for chunk := range slices.Chunk(ids, lookupBatch) {
		for d, err := range j.Documents.EachDocument(ctx, withholding.DocumentFilter{TrackingIDs: chunk}) {
			if err != nil {
				return nil, fmt.Errorf("find the IWOs answered: %w", err)
			}
			docs[d.TrackingID] = d
		}
	}
	return docs, nil
}

// orderCache reads the orders an acknowledgment concerns, once per file:
// as the file was received, before any of its answers changed them.
type orderCache struct {
	svc   withholding.OrderService
	byID  map[int64]*withholding.Order
	bySSN map[withholding.SSN][]*withholding.Order
}

// load reads the orders of docs, lookupBatch at a time; an order not
// found is remembered as none.
func (c *orderCache) load(ctx context.Context, docs map[withholding.TrackingID]*withholding.Document) error {
	var ids []int64
	for _, d := range docs {
		if d.OrderRef != 0 {
			if _, ok := c.byID[d.OrderRef]; !ok {
				c.byID[d.OrderRef] = nil
				ids = append(ids, d.OrderRef)
			}
		}
	}
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, lookupBatch) {
		for o, err := range c.svc.EachOrder(ctx, withholding.OrderFilter{IDs: chunk}) {
			if err != nil {
				return fmt.Errorf("find the orders answered: %w", err)
			}
			c.byID[o.ID] = o
		}
	}
	return nil
}

// of returns the orders a may concern (see withholding.AckFindings): for
// a notice, the employee's orders; for an answer, its IWO's order, read
// by load.
func (c *orderCache) of(ctx context.Context, a *withholding.Acknowledgment, doc *withholding.Document) ([]*withholding.Order, error) {
	if a.IsNotice() {
		if a.SSN == "" {
			return nil, nil
		}
		if found, ok := c.bySSN[a.SSN]; ok {
			return found, nil
		}
		ssn := a.SSN
		found, _, err := c.svc.FindOrders(ctx, withholding.OrderFilter{SSN: &ssn, Limit: 100})
		if err != nil {
			return nil, fmt.Errorf("find orders of an employer notice: %w", err)
		}
		c.bySSN[a.SSN] = found
		return found, nil
	}
	if doc == nil || doc.OrderRef == 0 {
		return nil, nil
	}
	o := c.byID[doc.OrderRef] // read by load, nil when not found
	if o == nil {
		return nil, nil
	}
	return []*withholding.Order{o}, nil
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
