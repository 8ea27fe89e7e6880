package ach

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// GenOptions configure Generate.
type GenOptions struct {
	// Count is the number of entry detail records to write (at least 1).
	Count int
	// Seed makes the file reproducible.
	Seed uint64
	// CTX writes CTX entries carrying an X12 820 with several DEDs each
	// instead of CCD+ entries.
	CTX bool
	// Clean leaves out bad DEDs, prenotes, returns and notifications of
	// change: every entry is a clean payment.
	Clean bool
}

// GenStats counts what Generate wrote.
type GenStats struct {
	Entries, Batches, Items     int
	Bad, Prenotes, Returns, NOC int
	Credits                     withholding.Cents
}

// SDU bank details used by generated files (fictitious; valid check digits).
const (
	GenSDURouting = "876543212"
	GenSDUAccount = "5550001111"
	GenSDUName    = "CA SDU"
)

// badDEDs corrupt a clean CCD+ DED segment the ways senders do (spec §6).
var badDEDs = []func(seg string) string{
	strings.ToLower, // E6 lower case (lenient: warning)
	func(s string) string { return strings.TrimSuffix(s, "\\") },                       // no terminator (warning)
	func(s string) string { return strings.TrimSuffix(s, "\\") + "***\\" },             // E5 trailing separators (warning)
	func(s string) string { return strings.Replace(s, "DED*CS*", "DED*XX*", 1) },       // unknown DED01 (problem)
	func(s string) string { return replaceElement(s, 3, "250231") },                    // E8 31 Feb (problem)
	func(s string) string { return replaceElement(s, 4, "461.54") },                    // decimal point (problem)
	func(s string) string { return replaceElement(s, 5, "900-00-0005") },               // dashes (problem)
	func(s string) string { return replaceElement(s, 2, "") },                          // no case id (problem)
	func(s string) string { return strings.TrimSuffix(s, "\\") + "/" },                 // slash terminator (problem)
	func(s string) string { return "CHILD SUPPORT " + s[4:] },                          // no DED id (problem)
	func(s string) string { return replaceElement(s, 4, strconv.Itoa(elementInt(s))) }, // amount mismatch, set below
}

func replaceElement(seg string, i int, v string) string {
	el := strings.Split(strings.TrimSuffix(seg, "\\"), "*")
	if i < len(el) {
		el[i] = v
	}
	return strings.Join(el, "*") + "\\"
}

// elementInt returns DED04 plus one dollar, for a DED that disagrees with
// its entry amount.
func elementInt(seg string) int {
	el := strings.Split(seg, "*")
	if len(el) < 5 {
		return 0
	}
	n, _ := strconv.Atoi(el[4])
	return n + 100
}

// Generate writes a realistic remittance file: many employers (synthetic,
// from withholding/synth), one batch per employer payroll, cases paying their
// current support and arrears, and unless Clean, the occasional bad DED,
// termination, prenote, return batch and notification of change. Memory
// stays bounded for any Count.
func Generate(w io.Writer, o GenOptions) (GenStats, error) {
	var st GenStats
	if o.Count < 1 {
		return st, fmt.Errorf("generate ach: count %d, want at least 1", o.Count)
	}
	g := synth.New(o.Seed)
	nEmp := min(max(o.Count/100, 3), 1000)
	employers := g.Employers(nEmp)
	orders := g.Orders(employers, min(max(o.Count/2, 10), 30000))
	byEmp := map[withholding.FEIN][]withholding.Order{}
	for _, ord := range orders {
		byEmp[ord.EmployerFEIN] = append(byEmp[ord.EmployerFEIN], ord)
	}
	odfis := make([]string, len(employers))
	for i := range employers {
		r8 := fmt.Sprintf("%08d", 10_000_000+g.Intn(89_999_999))
		odfis[i] = r8 + strconv.Itoa(moov.CalculateCheckDigit(r8))
	}
	created := g.Today.Time(time.UTC).Add(6 * time.Hour)
	fw, err := NewFileWriter(w, FileHeader{
		Destination: GenSDURouting, DestinationName: "SDU BANK",
		Origin: odfis[0], OriginName: "ACH OPERATOR", Created: created,
	})
	if err != nil {
		return st, fmt.Errorf("generate ach: %w", err)
	}
	payDate := g.Today.AddDays(-3)
	for st.Entries < o.Count {
		ei := g.Intn(len(employers))
		emp := employers[ei]
		cases := byEmp[emp.FEIN]
		if len(cases) == 0 {
			continue
		}
		odfi := odfis[ei]
		remaining := o.Count - st.Entries
		switch {
		case !o.Clean && g.Chance(0.02):
			if err := fw.WriteBatch(returnBatch(g, &st, emp, odfi, cases, min(remaining, 3), payDate)); err != nil {
				return st, fmt.Errorf("generate ach: %w", err)
			}
			continue
		case !o.Clean && g.Chance(0.01):
			if err := fw.WriteBatch(nocBatch(g, &st, emp, odfi, cases, min(remaining, 2), payDate)); err != nil {
				return st, fmt.Errorf("generate ach: %w", err)
			}
			continue
		}
		r := Remittance{
			CompanyName: emp.Name, CompanyID: "1" + string(emp.FEIN), ODFI: odfi,
			SDUName: GenSDUName, SDURouting: GenSDURouting, SDUAccount: GenSDUAccount,
			EffectiveDate: payDate.AddDays(3), Created: created, CTX: o.CTX,
		}
		n := min(remaining, 1+g.Intn(min(len(cases), 200)))
		if o.CTX {
			n = min(remaining, 1+g.Intn(4)) // CTX entries, each with several DEDs
		}
		b, err := moov.NewBatch(newBatchHeader(emp.Name, r.CompanyID, odfi, map[bool]string{false: moov.CCD, true: moov.CTX}[o.CTX], r.EffectiveDate, st.Batches+1))
		if err != nil {
			return st, fmt.Errorf("generate ach: %w", err)
		}
		for i := 0; i < n; i++ {
			seq := i + 1
			if o.CTX {
				items := make([]Item, 1+g.Intn(min(len(cases), 30)))
				for k := range items {
					items[k] = itemFor(g, synth.Pick(g, cases), payDate)
				}
				r.Items = items
				var total withholding.Cents
				for _, it := range items {
					total += it.Amount
				}
				e := newEntry(GenSDURouting, GenSDUAccount, total, GenSDUName, odfi, seq)
				setCTXAddenda(e, Envelope820(r, total), GenSDUName)
				b.AddEntry(e)
				st.Items += len(items)
				st.Credits += total
				continue
			}
			it := itemFor(g, cases[g.Intn(len(cases))], payDate)
			seg := it.DED(false)
			amount := it.Amount
			tc := moov.CheckingCredit
			switch {
			case !o.Clean && g.Chance(0.01):
				tc, amount = moov.CheckingPrenoteCredit, 0
				st.Prenotes++
			case !o.Clean && g.Chance(0.03):
				seg = synth.Pick(g, badDEDs)(seg)
				st.Bad++
			}
			e := newEntry(GenSDURouting, GenSDUAccount, amount, GenSDUName, odfi, seq)
			e.TransactionCode = tc
			e.AddAddenda05(addenda05(seg, 1, e.TraceNumber))
			b.AddEntry(e)
			st.Items++
			st.Credits += amount
		}
		if err := fw.WriteBatch(b); err != nil {
			return st, fmt.Errorf("generate ach: %w", err)
		}
		st.Batches++
		st.Entries += n
	}
	if err := fw.Close(); err != nil {
		return st, fmt.Errorf("generate ach: %w", err)
	}
	return st, nil
}

// itemFor returns one pay period's withholding for an order.
func itemFor(g *synth.Generator, o withholding.Order, pay withholding.Date) Item {
	amt := o.Amounts.CurrentSupport.Amount + o.Amounts.PastDueSupport.Amount + o.Amounts.CurrentMedical.Amount
	it := Item{
		CaseID:  o.RemittanceID,
		PayDate: pay,
		Amount:  amt,
		SSN:     o.Obligor.SSN,
		Medical: synth.Pick(g, []string{"N", "N", "N", "Y", "W"}),
		Name:    DEDName(o.Obligor.Last, o.Obligor.First),
	}
	if g.Chance(0.5) {
		it.FIPS = o.PayeeFIPS
	}
	if g.Chance(0.005) {
		it.Termination = true
	}
	return it
}

// returnBatch is a CCD batch of returned credits (transaction code 21,
// addenda 99), as the SDU's bank would send when it returns entries.
func returnBatch(g *synth.Generator, st *GenStats, emp withholding.Employer, odfi string, cases []withholding.Order, n int, pay withholding.Date) moov.Batcher {
	bh := newBatchHeader(emp.Name, "1"+string(emp.FEIN), odfi, moov.CCD, pay.AddDays(3), st.Batches+1)
	b, _ := moov.NewBatch(bh)
	for i := 0; i < n; i++ {
		it := itemFor(g, synth.Pick(g, cases), pay)
		e := newEntry(GenSDURouting, GenSDUAccount, it.Amount, GenSDUName, odfi, i+1)
		e.TransactionCode = moov.CheckingReturnNOCCredit
		a := moov.NewAddenda99()
		a.ReturnCode = synth.Pick(g, []string{"R02", "R03", "R04", "R23"})
		a.OriginalTrace = odfi[:8] + fmt.Sprintf("%07d", 1000+g.Intn(9000))
		a.OriginalDFI = GenSDURouting[:8]
		a.AddendaInformation = "CS " + string(it.CaseID)
		a.TraceNumber = e.TraceNumber
		e.Addenda99 = a
		e.AddendaRecordIndicator = 1
		e.Category = moov.CategoryReturn
		b.AddEntry(e)
		st.Credits += it.Amount
	}
	st.Batches++
	st.Entries += n
	st.Returns += n
	return b
}

// nocBatch is a COR batch of notifications of change (addenda 98).
func nocBatch(g *synth.Generator, st *GenStats, emp withholding.Employer, odfi string, cases []withholding.Order, n int, pay withholding.Date) moov.Batcher {
	bh := newBatchHeader(emp.Name, "1"+string(emp.FEIN), odfi, moov.COR, pay.AddDays(3), st.Batches+1)
	bh.CompanyEntryDescription = "AUTOENROLL"
	b, _ := moov.NewBatch(bh)
	for i := 0; i < n; i++ {
		e := newEntry(GenSDURouting, GenSDUAccount, 0, GenSDUName, odfi, i+1)
		e.TransactionCode = moov.CheckingReturnNOCCredit
		a := moov.NewAddenda98()
		a.ChangeCode = "C01"
		a.OriginalTrace = odfi[:8] + fmt.Sprintf("%07d", 1000+g.Intn(9000))
		a.OriginalDFI = GenSDURouting[:8]
		a.CorrectedData = "5550002222"
		a.TraceNumber = e.TraceNumber
		e.Addenda98 = a
		e.AddendaRecordIndicator = 1
		e.Category = moov.CategoryNOC
		b.AddEntry(e)
	}
	st.Batches++
	st.Entries += n
	st.NOC += n
	return b
}
