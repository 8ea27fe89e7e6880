package ach_test

import (
	"strings"
	"testing"

	"github.com/iwoproject/iwo/ach"
)

// TestPayDateWindow checks the warning on a pay date far from the
// settlement date (issue 17: a pay date years ahead passed silently), for
// CCD+ and each DED of a CTX, with the default and a configured window.
// The remittance settles on 2025-03-18.
func TestPayDateWindow(t *testing.T) {
	typo := itemA
	typo.PayDate = date(2052, 3, 14) // 2025 typed as 2052
	late := itemB
	late.PayDate = date(2023, 12, 29)
	soon := itemB
	soon.PayDate = date(2025, 4, 4) // payroll funded 17 days ahead
	for _, ctx := range []bool{false, true} {
		data := MustRemittance(t, ctx, itemA, typo, late, soon)
		for _, tc := range []struct {
			name string
			prof ach.Profile
			want []string // a warning containing this per payment, "" for none
		}{
			{"Default", ach.Profile{}, []string{"", "days after", "days before", ""}},
			{"Narrow", ach.Profile{PayDates: ach.PayDateWindow{Ahead: 10, Behind: 5}}, []string{"", "days after", "days before", "days after"}},
			{"Wide", ach.Profile{PayDates: ach.PayDateWindow{Ahead: 20000, Behind: 20000}}, []string{"", "", "", ""}},
		} {
			ps, _ := MustPayments(t, data, tc.prof)
			if len(ps) != len(tc.want) {
				t.Fatalf("ctx %v %s: %d payments", ctx, tc.name, len(ps))
			}
			for i, p := range ps {
				got := strings.Join(p.Warnings, "; ")
				if tc.want[i] == "" && strings.Contains(got, "DED03") || tc.want[i] != "" && !strings.Contains(got, tc.want[i]) {
					t.Errorf("ctx %v %s: payment %d (pay date %s): warnings %q, want %q", ctx, tc.name, i, p.PayDate, got, tc.want[i])
				}
				if len(p.Problems) != 0 {
					t.Errorf("ctx %v %s: payment %d: a pay-date warning made a problem: %q", ctx, tc.name, i, p.Problems)
				}
			}
		}
	}
}
