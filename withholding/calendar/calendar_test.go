package calendar_test

import (
	"testing"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/calendar"
)

func day(tb testing.TB, s string) withholding.Date {
	tb.Helper()
	d, err := withholding.ParseDate("2006-01-02", s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// TestUS checks days the Federal Reserve closes, and days it stays open
// although the federal government observes a holiday (Saturday holidays
// are not moved to Friday for the Reserve Banks).
func TestUS(t *testing.T) {
	c := calendar.US()
	for _, tc := range []struct {
		date     string
		business bool
		holiday  string
	}{
		{"2026-01-01", false, "New Year's Day"},
		{"2026-01-19", false, "Martin Luther King Jr. Day"},
		{"2026-02-16", false, "Presidents' Day"},
		{"2026-05-25", false, "Memorial Day"},
		{"2026-06-19", false, "Juneteenth"},
		{"2026-09-07", false, "Labor Day"},
		{"2026-10-12", false, "Columbus Day"},
		{"2026-11-11", false, "Veterans Day"},
		{"2026-11-26", false, "Thanksgiving Day"},
		{"2026-12-25", false, "Christmas Day"},
		{"2023-01-02", false, "New Year's Day"}, // Sunday holiday observed Monday
		{"2022-06-20", false, "Juneteenth"},     // Sunday holiday observed Monday
		{"2026-07-03", true, ""},                // July 4 is a Saturday: the Fed is open Friday
		{"2021-12-31", true, ""},                // Jan 1 2022 is a Saturday: open Friday
		{"2027-12-24", true, ""},                // Christmas 2027 is a Saturday
		{"2021-06-18", true, ""},                // Juneteenth 2021: not yet a Reserve Bank holiday
		{"2026-11-27", true, ""},                // the day after Thanksgiving is a business day
		{"2026-07-04", false, ""},               // a Saturday, holiday or not
		{"2026-03-15", false, ""},               // a Sunday
		{"2026-03-16", true, ""},
	} {
		d := day(t, tc.date)
		if got := c.IsBusinessDay(d); got != tc.business {
			t.Errorf("IsBusinessDay(%s) = %v, want %v", tc.date, got, tc.business)
		}
		if name, ok := c.Holiday(d); tc.holiday != "" && (!ok || name != tc.holiday) {
			t.Errorf("Holiday(%s) = %q, %v, want %q", tc.date, name, ok, tc.holiday)
		}
	}
}

// TestUSRemittanceDeadline counts the federal 7-business-day window over
// Thanksgiving on the real calendar.
func TestUSRemittanceDeadline(t *testing.T) {
	c := calendar.US()
	for _, tc := range []struct{ pay, due string }{
		{"2025-11-21", "2025-12-03"}, // Thanksgiving Nov 27 skipped
		{"2025-12-19", "2025-12-31"}, // Christmas Dec 25 skipped
		{"2026-01-09", "2026-01-21"}, // MLK Day Jan 19 skipped
	} {
		if got := withholding.AddBusinessDays(c, day(t, tc.pay), withholding.DefaultRemitWindow); got != day(t, tc.due) {
			t.Errorf("7 business days after %s = %s, want %s", tc.pay, got, tc.due)
		}
	}

	o := withholding.Order{ID: 1, CaseID: "C1", Status: withholding.StatusAccepted, Amounts: withholding.Amounts{
		CurrentSupport: withholding.Obligation{Amount: 40000, Frequency: withholding.Monthly}}}
	e := withholding.Employer{PayFrequency: withholding.Weekly, PayAnchor: day(t, "2025-11-21")}
	exp := withholding.ExpectedPayments(o, e, day(t, "2025-11-21"), day(t, "2025-11-21"), c, 0)
	if len(exp) != 1 || exp[0].Due != day(t, "2025-12-03") || exp[0].Amount != 9231 {
		t.Errorf("ExpectedPayments = %+v, want one $92.31 due 2025-12-03", exp)
	}
}

func BenchmarkIsBusinessDay(b *testing.B) {
	c := calendar.US()
	d := day(b, "2026-01-01")
	for b.Loop() {
		for i := range 365 {
			c.IsBusinessDay(d.AddDays(i))
		}
	}
}
