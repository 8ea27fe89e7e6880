package csvtab_test

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/internal/csvtab"
	"github.com/iwoproject/iwo/withholding"
)

// usDates are the layouts of the employer mode's files.
var usDates = []string{csvtab.ISODate, "1/2/2006", "20060102"}

// readCell reads the one cell of column x with read, from a file whose
// other column keeps the row from being blank, and returns the value and
// the problems.
func readCell(tb testing.TB, cell string, layouts []string, read func(*csvtab.Table) any) (any, []string) {
	tb.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll([][]string{{"x", "other"}, {cell, "1"}}); err != nil {
		tb.Fatalf("write cell %q: %v", cell, err)
	}
	tab := csvtab.New("f.csv", &b, csvtab.Format{Columns: []string{"x", "other"}, DateLayouts: layouts})
	var got any
	n := 0
	for tab.Next() {
		got = read(tab)
		n++
	}
	if n != 1 {
		tb.Fatalf("cell %q: read %d rows, want 1", cell, n)
	}
	return got, MustProblems(tb, tab.Err())
}

func TestCells(t *testing.T) {
	required := func(t *csvtab.Table) any { return t.Required("x") }
	text := func(req bool) func(*csvtab.Table) any {
		return func(t *csvtab.Table) any { return t.Text("x", 4, req) }
	}
	digits := func(t *csvtab.Table) any { return t.Digits("x", 5, false) }
	phone := func(t *csvtab.Table) any { return t.Phone("x", false) }
	ssn := func(t *csvtab.Table) any { return t.SSN("x", true) }
	fein := func(req bool) func(*csvtab.Table) any {
		return func(t *csvtab.Table) any { return t.FEIN("x", req) }
	}
	date := func(req bool) func(*csvtab.Table) any {
		return func(t *csvtab.Table) any { return t.Date("x", req) }
	}
	money := func(req bool) func(*csvtab.Table) any {
		return func(t *csvtab.Table) any { return t.Money("x", req) }
	}
	frequency := func(req bool) func(*csvtab.Table) any {
		return func(t *csvtab.Table) any { return t.Frequency("x", req) }
	}
	flag := func(t *csvtab.Table) any { return t.Flag("x") }
	d := func(y int, m time.Month, day int) withholding.Date {
		return withholding.Date{Year: y, Month: m, Day: day}
	}

	for _, tc := range []struct {
		name    string
		read    func(*csvtab.Table) any
		layouts []string
		cell    string
		want    any
		problem string // "" for none
	}{
		{"Required", required, nil, " abc ", "abc", ""},
		{"ErrRequired", required, nil, "  ", "", "f.csv:2: x: required"},

		{"Text", text(true), nil, "abcd", "abcd", ""},
		{"TextOptional", text(false), nil, "", "", ""},
		{"ErrTextRequired", text(true), nil, "", "", "f.csv:2: x: required"},
		{"ErrTextTooLong", text(false), nil, "abcde", "abcde", "f.csv:2: x: longer than 4 characters"},

		{"Digits", digits, nil, "01234", "01234", ""},
		{"DigitsOptional", digits, nil, "", "", ""},
		{"ErrDigitsShort", digits, nil, "0123", "0123", `f.csv:2: x: "0123": want 5 digits`},
		{"ErrDigitsLetter", digits, nil, "01a34", "01a34", `f.csv:2: x: "01a34": want 5 digits`},

		{"Phone", phone, nil, "(785) 555-0101", "7855550101", ""},
		{"PhoneOptional", phone, nil, "", "", ""},
		{"ErrPhone", phone, nil, "555-0101", "5550101", `f.csv:2: x: "555-0101": want a 10-digit phone number`},

		{"SSN", ssn, nil, "900120001", withholding.SSN("900120001"), ""},
		{"SSNDashes", ssn, nil, "900-12-0001", withholding.SSN("900120001"), ""},
		{"SSNSpaces", ssn, nil, "900 12 0001", withholding.SSN("900120001"), ""},
		{"ErrSSNRequired", ssn, nil, "", withholding.SSN(""), "f.csv:2: x: required"},
		{"ErrSSNShort", ssn, nil, "900-12-000", withholding.SSN(""), "f.csv:2: x: want 9 digits (dashes allowed)"},
		{"ErrSSNLong", ssn, nil, "9001200011", withholding.SSN(""), "f.csv:2: x: want 9 digits (dashes allowed)"},

		{"FEIN", fein(true), nil, "480000101", withholding.FEIN("480000101"), ""},
		{"FEINDash", fein(true), nil, "48-0000101", withholding.FEIN("480000101"), ""},
		{"FEINOptional", fein(false), nil, "", withholding.FEIN(""), ""},
		{"ErrFEINRequired", fein(true), nil, "", withholding.FEIN(""), "f.csv:2: x: required"},
		{"ErrFEINShort", fein(false), nil, "48-000", withholding.FEIN(""), `f.csv:2: x: "48-000": want 9 digits (dashes allowed)`},
		{"ErrFEINLetter", fein(false), nil, "48000010X", withholding.FEIN(""), `f.csv:2: x: "48000010X": want 9 digits (dashes allowed)`},

		{"DateISO", date(true), nil, "2026-11-06", d(2026, 11, 6), ""},
		{"DateOptional", date(false), nil, "", withholding.Date{}, ""},
		{"ErrDateRequired", date(true), nil, "", withholding.Date{}, "f.csv:2: x: required"},
		{"ErrDateNoSuchDay", date(true), nil, "2026-02-30", withholding.Date{}, `f.csv:2: x: "2026-02-30" is not a date; want YYYY-MM-DD`},
		{"ErrDateUSWhenISOOnly", date(true), nil, "11/06/2026", withholding.Date{}, `f.csv:2: x: "11/06/2026" is not a date; want YYYY-MM-DD`},
		{"DateUS", date(true), usDates, "11/06/2026", d(2026, 11, 6), ""},
		{"DateUSShort", date(true), usDates, "11/6/2026", d(2026, 11, 6), ""},
		{"DateCCYYMMDD", date(true), usDates, "20261106", d(2026, 11, 6), ""},
		{"DateISOWithUS", date(true), usDates, "2026-11-06", d(2026, 11, 6), ""},
		{"ErrDateUSMonth", date(true), usDates, "13/06/2026", withholding.Date{}, `f.csv:2: x: "13/06/2026" is not a date; want YYYY-MM-DD, M/D/YYYY or YYYYMMDD`},

		{"Money", money(true), nil, "1,234.50", withholding.Cents(123450), ""},
		{"MoneyDollarSign", money(true), nil, "$12", withholding.Cents(1200), ""},
		{"MoneyZero", money(true), nil, "0", withholding.Cents(0), ""},
		{"MoneyOptional", money(false), nil, "", withholding.Cents(0), ""},
		{"ErrMoneyRequired", money(true), nil, "", withholding.Cents(0), "f.csv:2: x: required"},
		{"ErrMoneyDecimals", money(true), nil, "12.345", withholding.Cents(0), `f.csv:2: x: amount "12.345": want at most two decimals`},
		{"ErrMoneyNotANumber", money(true), nil, "ten", withholding.Cents(0), `f.csv:2: x: amount "ten": not a number`},
		{"ErrMoneyNegative", money(true), nil, "-5", withholding.Cents(-500), `f.csv:2: x: "-5": must not be negative`},

		{"Frequency", frequency(true), nil, "Biweekly", withholding.Biweekly, ""},
		{"FrequencyOptional", frequency(false), nil, "", withholding.Frequency(""), ""},
		{"ErrFrequencyRequired", frequency(true), nil, "", withholding.Frequency(""), "f.csv:2: x: required"},
		{"ErrFrequency", frequency(true), nil, "fortnightly", withholding.Frequency(""), `f.csv:2: x: unknown frequency "fortnightly" (want weekly, biweekly, semimonthly, monthly, quarterly or annually)`},

		{"FlagY", flag, nil, "Y", true, ""},
		{"FlagYes", flag, nil, "yes", true, ""},
		{"FlagTrue", flag, nil, "TRUE", true, ""},
		{"Flag1", flag, nil, "1", true, ""},
		{"FlagEmpty", flag, nil, "", false, ""},
		{"FlagN", flag, nil, "n", false, ""},
		{"FlagNo", flag, nil, "No", false, ""},
		{"FlagFalse", flag, nil, "false", false, ""},
		{"Flag0", flag, nil, "0", false, ""},
		{"ErrFlag", flag, nil, "maybe", false, `f.csv:2: x: "maybe": want Y or N`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, problems := readCell(t, tc.cell, tc.layouts, tc.read)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("cell %q: got %#v, want %#v", tc.cell, got, tc.want)
			}
			var want []string
			if tc.problem != "" {
				want = []string{tc.problem}
			}
			if !reflect.DeepEqual(problems, want) {
				t.Errorf("cell %q: problems %q, want %q", tc.cell, problems, want)
			}
		})
	}
}

// TestSSNNeverPrinted checks that no problem with an SSN cell repeats its
// digits, whatever is wrong with it.
func TestSSNNeverPrinted(t *testing.T) {
	for _, cell := range []string{"900-12-000", "9001200011", "900-12-00O1", "SSN 900120001"} {
		_, problems := readCell(t, cell, nil, func(t *csvtab.Table) any { return t.SSN("x", true) })
		if len(problems) != 1 {
			t.Errorf("cell %q: problems %q, want one", cell, problems)
		}
		for _, p := range problems {
			if strings.Contains(p, "9001") || strings.Contains(p, "0001") || strings.Contains(p, "00O1") {
				t.Errorf("cell %q: problem %q shows the SSN", cell, p)
			}
		}
	}
}

func TestLayoutName(t *testing.T) {
	for layout, want := range map[string]string{
		csvtab.ISODate: "YYYY-MM-DD",
		"01/02/2006":   "MM/DD/YYYY",
		"1/2/2006":     "M/D/YYYY",
		"20060102":     "YYYYMMDD",
	} {
		if got := csvtab.LayoutName(layout); got != want {
			t.Errorf("LayoutName(%q) = %q, want %q", layout, got, want)
		}
	}
}
