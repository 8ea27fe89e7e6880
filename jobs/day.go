package jobs

import (
	"fmt"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// holidays is what withholding/calendar's Calendar offers beyond
// withholding.Calendar: the name of the holiday on a day.
type holidays interface {
	Holiday(d withholding.Date) (string, bool)
}

// holiday reports whether d is a holiday on cal, and its name. A calendar
// without names counts a weekday that is not a business day as a holiday.
func holiday(cal withholding.Calendar, d withholding.Date) (string, bool) {
	if h, ok := cal.(holidays); ok {
		return h.Holiday(d)
	}
	if !isWeekend(d) && !cal.IsBusinessDay(d) {
		return "holiday", true
	}
	return "", false
}

// DayRule says on which days a scheduled job runs. It applies to scheduled
// runs only: a run asked for by hand always runs.
type DayRule string

// Day rules.
const (
	// AnyDay runs the job whenever its cron spec fires.
	AnyDay DayRule = "any"
	// BusinessDays runs the job on bank business days only: no weekends,
	// no holidays.
	BusinessDays DayRule = "business_days"
	// SkipHolidays runs the job on weekends but not on holidays, e.g. a
	// bank pull on a federal holiday finds nothing new.
	SkipHolidays DayRule = "skip_holidays"
)

// DayRules lists the valid rules.
var DayRules = []DayRule{AnyDay, BusinessDays, SkipHolidays}

// ParseDayRule reads a rule; "" means AnyDay.
func ParseDayRule(s string) (DayRule, error) {
	switch r := DayRule(s); r {
	case "":
		return AnyDay, nil
	case AnyDay, BusinessDays, SkipHolidays:
		return r, nil
	}
	return "", withholding.Errorf(withholding.EINVALID, "day rule %q is not one of %v", s, DayRules)
}

// Allows reports whether the rule lets the job run on d, and if not, why.
// A nil calendar means withholding.Weekdays: weekends, no holidays.
func (r DayRule) Allows(cal withholding.Calendar, d withholding.Date) (bool, string) {
	if cal == nil {
		cal = withholding.Weekdays{}
	}
	switch r {
	case BusinessDays:
		if name, ok := holiday(cal, d); ok {
			return false, fmt.Sprintf("%s is a holiday (%s)", d, name)
		}
		if !cal.IsBusinessDay(d) {
			return false, fmt.Sprintf("%s is not a business day", d)
		}
	case SkipHolidays:
		if name, ok := holiday(cal, d); ok {
			return false, fmt.Sprintf("%s is a holiday (%s)", d, name)
		}
	}
	return true, ""
}

func isWeekend(d withholding.Date) bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}
