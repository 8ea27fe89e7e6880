package withholding_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

func day(s string) withholding.Date {
	d, err := withholding.ParseDate("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func dates(ds []withholding.Date) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, " ")
}

func TestPayDates(t *testing.T) {
	for _, tc := range []struct {
		freq             withholding.Frequency
		anchor, from, to string
		want             string
	}{
		{"weekly", "2026-01-02", "2026-01-01", "2026-01-31", "2026-01-02 2026-01-09 2026-01-16 2026-01-23 2026-01-30"},
		{"biweekly", "2026-01-09", "2026-01-01", "2026-02-28", "2026-01-09 2026-01-23 2026-02-06 2026-02-20"},
		{"biweekly", "2026-03-06", "2026-01-01", "2026-02-28", "2026-01-09 2026-01-23 2026-02-06 2026-02-20"}, // anchor after the range
		{"biweekly", "2026-01-09", "2026-01-10", "2026-01-22", ""},
		{"monthly", "2026-01-31", "2026-01-01", "2026-05-31", "2026-01-31 2026-02-28 2026-03-31 2026-04-30 2026-05-31"},
		{"monthly", "2026-05-31", "2026-01-01", "2026-04-30", "2026-01-31 2026-02-28 2026-03-31 2026-04-30"},
		{"monthly", "2027-12-30", "2028-02-01", "2028-03-31", "2028-02-29 2028-03-30"},
		{"quarterly", "2026-01-15", "2026-01-01", "2026-12-31", "2026-01-15 2026-04-15 2026-07-15 2026-10-15"},
		{"annually", "2025-02-28", "2026-01-01", "2027-12-31", "2026-02-28 2027-02-28"},
		{"semimonthly", "2026-01-15", "2026-01-01", "2026-02-28", "2026-01-15 2026-01-31 2026-02-15 2026-02-28"},
		{"semimonthly", "2026-04-30", "2026-01-01", "2026-01-31", "2026-01-15 2026-01-31"}, // last day of its month
		{"semimonthly", "2026-01-01", "2026-01-01", "2026-02-28", "2026-01-01 2026-01-16 2026-02-01 2026-02-16"},
		{"semimonthly", "2026-01-20", "2026-01-01", "2026-01-31", "2026-01-05 2026-01-20"},
		{"semimonthly", "2026-01-14", "2026-02-01", "2026-02-28", "2026-02-14 2026-02-28"}, // 29th clamped
		{"semimonthly", "2026-01-15", "2025-12-20", "2026-01-10", "2025-12-31"},            // across a year end
		{"fortnightly", "2026-01-02", "2026-01-01", "2026-01-31", ""},
		{"weekly", "2026-01-02", "2026-01-31", "2026-01-01", ""},
	} {
		got := dates(withholding.PayDates(tc.freq, day(tc.anchor), day(tc.from), day(tc.to)))
		if got != tc.want {
			t.Errorf("PayDates(%s, %s, %s..%s) = %q, want %q", tc.freq, tc.anchor, tc.from, tc.to, got, tc.want)
		}
	}
	if got := withholding.PayDates(withholding.Weekly, withholding.Date{}, day("2026-01-01"), day("2026-02-01")); got != nil {
		t.Errorf("zero anchor: %v, want nil", got)
	}
}

// holidays is a Calendar for tests: weekdays less the listed dates.
type holidays map[withholding.Date]bool

func (h holidays) IsBusinessDay(d withholding.Date) bool {
	return withholding.Weekdays{}.IsBusinessDay(d) && !h[d]
}

type never struct{}

func (never) IsBusinessDay(withholding.Date) bool { return false }

func TestAddBusinessDays(t *testing.T) {
	thanksgiving := holidays{day("2025-11-27"): true}
	for _, tc := range []struct {
		cal  withholding.Calendar
		from string
		n    int
		want string
	}{
		{nil, "2025-11-21", 7, "2025-12-02"},
		{withholding.Weekdays{}, "2025-11-21", 7, "2025-12-02"},
		{thanksgiving, "2025-11-21", 7, "2025-12-03"},
		{nil, "2025-11-22", 1, "2025-11-24"}, // from a Saturday
		{nil, "2025-11-24", 0, "2025-11-24"},
		{nil, "2025-11-24", -1, "2025-11-21"},
		{thanksgiving, "2025-11-28", -1, "2025-11-26"},
	} {
		if got := withholding.AddBusinessDays(tc.cal, day(tc.from), tc.n); got.String() != tc.want {
			t.Errorf("AddBusinessDays(%T, %s, %d) = %s, want %s", tc.cal, tc.from, tc.n, got, tc.want)
		}
	}
	// A calendar without business days stops instead of hanging.
	if got := withholding.AddBusinessDays(never{}, day("2026-01-01"), 1); !got.After(day("2035-01-01")) {
		t.Errorf("never: got %s", got)
	}
	if weekday := day("2026-01-03").Weekday(); weekday != time.Saturday || (withholding.Weekdays{}).IsBusinessDay(day("2026-01-03")) {
		t.Errorf("2026-01-03 (%s) counted as a business day", weekday)
	}
}

func TestExpectedPayments(t *testing.T) {
	emp := withholding.Employer{FEIN: "123456789", PayFrequency: withholding.Biweekly, PayAnchor: day("2026-01-09")}
	base := monthly("CASE1", 40000, 10000, false)
	base.ID, base.Status, base.StartDate = 7, withholding.StatusAccepted, day("2026-01-15")
	for _, tc := range []struct {
		name string
		edit func(*withholding.Order, *withholding.Employer)
		cal  withholding.Calendar
		win  int
		want string
	}{
		{"OK", func(*withholding.Order, *withholding.Employer) {}, nil, 0,
			"2026-01-23 230.77 2026-02-03; 2026-02-06 230.77 2026-02-17; 2026-02-20 230.77 2026-03-03"},
		{"Holiday", func(*withholding.Order, *withholding.Employer) {}, holidays{day("2026-02-16"): true}, 0,
			"2026-01-23 230.77 2026-02-03; 2026-02-06 230.77 2026-02-18; 2026-02-20 230.77 2026-03-03"},
		{"Window2", func(*withholding.Order, *withholding.Employer) {}, nil, 2,
			"2026-01-23 230.77 2026-01-27; 2026-02-06 230.77 2026-02-10; 2026-02-20 230.77 2026-02-24"},
		{"Sent", func(o *withholding.Order, _ *withholding.Employer) { o.Status = withholding.StatusSent }, nil, 0,
			"2026-01-23 230.77 2026-02-03; 2026-02-06 230.77 2026-02-17; 2026-02-20 230.77 2026-03-03"},
		{"EndDate", func(o *withholding.Order, _ *withholding.Employer) {
			o.Status, o.EndDate = withholding.StatusTerminated, day("2026-02-06")
		}, nil, 0, "2026-01-23 230.77 2026-02-03; 2026-02-06 230.77 2026-02-17"},
		{"TerminatedNoEnd", func(o *withholding.Order, _ *withholding.Employer) { o.Status = withholding.StatusTerminated }, nil, 0, ""},
		{"Pending", func(o *withholding.Order, _ *withholding.Employer) { o.Status = withholding.StatusPending }, nil, 0, ""},
		{"Rejected", func(o *withholding.Order, _ *withholding.Employer) { o.Status = withholding.StatusRejected }, nil, 0, ""},
		{"NoSchedule", func(_ *withholding.Order, e *withholding.Employer) { e.PayAnchor = withholding.Date{} }, nil, 0, ""},
		{"PremiumOnly", func(o *withholding.Order, _ *withholding.Employer) {
			o.Amounts = withholding.Amounts{MedicalPremium: withholding.Obligation{Amount: 15000, Frequency: withholding.Monthly}}
		}, nil, 0, ""},
		{"Semimonthly", func(_ *withholding.Order, e *withholding.Employer) {
			e.PayFrequency, e.PayAnchor = withholding.Semimonthly, day("2025-12-15")
		}, nil, 0, "2026-01-15 250.00 2026-01-26; 2026-01-31 250.00 2026-02-10; 2026-02-15 250.00 2026-02-24; 2026-02-28 250.00 2026-03-10"},
	} {
		o, e := base, emp
		tc.edit(&o, &e)
		exp := withholding.ExpectedPayments(o, e, day("2026-01-01"), day("2026-02-28"), tc.cal, tc.win)
		parts := make([]string, len(exp))
		for i, x := range exp {
			if x.OrderRef != o.ID || x.CaseID != o.CaseID {
				t.Errorf("%s: expected payment %d names order %d case %s", tc.name, i, x.OrderRef, x.CaseID)
			}
			parts[i] = fmt.Sprintf("%s %s %s", x.PayDate, x.Amount, x.Due)
		}
		if got := strings.Join(parts, "; "); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
