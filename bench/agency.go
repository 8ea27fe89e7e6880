package bench

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// employerPartner is the partner of the employers that exchange e-IWO
// files directly (one in ten) rather than through the portal.
const employerPartner = "employers"

// payer is what a payment needs of an order: kept for the orders the
// typical night's bank files pay.
type payer struct {
	fein    withholding.FEIN
	caseID  withholding.CaseID
	remitID withholding.RemittanceID
	ssn     withholding.SSN
	last    string
	first   string
	fips    string
	amount  withholding.Cents
}

// agency is what the bench keeps of the synthetic agency it wrote: the
// employers, the orders the typical night changes, and the payers.
type agency struct {
	employers []withholding.Employer
	names     map[withholding.FEIN]string
	changed   []withholding.Order // orders re-imported changed on the typical night
	payers    []payer
	orders    int
}

// paying returns the cases of the orders that pay on the typical night.
func (a *agency) paying() map[withholding.CaseID]bool {
	out := make(map[withholding.CaseID]bool, len(a.payers))
	for _, p := range a.payers {
		out[p.caseID] = true
	}
	return out
}

// employerColumns is the header of employers.csv (see store.ImportEmployers).
var employerColumns = []string{
	"fein", "name", "address_line1", "address_line2", "city", "state", "zip", "zip4",
	"contact_name", "contact_phone", "contact_email", "eiwo", "partner", "pay_frequency", "pay_anchor",
}

// writeEmployers writes n synthetic employers to path; one in ten sends
// and receives its files through the employers' partner.
func writeEmployers(g *synth.Generator, path string, n int) ([]withholding.Employer, error) {
	emps := g.Employers(n)
	err := writeCSV(path, employerColumns, func(w *csv.Writer) error {
		for i := range emps {
			e := &emps[i]
			// Every e-IWO employer: the bench measures the electronic path.
			e.EIWO = true
			if i%10 == 9 {
				e.Partner = employerPartner
			}
			if err := w.Write([]string{
				string(e.FEIN), e.Name, e.Address.Line1, e.Address.Line2, e.Address.City, e.Address.State, e.Address.ZIP, e.Address.ZIP4,
				e.Contact.Name, e.Contact.Phone, e.Contact.Email, "Y", e.Partner, string(e.PayFrequency), e.PayAnchor.String(),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return emps, err
}

// orderColumns is the header of orders.csv (see store.ImportOrders).
var orderColumns = []string{
	"case_id", "order_id", "remittance_id", "employer_fein",
	"obligor_last", "obligor_first", "obligor_middle", "obligor_suffix", "obligor_ssn", "obligor_birth_date",
	"obligee_last", "obligee_first", "children",
	"issuing_state", "issuing_jurisdiction", "issuing_tribunal", "payee_fips",
	"current_support", "current_support_freq", "past_due_support", "past_due_support_freq",
	"current_medical", "current_medical_freq", "arrears_over_12_weeks", "start_date", "end_date",
}

func orderRow(o *withholding.Order) []string {
	kids := make([]string, len(o.Children))
	for i, c := range o.Children {
		kids[i] = c.Last + "|" + c.First + "|" + c.BirthDate.String()
	}
	money := func(ob withholding.Obligation) (string, string) {
		if ob.Amount == 0 {
			return "", ""
		}
		return ob.Amount.String(), string(ob.Frequency)
	}
	cs, csf := money(o.Amounts.CurrentSupport)
	pd, pdf := money(o.Amounts.PastDueSupport)
	cm, cmf := money(o.Amounts.CurrentMedical)
	yn := "N"
	if o.ArrearsOver12Weeks {
		yn = "Y"
	}
	return []string{
		string(o.CaseID), string(o.OrderID), string(o.RemittanceID), string(o.EmployerFEIN),
		o.Obligor.Last, o.Obligor.First, o.Obligor.Middle, o.Obligor.Suffix, string(o.Obligor.SSN), o.Obligor.BirthDate.String(),
		o.Obligee.Last, o.Obligee.First, strings.Join(kids, "; "),
		o.IssuingState, o.IssuingJurisdiction, o.IssuingTribunal, o.PayeeFIPS,
		cs, csf, pd, pdf, cm, cmf, yn, o.StartDate.String(), o.EndDate.String(),
	}
}

// writeOrders writes n synthetic orders over the employers to path,
// generated a chunk at a time so that only the chunk is in memory. It
// keeps every order the typical night changes (changes of them, evenly
// spread) and a payer for each of payments payments (evenly spread; an
// order pays twice when there are more payments than orders).
func writeOrders(g *synth.Generator, path string, a *agency, n, changes, payments int) error {
	const chunk = 10_000
	a.orders = n
	k := 0 // next payment
	freq := make(map[withholding.FEIN]withholding.Frequency, len(a.employers))
	for _, e := range a.employers {
		freq[e.FEIN] = e.PayFrequency
	}
	return writeCSV(path, orderColumns, func(w *csv.Writer) error {
		for done := 0; done < n; {
			batch := g.Orders(a.employers, min(chunk, n-done))
			for i := range batch {
				o := &batch[i]
				idx := done + i
				if changes > 0 && idx%max(1, n/changes) == 0 && len(a.changed) < changes {
					a.changed = append(a.changed, *o)
				}
				for k < payments && int(int64(k)*int64(n)/int64(payments)) == idx {
					a.payers = append(a.payers, payerOf(o, freq[o.EmployerFEIN]))
					k++
				}
				if err := w.Write(orderRow(o)); err != nil {
					return err
				}
			}
			done += len(batch)
		}
		return nil
	})
}

// payerOf is one pay's withholding for o by an employer paying at freq:
// what the order asks per pay of that frequency, as a payroll that follows
// the IWO withholds. (Before this the bench paid the order's
// amounts at their own frequencies every pay — a monthly amount each
// biweekly pay — so 178,109 of 250,000 payments were also over-payment
// exceptions: a payroll error on nearly every payment, not a typical
// night; docs/scaling.md.)
func payerOf(o *withholding.Order, freq withholding.Frequency) payer {
	a := o.Amounts
	amount := a.CurrentSupport.Amount + a.PastDueSupport.Amount + a.CurrentMedical.Amount
	if freq.Valid() {
		amount = o.PerPay(freq).Total
	}
	return payer{
		fein: o.EmployerFEIN, caseID: o.CaseID, remitID: o.RemittanceID, ssn: o.Obligor.SSN,
		last: o.Obligor.Last, first: o.Obligor.First, fips: o.PayeeFIPS,
		amount: amount,
	}
}

// writeChanges writes the typical night's orders file: of the kept orders,
// four in ten with a higher current support (AMD), one in ten ending
// (TRM), and as many new orders as the rest (ORG).
func writeChanges(g *synth.Generator, path string, a *agency, end withholding.Date) (int, error) {
	rows := 0
	err := writeCSV(path, orderColumns, func(w *csv.Writer) error {
		var fresh int
		for i := range a.changed {
			o := a.changed[i]
			switch i % 10 {
			case 0, 1, 2, 3:
				o.Amounts.CurrentSupport.Amount += 25_00
			case 4:
				o.EndDate = end
			default:
				fresh++
				continue
			}
			if err := w.Write(orderRow(&o)); err != nil {
				return err
			}
			rows++
		}
		for _, o := range g.Orders(a.employers, fresh) {
			if err := w.Write(orderRow(&o)); err != nil {
				return err
			}
			rows++
		}
		return nil
	})
	return rows, err
}

// writeCSV writes a CSV file with the header and the rows body writes,
// readable by its owner only (it holds SSNs).
func writeCSV(path string, header []string, body func(*csv.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	w := csv.NewWriter(bw)
	err = w.Write(header)
	if err == nil {
		err = body(w)
	}
	if w.Flush(); err == nil {
		err = w.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// sortPayers groups the payers by employer, keeping their order within
// each employer.
func sortPayers(ps []payer) {
	slices.SortStableFunc(ps, func(a, b payer) int { return strings.Compare(string(a.fein), string(b.fein)) })
}
