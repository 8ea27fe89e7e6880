package edisynth

import (
	"fmt"
	"math/rand/v2"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// Outcome is an employer's disposition of one IWO.
type Outcome struct {
	Status withholding.Disposition
	Reason string
}

// allOutcomes is every disposition/reason pair of spec table 6.1.
var allOutcomes = []Outcome{
	{withholding.DispAccepted, "B"}, {withholding.DispAccepted, "S"}, {withholding.DispAccepted, "W"},
	{withholding.DispRejected, "B"}, {withholding.DispRejected, "S"}, {withholding.DispRejected, "W"},
	{withholding.DispRejected, "D"}, {withholding.DispRejected, "M"}, {withholding.DispRejected, "N"},
	{withholding.DispRejected, "O"}, {withholding.DispRejected, "U"}, {withholding.DispRejected, "X"},
	{withholding.DispRejected, "Z"},
}

// Responder plays an employer answering IWOs: it decides each IWO's
// disposition with a realistic mix (mostly accepted as received, some
// accepted with a reason, some rejected) and, early on, makes sure every
// disposition/reason pair of table 6.1 occurs, so that a generated file
// exercises every path of a state's acknowledgment processing. It also
// makes the employer-initiated notices (EMP T, L, S). The same seed gives
// the same answers. `iwo gen ack` (WriteAckFile) and tests use it.
type Responder struct {
	r       *rand.Rand
	pending []Outcome
	// OtherStates are postal codes used for reason M (another state's IWO
	// already in place).
	OtherStates []string
}

// NewResponder returns a Responder seeded with seed.
func NewResponder(seed uint64) *Responder {
	return &Responder{
		r:           rand.New(rand.NewPCG(seed, seed^0x5bd1e995)),
		pending:     append([]Outcome(nil), allOutcomes...),
		OtherStates: []string{"AZ", "NV", "OR", "TX", "WA"},
	}
}

// Decide returns the disposition of d.
func (p *Responder) Decide(d *edi.IWO) Outcome {
	if len(p.pending) > 0 && p.r.IntN(3) == 0 {
		for i, o := range p.pending {
			if edi.ReasonAllowed(d.Action, o.Status, o.Reason) {
				p.pending = append(p.pending[:i], p.pending[i+1:]...)
				return o
			}
		}
	}
	x := p.r.Float64()
	if d.Action == withholding.ActionTerminate {
		switch {
		case x < 0.85:
			return Outcome{withholding.DispAccepted, ""}
		case x < 0.95:
			return Outcome{withholding.DispRejected, "Z"}
		}
		return Outcome{withholding.DispRejected, pick(p.r, []string{"U", "N", "X"})}
	}
	switch {
	case x < 0.82:
		return Outcome{withholding.DispAccepted, ""}
	case x < 0.88:
		return Outcome{withholding.DispAccepted, pick(p.r, []string{"B", "S", "W"})}
	}
	return Outcome{withholding.DispRejected, pick(p.r, []string{"B", "S", "W", "D", "M", "N", "O", "U", "X"})}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// Answer returns the ACK answering d with outcome o on day on, carrying the
// data the outcome requires: a corrected FEIN with W, the other state with
// M, a termination date with N.
func (p *Responder) Answer(d *edi.IWO, o Outcome, on withholding.Date) *edi.Ack {
	a := edi.AckOf(d)
	a.Status, a.Reason = o.Status, o.Reason
	switch o.Reason {
	case "W":
		for a.CorrectedFEIN == "" || a.CorrectedFEIN == d.EmployerEIN {
			a.CorrectedFEIN = withholding.FEIN(fmt.Sprintf("9%08d", p.r.IntN(100_000_000)))
		}
	case "M":
		a.MultipleState = pick(p.r, p.OtherStates)
	case "N":
		a.TerminationDate = on.AddDays(-(7 + p.r.IntN(120)))
	}
	return a
}

// Notice returns an employer-initiated notice about the employee of d, or
// nil; roughly one accepted IWO in twelve gets one: a termination (T) with
// final payment, a lump sum (L) or a suspension (S).
func (p *Responder) Notice(d *edi.IWO, o Outcome, on withholding.Date) *edi.Ack {
	if o.Status != withholding.DispAccepted || d.Action == withholding.ActionTerminate || p.r.IntN(12) != 0 {
		return nil
	}
	// An employer-initiated notice echoes the IWO but answers no document.
	a := edi.AckOf(d)
	a.Action, a.TrackingID = withholding.ActionEmployer, ""
	switch p.r.IntN(3) {
	case 0:
		a.Status = withholding.DispTerminated
		a.TerminationDate = on.AddDays(-p.r.IntN(10))
		a.FinalPaymentDate = a.TerminationDate.AddDays(p.r.IntN(14))
		a.FinalPayment = d.PerBiweekly
		if p.r.IntN(2) == 0 {
			a.NewEmployerName = pick(p.r, []string{"UNKNOWN", "SELF-EMPLOYED", "TEMPORARY STAFFING"})
		}
	case 1:
		a.Status = withholding.DispLumpSum
		a.LumpSumDate = on.AddDays(7 + p.r.IntN(21))
		a.LumpSum = withholding.Cents((500 + p.r.IntN(4500)) * 100)
		a.LumpSumType = pick(p.r, []string{"BONUS", "COMMISSION", "SEVERANCE", "RETROACTIVE PAY"})
	default:
		a.Status = withholding.DispSuspended
	}
	return a
}
