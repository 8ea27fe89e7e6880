package reconcile_test

import (
	"context"
	"iter"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// holidays is a tiny Calendar for tests: weekends and the listed days off.
type holidays map[withholding.Date]bool

func (h holidays) IsBusinessDay(d withholding.Date) bool {
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !h[d]
}

func day(s string) withholding.Date {
	d, err := withholding.ParseDate("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

var testCalendar = holidays{day("2026-11-11"): true, day("2026-11-26"): true}

const (
	fein1 = withholding.FEIN("900000001")
	fein2 = withholding.FEIN("900000002")
	ssn1  = withholding.SSN("900112222")
)

// night is a clean night: one employer paying biweekly on Fridays, one
// accepted order of $200.00 biweekly, the two earlier pay dates paid, and
// tonight the payment for the 2026-11-13 pay date.
func night() reconcile.Input {
	emp := &withholding.Employer{FEIN: fein1, Name: "ACME PAYROLL", PayFrequency: withholding.Biweekly, PayAnchor: day("2026-11-13")}
	o := &withholding.Order{
		ID: 1, CaseID: "CASE1", OrderID: "ORD1", RemittanceID: "R1", EmployerFEIN: fein1,
		Obligor:   withholding.Person{Last: "SMITH", First: "JOHN", SSN: ssn1},
		PayeeFIPS: "0603700",
		Amounts:   withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 20000, Frequency: withholding.Biweekly}},
		StartDate: day("2026-10-01"),
		Status:    withholding.StatusAccepted,
	}
	pay := func(id int64, pd, eff string) *withholding.Payment {
		return &withholding.Payment{
			ID: id, FileID: 5, Line: int(id) * 2, Trace: withholding.TraceNumber("09100001000000" + string(rune('0'+id%10))),
			SEC: "CCD", TransactionCode: 22, CompanyID: "1" + string(fein1), CompanyName: "ACME PAYROLL",
			EffectiveDate: day(eff), EntryAmount: 20000, Credited: 20000, ApplicationID: "CS", RemittanceID: "R1", PayDate: day(pd),
			Amount: 20000, SSN: ssn1, Medical: "N", Name: "SMITH,JOH", FIPS: "06037",
			Kind: withholding.KindPayment, FEIN: fein1,
		}
	}
	return reconcile.Input{
		RunDate:   day("2026-11-20"),
		Location:  time.UTC,
		Calendar:  testCalendar,
		Orders:    seq(o),
		Employers: []*withholding.Employer{emp},
		History:   seq(pay(1, "2026-10-16", "2026-10-20"), pay(2, "2026-10-30", "2026-11-03")),
		Payments:  seq(pay(10, "2026-11-13", "2026-11-20")),
		Documents: seq(&withholding.Document{
			ID: 1, TrackingID: "T1", OrderRef: 1, CaseID: "CASE1", FEIN: fein1, Action: withholding.ActionOriginal,
			SentAt: time.Date(2026, 9, 20, 12, 0, 0, 0, time.UTC), Status: withholding.DispAccepted,
		}),
	}
}

// seq yields xs, the same values every time it is read: a test edits the
// night's order or document through first before the run reads them.
func seq[T any](xs ...T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

// first returns the first value of s.
func first[T any](s iter.Seq2[T, error]) T {
	for v := range s {
		return v
	}
	panic("empty sequence")
}

// all reads s back into a slice.
func all[T any](s iter.Seq2[T, error]) []T {
	var out []T
	for v := range s {
		out = append(out, v)
	}
	return out
}

// collect reads a payment sequence back into a slice.
func collect(in reconcile.Input, history bool) []*withholding.Payment {
	if history {
		return all(in.History)
	}
	return all(in.Payments)
}

// tonight replaces tonight's payments with the result of edit on a copy of
// the clean night's payment.
func tonight(in *reconcile.Input, edit func(p *withholding.Payment) []*withholding.Payment) {
	p := *collect(*in, false)[0]
	ps := edit(&p)
	for _, q := range ps {
		credit(q)
	}
	in.Payments = seq(ps...)
}

// credit sets what the bank credited for a payment as the ACH reader
// would: a payment whose DED was read is credited its DED amount (a CCD+
// entry whose DED disagrees with it, or a CTX entry whose DEDs do not add
// up, is flagged with a problem); one with problems keeps the entry amount
// it was built with; other kinds are credited nothing.
func credit(p *withholding.Payment) {
	switch {
	case p.Kind != withholding.KindPayment:
		p.Credited = 0
	case len(p.Problems) == 0:
		p.Credited = p.Amount
	default:
		p.Credited = p.EntryAmount
	}
}

func dropHistory(in *reconcile.Input, id int64) {
	var keep []*withholding.Payment
	for _, p := range collect(*in, true) {
		if p.ID != id {
			keep = append(keep, p)
		}
	}
	in.History = seq(keep...)
}

func one(p *withholding.Payment) []*withholding.Payment { return []*withholding.Payment{p} }

func MustRun(tb testing.TB, in reconcile.Input) *reconcile.Result {
	tb.Helper()
	res, err := reconcile.Run(context.Background(), in)
	if err != nil {
		tb.Fatalf("Run: %v", err)
	}
	return res
}

func types(t testing.TB, res *reconcile.Result) []string {
	var out []string
	for _, e := range exceptionsOf(t, res) {
		out = append(out, string(e.Type))
	}
	slices.Sort(out)
	return out
}

func TestRun_CleanNight(t *testing.T) {
	res := MustRun(t, night())
	if len(exceptionsOf(t, res)) != 0 {
		for _, e := range exceptionsOf(t, res) {
			t.Errorf("clean night: unexpected %s: %s", e.Type, e.Message)
		}
	}
	if len(res.Matches) != 1 || res.Matches[0].PaymentID != 10 || res.Matches[0].OrderRef != 1 || res.Matches[0].By != reconcile.MatchCase {
		t.Errorf("clean night: matches = %+v, want payment 10 → order 1 by case", res.Matches)
	}
	if res.Stats.Posted != 1 || res.Stats.PostedAmount != 20000 {
		t.Errorf("clean night: stats = %+v", res.Stats)
	}
}

// TestRun_Exceptions has one case per exception type (and variants), each
// the clean night with the smallest change that triggers it.
func TestRun_Exceptions(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(in *reconcile.Input)
		want   []withholding.ExceptionType
		posted int // payments posted
		check  func(t *testing.T, res *reconcile.Result)
	}{
		{
			name: "unidentified: unknown case, unknown SSN, no name",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					p.RemittanceID, p.SSN, p.Name = "NOPE", "900999999", ""
					return one(p)
				})
			},
			want: []withholding.ExceptionType{withholding.ExUnidentified},
		},
		{
			name: "unparseable payment",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					p.Problems = []string{"DED04: amount is not numeric"}
					return one(p)
				})
			},
			want: []withholding.ExceptionType{withholding.ExBadPayment},
		},
		{
			name: "SSN mismatch",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.SSN = "900113333"; return one(p) })
			},
			want: []withholding.ExceptionType{withholding.ExSSNMismatch},
			check: func(t *testing.T, res *reconcile.Result) {
				for _, e := range exceptionsOf(t, res) {
					if strings.Contains(e.Message, "900113333") || strings.Contains(e.Message, string(ssn1)) {
						t.Errorf("message shows an SSN in clear: %s", e.Message)
					}
				}
			},
		},
		{
			name: "employer differs",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.FEIN = fein2; return one(p) })
			},
			want:   []withholding.ExceptionType{withholding.ExEmployerMismatch},
			posted: 1,
		},
		{
			name: "short payment",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.Amount = 15000; return one(p) })
			},
			want:   []withholding.ExceptionType{withholding.ExShortPayment},
			posted: 1,
			check: func(t *testing.T, res *reconcile.Result) {
				if e := exceptionsOf(t, res)[0]; e.Expected != 20000 || e.Amount != 15000 {
					t.Errorf("short payment: amount %d expected %d, want 15000 and 20000", e.Amount, e.Expected)
				}
			},
		},
		{
			name: "over payment",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.Amount = 20001; return one(p) })
			},
			want:   []withholding.ExceptionType{withholding.ExOverPayment},
			posted: 1,
		},
		{
			name: "one cent off within a one-cent tolerance",
			edit: func(in *reconcile.Input) {
				in.Settings.Tolerance = 1
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.Amount = 19999; return one(p) })
			},
			posted: 1,
		},
		{
			name: "partial CTX: one DED posts, the other is unidentified",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					p.SEC, p.EntryAmount = "CTX", 30000
					q := *p
					q.ID, q.RemittanceID, q.SSN, q.Name, q.Amount = 11, "OTHER", "900999999", "", 10000
					return []*withholding.Payment{p, &q}
				})
			},
			want:   []withholding.ExceptionType{withholding.ExPartialCTX, withholding.ExUnidentified},
			posted: 1,
			check: func(t *testing.T, res *reconcile.Result) {
				for _, e := range exceptionsOf(t, res) {
					if e.Type == withholding.ExPartialCTX && (e.Amount != 10000 || !slices.Equal(e.PaymentIDs, []int64{10, 11})) {
						t.Errorf("partial CTX: amount %d payments %v, want 10000 and [10 11]", e.Amount, e.PaymentIDs)
					}
				}
			},
		},
		{
			// The IWO went out 2026-10-20: the employer need not withhold
			// before 2026-11-03, so the 2026-10-30 pay is not missing.
			name: "no payment due before the IWO's start of withholding",
			edit: func(in *reconcile.Input) {
				dropHistory(in, 2)
				in.Served = map[int64]withholding.Date{1: day("2026-10-20")}
			},
			posted: 1,
		},
		{
			// Sent 2026-10-10, withholding was due from 2026-10-24.
			name: "missing payment after the IWO's start of withholding",
			edit: func(in *reconcile.Input) {
				dropHistory(in, 2)
				in.Served = map[int64]withholding.Date{1: day("2026-10-10")}
			},
			want:   []withholding.ExceptionType{withholding.ExMissingPayment},
			posted: 1,
		},
		{
			name: "missing payment",
			edit: func(in *reconcile.Input) { dropHistory(in, 2) },
			want: []withholding.ExceptionType{withholding.ExMissingPayment},
			check: func(t *testing.T, res *reconcile.Result) {
				e := exceptionsOf(t, res)[0]
				if e.Key != "missing_payment|CASE1|900000001|2026-10-30" || e.DueDate != day("2026-11-10") || e.Expected != 20000 {
					t.Errorf("missing: key %q due %s expected %d", e.Key, e.DueDate, e.Expected)
				}
			},
			posted: 1,
		},
		{
			name: "late payment clears the missing one",
			edit: func(in *reconcile.Input) {
				dropHistory(in, 2)
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					q.ID, q.PayDate = 11, day("2026-10-30")
					return []*withholding.Payment{p, &q}
				})
			},
			want:   []withholding.ExceptionType{withholding.ExLatePayment},
			posted: 2,
			check: func(t *testing.T, res *reconcile.Result) {
				if !slices.Contains(res.Cleared, "missing_payment|CASE1|900000001|2026-10-30") {
					t.Errorf("late: cleared = %v, want the 2026-10-30 missing key", res.Cleared)
				}
			},
		},
		{
			name: "on time thanks to a holiday in the window",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					// Pay date Tue 11-03: 7 business days skipping Veterans Day is 11-13.
					q.ID, q.PayDate, q.EffectiveDate = 11, day("2026-11-03"), day("2026-11-13")
					return []*withholding.Payment{p, &q}
				})
			},
			posted: 2,
		},
		{
			name: "late by a day without the holiday",
			edit: func(in *reconcile.Input) {
				in.Calendar = nil
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					q.ID, q.PayDate, q.EffectiveDate = 11, day("2026-11-03"), day("2026-11-13")
					return []*withholding.Payment{p, &q}
				})
			},
			want:   []withholding.ExceptionType{withholding.ExLatePayment},
			posted: 2,
		},
		{
			name: "duplicate in one file",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					q.ID, q.Line = 11, 99
					return []*withholding.Payment{p, &q}
				})
			},
			want:   []withholding.ExceptionType{withholding.ExDuplicatePayment},
			posted: 1,
			check: func(t *testing.T, res *reconcile.Result) {
				if e := exceptionsOf(t, res)[0]; !slices.Equal(e.PaymentIDs, []int64{10, 11}) {
					t.Errorf("duplicate: payments %v, want [10 11]", e.PaymentIDs)
				}
			},
		},
		{
			name: "duplicate of an earlier night's payment",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					q.ID, q.FileID, q.PayDate = 11, 6, day("2026-10-30")
					return []*withholding.Payment{p, &q}
				})
			},
			want:   []withholding.ExceptionType{withholding.ExDuplicatePayment},
			posted: 1,
		},
		{
			name: "payment on a terminated order",
			edit: func(in *reconcile.Input) { first(in.Orders).Status = withholding.StatusTerminated },
			want: []withholding.ExceptionType{withholding.ExPaymentOnClosed},
		},
		{
			name: "payment on a rejected order",
			edit: func(in *reconcile.Input) { first(in.Orders).Status = withholding.StatusRejected },
			want: []withholding.ExceptionType{withholding.ExPaymentOnClosed},
		},
		{
			name:   "payment on a never-acknowledged order",
			edit:   func(in *reconcile.Input) { first(in.Orders).Status = withholding.StatusSent },
			want:   []withholding.ExceptionType{withholding.ExPaymentOnClosed},
			posted: 1,
		},
		{
			name: "termination indicator",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.Termination = true; return one(p) })
			},
			want:   []withholding.ExceptionType{withholding.ExTerminationFlag},
			posted: 1,
		},
		{
			name: "termination indicator on a zero-dollar entry",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					p.Termination, p.Amount, p.EntryAmount = true, 0, 0
					return one(p)
				})
			},
			want:   []withholding.ExceptionType{withholding.ExTerminationFlag},
			posted: 1,
		},
		{
			name: "medical indicator changes",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.Medical = "Y"; return one(p) })
			},
			want:   []withholding.ExceptionType{withholding.ExMedicalChange},
			posted: 1,
		},
		{
			name: "IWO not acknowledged within the deadline",
			edit: func(in *reconcile.Input) {
				first(in.Documents).Status, first(in.Documents).SentAt = "", time.Date(2026, 11, 9, 23, 0, 0, 0, time.UTC)
			},
			want:   []withholding.ExceptionType{withholding.ExIWONoAck},
			posted: 1,
		},
		{
			name: "IWO still within the acknowledgment deadline",
			edit: func(in *reconcile.Input) {
				first(in.Documents).Status, first(in.Documents).SentAt = "", time.Date(2026, 11, 10, 1, 0, 0, 0, time.UTC)
			},
			posted: 1,
		},
		{
			name: "IWO rejected",
			edit: func(in *reconcile.Input) {
				first(in.Documents).Status, first(in.Documents).Reason = withholding.DispRejected, "U"
			},
			want:   []withholding.ExceptionType{withholding.ExIWORejected},
			posted: 1,
			check: func(t *testing.T, res *reconcile.Result) {
				if e := exceptionsOf(t, res)[0]; e.Key != "iwo_rejected|T1" || e.OrderRef != 1 || e.SSN != ssn1 {
					t.Errorf("rejected IWO: key %q order %d SSN %s, want iwo_rejected|T1 on order 1 with the obligor's SSN", e.Key, e.OrderRef, e.SSN)
				}
			},
		},
		{
			name: "IWO flagged by the portal",
			edit: func(in *reconcile.Input) {
				first(in.Documents).Status = withholding.DispPortalError
			},
			want:   []withholding.ExceptionType{withholding.ExPortalError},
			posted: 1,
		},
		{
			name: "ACH return",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					q.ID, q.Kind, q.ReturnCode = 11, withholding.KindReturn, "R03"
					return []*withholding.Payment{p, &q}
				})
			},
			want:   []withholding.ExceptionType{withholding.ExReturn},
			posted: 1,
		},
		{
			name: "ACH notification of change",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					q.ID, q.Kind, q.ReturnCode = 11, withholding.KindNOC, "C01"
					return []*withholding.Payment{p, &q}
				})
			},
			want:   []withholding.ExceptionType{withholding.ExNOC},
			posted: 1,
		},
		{
			name: "prenote is neither posted nor an exception",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					q.ID, q.Kind, q.Amount, q.EntryAmount, q.TransactionCode = 11, withholding.KindPrenote, 0, 0, 23
					return []*withholding.Payment{p, &q}
				})
			},
			posted: 1,
		},
		{
			name: "matched by SSN when the case identifier is missing",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.RemittanceID = ""; return one(p) })
			},
			want:   []withholding.ExceptionType{withholding.ExCaseIDCorrected},
			posted: 1,
			check: func(t *testing.T, res *reconcile.Result) {
				if res.Matches[0].By != reconcile.MatchSSN {
					t.Errorf("matched by %s, want ssn", res.Matches[0].By)
				}
			},
		},
		{
			name: "matched by name and FIPS when case and SSN are missing",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.RemittanceID, p.SSN = "", ""; return one(p) })
			},
			want:   []withholding.ExceptionType{withholding.ExCaseIDCorrected},
			posted: 1,
			check: func(t *testing.T, res *reconcile.Result) {
				if res.Matches[0].By != reconcile.MatchNameFIPS {
					t.Errorf("matched by %s, want name_fips", res.Matches[0].By)
				}
			},
		},
		{
			name: "mistyped case ID posted by SSN tells which ID to use, once for repeats",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					p.RemittanceID = "R7"
					q := *p
					q.ID, q.PayDate, q.Trace = 11, day("2026-11-12"), "091000010000009"
					return []*withholding.Payment{p, &q}
				})
			},
			want:   []withholding.ExceptionType{withholding.ExCaseIDCorrected},
			posted: 2,
			check: func(t *testing.T, res *reconcile.Result) {
				e := exceptionsOf(t, res)[0]
				if e.Severity != withholding.SeverityLow || e.OrderRef != 1 || e.CaseID != "CASE1" || !strings.Contains(e.SuggestedAction, "R1") {
					t.Errorf("case_id_corrected: %+v, want low severity on CASE1 naming R1", e)
				}
			},
		},
		{
			name: "zero-dollar remittance is accounted for with a zero posting",
			edit: func(in *reconcile.Input) {
				tonight(in, func(p *withholding.Payment) []*withholding.Payment {
					q := *p
					q.ID, q.Amount, q.EntryAmount, q.PayDate = 11, 0, 0, day("2026-10-30")
					return []*withholding.Payment{p, &q}
				})
			},
			posted: 1,
			check: func(t *testing.T, res *reconcile.Result) {
				ps := slices.Collect(res.Postings(day("2026-11-20")))
				if len(ps) != 2 || ps[1].PaymentID != 11 || ps[1].Status != withholding.PostingZero || res.Stats.Zero != 1 {
					t.Errorf("postings %+v stats %+v, want payment 11 zero", ps, res.Stats)
				}
			},
		},
		{
			name: "SSN fallback switched off by the match order",
			edit: func(in *reconcile.Input) {
				in.Settings.Match = []reconcile.MatchRule{reconcile.MatchCase}
				tonight(in, func(p *withholding.Payment) []*withholding.Payment { p.RemittanceID = ""; return one(p) })
			},
			want: []withholding.ExceptionType{withholding.ExUnidentified},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := night()
			tt.edit(&in)
			res := MustRun(t, in)
			got := types(t, res)
			var want []string
			for _, w := range tt.want {
				want = append(want, string(w))
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				for _, e := range exceptionsOf(t, res) {
					t.Logf("%s: %s", e.Type, e.Message)
				}
				t.Fatalf("%s: exceptions %v, want %v", tt.name, got, want)
			}
			if len(res.Matches) != tt.posted {
				t.Errorf("%s: %d payments posted, want %d", tt.name, len(res.Matches), tt.posted)
			}
			for _, e := range exceptionsOf(t, res) {
				if e.Key == "" || e.Severity == "" || e.Message == "" || e.SuggestedAction == "" || e.Status != withholding.ExceptionOpen || e.OpenedOn != in.RunDate {
					t.Errorf("%s: incomplete exception %+v", tt.name, e)
				}
				if !strings.HasPrefix(e.Key, string(e.Type)+"|") {
					t.Errorf("%s: key %q does not start with its type", tt.name, e.Key)
				}
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

// TestRun_RejectedDocumentKeyIsPullAcks checks that the document pass
// finds a rejected or flagged IWO under the key pull-acks gave the
// acknowledgment that recorded it (withholding.AckFindings), so the store
// never holds a second copy, and that acknowledgments raise nothing here.
func TestRun_RejectedDocumentKeyIsPullAcks(t *testing.T) {
	for _, status := range []withholding.Disposition{withholding.DispRejected, withholding.DispPortalError} {
		in := night()
		doc := first(in.Documents)
		doc.Status, doc.Reason = status, "U"
		a := &withholding.Acknowledgment{
			FileID: 7, Line: 3, Action: withholding.ActionOriginal, TrackingID: doc.TrackingID, CaseID: doc.CaseID,
			FEIN: fein1, SSN: ssn1, Status: status, Reason: "U",
		}
		want := withholding.AckFindings(a, doc, all(in.Orders))
		res := MustRun(t, in)
		if len(exceptionsOf(t, res)) != 1 || len(want) != 1 || exceptionsOf(t, res)[0].Key != want[0].Key {
			t.Errorf("status %s: reconcile found %v, pull-acks records %v; want one exception under the same key", status, keysOf(exceptionsOf(t, res)), keysOf(want))
		}
	}
}

func keysOf(exs []*withholding.Exception) []string {
	var out []string
	for _, e := range exs {
		out = append(out, e.Key)
	}
	return out
}

// TestRun_Rerun checks that reconciling the same night twice gives the same
// keys, and that keys are unique within a run.
func TestRun_Rerun(t *testing.T) {
	mk := func() reconcile.Input {
		in := night()
		dropHistory(&in, 2)
		first(in.Documents).Status = ""
		tonight(&in, func(p *withholding.Payment) []*withholding.Payment {
			p.Amount, p.Medical = 100, "Y"
			q := *p
			q.ID = 11
			return []*withholding.Payment{p, &q}
		})
		return in
	}
	keys := func(res *reconcile.Result) []string {
		var k []string
		for _, e := range exceptionsOf(t, res) {
			k = append(k, e.Key)
		}
		slices.Sort(k)
		return k
	}
	a, b := keys(MustRun(t, mk())), keys(MustRun(t, mk()))
	if len(a) < 4 {
		t.Fatalf("want several exceptions, got %v", a)
	}
	if !slices.Equal(a, b) {
		t.Errorf("re-run keys differ:\n%v\n%v", a, b)
	}
	if len(slices.Compact(slices.Clone(a))) != len(a) {
		t.Errorf("duplicate keys in one run: %v", a)
	}
}

func TestRun_Errors(t *testing.T) {
	t.Run("ErrNoRunDate", func(t *testing.T) {
		in := night()
		in.RunDate = withholding.Date{}
		if _, err := reconcile.Run(context.Background(), in); withholding.ErrorCode(err) != withholding.EINVALID {
			t.Errorf("no run date: err = %v, want invalid", err)
		}
	})
	t.Run("ErrBadMatchRule", func(t *testing.T) {
		in := night()
		in.Settings.Match = []reconcile.MatchRule{"email"}
		if _, err := reconcile.Run(context.Background(), in); withholding.ErrorCode(err) != withholding.EINVALID {
			t.Errorf("bad rule: err = %v, want invalid", err)
		}
	})
	t.Run("ErrCanceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := reconcile.Run(ctx, night()); err == nil {
			t.Error("canceled context: no error")
		}
	})
}

func TestParseMatch(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []reconcile.MatchRule
		ok   bool
	}{
		{"case,ssn,name_fips", reconcile.DefaultMatch, true},
		{" SSN , case ", []reconcile.MatchRule{reconcile.MatchSSN, reconcile.MatchCase}, true},
		{"case,case", nil, false},
		{"case,phone", nil, false},
	} {
		got, err := reconcile.ParseMatch(tt.in)
		if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
			t.Errorf("ParseMatch(%q) = %v, %v", tt.in, got, err)
		}
	}
}

func TestNameCode(t *testing.T) {
	for _, tt := range []struct{ last, first, want string }{
		{"Castellano", "Maria", "CASTELLMAR"},
		{"Lee", "Sam", "LEE,SAM"},
		{"O'Brien", "Jo", "OBRIEN,JO"},
		{"", "Ann", ""},
	} {
		if got := reconcile.NameCode(tt.last, tt.first); got != tt.want {
			t.Errorf("NameCode(%q, %q) = %q, want %q", tt.last, tt.first, got, tt.want)
		}
	}
}

// exceptionsOf reads back the exceptions of a run.
func exceptionsOf(tb testing.TB, res *reconcile.Result) []*withholding.Exception {
	tb.Helper()
	var out []*withholding.Exception
	for e, err := range res.Exceptions.All() {
		if err != nil {
			tb.Fatalf("read exceptions: %v", err)
		}
		out = append(out, e)
	}
	return out
}

// TestRun_DocumentOrderUnsorted: a document's exception gets its order's
// SSN, found by order ID, when the orders do not come in ID order.
func TestRun_DocumentOrderUnsorted(t *testing.T) {
	in := night()
	o := first(in.Orders)
	others := make([]*withholding.Order, 0, 3)
	for _, id := range []int64{9, 5, 3} {
		x := *o
		x.ID, x.CaseID, x.OrderID, x.RemittanceID = id, withholding.CaseID("CASE"+strconv.FormatInt(id, 10)), "", ""
		x.Obligor.SSN = withholding.SSN("90000000" + strconv.FormatInt(id, 10))
		others = append(others, &x)
	}
	in.Orders = seq(others[0], others[1], o, others[2])
	first(in.Documents).Status, first(in.Documents).Reason = withholding.DispRejected, "U"
	var rejected []*withholding.Exception
	for _, e := range exceptionsOf(t, MustRun(t, in)) {
		if e.Type == withholding.ExIWORejected {
			rejected = append(rejected, e)
		}
	}
	if len(rejected) != 1 || rejected[0].OrderRef != 1 || rejected[0].SSN != ssn1 {
		t.Errorf("rejected IWO of order 1: %+v, want one on order 1 with the obligor's SSN", rejected)
	}
}

// TestRun_ExceptionsReadBack: the compressed exceptions read back the
// same every time, as many as Len and of the types Types counts.
func TestRun_ExceptionsReadBack(t *testing.T) {
	res := MustRun(t, randomNight(3, 300, 600))
	a, b := exceptionsOf(t, res), exceptionsOf(t, res)
	if len(a) == 0 || len(a) != res.Exceptions.Len() || !reflect.DeepEqual(a, b) {
		t.Fatalf("read %d then %d exceptions (equal %t), Len %d", len(a), len(b), reflect.DeepEqual(a, b), res.Exceptions.Len())
	}
	types := map[withholding.ExceptionType]int{}
	for _, e := range a {
		types[e.Type]++
	}
	if !maps.Equal(types, res.Exceptions.Types()) {
		t.Errorf("types read %v, Types %v", types, res.Exceptions.Types())
	}
	n := 0
	for range res.Exceptions.All() {
		if n++; n == 2 {
			break // stopping early must not break a later read
		}
	}
	if c := exceptionsOf(t, res); !reflect.DeepEqual(a, c) {
		t.Errorf("after a partial read, read %d exceptions, want the same %d", len(c), len(a))
	}
}
