package withholding_test

import (
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

func TestWithholdingRefusal(t *testing.T) {
	pay := withholding.NewDate(2026, time.November, 6)
	const (
		A = withholding.DispAccepted
		R = withholding.DispRejected
	)
	for _, tc := range []struct {
		name string
		s    withholding.Standing
		want withholding.Refusal
	}{
		{"OKAcceptedORG", withholding.Standing{Action: withholding.ActionOriginal, Answer: A}, ""},
		{"OKAcceptedAMD", withholding.Standing{Action: withholding.ActionAmend, Answer: A, Reason: "B"}, ""},
		{"OKAcceptedLUM", withholding.Standing{Action: withholding.ActionLumpSum, Answer: A}, ""},
		{"OKFinalPay", withholding.Standing{Action: withholding.ActionOriginal, Answer: A, EmploymentEnded: true, FinalPay: pay}, ""},
		{"ErrRejected", withholding.Standing{Action: withholding.ActionOriginal, Answer: R, Reason: "N"}, withholding.RefuseRejected},
		{"ErrRejectedAMD", withholding.Standing{Action: withholding.ActionAmend, Answer: R, Reason: "B"}, withholding.RefuseRejected},
		{"ErrUnanswered", withholding.Standing{Action: withholding.ActionOriginal}, withholding.RefuseUnacknowledged},
		{"ErrUnansweredLUM", withholding.Standing{Action: withholding.ActionLumpSum}, withholding.RefuseUnacknowledged},
		{"ErrNotAnAnswer", withholding.Standing{Action: withholding.ActionOriginal, Answer: withholding.DispPortalError}, withholding.RefuseUnacknowledged},
		{"ErrTRMAccepted", withholding.Standing{Action: withholding.ActionTerminate, Answer: A}, withholding.RefuseTerminated},
		{"ErrTRMRejected", withholding.Standing{Action: withholding.ActionTerminate, Answer: R, Reason: "Z"}, withholding.RefuseTerminated},
		{"ErrTRMUnanswered", withholding.Standing{Action: withholding.ActionTerminate}, withholding.RefuseTerminated},
		{"ErrEmploymentEnded", withholding.Standing{Action: withholding.ActionOriginal, Answer: A, EmploymentEnded: true}, withholding.RefuseTerminated},
		{"ErrAfterFinalPay", withholding.Standing{Action: withholding.ActionOriginal, Answer: A, EmploymentEnded: true, FinalPay: pay.AddDays(-1)}, withholding.RefuseTerminated},
		{"ErrEndedOverRejected", withholding.Standing{Action: withholding.ActionOriginal, Answer: R, EmploymentEnded: true}, withholding.RefuseTerminated},
		{"ErrRejectedBeforeFinalPay", withholding.Standing{Action: withholding.ActionOriginal, Answer: R, EmploymentEnded: true, FinalPay: pay}, withholding.RefuseRejected},
	} {
		if got := withholding.WithholdingRefusal(tc.s, pay); got != tc.want {
			t.Errorf("%s: WithholdingRefusal(%+v, %s) = %q, want %q", tc.name, tc.s, pay, got, tc.want)
		}
		if got := withholding.WithholdingRefusal(tc.s, pay); got != "" && got.Explain(tc.s) == "" {
			t.Errorf("%s: refusal %q has no explanation", tc.name, got)
		}
	}
}
