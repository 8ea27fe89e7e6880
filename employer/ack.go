package employer

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// Decision is the answer to one IWO and the rule that chose it.
type Decision struct {
	IWO *edi.IWO
	Ack *edi.Ack
	// Why says in words which rule decided, for the clerk's summary.
	Why string
}

// Decider answers IWOs for an employer or payroll provider against its
// roster and the orders it has in effect. Accepted IWOs go into Book as
// they are decided, so a file that carries an ORG and later its AMD or TRM
// is answered consistently, and a repeated ORG is a duplicate.
//
// The rules, first match wins (docs/employer.md; spec table 6.1 and
// §8.3 item 7):
//
//  1. the tracking identifier was answered before: R D (duplicate);
//  2. TRM: A when an order for the case is in effect (it ends), else R Z;
//  3. the SSN is not on the roster under any FEIN: R U (never employed);
//  4. the SSN is on the roster only under other FEINs: R W, with the
//     corrected FEIN (the state re-sends to the right one);
//  5. the employee is terminated: R N, with the termination data;
//  6. neither the last nor the first name matches the roster: R B;
//  7. an ORG for a case whose order is already in effect: R D;
//  8. otherwise accepted: A B when one of the two names differs (a
//     changed last name, a nickname), A S when the employee is suspended,
//     else A.
type Decider struct {
	Roster *Roster
	Book   *Book
	// On is the day the answers are made; termination data and notices
	// are measured from it.
	On withholding.Date
}

// Decide answers d and, when it is accepted, applies it to the book.
func (dc *Decider) Decide(d *edi.IWO) Decision {
	ack := edi.AckOf(d)
	dec := Decision{IWO: d, Ack: ack}
	reject := func(reason, why string) Decision {
		ack.Status, ack.Reason, dec.Why = withholding.DispRejected, reason, why
		return dec
	}
	accept := func(reason, why string) Decision {
		ack.Status, ack.Reason, dec.Why = withholding.DispAccepted, reason, why
		dc.Book.Apply(d)
		return dec
	}

	if dc.Book.Seen(d.TrackingID) {
		return reject("D", "this IWO (same tracking identifier) was answered before")
	}
	if d.Action == withholding.ActionTerminate {
		if dc.Book.Active(d) == nil {
			return reject("Z", "no order for this case is in effect to terminate")
		}
		return accept("", "the order in effect ends")
	}
	emp, all := dc.Roster.Find(d.Employee.SSN, d.EmployerEIN)
	if emp == nil && len(all) == 0 {
		return reject("U", "no employee with this SSN on the roster")
	}
	if emp == nil {
		ack.CorrectedFEIN = all[0].FEIN
		return reject("W", fmt.Sprintf("the employee is paid under FEIN %s, not %s", all[0].FEIN, d.EmployerEIN))
	}
	if emp.Status == Terminated {
		ack.TerminationDate = emp.TerminationDate
		ack.FinalPaymentDate = emp.FinalPayDate
		ack.FinalPayment = emp.FinalPay
		ack.LastKnownAddress = emp.LastKnownAddress
		ack.LastKnownPhone = emp.LastKnownPhone
		ack.NewEmployerName = emp.NewEmployer
		return reject("N", "the employee left on "+emp.TerminationDate.String())
	}
	lastOK := sameName(emp.Person.Last, d.Employee.Last)
	firstOK := sameName(emp.Person.First, d.Employee.First)
	if !lastOK && !firstOK {
		return reject("B", "the SSN matches an employee but neither name does")
	}
	if d.Action == withholding.ActionOriginal && dc.Book.Active(d) != nil {
		return reject("D", "an order for this case and state is already in effect")
	}
	switch {
	case !lastOK || !firstOK:
		return accept("B", "accepted; the SSN matches but one name differs from the roster")
	case emp.Status == Suspended:
		return accept("S", "accepted; the employee is in suspense status (not paid now)")
	}
	return accept("", "accepted")
}

// sameName compares names by their letters only, ignoring case, spaces
// and punctuation ("O'BRIEN" = "OBRIEN", "DE LA CRUZ" = "DELACRUZ").
func sameName(a, b string) bool { return letters(a) == letters(b) }

func letters(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Notices returns the employer-initiated notices the roster calls for:
// EMP T for each terminated employee and EMP L for each announced lump sum,
// for employees who have an order in effect, when the termination or the
// lump sum is dated on or after since (all when since is zero). A notice
// names the employee by SSN (how states match EMP records) and echoes the
// case of the employee's first order. Employees answered N in the same run
// are left out: the rejection already says they left.
func (dc *Decider) Notices(since withholding.Date, answered []Decision) []*edi.Ack {
	rejectedN := map[withholding.SSN]bool{}
	for _, d := range answered {
		if d.Ack.Reason == "N" {
			rejectedN[d.Ack.Employee.SSN] = true
		}
	}
	var out []*edi.Ack
	for _, e := range dc.Roster.Employees {
		orders := dc.Book.ForEmployee(e.Person.SSN)
		if len(orders) == 0 || rejectedN[e.Person.SSN] {
			continue
		}
		first := orders[0]
		notice := func(status withholding.Disposition) *edi.Ack {
			return &edi.Ack{
				Action:      withholding.ActionEmployer,
				CaseID:      first.CaseID,
				EmployerEIN: e.FEIN,
				Employee: withholding.Person{
					Last: e.Person.Last, First: e.Person.First, Middle: e.Person.Middle,
					Suffix: e.Person.Suffix, SSN: e.Person.SSN,
				},
				OrderID: first.OrderID,
				Status:  status,
			}
		}
		if e.Status == Terminated && !e.TerminationDate.Before(since) {
			a := notice(withholding.DispTerminated)
			a.TerminationDate = e.TerminationDate
			a.FinalPaymentDate = e.FinalPayDate
			a.FinalPayment = e.FinalPay
			a.LastKnownAddress = e.LastKnownAddress
			a.LastKnownPhone = e.LastKnownPhone
			a.NewEmployerName = e.NewEmployer
			out = append(out, a)
		}
		if e.LumpSum > 0 && e.Status != Terminated && !e.LumpSumDate.Before(since) {
			a := notice(withholding.DispLumpSum)
			a.LumpSumDate = e.LumpSumDate
			a.LumpSum = e.LumpSum
			a.LumpSumType = e.LumpSumType
			out = append(out, a)
		}
	}
	return out
}

// WriteAcks writes an acknowledgment (FHA) file with the given answers and
// notices, one batch per employer EIN. opt.Kind is set to edi.KindAck;
// opt.FIPS must be the state the file answers (Received.FIPS).
func WriteAcks(w io.Writer, opt edi.WriterOptions, acks []*edi.Ack) error {
	opt.Kind = edi.KindAck
	sorted := append([]*edi.Ack(nil), acks...)
	edi.SortAcks(sorted)
	wr := edi.NewWriter(w, opt)
	for _, a := range sorted {
		if err := wr.Write(a); err != nil {
			return fmt.Errorf("write acknowledgment for case %s: %w", a.CaseID, err)
		}
	}
	if err := wr.Close(); err != nil {
		return fmt.Errorf("write acknowledgment file: %w", err)
	}
	return nil
}

// Tally counts acknowledgments by disposition and reason: "A", "A B",
// "R U", "EMP T"…
type Tally map[string]int

// Add counts a.
func (t Tally) Add(a *edi.Ack) {
	k := string(a.Status)
	if a.Action == withholding.ActionEmployer {
		k = "EMP " + k
	} else if a.Reason != "" {
		k += " " + a.Reason
	}
	t[k]++
}

// String lists the counts, most frequent first, with what each means.
func (t Tally) String() string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if t[keys[i]] != t[keys[j]] {
			return t[keys[i]] > t[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "  %-6s %6d  %s\n", k, t[k], Meaning(k))
	}
	return b.String()
}

// Meaning explains a Tally key in words.
func Meaning(key string) string {
	if m, ok := meanings[key]; ok {
		return m
	}
	return ""
}

var meanings = map[string]string{
	"A":     "accepted",
	"A B":   "accepted, a name differs from the roster",
	"A S":   "accepted, employee in suspense status",
	"A W":   "accepted under another FEIN",
	"R B":   "rejected: SSN matches, name does not",
	"R D":   "rejected: duplicate",
	"R M":   "rejected: another state's IWO in place",
	"R N":   "rejected: no longer employed",
	"R O":   "rejected: other reason",
	"R S":   "rejected: employee in suspense status",
	"R U":   "rejected: never employed",
	"R W":   "rejected: wrong FEIN (corrected FEIN given)",
	"R X":   "rejected: could not process",
	"R Z":   "rejected: no order in effect to terminate",
	"EMP T": "notice: employment ended",
	"EMP L": "notice: lump sum coming",
	"EMP S": "notice: suspense status",
}
