package withholding

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar day with no time zone. Pay dates, due dates and order
// start dates are Dates; instants (when a file arrived) are time.Time.
// The zero Date means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// NewDate returns the Date y-m-d, normalised like time.Date (Feb 30 → Mar 2).
// Use ParseDate to reject impossible dates.
func NewDate(y int, m time.Month, d int) Date {
	return DateOf(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// ParseDate reads a date in the given layout ("2006-01-02", "20060102",
// "060102") and rejects days that do not exist.
func ParseDate(layout, s string) (Date, error) {
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, Errorf(EINVALID, "date %q: not a valid %s date", s, layoutName(layout))
	}
	return DateOf(t), nil
}

func layoutName(layout string) string {
	switch layout {
	case "20060102":
		return "CCYYMMDD"
	case "060102":
		return "YYMMDD"
	case "2006-01-02":
		return "YYYY-MM-DD"
	}
	return layout
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns d plus n calendar days.
func (d Date) AddDays(n int) Date { return NewDate(d.Year, d.Month, d.Day+n) }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Compare returns -1, 0 or +1.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp(int(d.Month), int(e.Month))
	default:
		return cmp(d.Day, e.Day)
	}
}

func cmp(a, b int) int {
	if a < b {
		return -1
	} else if a > b {
		return 1
	}
	return 0
}

// DaysUntil returns the number of calendar days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int {
	return int(e.Time(time.UTC).Sub(d.Time(time.UTC)).Hours() / 24)
}

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.Time(time.UTC).Weekday() }

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Format formats d with a time layout.
func (d Date) Format(layout string) string {
	if d.IsZero() {
		return ""
	}
	return d.Time(time.UTC).Format(layout)
}

// MarshalJSON writes "YYYY-MM-DD", or "" for the zero Date.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "YYYY-MM-DD" or "".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseDate("2006-01-02", s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
