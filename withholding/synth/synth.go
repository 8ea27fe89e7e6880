// Package synth makes a deterministic synthetic child support agency:
// employers, obligors, custodial parties, children and income withholding
// orders with realistic names, places and amounts. The same seed always gives
// the same agency, so generated files, golden tests and the demo are
// reproducible.
//
// Every SSN it makes starts with 9, a range the Social Security
// Administration never issues, so synthetic data can never be a real
// person's number. Employer identification numbers start with 9 as well for
// the same reason; e.g. an FEIN "90-…" is not assigned by the IRS.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// Agency describes the state agency the data belongs to.
type Agency struct {
	State     string // full name as the e-IWO carries it, e.g. "CALIFORNIA"
	StateCode string // two-letter postal code
	StateFIPS string // two-digit state FIPS code
	SDUFIPS   string // 7-digit payee remittance FIPS code of the SDU
}

// DefaultAgency is California, the default agency time zone's state.
var DefaultAgency = Agency{State: "CALIFORNIA", StateCode: "CA", StateFIPS: "06", SDUFIPS: "0600000"}

// Generator produces synthetic records. It is not safe for concurrent use.
type Generator struct {
	Agency Agency
	// Today anchors generated dates (order start dates, pay anchors,
	// birth dates). It defaults to 2026-11-02, a Monday.
	Today withholding.Date

	r       *rand.Rand
	ssnSeq  uint64
	feinSeq uint64
	caseSeq uint64
}

// New returns a Generator for DefaultAgency seeded with seed.
func New(seed uint64) *Generator {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return &Generator{
		Agency:  DefaultAgency,
		Today:   withholding.NewDate(2026, time.November, 2),
		r:       r,
		ssnSeq:  r.Uint64N(100_000_000),
		feinSeq: r.Uint64N(100_000_000),
		caseSeq: 100_000 + r.Uint64N(800_000),
	}
}

// Intn returns a number in [0, n) from the generator's stream, for callers
// that make further decisions reproducibly.
func (g *Generator) Intn(n int) int { return g.r.IntN(n) }

// Chance reports true with probability p.
func (g *Generator) Chance(p float64) bool { return g.r.Float64() < p }

// Pick returns a random element of xs.
func Pick[T any](g *Generator, xs []T) T { return xs[g.r.IntN(len(xs))] }

// SSN returns a new unique SSN in the never-issued 9xx range, of the form
// the SSA assigns (withholding.SSN.Assignable: no group 00, no serial
// 0000), so that every order made here passes `iwo import orders`.
func (g *Generator) SSN() withholding.SSN {
	for {
		// 7919 is prime and coprime with 10^8, so the sequence visits
		// every 8-digit suffix once before repeating.
		g.ssnSeq = (g.ssnSeq + 7919) % 100_000_000
		s := withholding.SSN(fmt.Sprintf("9%08d", g.ssnSeq))
		if s.Assignable() == nil {
			return s
		}
	}
}

// FEIN returns a new unique employer identification number starting with 9.
func (g *Generator) FEIN() withholding.FEIN {
	g.feinSeq = (g.feinSeq + 6133) % 100_000_000
	return withholding.FEIN(fmt.Sprintf("9%08d", g.feinSeq))
}

func (g *Generator) date(minDaysAgo, maxDaysAgo int) withholding.Date {
	return g.Today.AddDays(-(minDaysAgo + g.r.IntN(maxDaysAgo-minDaysAgo+1)))
}

// Person returns an adult with a new SSN and a birth date 20–60 years ago.
func (g *Generator) Person() withholding.Person {
	p := withholding.Person{
		Last:      Pick(g, lastNames),
		First:     Pick(g, firstNames),
		SSN:       g.SSN(),
		BirthDate: g.date(20*365, 60*365),
	}
	if g.Chance(0.6) {
		p.Middle = string(Pick(g, firstNames)[0])
	}
	if g.Chance(0.04) {
		p.Suffix = Pick(g, []string{"JR", "SR", "II", "III"})
	}
	return p
}

// Child returns a child with the given last name, 0–17 years old, no SSN.
func (g *Generator) Child(last string) withholding.Person {
	return withholding.Person{
		Last:      last,
		First:     Pick(g, firstNames),
		BirthDate: g.date(30, 17*365),
	}
}

// Address returns a street address in a city of the agency's state.
func (g *Generator) Address() withholding.Address {
	c := Pick(g, cities)
	a := withholding.Address{
		Line1: fmt.Sprintf("%d %s", 100+g.r.IntN(9800), Pick(g, streets)),
		City:  c.name,
		State: g.Agency.StateCode,
		ZIP:   c.zip,
	}
	if g.Chance(0.2) {
		a.Line2 = fmt.Sprintf("SUITE %d", 100+g.r.IntN(800))
	}
	return a
}

func (g *Generator) phone() string {
	return fmt.Sprintf("%03d%03d%04d", Pick(g, []int{213, 310, 415, 510, 559, 619, 707, 714, 818, 916}), 200+g.r.IntN(799), g.r.IntN(10000))
}

// Employers returns n employers with distinct FEINs, pay schedules anchored
// on a recent Friday, most of them taking IWOs electronically.
func (g *Generator) Employers(n int) []withholding.Employer {
	out := make([]withholding.Employer, 0, n)
	// The most recent Friday on or before Today.
	friday := g.Today
	for friday.Weekday() != time.Friday {
		friday = friday.AddDays(-1)
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s %s %s", Pick(g, companyFirst), Pick(g, companySecond), Pick(g, companySuffix))
		contact := Pick(g, firstNames) + " " + Pick(g, lastNames)
		e := withholding.Employer{
			FEIN:    g.FEIN(),
			Name:    name,
			Address: g.Address(),
			Contact: withholding.Contact{
				Name:  contact,
				Phone: g.phone(),
				Email: strings.ToLower(strings.ReplaceAll(strings.Fields(name)[0], "'", "")) + "-payroll@example.com",
			},
			EIWO: g.Chance(0.9),
		}
		switch x := g.r.Float64(); {
		case x < 0.45:
			e.PayFrequency = withholding.Biweekly
			e.PayAnchor = friday.AddDays(-7 * g.r.IntN(2))
		case x < 0.65:
			e.PayFrequency = withholding.Weekly
			e.PayAnchor = friday
		case x < 0.85:
			e.PayFrequency = withholding.Semimonthly
			e.PayAnchor = withholding.NewDate(g.Today.Year, g.Today.Month, 15)
		default:
			e.PayFrequency = withholding.Monthly
			e.PayAnchor = withholding.NewDate(g.Today.Year, g.Today.Month, 1).AddDays(-1) // last day of previous month
		}
		out = append(out, e)
	}
	return out
}

// CaseID returns a new IV-D case identifier: the agency's two-letter code
// and ten digits.
func (g *Generator) CaseID() withholding.CaseID {
	g.caseSeq += 1 + uint64(g.r.IntN(97))
	return withholding.CaseID(fmt.Sprintf("%s%010d", g.Agency.StateCode, 2_000_000_000+g.caseSeq))
}

// roundDollars rounds cents to whole dollars, as support orders usually are.
func roundDollars(c int) withholding.Cents { return withholding.Cents((c + 50) / 100 * 100) }

// Orders returns n pending orders spread over employers, each needing an
// original IWO. An obligor occasionally has two orders (two families), which
// exercises multi-order allocation.
func (g *Generator) Orders(employers []withholding.Employer, n int) []withholding.Order {
	if len(employers) == 0 {
		return nil
	}
	out := make([]withholding.Order, 0, n)
	for i := 0; i < n; i++ {
		emp := employers[g.r.IntN(len(employers))]
		var obligor withholding.Person
		if i > 0 && g.Chance(0.03) {
			// Same obligor, same employer, another family.
			prev := out[g.r.IntN(len(out))]
			obligor = prev.Obligor
			emp = employerByFEIN(employers, prev.EmployerFEIN)
		} else {
			obligor = g.Person()
		}
		obligee := g.Person()
		obligee.SSN = "" // the IWO does not carry the obligee's SSN
		kids := make([]withholding.Person, 1+weighted(g, []float64{0.55, 0.3, 0.1, 0.04, 0.01}))
		for k := range kids {
			kids[k] = g.Child(Pick(g, []string{obligee.Last, obligor.Last}))
		}
		freq := withholding.Monthly
		switch x := g.r.Float64(); {
		case x < 0.12:
			freq = withholding.Biweekly
		case x < 0.18:
			freq = withholding.Weekly
		case x < 0.22:
			freq = withholding.Semimonthly
		}
		perYear := freq.PeriodsPerYear()
		monthlyCurrent := 150_00 + g.r.IntN(1050_00)
		current := roundDollars(monthlyCurrent * 12 / perYear)
		var arrears withholding.Cents
		if g.Chance(0.45) {
			arrears = roundDollars(int(current) * (10 + g.r.IntN(30)) / 100)
		}
		var medical withholding.Cents
		if g.Chance(0.25) {
			medical = roundDollars((25_00 + g.r.IntN(125_00)) * 12 / perYear)
		}
		county := Pick(g, cities)
		caseID := g.CaseID()
		o := withholding.Order{
			CaseID:              caseID,
			OrderID:             withholding.OrderID(fmt.Sprintf("%s%s%07d", county.court, g.Today.Format("06"), 1+g.r.IntN(9_999_999))),
			RemittanceID:        withholding.RemittanceID(caseID),
			EmployerFEIN:        emp.FEIN,
			Obligor:             obligor,
			Obligee:             obligee,
			Children:            kids,
			IssuingState:        g.Agency.State,
			IssuingJurisdiction: county.county + " COUNTY",
			IssuingTribunal:     tribunal(g.Agency.State, county.county),
			PayeeFIPS:           g.Agency.SDUFIPS,
			Amounts: withholding.Amounts{
				CurrentSupport: withholding.Obligation{Amount: current, Frequency: freq},
			},
			StartDate:     g.date(0, 60),
			Status:        withholding.StatusPending,
			PendingAction: withholding.ActionOriginal,
		}
		if arrears > 0 {
			o.Amounts.PastDueSupport = withholding.Obligation{Amount: arrears, Frequency: freq}
			o.ArrearsOver12Weeks = g.Chance(0.7)
		}
		if medical > 0 {
			o.Amounts.CurrentMedical = withholding.Obligation{Amount: medical, Frequency: freq}
		}
		out = append(out, o)
	}
	return out
}

func employerByFEIN(es []withholding.Employer, f withholding.FEIN) withholding.Employer {
	for _, e := range es {
		if e.FEIN == f {
			return e
		}
	}
	return es[0]
}

// weighted returns an index drawn with the given probabilities.
func weighted(g *Generator, ps []float64) int {
	x := g.r.Float64()
	for i, p := range ps {
		if x < p {
			return i
		}
		x -= p
	}
	return len(ps) - 1
}

// maxTribunal is the e-IWO's width for the issuing tribunal's name.
const maxTribunal = 35

// tribunal names a county's superior court within the e-IWO's width: the
// long form where it fits, else the county's name first ("SAN LUIS
// OBISPO SUPERIOR COURT"), so that no name is cut mid-word on the IWO.
func tribunal(state, county string) string {
	if long := "SUPERIOR COURT OF " + state + " " + county; len(long) <= maxTribunal {
		return long
	}
	return county + " SUPERIOR COURT"
}
