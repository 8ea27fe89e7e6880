package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestCalculatorStatedPerPay: the IWO's own per-pay line typed into the
// form (issue 17: $528.00 a month stated as $121.86 a week) is withheld,
// and the explanation says so; left blank, the page converts ($121.85).
func TestCalculatorStatedPerPay(t *testing.T) {
	f := mustFixture(t)
	c := f.client(t, "hl", "hl-pass")
	form := url.Values{
		"frequency": {"weekly"}, "disposable": {"600"}, "cap": {"50"},
		"o0_name": {"A"}, "o0_current": {"528"}, "o0_current_freq": {"monthly"}, "o0_stated": {"121.86"},
	}
	if code, body := postCalc(t, f, c, form); code != 200 || !strings.Contains(body, `id="withheld">$121.86<`) || !strings.Contains(body, "as stated on the IWO (item 13a)") {
		t.Errorf("stated $121.86 a week: status %d, page lacks withheld $121.86 as stated", code)
	}
	form.Del("o0_stated")
	if _, body := postCalc(t, f, c, form); !strings.Contains(body, `id="withheld">$121.85<`) || !strings.Contains(body, "computed from the monthly amounts") {
		t.Errorf("no stated line: page lacks withheld $121.85 computed from the monthly amounts")
	}
	form.Set("frequency", "monthly")
	form.Set("o0_stated", "-1")
	if code, _ := postCalc(t, f, c, form); code != 400 {
		t.Errorf("negative stated line: status %d, want 400", code)
	}
}

// TestCalculatorWorkStatePriority: the console pays in the work state's
// order, Maryland's (COMAR 07.07.20.06) for MD: $400 current, $200
// arrears, $50 cash medical a month against a $620.00 limit leaves cash
// medical $20.00 in Maryland and arrears $170.00 by the default order.
func TestCalculatorWorkStatePriority(t *testing.T) {
	f := mustFixture(t)
	c := f.client(t, "hl", "hl-pass")
	form := url.Values{
		"frequency": {"monthly"}, "disposable": {"1240"}, "cap": {"50"},
		"o0_name": {"A"}, "o0_current": {"400"}, "o0_arrears": {"200"}, "o0_cash-medical": {"50"},
	}
	for _, tc := range []struct {
		state, rule, want string
	}{
		{"MD", "", "<td>A</td><td class=\"num\">$400.00</td><td class=\"num\">$20.00</td><td class=\"num\">$200.00</td>"},
		{"CA", "", "<td>A</td><td class=\"num\">$400.00</td><td class=\"num\">$50.00</td><td class=\"num\">$170.00</td>"},
		{"CA", "maryland", "<td>A</td><td class=\"num\">$400.00</td><td class=\"num\">$20.00</td><td class=\"num\">$200.00</td>"},
	} {
		form.Set("work_state", tc.state)
		form.Set("medical_rule", tc.rule)
		if code, body := postCalc(t, f, c, form); code != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("work state %s, rule %q: status %d, page lacks row %s", tc.state, tc.rule, code, tc.want)
		}
	}
}
