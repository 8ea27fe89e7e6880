package ach_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/withholding"
)

func date(y int, m time.Month, d int) withholding.Date {
	return withholding.Date{Year: y, Month: m, Day: d}
}

// pad makes text the 80-character payment related information field.
func pad(s string) string { return s + strings.Repeat(" ", max(0, 80-len(s))) }

func TestParseDED(t *testing.T) {
	lenient, strict := ach.DefaultProfile, ach.StrictProfile
	slash := ach.Profile{SlashTerminator: true}
	dashes := ach.Profile{StripSSNDashes: true}
	for _, tc := range []struct {
		name     string
		text     string
		prof     ach.Profile
		want     ach.DED // fields compared: all but Raw, Problems, Warnings
		problems []string
		warnings []string
	}{
		{name: "E1 full, DED09 left off", text: `DED*CS*200123456789*250314*46154*900000001*N*CASTELLMAR*06037\`, prof: lenient,
			want: ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"}},
		{name: "E1 strict", text: `DED*CS*200123456789*250314*46154*900000001*N*CASTELLMAR*06037\`, prof: strict,
			want: ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"}},
		{name: "E2 mandatory only, zero-filled amount", text: `DED*CS*TX000555444*250301*0000030000*900000002*W\`, prof: strict,
			want: ach.DED{ApplicationID: "CS", CaseID: "TX000555444", PayDate: date(2025, 3, 1), Amount: 30000, SSN: "900000002", Medical: "W"}},
		{name: "E3 omitted middle, 7-char FIPS, termination", text: `DED*CS*87654321*250315*25000*900000003*N**0900003*Y\`, prof: strict,
			want: ach.DED{ApplicationID: "CS", CaseID: "87654321", PayDate: date(2025, 3, 15), Amount: 25000, SSN: "900000003", Medical: "N", FIPS: "0900003", Termination: true}},
		{name: "E4 termination with zero amount", text: `DED*CS*5551212*250331*0*900000004*N*LEE,SAM**Y\`, prof: strict,
			want: ach.DED{ApplicationID: "CS", CaseID: "5551212", PayDate: date(2025, 3, 31), SSN: "900000004", Medical: "N", Name: "LEE,SAM", Termination: true}},
		{name: "E5 trailing separators lenient", text: `DED*CS*200123456789*250314*46154*900000001*N***\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N"},
			warnings: []string{"trailing empty elements"}},
		{name: "E5 trailing separators strict", text: `DED*CS*200123456789*250314*46154*900000001*N***\`, prof: strict,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N"},
			problems: []string{"trailing empty elements"}},
		{name: "E6 lower case lenient", text: `ded*cs*ab12345*250314*46154*900000001*y\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "AB12345", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "Y"},
			warnings: []string{"lower-case"}},
		{name: "E6 lower case strict", text: `ded*cs*ab12345*250314*46154*900000001*y\`, prof: strict,
			want:     ach.DED{ApplicationID: "CS", CaseID: "AB12345", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "Y"},
			problems: []string{"lower-case"}},
		{name: "E7 CCYYMMDD in CCD+ lenient", text: `DED*CS*200123456789*20250314*46154*900000001*N*CASTELLMAR*06037\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"},
			warnings: []string{"DED03 pay date: CCYYMMDD in a CCD+"}},
		{name: "E7 CCYYMMDD in CCD+ strict", text: `DED*CS*200123456789*20250314*46154*900000001*N\`, prof: strict,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N"},
			problems: []string{"DED03 pay date: CCYYMMDD in a CCD+"}},
		{name: "E8 31 Feb, dashed SSN, 6-char FIPS", text: `DED*CS*200123456789*250231*46154*900-00-0005*N*CASTELLMAR*417300\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", Amount: 46154, Medical: "N", Name: "CASTELLMAR"},
			problems: []string{"DED03 pay date", "DED05 SSN"}, warnings: []string{"DED08 FIPS"}},
		{name: "E8 dashed SSN with partner option", text: `DED*CS*200123456789*250228*46154*900-00-0005*N\`, prof: dashes,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 2, 28), Amount: 46154, SSN: "900000005", Medical: "N"},
			warnings: []string{"dashes removed"}},
		{name: "E8 6-char FIPS strict", text: `DED*CS*1*250228*1*900000005*N*X*417300\`, prof: strict,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 2, 28), Amount: 1, SSN: "900000005", Medical: "N", Name: "X"},
			problems: []string{"DED08 FIPS"}},
		{name: "E9 space padded, trailing N lenient", text: `DED*CS *200123456789        *250314*0000046154*900000001*N*CASTELLMAR*06037  *N\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"},
			warnings: []string{"space-padded", "DED09 termination: N"}},
		{name: "E9 space padded strict", text: `DED*CS *200123456789        *250314*0000046154*900000001*N*CASTELLMAR*06037  *N\`, prof: strict,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"},
			problems: []string{"space-padded", "DED09 termination: N"}},
		{name: "slash terminator refused by default", text: `DED*CS*200123456789*250314*46154*900000001*N*CASTELLMAR*06037/`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"},
			problems: []string{`ends with "/"`}},
		{name: "slash terminator partner option", text: `DED*CS*200123456789*250314*46154*900000001*N*CASTELLMAR*06037/`, prof: slash,
			want: ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"}},
		{name: "missing terminator lenient", text: `DED*CS*200123456789*250314*46154*900000001*N`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N"},
			warnings: []string{"no segment terminator"}},
		{name: "missing terminator strict", text: `DED*CS*200123456789*250314*46154*900000001*N`, prof: strict,
			want:     ach.DED{ApplicationID: "CS", CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N"},
			problems: []string{"no segment terminator"}},
		{name: "text after terminator", text: `DED*CS*1*250314*1*900000001*N\ EXTRA`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N"},
			problems: []string{"after the segment terminator"}},
		{name: "medical other value lenient", text: `DED*CS*1*250314*1*900000001*X\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "X"},
			warnings: []string{"DED06"}},
		{name: "medical other value strict", text: `DED*CS*1*250314*1*900000001*X\`, prof: strict,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "X"},
			problems: []string{"DED06"}},
		// Every code of the X12 1511 child support list is a receipt, kept on
		// the payment (issue 17: an SDU receives other states' daily).
		{name: "interstate application id", text: `DED*II*1*250314*1*900000001*N\`, prof: lenient,
			want: ach.DED{ApplicationID: "II", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N"}},
		{name: "interstate tax offset application id strict", text: `DED*IT*1*250314*1*900000001*N\`, prof: ach.StrictProfile,
			want: ach.DED{ApplicationID: "IT", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N"}},
		{name: "unemployment UC application id", text: `DED*UC*1*250314*1*900000001*N\`, prof: lenient,
			want: ach.DED{ApplicationID: "UC", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N"}},
		{name: "unknown application id", text: `DED*ZZ*1*250314*1*900000001*N\`, prof: lenient,
			want:     ach.DED{ApplicationID: "ZZ", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N"},
			problems: []string{"unknown code"}},
		{name: "amount with decimal point", text: `DED*CS*1*250314*461.54*900000001*N\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), SSN: "900000001", Medical: "N"},
			problems: []string{"DED04 amount"}},
		{name: "amount too long", text: `DED*CS*1*250314*12345678901*900000001*N\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), SSN: "900000001", Medical: "N"},
			problems: []string{"11 digits"}},
		{name: "zero amount without termination", text: `DED*CS*1*250314*0*900000001*N\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), SSN: "900000001", Medical: "N"},
			warnings: []string{"zero without the termination"}},
		{name: "case id too long", text: `DED*CS*123456789012345678901*250314*1*900000001*N\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N"},
			problems: []string{"DED02 case identifier: 21 characters"}},
		{name: "fewer than six elements", text: `DED*CS*1*250314*1\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1},
			problems: []string{"DED05 SSN: missing", "DED06 medical indicator: missing"}},
		{name: "empty mandatory case id", text: `DED*CS**250314*1*900000001*N\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N"},
			problems: []string{"DED02 case identifier: empty"}},
		{name: "more than nine elements", text: `DED*CS*1*250314*1*900000001*N*A*06037*Y*X\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N", Name: "A", FIPS: "06037", Termination: true},
			problems: []string{"10 elements"}},
		{name: "termination other value", text: `DED*CS*1*250314*1*900000001*N***Q\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2025, 3, 14), Amount: 1, SSN: "900000001", Medical: "N"},
			problems: []string{"DED09 termination"}},
		{name: "no DED id", text: `CHILD SUPPORT FOR CASE 1`, prof: lenient,
			problems: []string{"no DED segment identifier"}, warnings: []string{"no segment terminator"}},
		{name: "empty addenda", text: ``, prof: lenient,
			problems: []string{"empty"}},
		{name: "pivot year 69 is 2069, 70 is 1970", text: `DED*CS*1*691231*1*900000001*N\`, prof: lenient,
			want: ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2069, 12, 31), Amount: 1, SSN: "900000001", Medical: "N"}},
		{name: "leap day", text: `DED*CS*1*240229*1*900000001*N\`, prof: strict,
			want: ach.DED{ApplicationID: "CS", CaseID: "1", PayDate: date(2024, 2, 29), Amount: 1, SSN: "900000001", Medical: "N"}},
		{name: "not a leap day", text: `DED*CS*1*250229*1*900000001*N\`, prof: lenient,
			want:     ach.DED{ApplicationID: "CS", CaseID: "1", Amount: 1, SSN: "900000001", Medical: "N"},
			problems: []string{"DED03 pay date"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := ach.ParseDED(pad(tc.text), tc.prof)
			got := d
			got.Raw, got.Problems, got.Warnings = "", nil, nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseDED(%q):\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
			checkMessages(t, tc.text, "problems", d.Problems, tc.problems)
			checkMessages(t, tc.text, "warnings", d.Warnings, tc.warnings)
			if d.OK() != (len(tc.problems) == 0) {
				t.Errorf("ParseDED(%q).OK() = %v with problems %q", tc.text, d.OK(), d.Problems)
			}
		})
	}
}

// checkMessages requires one message containing each wanted substring, and
// no messages at all when none are wanted.
func checkMessages(t *testing.T, input, kind string, got, want []string) {
	t.Helper()
	if len(want) == 0 && len(got) > 0 {
		t.Errorf("%q: unexpected %s %q", input, kind, got)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("%q: %s %q, want one containing %q", input, kind, got, w)
		}
	}
}

func TestDEDName(t *testing.T) {
	for _, tc := range []struct{ last, first, want string }{
		{"Castellano", "Maria", "CASTELLMAR"},
		{"Lee", "Sam", "LEE,SAM"},
		{"Nguyen", "Bao", "NGUYEN,BAO"},
		{"O'Brien", "Al", "OBRIEN,AL"},
	} {
		if got := ach.DEDName(tc.last, tc.first); got != tc.want {
			t.Errorf("DEDName(%q, %q) = %q, want %q", tc.last, tc.first, got, tc.want)
		}
	}
}

func TestItemDEDRoundTrip(t *testing.T) {
	for _, it := range []ach.Item{
		{CaseID: "200123456789", PayDate: date(2025, 3, 14), Amount: 46154, SSN: "900000001", Medical: "N", Name: "CASTELLMAR", FIPS: "06037"},
		{CaseID: "TX000555444", PayDate: date(2025, 3, 1), Amount: 30000, SSN: "900000002", Medical: "W"},
		{CaseID: "87654321", PayDate: date(2025, 3, 15), Amount: 25000, SSN: "900000003", Medical: "N", FIPS: "0900003", Termination: true},
	} {
		seg := it.DED(false)
		d := ach.ParseDED(pad(seg), ach.StrictProfile)
		if !d.OK() || len(d.Warnings) > 0 || d.CaseID != it.CaseID || d.Amount != it.Amount || d.PayDate != it.PayDate ||
			d.SSN != it.SSN || d.Medical != it.Medical || d.Name != it.Name || d.FIPS != it.FIPS || d.Termination != it.Termination {
			t.Errorf("%s: parsed back as %+v", seg, d)
		}
	}
}

// When elements are shifted the SSN can land where another element is
// expected; messages that quote that element, and the medical indicator
// kept raw, must not carry it in clear (they reach reports and the
// console).
func TestDEDMessagesMaskShiftedSSN(t *testing.T) {
	nine := regexp.MustCompile(`\d{9}`)
	for _, seg := range []string{
		`DED*CS*CASE1*900000005*10000*N*Y\`,                // SSN as the pay date
		`DED*CS*CASE1*250314*10000*ABC*900000005\`,         // SSN as the medical indicator
		`DED*CS*CASE1*250314*9000-00005*900000005*N\`,      // dashed SSN as the amount
		`DED*CS*CASE1*250314*10000*900000005*N\ 900000005`, // text after the terminator
		`DED*CS*CASE1*250314*10000*900000005*N*DOE*900000005\`,
	} {
		d := ach.ParseDED(seg, ach.DefaultProfile)
		shown := strings.Join(d.Problems, " ") + " " + strings.Join(d.Warnings, " ") + " " + d.Medical
		if len(d.Problems)+len(d.Warnings) == 0 {
			t.Errorf("%s: no problem or warning; the test needs one quoting the SSN", seg)
		}
		if nine.MatchString(shown) {
			t.Errorf("%s: an SSN in clear in %q", seg, shown)
		}
	}
}
