package employer

import (
	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// Record is what an employer's own files say about its orders when it runs
// a payroll: every IWO it received, case by case (a later IWO for a case
// supersedes an earlier one), its answer to each, and the EMP T notices it
// sent. ComputeAccepted withholds only where the Record shows an accepted
// IWO (withholding.WithholdingRefusal), so a payroll never withholds for an
// order the employer rejected, never answered, or that has ended.
type Record struct {
	book    *Book
	answers map[withholding.TrackingID]answer
	ended   map[employeeKey]answer // the latest EMP T per employee and FEIN
}

// answer is an acknowledgment and its position among all those sent, so
// that an EMP T can be told apart from an acceptance sent after it (a
// rehire).
type answer struct {
	ack *edi.Ack
	seq int
}

type employeeKey struct {
	ssn  withholding.SSN
	fein withholding.FEIN
}

// LoadRecord builds the record from the IWO files received, in the order
// received, and the acknowledgment records sent, in the order sent.
//
// An IWO answered R D (a duplicate) does not supersede anything: the
// employer said it repeats an order it already answered, and that answer
// stands. For the same reason an R D never replaces an earlier answer with
// the same tracking identifier. Otherwise the last answer to a tracking
// identifier counts.
func LoadRecord(files []*Received, acks []*edi.Ack) *Record {
	r := &Record{book: NewBook(), answers: map[withholding.TrackingID]answer{}, ended: map[employeeKey]answer{}}
	for i, a := range acks {
		if a.Action == withholding.ActionEmployer {
			if a.Status == withholding.DispTerminated {
				r.ended[employeeKey{a.Employee.SSN, a.EmployerEIN}] = answer{a, i}
			}
			continue
		}
		if _, ok := r.answers[a.TrackingID]; ok && isDuplicate(a) {
			continue
		}
		r.answers[a.TrackingID] = answer{a, i}
	}
	for _, f := range files {
		for _, d := range f.IWOs {
			if a, ok := r.answers[d.TrackingID]; (ok && isDuplicate(a.ack)) || r.book.Seen(d.TrackingID) {
				continue
			}
			r.book.Apply(d)
		}
	}
	return r
}

func isDuplicate(a *edi.Ack) bool { return a.Status == withholding.DispRejected && a.Reason == "D" }

// Standing returns where the order whose latest IWO is d stands for the
// employer: d's action, the employer's answer to it, and whether an EMP T
// sent after that answer (or with none) covers the employee.
func (r *Record) Standing(d *edi.IWO) withholding.Standing {
	s := withholding.Standing{Action: d.Action}
	a, answered := r.answers[d.TrackingID]
	if answered {
		s.Answer, s.Reason = a.ack.Status, a.ack.Reason
	}
	if n, ok := r.ended[employeeKey{d.Employee.SSN, d.EmployerEIN}]; ok && (!answered || a.seq < n.seq) {
		s.EmploymentEnded, s.FinalPay = true, n.ack.FinalPaymentDate
	}
	return s
}

// Overrides names, for each refusal, the cases the employer has told
// ComputeAccepted to withhold for anyway (a case identifier stands for
// that case in every issuing state).
type Overrides map[withholding.Refusal]map[withholding.CaseID]bool

// Allow adds case c to the cases withheld for despite refusal r.
func (o Overrides) Allow(r withholding.Refusal, c withholding.CaseID) {
	if o[r] == nil {
		o[r] = map[withholding.CaseID]bool{}
	}
	o[r][c] = true
}

// Refused is an order of a pay line that the rule refused: not withheld
// for, or withheld for only because Overrides named its case.
type Refused struct {
	Pay PayLine
	// IWO is the latest IWO of the case (a TRM for a terminated order).
	IWO        *edi.IWO
	Standing   withholding.Standing
	Refusal    withholding.Refusal
	Overridden bool
}

// screen returns the orders and LUM orders of pay line p that may be
// withheld for, and every refused one. An overridden TRM is withheld for
// on the terms it ended. LUM orders are screened only when the pay line
// has a lump sum.
func (r *Record) screen(p PayLine, ov Overrides) (orders, lumps []*edi.IWO, refused []Refused) {
	allowed := func(latest *edi.IWO) bool {
		st := r.Standing(latest)
		why := withholding.WithholdingRefusal(st, p.PayDate)
		if why == "" {
			return true
		}
		over := ov[why][latest.CaseID]
		refused = append(refused, Refused{Pay: p, IWO: latest, Standing: st, Refusal: why, Overridden: over})
		return over
	}
	for _, d := range ofFEIN(r.book.ForEmployee(p.SSN), p.FEIN) {
		if allowed(d) {
			orders = append(orders, d)
		}
	}
	for _, e := range r.book.endedFor(p.SSN) {
		if p.FEIN != "" && e.trm.EmployerEIN != p.FEIN {
			continue
		}
		if allowed(e.trm) && e.last != nil {
			orders = append(orders, e.last)
		}
	}
	if p.LumpSum > 0 {
		for _, d := range ofFEIN(r.book.LumpSums(p.SSN), p.FEIN) {
			if allowed(d) {
				lumps = append(lumps, d)
			}
		}
	}
	return orders, lumps, refused
}
