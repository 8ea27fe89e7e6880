// Package achsynth writes realistic synthetic NACHA remittance files:
// employers and orders from withholding/synth, paid through the ach
// package's writer, with the faults senders and banks add (bad DED
// segments, prenotes, returns, notifications of change) injected into
// what the writer makes. It fakes what package ach reads, beside it, so
// that the codec itself never depends on the synthetic world. The same
// seed gives byte-identical files, so `iwo gen ach`, tests, benchmarks and
// the demo are reproducible.
package achsynth

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// Options configure Generate.
type Options struct {
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

// Stats counts what Generate wrote.
type Stats struct {
	Entries, Batches, Items     int
	Bad, Prenotes, Returns, NOC int
	Credits                     withholding.Cents
}

// SDU bank details used by generated files (fictitious; valid check digits).
const (
	SDURouting = "876543212"
	SDUAccount = "5550001111"
	SDUName    = "CA SDU"
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
func Generate(w io.Writer, o Options) (Stats, error) {
	var st Stats
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
	fw, err := ach.NewFileWriter(w, ach.FileHeader{
		Destination: SDURouting, DestinationName: "SDU BANK",
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
		r := ach.Remittance{
			CompanyName: emp.Name, CompanyID: "1" + string(emp.FEIN), ODFI: odfis[ei],
			SDUName: SDUName, SDURouting: SDURouting, SDUAccount: SDUAccount,
			EffectiveDate: payDate.AddDays(3), Created: created, CTX: o.CTX,
		}
		remaining := o.Count - st.Entries
		var b moov.Batcher
		switch {
		case !o.Clean && g.Chance(0.02):
			b, err = returnBatch(g, &st, r, cases, min(remaining, 3), payDate)
		case !o.Clean && g.Chance(0.01):
			b, err = nocBatch(g, &st, r, min(remaining, 2))
		case o.CTX:
			b, err = ctxBatch(g, &st, r, cases, remaining, payDate)
		default:
			b, err = ccdBatch(g, &st, r, cases, remaining, payDate, o.Clean)
		}
		if err == nil {
			err = fw.WriteBatch(b)
		}
		if err != nil {
			return st, fmt.Errorf("generate ach: %w", err)
		}
	}
	if err := fw.Close(); err != nil {
		return st, fmt.Errorf("generate ach: %w", err)
	}
	return st, nil
}

// ccdBatch is a CCD+ payroll batch of r's employer paying some of its
// cases, with (unless clean) the odd prenote and bad DED.
func ccdBatch(g *synth.Generator, st *Stats, r ach.Remittance, cases []withholding.Order, remaining int, pay withholding.Date, clean bool) (moov.Batcher, error) {
	n := min(remaining, 1+g.Intn(min(len(cases), 200)))
	segs := make([]string, n)
	prenote := make([]bool, n)
	r.Items = make([]ach.Item, n)
	for i := range r.Items {
		it := itemFor(g, cases[g.Intn(len(cases))], pay)
		segs[i] = it.DED(false)
		switch {
		case !clean && g.Chance(0.01):
			it.Amount, prenote[i] = 0, true
			st.Prenotes++
		case !clean && g.Chance(0.03):
			segs[i] = synth.Pick(g, badDEDs)(segs[i])
			st.Bad++
		}
		r.Items[i] = it
		st.Items++
		st.Credits += it.Amount
	}
	b, err := ach.RemittanceBatch(r, st.Batches+1)
	if err != nil {
		return nil, err
	}
	for i, e := range b.GetEntries() {
		// A prenote's DED still carries the amount it announces.
		e.Addenda05[0].PaymentRelatedInformation = segs[i]
		if prenote[i] {
			e.TransactionCode = moov.CheckingPrenoteCredit
		}
	}
	st.Batches++
	st.Entries += n
	return b, nil
}

// ctxBatch is a CTX batch of r's employer: a few entries, each an X12 820
// with several DEDs.
func ctxBatch(g *synth.Generator, st *Stats, r ach.Remittance, cases []withholding.Order, remaining int, pay withholding.Date) (moov.Batcher, error) {
	_ = g.Intn(min(len(cases), 200)) // the draw of a CCD+ batch's size, so seeds give the files they always gave
	n := min(remaining, 1+g.Intn(4))
	var b moov.Batcher
	for i := range n {
		r.Items = make([]ach.Item, 1+g.Intn(min(len(cases), 30)))
		for k := range r.Items {
			r.Items[k] = itemFor(g, synth.Pick(g, cases), pay)
			st.Credits += r.Items[k].Amount
		}
		st.Items += len(r.Items)
		// One entry a batch as the writer makes it; the entries after the
		// first join the first one's batch.
		r.TraceStart = i + 1
		eb, err := ach.RemittanceBatch(r, st.Batches+1)
		if err != nil {
			return nil, err
		}
		if b == nil {
			b = eb
		} else {
			b.AddEntry(eb.GetEntries()[0])
		}
	}
	st.Batches++
	st.Entries += n
	return b, nil
}

// itemFor returns one pay period's withholding for an order.
func itemFor(g *synth.Generator, o withholding.Order, pay withholding.Date) ach.Item {
	amt := o.Amounts.CurrentSupport.Amount + o.Amounts.PastDueSupport.Amount + o.Amounts.CurrentMedical.Amount
	it := ach.Item{
		CaseID:  o.RemittanceID,
		PayDate: pay,
		Amount:  amt,
		SSN:     o.Obligor.SSN,
		Medical: synth.Pick(g, []string{"N", "N", "N", "Y", "W"}),
		Name:    ach.DEDName(o.Obligor.Last, o.Obligor.First),
	}
	if g.Chance(0.5) {
		it.FIPS = o.PayeeFIPS
	}
	if g.Chance(0.005) {
		it.Termination = true
	}
	return it
}

// bankBatch returns r as a CCD batch of the writer's entries, one per item,
// without their DED addenda: what the SDU's bank turns into returns and
// notifications of change.
func bankBatch(r ach.Remittance, number int) (moov.Batcher, error) {
	r.CTX = false
	b, err := ach.RemittanceBatch(r, number)
	if err != nil {
		return nil, err
	}
	for _, e := range b.GetEntries() {
		e.Addenda05 = nil
		e.TransactionCode = moov.CheckingReturnNOCCredit
	}
	return b, nil
}

// returnBatch is a CCD batch of returned credits (transaction code 21,
// addenda 99), as the SDU's bank would send when it returns entries.
func returnBatch(g *synth.Generator, st *Stats, r ach.Remittance, cases []withholding.Order, n int, pay withholding.Date) (moov.Batcher, error) {
	r.Items = make([]ach.Item, n)
	ret := make([]*moov.Addenda99, n)
	for i := range r.Items {
		it := itemFor(g, synth.Pick(g, cases), pay)
		a := moov.NewAddenda99()
		a.ReturnCode = synth.Pick(g, []string{"R02", "R03", "R04", "R23"})
		a.OriginalTrace = r.ODFI[:8] + fmt.Sprintf("%07d", 1000+g.Intn(9000))
		a.OriginalDFI = SDURouting[:8]
		a.AddendaInformation = "CS " + string(it.CaseID)
		r.Items[i], ret[i] = it, a
		st.Credits += it.Amount
	}
	b, err := bankBatch(r, st.Batches+1)
	if err != nil {
		return nil, err
	}
	for i, e := range b.GetEntries() {
		ret[i].TraceNumber = e.TraceNumber
		e.Addenda99 = ret[i]
		e.Category = moov.CategoryReturn
	}
	st.Batches++
	st.Entries += n
	st.Returns += n
	return b, nil
}

// nocBatch is a COR batch of notifications of change (addenda 98).
func nocBatch(g *synth.Generator, st *Stats, r ach.Remittance, n int) (moov.Batcher, error) {
	r.Items = make([]ach.Item, n) // no money: each is a notice
	b, err := bankBatch(r, st.Batches+1)
	if err != nil {
		return nil, err
	}
	bh := b.GetHeader()
	bh.StandardEntryClassCode = moov.COR
	bh.CompanyEntryDescription = "AUTOENROLL"
	cor, err := moov.NewBatch(bh)
	if err != nil {
		return nil, err
	}
	for _, e := range b.GetEntries() {
		a := moov.NewAddenda98()
		a.ChangeCode = "C01"
		a.OriginalTrace = r.ODFI[:8] + fmt.Sprintf("%07d", 1000+g.Intn(9000))
		a.OriginalDFI = SDURouting[:8]
		a.CorrectedData = "5550002222"
		a.TraceNumber = e.TraceNumber
		e.Addenda98 = a
		e.Category = moov.CategoryNOC
		cor.AddEntry(e)
	}
	st.Batches++
	st.Entries += n
	st.NOC += n
	return cor, nil
}
