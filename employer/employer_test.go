package employer_test

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/edi/edisynth"
	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

var update = flag.Bool("update", false, "rewrite testdata/employer from the scenario")

// scenario is a small employer's situation with one IWO for every rule
// of the Decider: see newScenario.
type scenario struct {
	earlier, received []byte // IWO files: accepted before, received now
	earlierAck        []byte // the acknowledgment sent for earlier: all accepted
	roster, payrun    []byte
	orders            []withholding.Order
	emps              []withholding.Employer
}

var (
	day     = withholding.NewDate(2026, time.November, 2)
	stamp   = day.Time(time.UTC).Add(90 * time.Minute)
	issuer  = edisynth.Issuer(synth.DefaultAgency)
	tracked uint64
)

func iwoOf(o withholding.Order, e withholding.Employer, a withholding.Action) *edi.IWO {
	tracked++
	return edi.NewIWO(&o, &e, a, edi.TrackingIDFor("06", tracked), day, issuer)
}

func writeIWOs(t *testing.T, seq uint64, ds []*edi.IWO) []byte {
	t.Helper()
	var b bytes.Buffer
	edi.SortIWOs(ds)
	w := edi.NewWriter(&b, edi.WriterOptions{Kind: edi.KindIWO, FIPS: "06000", Created: stamp, Sequence: seq})
	for _, d := range ds {
		if err := w.Write(d); err != nil {
			t.Fatalf("write IWO %s: %v", d.CaseID, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// newScenario: one employer (roster rows under its FEIN and, for order 8,
// a sister FEIN) and these orders:
//
//	0  ORG, on the roster               → A; the employee also has order 11
//	1  ORG, on the roster, lump sum     → A, then EMP L; a LUM → A
//	2  in effect before, now terminated → EMP T
//	3  ORG, neither name matches        → R B
//	4  ORG, last name differs           → A B
//	5  ORG, suspended                   → A S
//	6  ORG, terminated                  → R N
//	7  ORG, not on the roster           → R U
//	8  ORG, on the roster under FEIN B  → R W (corrected FEIN B)
//	9  ORG twice in the file            → A, then R D
//	10 TRM of a case never in effect    → R Z
//	11 in effect before (same obligor as 0): two orders share the limit
//	12 in effect before, TRM now        → A (the order ends)
func newScenario(t *testing.T) *scenario {
	t.Helper()
	tracked = 0
	g := synth.New(11)
	emps := g.Employers(2)
	emps[0].Name, emps[1].Name = "PACIFIC FOODS INC", "PACIFIC FOODS LOGISTICS LLC"
	orders := g.Orders(emps[:1], 13)
	for i := range orders {
		orders[i].EmployerFEIN = emps[0].FEIN
	}
	orders[11].Obligor = orders[0].Obligor
	// Make the allocation matter: order 0 asks a lot.
	orders[0].Amounts.CurrentSupport = withholding.Obligation{Amount: 900_00, Frequency: withholding.Monthly}
	orders[0].Amounts.PastDueSupport = withholding.Obligation{Amount: 200_00, Frequency: withholding.Monthly}
	orders[11].Amounts.CurrentSupport = withholding.Obligation{Amount: 450_00, Frequency: withholding.Monthly}
	orders[11].Amounts.PastDueSupport = withholding.Obligation{Amount: 150_00, Frequency: withholding.Monthly}
	orders[11].Amounts.CurrentMedical = withholding.Obligation{Amount: 50_00, Frequency: withholding.Monthly}

	e := emps[0]
	before := []*edi.IWO{
		iwoOf(orders[2], e, withholding.ActionOriginal),
		iwoOf(orders[11], e, withholding.ActionOriginal),
		iwoOf(orders[12], e, withholding.ActionOriginal),
	}
	earlier := writeIWOs(t, 1, before)
	var earlierAcks []*edi.Ack
	for _, d := range before {
		a := edi.AckOf(d)
		a.Status = withholding.DispAccepted
		earlierAcks = append(earlierAcks, a)
	}
	var ab bytes.Buffer
	if err := employer.WriteAcks(&ab, edi.WriterOptions{FIPS: "06000", Created: stamp.Add(time.Hour), Sequence: 1}, earlierAcks); err != nil {
		t.Fatal(err)
	}
	var now []*edi.IWO
	for i := 0; i <= 9; i++ {
		if i == 2 {
			continue
		}
		now = append(now, iwoOf(orders[i], e, withholding.ActionOriginal))
	}
	now = append(now, iwoOf(orders[9], e, withholding.ActionOriginal))
	lum := orders[1]
	lum.LumpSum = 750_00
	now = append(now, iwoOf(lum, e, withholding.ActionLumpSum))
	now = append(now, iwoOf(orders[10], e, withholding.ActionTerminate))
	now = append(now, iwoOf(orders[12], e, withholding.ActionTerminate))
	received := writeIWOs(t, 2, now)

	emp := func(o withholding.Order, fein withholding.FEIN) *employer.Employee {
		return &employer.Employee{FEIN: fein, Person: o.Obligor, Status: employer.Active, PayFrequency: withholding.Biweekly}
	}
	var roster []*employer.Employee
	for i, o := range orders {
		switch i {
		case 7, 10:
			continue // never employed
		case 8:
			roster = append(roster, emp(o, emps[1].FEIN))
			continue
		case 11:
			continue // same person as 0
		}
		r := emp(o, e.FEIN)
		switch i {
		case 1:
			r.LumpSum, r.LumpSumDate, r.LumpSumType = 2500_00, day.AddDays(10), "BONUS"
		case 2, 6:
			r.Status, r.TerminationDate, r.FinalPayDate, r.FinalPay = employer.Terminated, day.AddDays(-3), day.AddDays(4), 212_50
			r.NewEmployer = "UNKNOWN"
		case 3:
			r.Person.Last, r.Person.First = "ZZTOP", "QUENTIN"
		case 4:
			r.Person.Last = r.Person.Last + "-SMITH"
		case 5:
			r.Status = employer.Suspended
		}
		roster = append(roster, r)
	}
	var rb bytes.Buffer
	if err := employer.WriteRoster(&rb, roster); err != nil {
		t.Fatal(err)
	}
	pay := day.AddDays(4)
	line := func(o withholding.Order, disp withholding.Cents) employer.PayLine {
		return employer.PayLine{SSN: o.Obligor.SSN, Last: o.Obligor.Last, First: o.Obligor.First, PayDate: pay, Frequency: withholding.Biweekly, Disposable: disp, Medical: "N"}
	}
	lines := []employer.PayLine{
		line(orders[0], 1000_00), // two orders, the limit splits arrears
		line(orders[1], 2400_00),
		line(orders[4], 1800_00),
		line(orders[9], 1500_00),
		line(orders[3], 1200_00), // rejected: nothing in effect
	}
	lines[3].Final = true
	lines[1].LumpSum = 1000_00 // 50% of it: $500 of the $750 LUM
	var pb bytes.Buffer
	if err := employer.WritePayrun(&pb, lines); err != nil {
		t.Fatal(err)
	}
	return &scenario{earlier: earlier, earlierAck: ab.Bytes(), received: received, roster: rb.Bytes(), payrun: pb.Bytes(), orders: orders, emps: emps}
}

// TestSamples keeps testdata/employer (the files docs/employer.md and the
// command tests use) equal to the scenario; -update rewrites them.
func TestSamples(t *testing.T) {
	s := newScenario(t)
	dir := filepath.Join("..", "testdata", "employer")
	files := map[string][]byte{"earlier.iwo": s.earlier, "earlier.ack": s.earlierAck, "received.iwo": s.received, "roster.csv": s.roster, "payrun.csv": s.payrun}
	for name, want := range files {
		p := filepath.Join(dir, name)
		if *update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./employer -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the scenario (run go test ./employer -update)", p)
		}
	}
}

func mustRead(t *testing.T, s *scenario) (*employer.Roster, *employer.Received, *employer.Received) {
	t.Helper()
	roster, err := employer.ReadRoster(bytes.NewReader(s.roster), "roster.csv")
	if err != nil {
		t.Fatalf("read roster: %v", err)
	}
	earlier, err := employer.ReadIWOFile(bytes.NewReader(s.earlier), "earlier.iwo")
	if err != nil {
		t.Fatalf("read earlier: %v", err)
	}
	received, err := employer.ReadIWOFile(bytes.NewReader(s.received), "received.iwo")
	if err != nil {
		t.Fatalf("read received: %v", err)
	}
	return roster, earlier, received
}

func TestDecide(t *testing.T) {
	s := newScenario(t)
	roster, earlier, received := mustRead(t, s)
	dc := &employer.Decider{Roster: roster, Book: employer.LoadBook([]*employer.Received{earlier}, nil), On: day}
	got := map[string][]string{} // case → dispositions in file order
	var decs []employer.Decision
	var acks []*edi.Ack
	for _, d := range received.IWOs {
		dec := dc.Decide(d)
		decs = append(decs, dec)
		acks = append(acks, dec.Ack)
		got[string(d.CaseID)] = append(got[string(d.CaseID)], strings.TrimSpace(string(dec.Ack.Status)+" "+dec.Ack.Reason))
	}
	want := map[int][]string{
		0: {"A"}, 1: {"A", "A"}, 3: {"R B"}, 4: {"A B"}, 5: {"A S"}, 6: {"R N"}, 7: {"R U"}, 8: {"R W"},
		9: {"A", "R D"}, 10: {"R Z"}, 12: {"A"},
	}
	for i, w := range want {
		c := string(s.orders[i].CaseID)
		if strings.Join(got[c], ",") != strings.Join(w, ",") {
			t.Errorf("order %d (case %s): got %v, want %v", i, c, got[c], w)
		}
	}
	for _, dec := range decs {
		switch dec.Ack.Reason {
		case "W":
			if dec.Ack.CorrectedFEIN != s.emps[1].FEIN {
				t.Errorf("W for case %s: corrected FEIN %q, want %q", dec.Ack.CaseID, dec.Ack.CorrectedFEIN, s.emps[1].FEIN)
			}
		case "N":
			if dec.Ack.TerminationDate != day.AddDays(-3) {
				t.Errorf("N for case %s: termination date %v", dec.Ack.CaseID, dec.Ack.TerminationDate)
			}
		}
	}

	notices := dc.Notices(withholding.Date{}, decs)
	kinds := map[withholding.Disposition]withholding.SSN{}
	for _, n := range notices {
		kinds[n.Status] = n.Employee.SSN
	}
	if len(notices) != 2 || kinds[withholding.DispTerminated] != s.orders[2].Obligor.SSN || kinds[withholding.DispLumpSum] != s.orders[1].Obligor.SSN {
		t.Errorf("notices: got %d %v, want EMP T for order 2's employee and EMP L for order 1's", len(notices), kinds)
	}
	if n := dc.Notices(day.AddDays(20), decs); len(n) != 0 {
		t.Errorf("notices since a later day: got %d, want none", len(n))
	}

	var out bytes.Buffer
	if err := employer.WriteAcks(&out, edi.WriterOptions{FIPS: received.FIPS, Created: stamp.Add(48 * time.Hour), Sequence: 7}, append(acks, notices...)); err != nil {
		t.Fatalf("write acks: %v", err)
	}
	probs, err := edi.Validate(bytes.NewReader(out.Bytes()), "ack.txt")
	if err != nil || len(probs) > 0 {
		t.Fatalf("acknowledgment file does not validate: %v %v", err, probs)
	}
	back, err := employer.ReadAckFile(bytes.NewReader(out.Bytes()), "ack.txt")
	if err != nil || len(back) != len(acks)+len(notices) {
		t.Fatalf("read back: %d records, err %v; want %d", len(back), err, len(acks)+len(notices))
	}
}

func TestRemit(t *testing.T) {
	s := newScenario(t)
	roster, earlier, received := mustRead(t, s)
	dc := &employer.Decider{Roster: roster, Book: employer.LoadBook([]*employer.Received{earlier}, nil), On: day}
	for _, d := range received.IWOs {
		dc.Decide(d)
	}
	lines, err := employer.ReadPayrun(bytes.NewReader(s.payrun), "payrun.csv")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := employer.Compute(lines, dc.Book, employer.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 5 {
		t.Fatalf("got %d withholdings, want 5: four pay lines with orders (the rejected employee has none) and one lump sum", len(ws))
	}
	if !ws[1].LumpSum || ws[1].Result.Withheld != 500_00 {
		t.Errorf("lump sum: %+v withheld %s, want $500.00 (50%% of $1,000) for the $750 LUM", ws[1].LumpSum, ws[1].Result.Withheld)
	}
	if n := len(ws[0].Orders); n != 2 {
		t.Fatalf("first employee: %d orders, want 2", n)
	}
	if ws[0].Result.Unwithheld == 0 || ws[0].Result.Percent != 5000 {
		t.Errorf("first employee: unwithheld %s at %s, want a split at the IWO's 50%%", ws[0].Result.Unwithheld, ws[0].Result.Percent)
	}
	var want withholding.Cents
	var items []ach.Item
	for _, w := range ws {
		want += w.Result.Withheld
		items = append(items, w.Items()...)
	}
	var b bytes.Buffer
	st, err := employer.WriteACH(&b, ws, employer.Bank{
		ODFI: "121000248", ODFIName: "EMPLOYER BANK", SDURouting: "123456780", SDUAccount: "1234567890",
		SDUName: "CA SDU", SDUBankName: "SDU BANK", Effective: day.AddDays(5), Created: stamp,
	})
	if err != nil {
		t.Fatalf("write ACH: %v", err)
	}
	if st.Total != want || st.Entries != len(items) {
		t.Errorf("ACH: %d entries %s, want %d entries %s", st.Entries, st.Total, len(items), want)
	}

	// Our reader: every entry a clean payment, amounts as computed.
	r := ach.NewReader(bytes.NewReader(b.Bytes()), ach.Options{Name: "remit.ach", Profile: ach.StrictProfile})
	var i int
	for p, err := range r.Payments() {
		if err != nil {
			t.Fatalf("our reader: %v", err)
		}
		if p.Kind != withholding.KindPayment || len(p.Problems) > 0 {
			t.Errorf("entry %d: kind %s problems %v", i, p.Kind, p.Problems)
		}
		if i < len(items) && (p.Amount != items[i].Amount || p.RemittanceID != items[i].CaseID || p.SSN != items[i].SSN || p.Termination != items[i].Termination) {
			t.Errorf("entry %d: got %s %s %v, want %s %s", i, p.RemittanceID, p.Amount, p.Termination, items[i].CaseID, items[i].Amount)
		}
		i++
	}
	if i != len(items) {
		t.Errorf("our reader: %d payments, want %d", i, len(items))
	}
	// moov-io/ach's Reader.
	f, err := moov.NewReader(bytes.NewReader(b.Bytes())).Read()
	if err != nil {
		t.Fatalf("moov-io/ach Reader: %v", err)
	}
	if int(want) != f.Control.TotalCreditEntryDollarAmountInFile {
		t.Errorf("moov-io/ach: file credits %d, want %d", f.Control.TotalCreditEntryDollarAmountInFile, want)
	}

	if _, err := employer.WriteACH(&bytes.Buffer{}, nil, employer.Bank{}); !errors.Is(err, employer.ErrNothingToRemit) {
		t.Errorf("no pay lines: err %v, want ErrNothingToRemit", err)
	}
	var sum bytes.Buffer
	if err := employer.WriteSummary(&sum, ws); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sum.String(), lines[0].SSN.Digits()) || !strings.Contains(sum.String(), want.Dollars()) {
		t.Errorf("summary shows a clear SSN or lacks the total %s:\n%s", want.Dollars(), sum.String())
	}
}

func TestReadRosterErrors(t *testing.T) {
	for _, tc := range []struct {
		name, csv, want string
	}{
		{"MissingColumn", "fein,ssn,last_name\n", "first_name: required column missing"},
		{"UnknownColumn", "fein,ssn,last_name,first_name,shoe_size\n", "shoe_size: unknown column"},
		{"BadSSN", "fein,ssn,last_name,first_name\n900000001,12345,DOE,JANE\n", "roster.csv:2: ssn: want 9 digits"},
		{"BadStatus", "fein,ssn,last_name,first_name,status\n900000001,900000001,DOE,JANE,fired\n", "status: \"fired\""},
		{"TerminatedNoDate", "fein,ssn,last_name,first_name,status\n900000001,900000001,DOE,JANE,terminated\n", "termination_date: required"},
		{"Twice", "fein,ssn,last_name,first_name\n900000001,900000001,DOE,JANE\n900000001,900-00-0001,DOE,JANE\n", "roster.csv:3: ssn: employee ***-**-0001 is already on line 2"},
		{"ShortRow", "fein,ssn,last_name,first_name,status\n900000001,900000001,DOE,JANE\n", "roster.csv:2: (row): has 4 fields, the header has 5"},
		{"LongRow", "fein,ssn,last_name,first_name\n900000001,900000001,DOE, JR,JANE\n", "roster.csv:2: (row): has 5 fields, the header has 4"},
		{"Empty", "# nothing yet\n", "roster.csv:1: (header): file is empty"},
	} {
		_, err := employer.ReadRoster(strings.NewReader(tc.csv), "roster.csv")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
		if withholding.ErrorCode(err) != withholding.EINVALID {
			t.Errorf("%s: error kind %q, want invalid", tc.name, withholding.ErrorCode(err))
		}
	}
}

// TestReadRosterSpreadsheet reads what a payroll clerk's spreadsheet may
// write: a byte order mark, a comment, an FEIN with its dash, US dates and
// rows of empty cells.
func TestReadRosterSpreadsheet(t *testing.T) {
	src := "\ufeff\"fein\",\"ssn\",\"last_name\",\"first_name\",\"status\",\"termination_date\"\r\n" +
		"# terminations of October\r\n" +
		"90-0000001,900-00-0001,Doe,Jane,terminated,10/30/2026\r\n" +
		",,,,,\r\n" +
		"900000001,900000002,ROE,RICHARD,terminated,11/2/2026\r\n"
	r, err := employer.ReadRoster(strings.NewReader(src), "roster.csv")
	if err != nil {
		t.Fatalf("read roster: %v", err)
	}
	for _, tc := range []struct {
		ssn  withholding.SSN
		last string
		term withholding.Date
	}{
		{"900000001", "DOE", withholding.Date{Year: 2026, Month: 10, Day: 30}},
		{"900000002", "ROE", withholding.Date{Year: 2026, Month: 11, Day: 2}},
	} {
		e, _ := r.Find(tc.ssn, "900000001")
		if e == nil || e.Person.Last != tc.last || e.TerminationDate != tc.term {
			t.Errorf("employee %s: %+v, want %s terminated on %s", tc.ssn, e, tc.last, tc.term)
		}
	}
	if len(r.Employees) != 2 {
		t.Errorf("read %d employees, want 2", len(r.Employees))
	}
}

func TestReadPayrunErrors(t *testing.T) {
	for _, tc := range []struct {
		name, csv, want string
	}{
		{"MissingColumn", "ssn,pay_date,pay_frequency\n", "disposable_earnings: required column missing"},
		{"BadFrequency", "ssn,pay_date,pay_frequency,disposable_earnings\n900000001,2026-11-06,fortnightly,100\n", "payrun.csv:2: pay_frequency"},
		{"BadDate", "ssn,pay_date,pay_frequency,disposable_earnings\n900000001,2026-02-30,weekly,100\n", "pay_date: \"2026-02-30\""},
		{"BadMoney", "ssn,pay_date,pay_frequency,disposable_earnings\n900000001,2026-11-06,weekly,12.345\n", "disposable_earnings"},
		{"Negative", "ssn,pay_date,pay_frequency,disposable_earnings\n900000001,2026-11-06,weekly,-5\n", "must not be negative"},
		{"BadDateLayout", "ssn,pay_date,pay_frequency,disposable_earnings\n900000001,2026.11.06,weekly,100\n", "payrun.csv:2: pay_date: \"2026.11.06\" is not a date; want YYYY-MM-DD, M/D/YYYY or YYYYMMDD"},
		{"RequiredCell", "ssn,pay_date,pay_frequency,disposable_earnings\n900000001,2026-11-06,,100\n", "payrun.csv:2: pay_frequency: required"},
		{"EveryProblem", "ssn,pay_date,pay_frequency,disposable_earnings\n900000001,2026-11-06,weekly,-1\n900000001,x,weekly,1\n", "payrun.csv:2: disposable_earnings: \"-1\": must not be negative\npayrun.csv:3: pay_date: \"x\" is not a date"},
		{"BadMedical", "ssn,pay_date,pay_frequency,disposable_earnings,medical_coverage\n900000001,2026-11-06,weekly,5,maybe\n", "medical_coverage"},
	} {
		_, err := employer.ReadPayrun(strings.NewReader(tc.csv), "payrun.csv")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

func TestReadIWOFileRefusesBadFile(t *testing.T) {
	s := newScenario(t)
	bad := bytes.Replace(s.received, []byte("DTL   ORG"), []byte("DTL   XXX"), 1)
	_, err := employer.ReadIWOFile(bytes.NewReader(bad), "bad.iwo")
	if len(edi.AsErrors(err)) == 0 {
		t.Errorf("a file with a bad action code: err %v, want edi.Errors", err)
	}
}

// TestComputeAccepted: with every answer sent, only the order rejected
// R B is refused; the ORG answered R D (a duplicate of an accepted one)
// does not supersede it, and without the earlier acknowledgment the
// earlier orders are refused as unacknowledged.
func TestComputeAccepted(t *testing.T) {
	s := newScenario(t)
	roster, earlier, received := mustRead(t, s)
	dc := &employer.Decider{Roster: roster, Book: employer.LoadBook([]*employer.Received{earlier}, nil), On: day}
	var acks []*edi.Ack
	for _, d := range received.IWOs {
		acks = append(acks, dc.Decide(d).Ack)
	}
	before, err := employer.ReadAckFile(bytes.NewReader(s.earlierAck), "earlier.ack")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := employer.ReadPayrun(bytes.NewReader(s.payrun), "payrun.csv")
	if err != nil {
		t.Fatal(err)
	}
	files := []*employer.Received{earlier, received}
	for _, tc := range []struct {
		name string
		acks []*edi.Ack
		want map[withholding.CaseID]withholding.Refusal
	}{
		{"OK", append(before, acks...), map[withholding.CaseID]withholding.Refusal{s.orders[3].CaseID: withholding.RefuseRejected}},
		{"ErrNoEarlierAck", acks, map[withholding.CaseID]withholding.Refusal{
			s.orders[3].CaseID: withholding.RefuseRejected, s.orders[11].CaseID: withholding.RefuseUnacknowledged}},
	} {
		ws, refused, err := employer.ComputeAccepted(lines, employer.LoadRecord(files, tc.acks), employer.Settings{}, employer.Overrides{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[withholding.CaseID]withholding.Refusal{}
		for _, r := range refused {
			got[r.IWO.CaseID] = r.Refusal
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: refused %v, want %v", tc.name, got, tc.want)
		}
		for c, r := range tc.want {
			if got[c] != r {
				t.Errorf("%s: case %s refused %q, want %q", tc.name, c, got[c], r)
			}
		}
		withheld := map[withholding.CaseID]bool{}
		for _, w := range ws {
			for _, d := range w.Orders {
				withheld[d.CaseID] = true
			}
		}
		if !withheld[s.orders[9].CaseID] {
			t.Errorf("%s: order 9 (accepted, then repeated and answered R D) not withheld for", tc.name)
		}
	}
}
