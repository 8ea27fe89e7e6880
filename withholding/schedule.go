package withholding

import "time"

// Calendar tells business days from the rest. The production calendar (US
// federal holidays as the Federal Reserve observes them, so that ACH
// settlement days count) lives in withholding/calendar; Weekdays is the
// holiday-free stand-in.
type Calendar interface {
	// IsBusinessDay reports whether d is a business day.
	IsBusinessDay(d Date) bool
}

// Weekdays is a Calendar with Monday to Friday as business days and no
// holidays. It is what a nil Calendar means.
type Weekdays struct{}

// IsBusinessDay reports whether d falls Monday to Friday.
func (Weekdays) IsBusinessDay(d Date) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

var _ Calendar = Weekdays{}

// DefaultRemitWindow is how many business days after the pay date an
// employer has to send the money: the federal maximum of 7 (spec §2.4).
// States with shorter windows (Texas EFT 2, Virginia 4) set their own.
const DefaultRemitWindow = 7

// maxCalendarScan bounds the search for business days, so that a broken
// calendar (one with no business days) cannot hang a nightly job.
const maxCalendarScan = 3660

// AddBusinessDays returns the n-th business day after d (before d when n is
// negative). d itself is never counted, whether or not it is a business
// day: 7 business days after a Friday pay date is the Tuesday nine days
// later, or later still when a holiday falls in between. n = 0 returns d.
// A nil c means Weekdays.
//
// If c has no business day within ten years of d, AddBusinessDays stops
// there rather than loop forever.
func AddBusinessDays(c Calendar, d Date, n int) Date {
	if c == nil {
		c = Weekdays{}
	}
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for scanned := 0; n > 0 && scanned < maxCalendarScan; scanned++ {
		d = d.AddDays(step)
		if c.IsBusinessDay(d) {
			n--
		}
	}
	return d
}

// PayDates returns the nominal pay dates of a schedule that pays every freq
// and paid on anchor, that fall between from and to inclusive, in order.
// Dates before the anchor count too: the schedule runs both ways. It
// returns nil for an unknown frequency or a zero anchor.
//
// Rules (docs/withholding.md):
//
//   - weekly and biweekly: the anchor plus multiples of 7 or 14 days;
//   - monthly, quarterly, annually: the anchor's day of the month every 1,
//     3 or 12 months, clamped to the month's last day (an anchor on the
//     31st pays Feb 28 or 29, Apr 30), without drifting (the 31st again in
//     May);
//   - semimonthly: two days a month. An anchor on the 15th or on the last
//     day of its month means the 15th and the last day of every month.
//     Otherwise an anchor on day D ≤ 15 pays D and D+15, and D > 15 pays
//     D−15 and D, each clamped to the month's last day (anchor the 1st: the
//     1st and 16th; anchor the 20th: the 5th and 20th).
//
// Pay dates are not moved off weekends or holidays: employers differ (most
// pay the business day before), and the ACH addenda carry the actual pay
// date. A due date counted from the nominal date is never earlier than one
// counted from a pay date moved earlier, so reconciliation does not flag a
// payment late because of this choice.
func PayDates(freq Frequency, anchor Date, from, to Date) []Date {
	if anchor.IsZero() || to.Before(from) {
		return nil
	}
	var out []Date
	switch freq {
	case Weekly, Biweekly:
		step := 7
		if freq == Biweekly {
			step = 14
		}
		k := floorDiv(anchor.DaysUntil(from), step)
		for d := anchor.AddDays(k * step); !d.After(to); d = d.AddDays(step) {
			if !d.Before(from) {
				out = append(out, d)
			}
		}
	case Monthly, Quarterly, Annually:
		step := 12 / freq.PeriodsPerYear()
		k := floorDiv(monthIndex(from)-monthIndex(anchor), step) - 1
		for {
			d := clampDate(anchor.Year, anchor.Month+time.Month(k*step), anchor.Day)
			if d.After(to) {
				break
			}
			if !d.Before(from) {
				out = append(out, d)
			}
			k++
		}
	case Semimonthly:
		first, second := semimonthlyDays(anchor)
		for m := monthIndex(from); m <= monthIndex(to); m++ {
			y, mon := m/12, time.Month(m%12+1)
			for _, day := range []int{first, second} {
				d := clampDate(y, mon, day)
				if !d.Before(from) && !d.After(to) {
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// semimonthlyDays returns the two days of the month a semimonthly schedule
// anchored on anchor pays; 31 stands for "the last day".
func semimonthlyDays(anchor Date) (int, int) {
	last := lastDay(anchor.Year, anchor.Month)
	switch {
	case anchor.Day == 15 || anchor.Day == last:
		return 15, 31
	case anchor.Day < 15:
		return anchor.Day, anchor.Day + 15
	default:
		return anchor.Day - 15, anchor.Day
	}
}

// monthIndex numbers months: year×12 + month−1.
func monthIndex(d Date) int { return d.Year*12 + int(d.Month) - 1 }

// clampDate is y-m-day with m normalised and day clamped to the month.
func clampDate(y int, m time.Month, day int) Date {
	first := NewDate(y, m, 1)
	return Date{first.Year, first.Month, min(day, lastDay(first.Year, first.Month))}
}

func lastDay(y int, m time.Month) int { return NewDate(y, m+1, 0).Day }

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Expected is one payment reconciliation should see: the order's per-pay
// amount for one pay date, due by a business-day deadline.
type Expected struct {
	OrderRef int64  `json:"order_ref"` // Order.ID
	CaseID   CaseID `json:"case_id"`
	PayDate  Date   `json:"pay_date"`
	// Amount is the order's full per-pay amount for the SDU
	// (Order.PerPay(...).Total), before any limit: an employee whose
	// earnings are limited pays less, which reconciliation reports as a
	// short payment for staff to judge.
	Amount Cents `json:"amount_cents"`
	// Due is the last business day the money may arrive.
	Due Date `json:"due"`
}

// ExpectedPayments lists, for order o withheld by employer e, the payments
// expected for pay dates from from to to inclusive: one per pay date of the
// employer's schedule (PayDates), each due windowDays business days after
// the pay date on cal (AddBusinessDays). windowDays ≤ 0 means
// DefaultRemitWindow; a nil cal means Weekdays.
//
// Nothing is expected when the employer's schedule is unknown (no
// frequency or anchor), when the order's per-pay total is zero, for pay
// dates before the order's StartDate, or after its EndDate when one is set.
// Orders that are pending (no IWO sent) or rejected expect nothing; a
// terminated order expects nothing without an EndDate.
func ExpectedPayments(o Order, e Employer, from, to Date, cal Calendar, windowDays int) []Expected {
	if windowDays <= 0 {
		windowDays = DefaultRemitWindow
	}
	due := func(pd Date) Date { return AddBusinessDays(cal, pd, windowDays) }
	return AppendExpected(nil, &o, &e, PayDates(e.PayFrequency, e.PayAnchor, from, to), due)
}

// AppendExpected appends to dst what ExpectedPayments lists, given the pay
// dates of e's schedule in the window (PayDates) and due, the date a pay
// date's payment is due. It is for going through many orders of the same
// employers, as reconciliation does every night: each schedule is worked
// out once, due can remember its answers and dst can be reused.
func AppendExpected(dst []Expected, o *Order, e *Employer, payDates []Date, due func(payDate Date) Date) []Expected {
	switch o.Status {
	case StatusPending, StatusRejected:
		return dst
	case StatusTerminated:
		if o.EndDate.IsZero() {
			return dst
		}
	}
	if !e.PayFrequency.Valid() || e.PayAnchor.IsZero() {
		return dst
	}
	amount := o.PerPay(e.PayFrequency).Total
	if amount <= 0 {
		return dst
	}
	for _, pd := range payDates {
		if !o.StartDate.IsZero() && pd.Before(o.StartDate) {
			continue
		}
		if !o.EndDate.IsZero() && pd.After(o.EndDate) {
			continue
		}
		dst = append(dst, Expected{
			OrderRef: o.ID,
			CaseID:   o.CaseID,
			PayDate:  pd,
			Amount:   amount,
			Due:      due(pd),
		})
	}
	return dst
}
