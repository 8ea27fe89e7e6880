package ach_test

import (
	"bytes"
	"testing"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/ach/achsynth"
	"github.com/iwoproject/iwo/withholding"
)

func FuzzParseDED(f *testing.F) {
	for _, s := range []string{
		`DED*CS*200123456789*250314*46154*900000001*N*CASTELLMAR*06037\`,
		`ded*cs*ab12345*250314*46154*900000001*y\`,
		`DED*CS *200123456789        *250314*0000046154*900000001*N*CASTELLMAR*06037  *N\`,
		`DED*CS*87654321*250315*25000*900000003*N**0900003*Y/`,
		`DED***********\`, `DED`, ``, `\`,
	} {
		f.Add(s, false, false)
	}
	f.Fuzz(func(t *testing.T, s string, strict, slash bool) {
		p := ach.Profile{Strict: strict, SlashTerminator: slash, StripSSNDashes: slash}
		d := ach.ParseDED(s, p)
		if d.SSN != "" && !d.SSN.Valid() {
			t.Errorf("ParseDED(%q): invalid SSN %q accepted", s, d.SSN.Digits())
		}
		if d.Amount < 0 {
			t.Errorf("ParseDED(%q): negative amount %d", s, d.Amount)
		}
		ach.ParseCTX(s, 0, p)
	})
}

func FuzzReader(f *testing.F) {
	f.Add(MustRemittance(f, false, itemA, itemB))
	f.Add(MustRemittance(f, true, itemA, itemB))
	var b bytes.Buffer
	if _, err := achsynth.Generate(&b, achsynth.Options{Count: 2, Seed: 1}); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("101"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := ach.NewReader(bytes.NewReader(data), ach.Options{MaxErrors: 10})
		var last error
		for p, err := range r.Payments() {
			if last != nil {
				t.Fatalf("item after the structural error")
			}
			if err != nil {
				last = err
				continue
			}
			if p == nil || p.Problems == nil {
				t.Fatalf("nil payment or nil problems")
			}
		}
		if (last == nil) != r.Summary().Valid() {
			t.Errorf("summary validity %v disagrees with the error %v", r.Summary().Valid(), last)
		}
	})
}

// FuzzRoundTrip writes a remittance from fuzzed values and reads it back.
func FuzzRoundTrip(f *testing.F) {
	f.Add("200123456789", int64(46154), uint32(900000001), uint8(0), "CASTELLMAR", "06037", false, false)
	f.Add("TX1", int64(0), uint32(900000004), uint8(1), "", "", true, true)
	f.Fuzz(func(t *testing.T, caseID string, amount int64, ssn uint32, med uint8, name, fips string, term, ctx bool) {
		if !alnum(caseID, 1, 20) || amount < 0 || amount > 99_999_999 || !alnum(name, 0, 10) || !(fips == "" || alnum(fips, 5, 5) || alnum(fips, 7, 7)) {
			t.Skip()
		}
		if amount == 0 && !term {
			amount = 1
		}
		it := ach.Item{CaseID: withholding.RemittanceID(caseID), PayDate: date(2025, 3, 14), Amount: withholding.Cents(amount),
			SSN: withholding.SSN(pad9(ssn)), Medical: []string{"N", "Y", "W"}[med%3], Name: name, FIPS: fips, Termination: term}
		ps, sum := MustPayments(t, MustRemittance(t, ctx, it), ach.StrictProfile)
		if len(ps) != 1 || !sum.Valid() {
			t.Fatalf("%+v: %d payments, %+v", it, len(ps), sum)
		}
		p := ps[0]
		if p.RemittanceID != it.CaseID || p.Amount != it.Amount || p.SSN != it.SSN || p.Medical != it.Medical || p.Name != it.Name ||
			p.FIPS != it.FIPS || p.Termination != it.Termination || p.PayDate != it.PayDate || len(p.Problems) != 0 || len(p.Warnings) != 0 {
			t.Errorf("%+v read back as %+v", it, p)
		}
	})
}

func alnum(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func pad9(n uint32) string {
	s := "000000000" + itoa(uint64(n%1_000_000_000))
	return s[len(s)-9:]
}

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
