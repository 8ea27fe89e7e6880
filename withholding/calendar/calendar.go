// Package calendar is the production business-day calendar of iwo: Monday
// to Friday, less the US federal holidays on the days the Federal Reserve
// Banks close for them. ACH money settles only on those days, so remittance
// deadlines ("within 7 business days of the pay date") are counted on it.
//
// It wraps github.com/rickar/cal/v2 and its us holiday definitions, and is
// the one package under withholding/ allowed an import outside the standard
// library. It does no I/O.
package calendar

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"

	"github.com/iwoproject/iwo/withholding"
)

// Calendar is a business-day calendar. It is safe for concurrent use.
type Calendar struct {
	bc *cal.BusinessCalendar
}

var _ withholding.Calendar = (*Calendar)(nil)

// fedObserved is the Federal Reserve's substitution rule: a holiday on a
// Sunday is observed the Monday after; a holiday on a Saturday is not moved
// (the Reserve Banks open the Friday before). The US government's rule moves
// Saturday holidays to Friday; for ACH that Friday is a business day.
var fedObserved = []cal.AltDay{{Day: time.Sunday, Offset: 1}}

// US returns the Federal Reserve holiday calendar: New Year's Day, Martin
// Luther King Jr. Day, Presidents' Day (Washington's Birthday), Memorial
// Day, Juneteenth (from 2022, the first year the Reserve Banks closed for
// it), Independence Day, Labor Day, Columbus Day, Veterans Day,
// Thanksgiving Day and Christmas Day, with weekends off.
func US() *Calendar {
	bc := cal.NewBusinessCalendar()
	bc.Name = "US Federal Reserve"
	bc.Cacheable = true
	for _, h := range us.Holidays {
		o := &cal.Holiday{Observed: fedObserved}
		if h == us.Juneteenth {
			o.StartYear = 2022
		}
		bc.AddHoliday(h.Clone(o))
	}
	return &Calendar{bc: bc}
}

// IsBusinessDay reports whether d is a weekday on which the Federal Reserve
// is open.
func (c *Calendar) IsBusinessDay(d withholding.Date) bool {
	return c.bc.IsWorkday(d.Time(time.UTC))
}

// Holiday returns the name of the holiday observed on d, if any.
func (c *Calendar) Holiday(d withholding.Date) (string, bool) {
	_, observed, h := c.bc.IsHoliday(d.Time(time.UTC))
	if !observed || h == nil {
		return "", false
	}
	return h.Name, true
}
