package withholding

// Standing is what an employer knows about one order when it runs a
// payroll: the latest IWO it received for the case and its own answer to
// that IWO, and whether it has told the state the employment ended. It is
// the employer's side of an order's status, read from the files it
// received and sent rather than from the agency's store.
type Standing struct {
	// Action is the action of the latest IWO for the case: ORG, AMD, LUM
	// or TRM. A later IWO supersedes an earlier one.
	Action Action
	// Answer is the employer's disposition of that IWO: DispAccepted,
	// DispRejected, or "" when the employer has not answered it. Any other
	// value counts as no answer.
	Answer Disposition
	// Reason is the answer's reason code ("N", "U"…), for messages only.
	Reason string
	// EmploymentEnded is set when the employer sent an EMP T notice for the
	// employee that covers this order.
	EmploymentEnded bool
	// FinalPay is the final payment date that notice announced; zero when
	// it gave none.
	FinalPay Date
}

// Refusal says why an employer must not withhold for an order. The empty
// Refusal means withholding is allowed.
type Refusal string

// Refusals, in the order WithholdingRefusal checks them.
const (
	// RefuseTerminated: the latest IWO for the case is a TRM, or the
	// employer reported the employment ended (EMP T) and the pay is after
	// the final payment it announced.
	RefuseTerminated Refusal = "terminated"
	// RefuseRejected: the employer rejected the latest IWO for the case.
	RefuseRejected Refusal = "rejected"
	// RefuseUnacknowledged: the employer has not accepted the latest IWO
	// for the case; no acknowledgment it sent answers it.
	RefuseUnacknowledged Refusal = "unacknowledged"
)

// Refusals lists every Refusal.
var Refusals = []Refusal{RefuseTerminated, RefuseRejected, RefuseUnacknowledged}

// WithholdingRefusal returns why an employer must not withhold for an
// order in standing s from pay dated payDate, or "" when it may. First
// match wins:
//
//  1. the latest IWO is a TRM, answered or not: the state said stop;
//  2. the employer sent an EMP T for the employee and payDate is after the
//     final payment date it announced (all pay, when it announced none):
//     the final paycheck itself is still withheld from;
//  3. the employer rejected the latest IWO;
//  4. the employer has not accepted the latest IWO.
//
// An employer withholds only for an IWO it accepted: that is what the
// state was told, and what it will reconcile the money against.
func WithholdingRefusal(s Standing, payDate Date) Refusal {
	switch {
	case s.Action == ActionTerminate:
		return RefuseTerminated
	case s.EmploymentEnded && (s.FinalPay.IsZero() || payDate.After(s.FinalPay)):
		return RefuseTerminated
	case s.Answer == DispRejected:
		return RefuseRejected
	case s.Answer != DispAccepted:
		return RefuseUnacknowledged
	}
	return ""
}

// Explain says in words why withholding is refused, for a payroll clerk.
func (r Refusal) Explain(s Standing) string {
	switch r {
	case RefuseTerminated:
		if s.Action == ActionTerminate {
			return "the state terminated the order (TRM)"
		}
		if s.FinalPay.IsZero() {
			return "you reported the employment ended (EMP T)"
		}
		return "you reported the employment ended (EMP T), final pay " + s.FinalPay.String()
	case RefuseRejected:
		if s.Reason != "" {
			return "you rejected its latest IWO (" + string(s.Action) + ", reason " + s.Reason + ")"
		}
		return "you rejected its latest IWO (" + string(s.Action) + ")"
	case RefuseUnacknowledged:
		return "no acknowledgment you sent accepts its latest IWO (" + string(s.Action) + ")"
	}
	return ""
}
