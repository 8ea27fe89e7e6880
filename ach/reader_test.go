package ach_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/withholding"
)

const (
	sduRouting = "876543212"
	odfi       = "123456780"
)

// MustRemittance writes a one-batch file for items.
func MustRemittance(tb testing.TB, ctx bool, items ...ach.Item) []byte {
	tb.Helper()
	var b bytes.Buffer
	err := ach.WriteRemittance(&b, ach.Remittance{
		CompanyName: "EXAMPLE EMPLOYER", CompanyID: "1951234567", ODFI: odfi, ODFIName: "EMPLOYER BANK",
		SDUName: "CA SDU", SDURouting: sduRouting, SDUAccount: "5550001111", SDUBankName: "SDU BANK",
		EffectiveDate: date(2025, 3, 18), Created: time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC), CTX: ctx, Items: items,
	})
	if err != nil {
		tb.Fatalf("write remittance: %v", err)
	}
	return b.Bytes()
}

// MustPayments reads every payment of data and fails on a structural error.
func MustPayments(tb testing.TB, data []byte, prof ach.Profile) ([]*withholding.Payment, ach.Summary) {
	tb.Helper()
	r := ach.NewReader(bytes.NewReader(data), ach.Options{Name: "t.ach", Profile: prof})
	var ps []*withholding.Payment
	for p, err := range r.Payments() {
		if err != nil {
			tb.Fatalf("read: %v", err)
		}
		ps = append(ps, p)
	}
	return ps, r.Summary()
}

var (
	itemA = ach.Item{CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"}
	itemB = ach.Item{CaseID: "200987654321", PayDate: date(2025, 3, 14), Amount: 53846, SSN: "900000006", Medical: "Y", Name: "NGUYEN,BAO"}
)

func TestCCDPayments(t *testing.T) {
	ps, sum := MustPayments(t, MustRemittance(t, false, itemA, itemB), ach.DefaultProfile)
	if len(ps) != 2 || sum.Posted != 2 || sum.PaymentCents != 100000 || sum.Entries != 2 || !sum.Valid() {
		t.Fatalf("got %d payments, summary %+v", len(ps), sum)
	}
	p := ps[0]
	if p.Kind != withholding.KindPayment || p.RemittanceID != "200123456789" || p.Amount != 46154 || p.EntryAmount != 46154 ||
		p.SEC != "CCD" || p.TransactionCode != 22 || p.CompanyID != "1951234567" || p.FEIN != "951234567" ||
		p.CompanyName != "EXAMPLE EMPLOYER" || p.EffectiveDate != date(2025, 3, 18) || p.Line != 3 || p.Batch != 1 ||
		p.Trace != "123456780000001" || len(p.Problems) != 0 || p.Problems == nil ||
		p.Raw != `DED*CS*200123456789*250314*46154*900000001*N*CASTELLMAR*06037\` {
		t.Errorf("payment %+v", p)
	}
}

func TestCTXPayments(t *testing.T) {
	ps, sum := MustPayments(t, MustRemittance(t, true, itemA, itemB), ach.StrictProfile)
	if len(ps) != 2 || sum.Entries != 1 || sum.Posted != 2 || sum.PaymentCents != 100000 {
		t.Fatalf("got %d payments, summary %+v", len(ps), sum)
	}
	for i, want := range []ach.Item{itemA, itemB} {
		p := ps[i]
		if p.Kind != withholding.KindPayment || p.SEC != "CTX" || p.RemittanceID != want.CaseID || p.Amount != want.Amount || p.Credited != want.Amount ||
			p.EntryAmount != 100000 || p.PayDate != want.PayDate || len(p.Problems) != 0 || !strings.HasPrefix(p.Raw, "DED*CS*") {
			t.Errorf("CTX payment %d: %+v", i, p)
		}
	}
}

func TestCTXShare(t *testing.T) {
	deds := func(amounts ...withholding.Cents) []ach.DED {
		out := make([]ach.DED, len(amounts))
		for i, a := range amounts {
			out[i].Amount = a
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		entry withholding.Cents
		deds  []ach.DED
		want  []withholding.Cents
	}{
		{"OK", 100000, deds(46154, 53846), []withholding.Cents{46154, 53846}},
		{"ErrSumLow", 100000, deds(46154, 53845), []withholding.Cents{100000, 0}},
		{"ErrSumHigh", 53200, deds(9999999999, 0), []withholding.Cents{53200, 0}},
		{"ErrNegative", 100, deds(200, -100), []withholding.Cents{100, 0}},
		{"One", 700, deds(700), []withholding.Cents{700}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			agree := ach.DEDsAddUp(tc.entry, tc.deds)
			var sum withholding.Cents
			for i := range tc.deds {
				got := ach.CTXShare(tc.entry, tc.deds[i].Amount, i, agree)
				if got != tc.want[i] {
					t.Errorf("DED %d: share %s, want %s", i, got, tc.want[i])
				}
				sum += got
			}
			if sum != tc.entry {
				t.Errorf("shares add up to %s, want the entry amount %s", sum, tc.entry)
			}
		})
	}
}

func TestParseCTX(t *testing.T) {
	good := ach.Envelope820(ach.Remittance{CompanyID: "1951234567", ODFI: odfi, SDURouting: sduRouting, SDUAccount: "1",
		EffectiveDate: date(2025, 3, 18), Items: []ach.Item{itemA, itemB}}, 100000)
	for _, tc := range []struct {
		name     string
		text     string
		amount   withholding.Cents
		problems []string
		deds     int
	}{
		{"OK", good, 100000, nil, 2},
		{"entry amount differs", good, 100001, []string{"BPR02 1000.00 does not match", "sum of DED04 1000.00 does not match"}, 2},
		{"SE01 count", strings.Replace(good, `SE*10*0001`, `SE*9*0001`, 1), 100000, []string{"SE01"}, 2},
		{"SE02 control", strings.Replace(good, `SE*10*0001`, `SE*10*0002`, 1), 100000, []string{"SE02"}, 2},
		{"IEA control", strings.Replace(good, `IEA*1*`, `IEA*1*9`, 1), 100000, []string{"IEA02"}, 2},
		{"GE count", strings.Replace(good, `GE*1*`, `GE*2*`, 1), 100000, []string{"GE01"}, 2},
		{"DED sum", strings.Replace(good, `*53846*`, `*53845*`, 1), 100000, []string{"sum of DED04"}, 2},
		{"no SE", good[:strings.Index(good, "SE*")], 100000, []string{"no SE", "no IEA", "no GE"}, 2},
		{"no ISA", good[106:], 100000, nil, 2},
		{"no DED", strings.ReplaceAll(good, "DED*", "XXX*"), 100000, []string{"sum", "no DED"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := ach.ParseCTX(tc.text, tc.amount, ach.DefaultProfile)
			if tc.name == "no DED" {
				if len(env.DEDs) != 0 {
					t.Errorf("%d DEDs", len(env.DEDs))
				}
				return
			}
			checkMessages(t, tc.name, "problems", env.Problems, tc.problems)
			if len(env.DEDs) != tc.deds {
				t.Errorf("%s: %d DEDs, want %d", tc.name, len(env.DEDs), tc.deds)
			}
		})
	}
	// Delimiters come from the ISA, not from convention.
	alt := strings.NewReplacer("*", "|", `\`, "~").Replace(good)
	env := ach.ParseCTX(alt, 100000, ach.StrictProfile)
	if len(env.Problems) != 0 || len(env.DEDs) != 2 || env.DEDs[1].Name != "NGUYEN,BAO" {
		t.Errorf("ISA delimiters | and ~: problems %q, DEDs %+v", env.Problems, env.DEDs)
	}
	// Without an ISA, strict makes the assumption a problem.
	if env := ach.ParseCTX(good[106:], 100000, ach.StrictProfile); len(env.Problems) == 0 {
		t.Errorf("strict without ISA: no problem")
	}
}

// kindFile builds a file with one entry of every kind.
func kindFile(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := ach.NewFileWriter(&buf, ach.FileHeader{Destination: sduRouting, Origin: odfi, Created: time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	batch := func(sec string, n int, sc int) moov.Batcher {
		bh := moov.NewBatchHeader()
		bh.ServiceClassCode = sc
		bh.CompanyName, bh.CompanyIdentification, bh.StandardEntryClassCode = "EMPLOYER", "1951234567", sec
		bh.CompanyEntryDescription, bh.EffectiveEntryDate, bh.ODFIIdentification, bh.BatchNumber = "CHILD SUPP", "250318", odfi[:8], n
		b, err := moov.NewBatch(bh)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	entry := func(tc, amount, seq int, ded string) *moov.EntryDetail {
		e := moov.NewEntryDetail()
		e.TransactionCode = tc
		e.SetRDFI(sduRouting)
		e.DFIAccountNumber, e.Amount, e.IndividualName = "5550001111", amount, "CA SDU"
		e.SetTraceNumber(odfi[:8], seq)
		if ded != "" {
			a := moov.NewAddenda05()
			a.PaymentRelatedInformation, a.SequenceNumber, a.EntryDetailSequenceNumber = ded, 1, seq
			e.AddAddenda05(a)
			e.AddendaRecordIndicator = 1
		}
		return e
	}
	ccd := batch(moov.CCD, 1, moov.MixedDebitsAndCredits)
	ccd.AddEntry(entry(22, 46154, 1, itemA.DED(false)))                               // payment
	ccd.AddEntry(entry(23, 0, 2, itemA.DED(false)))                                   // prenote
	ccd.AddEntry(entry(27, 500, 3, ""))                                               // debit: other
	ccd.AddEntry(entry(22, 700, 4, ""))                                               // credit without addenda: other
	ccd.AddEntry(entry(24, 0, 5, `DED*CS*5551212*250331*0*900000004*N*LEE,SAM**Y\`))  // zero-dollar termination
	ccd.AddEntry(entry(22, 46155, 6, itemA.DED(false)))                               // amount mismatch
	ccd.AddEntry(entry(22, 100, 7, `ded*cs*ab12345*250314*100*900000001*y\`))         // lower case: warning only
	ccd.AddEntry(entry(22, 100, 8, `DED*CS*AB12345*250314*100*900000001*N*X*06037/`)) // slash
	ccd.AddEntry(entry(22, 100, 9, `PAYMENT FOR INVOICE 12345`))                      // no DED
	if err := fw.WriteBatch(ccd); err != nil {
		t.Fatal(err)
	}
	ppd := batch(moov.PPD, 2, moov.CreditsOnly)
	ppd.AddEntry(entry(22, 1000, 1, ""))
	if err := fw.WriteBatch(ppd); err != nil {
		t.Fatal(err)
	}
	ret := batch(moov.CCD, 3, moov.CreditsOnly)
	e := entry(21, 2500, 1, "")
	a99 := moov.NewAddenda99()
	a99.ReturnCode, a99.OriginalTrace, a99.OriginalDFI, a99.TraceNumber = "R03", "123456780000009", sduRouting[:8], e.TraceNumber
	e.Addenda99, e.AddendaRecordIndicator, e.Category = a99, 1, moov.CategoryReturn
	ret.AddEntry(e)
	if err := fw.WriteBatch(ret); err != nil {
		t.Fatal(err)
	}
	// An ATX entry (acknowledging a CTX) with two addenda, as NACHA allows
	// up to 9,999: read and classified other, never a reason to refuse the
	// file (moov-io/ach's own ATX sample was rejected whole).
	atx := batch(moov.ATX, 4, moov.CreditsOnly)
	e = entry(24, 0, 1, "")
	e.Addenda05 = nil
	for i := 1; i <= 2; i++ {
		a := moov.NewAddenda05()
		a.PaymentRelatedInformation, a.SequenceNumber, a.EntryDetailSequenceNumber = "ACK OF CTX "+strconv.Itoa(i), i, 1
		e.AddAddenda05(a)
	}
	e.SetCATXAddendaRecords(2)
	e.SetCATXReceivingCompany("SDU")
	e.AddendaRecordIndicator = 1
	atx.AddEntry(e)
	if err := fw.WriteBatch(atx); err != nil {
		t.Fatal(err)
	}
	cor := batch(moov.COR, 5, moov.CreditsOnly)
	e = entry(21, 0, 1, "")
	a98 := moov.NewAddenda98()
	a98.ChangeCode, a98.OriginalTrace, a98.OriginalDFI, a98.CorrectedData, a98.TraceNumber = "C01", "123456780000009", sduRouting[:8], "5550002222", e.TraceNumber
	e.Addenda98, e.AddendaRecordIndicator, e.Category = a98, 1, moov.CategoryNOC
	cor.AddEntry(e)
	if err := fw.WriteBatch(cor); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestEntryKinds(t *testing.T) {
	ps, sum := MustPayments(t, kindFile(t), ach.DefaultProfile)
	want := []struct {
		kind     withholding.PaymentKind
		code     string
		problems []string
		warnings []string
	}{
		{withholding.KindPayment, "", nil, nil},
		{withholding.KindPrenote, "", nil, nil},
		{withholding.KindOther, "", []string{"debit entry"}, nil},
		{withholding.KindOther, "", []string{"without remittance addenda"}, nil},
		{withholding.KindPayment, "", nil, nil},
		{withholding.KindPayment, "", []string{"does not match the entry amount"}, nil},
		{withholding.KindPayment, "", nil, []string{"lower-case"}},
		{withholding.KindPayment, "", []string{`"/"`}, nil},
		{withholding.KindPayment, "", []string{"no DED segment identifier"}, nil},
		{withholding.KindOther, "", []string{"SEC PPD"}, nil},
		{withholding.KindReturn, "R03", nil, nil},
		{withholding.KindOther, "", []string{"SEC ATX"}, nil},
		{withholding.KindNOC, "C01", nil, nil},
	}
	if len(ps) != len(want) {
		t.Fatalf("%d payments, want %d", len(ps), len(want))
	}
	for i, w := range want {
		p := ps[i]
		if p.Kind != w.kind || p.ReturnCode != w.code {
			t.Errorf("entry %d (%s): kind %s code %q, want %s %q", i, p.Trace, p.Kind, p.ReturnCode, w.kind, w.code)
		}
		checkMessages(t, p.Raw, "problems", p.Problems, w.problems)
		if w.warnings != nil {
			checkMessages(t, p.Raw, "warnings", p.Warnings, w.warnings)
		}
	}
	if !ps[4].Termination || ps[4].Amount != 0 {
		t.Errorf("zero-dollar termination: %+v", ps[4])
	}
	// What the bank credited: the entry amount of every payment entry,
	// whatever its DED claims; nothing for the other kinds.
	var credited withholding.Cents
	for i, p := range ps {
		want := withholding.Cents(0)
		if p.Kind == withholding.KindPayment {
			want = p.EntryAmount
		}
		if p.Credited != want {
			t.Errorf("entry %d (%s, %s): credited %s, want %s", i, p.Trace, p.Kind, p.Credited, want)
		}
		credited += p.Credited
	}
	if ps[5].Amount == ps[5].Credited || !ps[5].ClaimsOtherAmount() {
		t.Errorf("DED04 that contradicts the entry: amount %s credited %s", ps[5].Amount, ps[5].Credited)
	}
	if sum.PaymentCents != credited {
		t.Errorf("summary cents %s, want the credited %s", sum.PaymentCents, credited)
	}
	if sum.Posted != 6 || sum.Prenotes != 1 || sum.Returns != 1 || sum.NOCs != 1 || sum.Other != 4 || sum.Payments != 13 {
		t.Errorf("summary %+v", sum)
	}
}

// structural edits a valid file; the reader must reject it with this message.
func TestStructuralErrors(t *testing.T) {
	valid := string(MustRemittance(t, false, itemA, itemB))
	ctx := string(MustRemittance(t, true, itemA, itemB))
	for _, tc := range []struct {
		name, data, want string
	}{
		{"entry hash", edit(valid, '8', 10, "0000000001"), "t.ach:7: BatchControl EntryHash: 1, computed 175308642"},
		{"batch credits", edit(valid, '8', 32, "000000100001"), "BatchControl TotalCreditEntryDollarAmount: 100001, computed 100000"},
		{"entry count", edit(valid, '8', 4, "000005"), "BatchControl EntryAddendaCount: 5, computed 4"},
		{"file hash", edit(valid, '9', 21, "0000000001"), "FileControl EntryHash"},
		{"file debits", edit(valid, '9', 31, "000000000001"), "FileControl TotalDebitEntryDollarAmountInFile"},
		{"block count", edit(valid, '9', 7, "000009"), "FileControl BlockCount"},
		{"batch count", edit(valid, '9', 1, "000002"), "FileControl BatchCount"},
		{"check digit", edit(valid, '6', 11, "3"), "t.ach:3: EntryDetail CheckDigit"},
		{"trace order", swapTrace(valid), "EntryDetail TraceNumber: 123456780000001 is not greater"},
		{"trace ODFI", edit(valid, '6', 79, "99999999"), "does not start with the batch's ODFI"},
		{"addenda sequence", edit(valid, '7', 83, "0002"), "Addenda SequenceNumber: 2, want 1"},
		{"addenda entry sequence", edit(valid, '7', 87, "0000009"), "Addenda EntryDetailSequenceNumber"},
		{"addenda indicator", edit(valid, '6', 78, "0"), "AddendaRecordIndicator: 0 but 1 addenda records follow"},
		{"transaction code", edit(valid, '6', 1, "99"), "EntryDetail TransactionCode"},
		{"amount", edit(valid, '6', 29, "00000X6154"), "EntryDetail Amount"},
		{"service class mismatch", edit(valid, '8', 1, "200"), "BatchControl ServiceClassCode"},
		{"debit in credit batch", edit(valid, '6', 1, "27"), "debit 27 in a credits-only (220) batch"},
		{"CTX addenda count", edit(ctx, '6', 54, "0099"), "positions 55-58 say 99 addenda"},
		{"record after file control", valid + strings.Replace(strings.SplitN(valid, "\n", 2)[0], "101", "501", 1) + "\n", "record after the file control"},
		{"unknown record type", strings.Replace(valid, "\n7", "\n4", 1), "unknown record type"},
		{"non-ASCII", strings.Replace(valid, "CA SDU", "CA SDÜ", 1), "is not allowed in a NACHA file"},
		{"long line", strings.Replace(valid, "\n7", "XX\n7", 1), "longer than 94"},
		{"no file header", valid[95:], "file does not start with a file header"},
		{"empty file", "", "no file header record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ach.NewReader(strings.NewReader(tc.data), ach.Options{Name: "t.ach"})
			var last error
			n := 0
			for _, err := range r.Payments() {
				n++
				last = err
			}
			var fe *ach.FileError
			if !errors.As(last, &fe) || !errors.Is(last, ach.ErrInvalidFile) || withholding.ErrorCode(last) != withholding.EINVALID {
				t.Fatalf("%s: last item error %v, want a *FileError (EINVALID)", tc.name, last)
			}
			if !strings.Contains(last.Error(), tc.want) {
				t.Errorf("%s: error\n%v\nwant it to contain %q", tc.name, last, tc.want)
			}
			if s := r.Summary(); s.Valid() {
				t.Errorf("%s: summary says valid", tc.name)
			}
		})
	}
}

// edit overwrites at pos of the first record of type typ.
func edit(data string, typ byte, pos int, v string) string {
	lines := strings.Split(data, "\n")
	for i, l := range lines {
		if len(l) > 0 && l[0] == typ {
			lines[i] = l[:pos] + v + l[pos+len(v):]
			break
		}
	}
	return strings.Join(lines, "\n")
}

// swapTrace swaps the trace numbers of the two entries (and their addenda).
func swapTrace(data string) string {
	lines := strings.Split(data, "\n")
	var idx []int
	for i, l := range lines {
		if len(l) > 0 && (l[0] == '6' || l[0] == '7') {
			idx = append(idx, i)
		}
	}
	a, b := idx[0], idx[2]
	ta, tb := lines[a][79:], lines[b][79:]
	lines[a], lines[b] = lines[a][:79]+tb, lines[b][:79]+ta
	lines[a+1] = lines[a+1][:87] + tb[8:]
	lines[b+1] = lines[b+1][:87] + ta[8:]
	return strings.Join(lines, "\n")
}

func TestAllErrorsReported(t *testing.T) {
	valid := string(MustRemittance(t, false, itemA, itemB))
	bad := edit(edit(edit(valid, '6', 11, "3"), '8', 10, "0000000001"), '9', 1, "000002")
	r := ach.NewReader(strings.NewReader(bad), ach.Options{Name: "t.ach"})
	for range r.Entries() {
	}
	s := r.Summary()
	if s.Err == nil || len(s.Err.Errors) < 3 {
		t.Fatalf("want at least 3 errors, got %v", s.Err)
	}
	r = ach.NewReader(strings.NewReader(bad), ach.Options{Name: "t.ach", MaxErrors: 1})
	for range r.Entries() {
	}
	if s := r.Summary(); s.Err == nil || len(s.Err.Errors) != 1 || s.Err.Omitted < 2 || !strings.Contains(s.Err.Error(), "more problems not listed") {
		t.Errorf("MaxErrors 1: %+v", s.Err)
	}
}

func TestStopEarly(t *testing.T) {
	r := ach.NewReader(bytes.NewReader(MustRemittance(t, false, itemA, itemB)), ach.Options{})
	n := 0
	for range r.Payments() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("break after one payment: %d", n)
	}
	for _, err := range r.Payments() {
		if err == nil {
			t.Errorf("second use of a Reader did not fail")
		}
	}
}

// TestBadEffectiveDate checks that a batch whose effective entry date is
// not a date gives each of its payments a problem, and no date.
func TestBadEffectiveDate(t *testing.T) {
	for _, tc := range []struct{ name, date string }{
		{"ErrImpossible", "261399"},
		{"ErrBlank", "      "},
		{"ErrLetters", "26O101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, ctx := range []bool{false, true} {
				data := edit(string(MustRemittance(t, ctx, itemA, itemB)), '5', 69, tc.date)
				ps, _ := MustPayments(t, []byte(data), ach.DefaultProfile)
				if len(ps) != 2 {
					t.Fatalf("ctx=%v: got %d payments, want 2", ctx, len(ps))
				}
				for _, p := range ps {
					if !p.EffectiveDate.IsZero() || len(p.Problems) != 1 || !strings.Contains(p.Problems[0], "effective entry date") {
						t.Errorf("ctx=%v: effective date %q: payment date %v, problems %q; want no date and one problem", ctx, tc.date, p.EffectiveDate, p.Problems)
					}
				}
			}
		})
	}
	ps, _ := MustPayments(t, MustRemittance(t, false, itemA), ach.DefaultProfile)
	if len(ps[0].Problems) != 0 {
		t.Errorf("valid effective date: problems %q", ps[0].Problems)
	}
}
