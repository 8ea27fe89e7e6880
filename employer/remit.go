package employer

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// Settings are the work-state rules the employer applies to every pay. The
// zero value follows the IWO: the percentage it states, else the federal
// CCPA table with the lower (other family) row; proportional allocation;
// premium after current support (the default of a zero PriorityRules);
// no fee.
type Settings struct {
	// Cap, when CapGiven, overrides the percentage of every IWO (the
	// employer's counsel decided the work state's limit).
	Cap      withholding.Percent
	CapGiven bool
	// State is the work state's own limit, used when no IWO states one.
	State withholding.CapRule
	// OtherFamily answers the CCPA question when the employer knows.
	OtherFamily withholding.OtherFamily

	Allocation      withholding.Allocation
	Fee             withholding.Cents
	FeeOutsideLimit bool
	// MedicalRule, when set, is the order of payment for every pay;
	// otherwise Priorities gives WorkState's (withholding.CalcRequest).
	MedicalRule withholding.MedicalRule
	WorkState   string
	Priorities  withholding.PriorityRules
	// Fees, when set and Fee is 0, give the work state's fee rule
	// (withholding.DefaultStateFees).
	Fees map[string]withholding.FeeRule
}

// Withholding is one pay line's outcome.
type Withholding struct {
	Pay    PayLine
	FEIN   withholding.FEIN // the batch it is remitted in
	Orders []*edi.IWO       // the orders withheld for, in CalcInput order
	Input  withholding.CalcInput
	Result withholding.CalcResult
	// LumpSum marks the withholding from the pay line's lump-sum payment
	// for LUM orders, computed apart from the regular pay.
	LumpSum bool
}

// Limit returns the limit for a pay with these orders: Settings.Cap when
// given; else the lowest percentage the IWOs state (a stated percentage is
// the legal instruction, and with several orders the lowest protects the
// employee); else the work state's rule and the federal table.
func (s Settings) Limit(orders []*edi.IWO) withholding.Limit {
	l := withholding.Limit{State: s.State, OtherFamily: s.OtherFamily}
	if s.CapGiven {
		l.IWOPercent, l.IWOStated, l.IWOSource = s.Cap, true, "set by the employer (--cap)"
		return l
	}
	for _, d := range orders {
		if d.CCPAPercent <= 0 {
			continue
		}
		p := withholding.Percent(d.CCPAPercent * 100)
		if !l.IWOStated || p < l.IWOPercent {
			l.IWOPercent, l.IWOStated = p, true
		}
	}
	return l
}

// Compute works out the withholding of every pay line that has orders in
// effect in book, with withholding.Calculate: the orders' amounts restated
// per pay by withholding.CalcRequest (the input model "iwo calc" and the
// console use) and the limit from s. Lines of employees without orders are left out.
//
// A pay line with a lump sum and LUM orders in effect gets a second
// Withholding (LumpSum set): the limit applied to the lump sum alone, each
// LUM order asking for its lump-sum amount as past-due support (a lump sum
// collects arrears), split like any other tier.
func Compute(lines []PayLine, book *Book, s Settings) ([]Withholding, error) {
	var out []Withholding
	var errs []error
	for _, p := range lines {
		var lumps []*edi.IWO
		if p.LumpSum > 0 {
			lumps = ofFEIN(book.LumpSums(p.SSN), p.FEIN)
		}
		ws, err := computeLine(p, ofFEIN(book.ForEmployee(p.SSN), p.FEIN), lumps, s)
		out = append(out, ws...)
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// ComputeAccepted is Compute for an employer's payroll: each pay line is
// withheld from only for the orders rec shows the employer accepted
// (withholding.WithholdingRefusal), and for the refused orders whose case
// ov names for that refusal. It returns every refused order, overridden or
// not, in pay-line order, so that none is dropped silently.
func ComputeAccepted(lines []PayLine, rec *Record, s Settings, ov Overrides) ([]Withholding, []Refused, error) {
	var out []Withholding
	var refused []Refused
	var errs []error
	for _, p := range lines {
		orders, lumps, r := rec.screen(p, ov)
		refused = append(refused, r...)
		ws, err := computeLine(p, orders, lumps, s)
		out = append(out, ws...)
		errs = append(errs, err)
	}
	return out, refused, errors.Join(errs...)
}

// computeLine works out pay line p's withholding for orders and, from its
// lump sum, for the LUM orders lumps.
func computeLine(p PayLine, orders, lumps []*edi.IWO, s Settings) ([]Withholding, error) {
	var out []Withholding
	var errs []error
	if p.LumpSum > 0 && len(lumps) > 0 {
		x, err := computeLumpSum(p, lumps, s)
		if err != nil {
			errs = append(errs, err)
		} else {
			out = append(out, x)
		}
	}
	if len(orders) == 0 {
		return out, errors.Join(errs...)
	}
	req := withholding.CalcRequest{
		Frequency:       p.Frequency,
		Disposable:      p.Disposable,
		Limit:           s.Limit(orders),
		Allocation:      s.Allocation,
		MedicalRule:     s.MedicalRule,
		WorkState:       s.WorkState,
		Priorities:      s.Priorities,
		Fees:            s.Fees,
		Fee:             s.Fee,
		FeeOutsideLimit: s.FeeOutsideLimit,
	}
	for _, d := range orders {
		req.Orders = append(req.Orders, *d.Order())
	}
	in := req.Input()
	res, err := withholding.Calculate(in)
	if err != nil {
		errs = append(errs, fmt.Errorf("pay line %d: %w", p.Line, err))
		return out, errors.Join(errs...)
	}
	fein := p.FEIN
	if fein == "" {
		fein = orders[0].EmployerEIN
	}
	out = append(out, Withholding{Pay: p, FEIN: fein, Orders: orders, Input: in, Result: res})
	return out, errors.Join(errs...)
}

func ofFEIN(orders []*edi.IWO, fein withholding.FEIN) []*edi.IWO {
	if fein == "" {
		return orders
	}
	var kept []*edi.IWO
	for _, d := range orders {
		if d.EmployerEIN == fein {
			kept = append(kept, d)
		}
	}
	return kept
}

func computeLumpSum(p PayLine, lumps []*edi.IWO, s Settings) (Withholding, error) {
	in := withholding.CalcInput{
		Frequency: p.Frequency, Disposable: p.LumpSum, Limit: s.Limit(lumps),
		Allocation: s.Allocation, MedicalRule: s.MedicalRule,
	}
	for _, d := range lumps {
		in.Orders = append(in.Orders, withholding.CalcOrder{
			Name: string(d.CaseID), Due: withholding.PerPay{PastDueSupport: d.LumpSum, Total: d.LumpSum}, ArrearsOver12Weeks: d.ArrearsOver12Weeks,
		})
	}
	res, err := withholding.Calculate(in)
	if err != nil {
		return Withholding{}, fmt.Errorf("pay line %d, lump sum: %w", p.Line, err)
	}
	fein := p.FEIN
	if fein == "" {
		fein = lumps[0].EmployerEIN
	}
	return Withholding{Pay: p, FEIN: fein, Orders: lumps, Input: in, Result: res, LumpSum: true}, nil
}

// Bank is where the money comes from and goes to.
type Bank struct {
	ODFI        string // the employer's bank routing number (9 digits)
	ODFIName    string
	SDURouting  string // the SDU's bank routing number (9 digits)
	SDUAccount  string
	SDUName     string // receiving company name on each entry
	SDUBankName string
	// Effective is the settlement date asked for; Created stamps the file.
	Effective withholding.Date
	Created   time.Time
}

// ErrNothingToRemit means no pay line had money to send.
var ErrNothingToRemit = errors.New("nothing to remit")

// ACHStats counts what WriteACH wrote.
type ACHStats struct {
	Batches int
	Entries int
	Total   withholding.Cents
}

// Items returns the DED items of w: one per order with money to remit, in
// order.
func (w Withholding) Items() []ach.Item {
	var items []ach.Item
	for i, r := range w.Result.Orders {
		if r.Remit <= 0 {
			continue
		}
		d := w.Orders[i]
		id := d.RemittanceID
		if id == "" {
			id = withholding.RemittanceID(d.CaseID)
		}
		items = append(items, ach.Item{
			CaseID:      id,
			PayDate:     w.Pay.PayDate,
			Amount:      r.Remit,
			SSN:         w.Pay.SSN,
			Medical:     w.Pay.Medical,
			Name:        ach.DEDName(d.Employee.Last, d.Employee.First),
			FIPS:        d.PayeeFIPS,
			Termination: w.Pay.Final,
		})
	}
	return items
}

// WriteACH writes a NACHA file of CCD+ credits to the SDU: one batch per
// employer FEIN (company ID "1"+FEIN, the employer name from its IWOs), one
// entry with one DED addenda per order with money withheld. It returns
// ErrNothingToRemit, and writes nothing, when there is no money to send.
func WriteACH(w io.Writer, ws []Withholding, bank Bank) (ACHStats, error) {
	var st ACHStats
	byFEIN := map[withholding.FEIN][]ach.Item{}
	names := map[withholding.FEIN]string{}
	var feins []withholding.FEIN
	for _, x := range ws {
		items := x.Items()
		if len(items) == 0 {
			continue
		}
		if _, ok := byFEIN[x.FEIN]; !ok {
			feins = append(feins, x.FEIN)
			names[x.FEIN] = x.Orders[0].EmployerName
		}
		byFEIN[x.FEIN] = append(byFEIN[x.FEIN], items...)
	}
	if len(feins) == 0 {
		return st, ErrNothingToRemit
	}
	sort.Slice(feins, func(i, j int) bool { return feins[i] < feins[j] })
	created := bank.Created
	if created.IsZero() {
		created = bank.Effective.Time(time.UTC)
	}
	fw, err := ach.NewFileWriter(w, ach.FileHeader{
		Destination: bank.SDURouting, DestinationName: clip(bank.SDUBankName, 23),
		Origin: bank.ODFI, OriginName: clip(bank.ODFIName, 23), Created: created,
	})
	if err != nil {
		return st, fmt.Errorf("write remittance file: %w", err)
	}
	seq := 1
	for i, f := range feins {
		items := byFEIN[f]
		r := ach.Remittance{
			CompanyName:   clip(achText(names[f]), 16),
			CompanyID:     "1" + string(f),
			ODFI:          bank.ODFI,
			ODFIName:      bank.ODFIName,
			SDUName:       clip(achText(bank.SDUName), 22),
			SDURouting:    bank.SDURouting,
			SDUAccount:    bank.SDUAccount,
			SDUBankName:   bank.SDUBankName,
			EffectiveDate: bank.Effective,
			Created:       created,
			Items:         items,
			TraceStart:    seq,
		}
		b, err := ach.RemittanceBatch(r, i+1)
		if err != nil {
			return st, fmt.Errorf("write remittance for FEIN %s: %w", f, err)
		}
		if err := fw.WriteBatch(b); err != nil {
			return st, fmt.Errorf("write remittance for FEIN %s: %w", f, err)
		}
		seq += len(items)
		st.Batches++
		st.Entries += len(items)
		for _, it := range items {
			st.Total += it.Amount
		}
	}
	if err := fw.Close(); err != nil {
		return st, fmt.Errorf("write remittance file: %w", err)
	}
	return st, nil
}

// achText keeps what NACHA alphanumeric fields take well: upper case
// letters, digits, spaces and a little punctuation.
func achText(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || strings.ContainsRune(" &-.,/", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String())
}

func clip(s string, n int) string {
	if len(s) > n {
		return strings.TrimRight(s[:n], " ")
	}
	return s
}

// WriteSummary writes the table a payroll clerk reads: one row per order
// withheld for, with the employee (SSN masked), case, pay date, disposable
// earnings, the limit, what the order asks this pay, what is withheld and
// why, then the totals.
func WriteSummary(w io.Writer, ws []Withholding) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMPLOYEE\tSSN\tCASE\tPAY DATE\tDISPOSABLE\tLIMIT\tORDERED\tWITHHELD\tWHY")
	var ordered, withheld withholding.Cents
	for _, x := range ws {
		r := x.Result
		for i, o := range r.Orders {
			d := x.Orders[i]
			why := "everything ordered fits under the limit"
			if r.Unwithheld > 0 {
				why = fmt.Sprintf("limit reached: %s of the pay's orders not withheld", r.Unwithheld.Dollars())
				if len(r.Orders) > 1 {
					why += " (" + string(r.Allocation) + " split)"
				}
			}
			if r.Disposable == 0 {
				why = "no disposable earnings this pay"
			}
			if x.LumpSum {
				why = "lump sum of " + r.Disposable.Dollars() + ": " + why
			}
			if x.Pay.Final {
				why += "; final pay"
			}
			fmt.Fprintf(tw, "%s, %s\t%s\t%s\t%s\t%s\t%s of %s\t%s\t%s\t%s\n",
				d.Employee.Last, d.Employee.First, x.Pay.SSN, d.CaseID, x.Pay.PayDate,
				r.Disposable.Dollars(), r.Percent, r.Cap.Dollars(), o.Ordered.Withheld().Dollars(), o.Remit.Dollars(), why)
			ordered += o.Ordered.Withheld()
			withheld += o.Remit
		}
	}
	fmt.Fprintf(tw, "TOTAL\t\t\t\t\t\t%s\t%s\t\n", ordered.Dollars(), withheld.Dollars())
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}
