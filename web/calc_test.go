package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/web"
	"github.com/iwoproject/iwo/withholding"
)

// mustCalcOrder stores an order with every amount the calculator asks
// for, each in its own frequency, and arrears over 12 weeks old.
func mustCalcOrder(t *testing.T, f *fixture) (*withholding.Order, withholding.Frequency) {
	t.Helper()
	o := f.orders[0]
	o.ID, o.CaseID, o.OrderID = 0, "CALC-1", "CALC-1"
	o.Amounts = withholding.Amounts{
		CurrentSupport: withholding.Obligation{Amount: 49200, Frequency: withholding.Monthly},
		PastDueSupport: withholding.Obligation{Amount: 10800, Frequency: withholding.Monthly},
		MedicalPremium: withholding.Obligation{Amount: 4000, Frequency: withholding.Biweekly},
		CurrentMedical: withholding.Obligation{Amount: 2500, Frequency: withholding.Weekly},
		PastDueMedical: withholding.Obligation{Amount: 1000, Frequency: withholding.Monthly},
	}
	o.ArrearsOver12Weeks = true
	if err := f.db.CreateOrder(context.Background(), &o); err != nil {
		t.Fatal(err)
	}
	e, err := f.db.FindEmployerByFEIN(context.Background(), o.EmployerFEIN)
	if err != nil {
		t.Fatal(err)
	}
	return &o, e.PayFrequency
}

// calcSpec writes o as "iwo calc --order" takes it.
func calcSpec(o *withholding.Order) string {
	var parts []string
	for _, k := range withholding.OrderKeys {
		if ob := k.Obligation(&o.Amounts); ob.Amount > 0 {
			parts = append(parts, fmt.Sprintf("%s=%s/%s", k, ob.Amount, ob.Frequency))
		}
	}
	return string(o.CaseID) + ":" + strings.Join(parts, ",")
}

// wantCalcPage checks that body shows res: the limit, the order's row and
// the total withheld.
func wantCalcPage(t *testing.T, body string, res withholding.CalcResult) {
	t.Helper()
	o := res.Orders[0]
	for _, want := range []string{
		`id="cap-amount">` + res.Cap.Dollars() + `<`,
		`id="withheld">` + res.Withheld.Dollars() + `<`,
		fmt.Sprintf(`<td>%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td>`,
			o.Name, o.Current.Dollars(), o.Medical.Dollars(), o.Arrears.Dollars(), o.Total.Dollars()),
	} {
		if !strings.Contains(body, want) {
			t.Errorf("calculator page lacks %s", want)
		}
	}
}

func TestCalculateForOrder(t *testing.T) {
	t.Run("OKPrefilled", func(t *testing.T) {
		f := mustFixture(t)
		o, pay := mustCalcOrder(t, f)
		c := f.client(t, "hl", "hl-pass")
		_, page := get(t, c, fmt.Sprintf("%s/orders/%d", f.srv.URL, o.ID))
		if !strings.Contains(page, `id="calc-for-order"`) {
			t.Fatal("order page lacks Calculate for this order")
		}
		code, body := get(t, c, fmt.Sprintf("%s/calc?order=%d", f.srv.URL, o.ID))
		if code != http.StatusOK {
			t.Fatalf("prefilled calculator: status %d", code)
		}
		for _, want := range []string{
			`name="o0_name" id="o0_name" value="CALC-1"`,
			`name="o0_current" id="o0_current" value="492.00"`, `name="o0_arrears" id="o0_arrears" value="108.00"`,
			`name="o0_medical" id="o0_medical" value="40.00"`, `name="o0_cash-medical" id="o0_cash-medical" value="25.00"`,
			`name="o0_medical-arrears" id="o0_medical-arrears" value="10.00"`,
			`id="o0_over12" checked`, fmt.Sprintf(`<option selected>%s</option>`, pay),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("prefilled calculator lacks %s", want)
			}
		}
		if strings.Contains(body, `id="result"`) {
			t.Error("calculated without disposable earnings")
		}
	})
	t.Run("OKSameAsCalcWithCap", func(t *testing.T) {
		// The work state's limit is configured: the answer is iwo calc's
		// with --cap 55 and the order as an --order spec.
		f := mustFixture(t, func(c *web.Config) { c.Calc.CapPercent = 55 })
		o, pay := mustCalcOrder(t, f)
		spec, err := withholding.ParseOrderSpec(calcSpec(o))
		if err != nil {
			t.Fatal(err)
		}
		pct, err := withholding.ParsePercent("55")
		if err != nil {
			t.Fatal(err)
		}
		req := withholding.CalcRequest{Frequency: pay, Disposable: 90000, Orders: []withholding.Order{spec},
			Limit: withholding.Limit{IWOPercent: pct, IWOStated: true}}
		want, err := withholding.Calculate(req.Input())
		if err != nil {
			t.Fatal(err)
		}
		code, body := get(t, f.client(t, "hl", "hl-pass"), fmt.Sprintf("%s/calc?order=%d&disposable=900", f.srv.URL, o.ID))
		if code != http.StatusOK {
			t.Fatalf("calculate for order: status %d", code)
		}
		wantCalcPage(t, body, want)
	})
	t.Run("OKArrearsRule", func(t *testing.T) {
		// No configured limit: the CCPA rule, five points more for the
		// order's arrears over 12 weeks.
		f := mustFixture(t)
		o, pay := mustCalcOrder(t, f)
		req := withholding.CalcRequest{Frequency: pay, Disposable: 90000, Orders: []withholding.Order{*o}}
		want, err := withholding.Calculate(req.Input())
		if err != nil {
			t.Fatal(err)
		}
		if want.Cap != 49500 {
			t.Fatalf("domain calculator: cap %s, want $495.00 (55%% of $900.00)", want.Cap.Dollars())
		}
		_, body := get(t, f.client(t, "hl", "hl-pass"), fmt.Sprintf("%s/calc?order=%d&disposable=900", f.srv.URL, o.ID))
		wantCalcPage(t, body, want)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		f := mustFixture(t)
		c := f.client(t, "hl", "hl-pass")
		for _, id := range []string{"99999", "x"} {
			if code, _ := get(t, c, f.srv.URL+"/calc?order="+url.QueryEscape(id)); code != http.StatusNotFound {
				t.Errorf("calculator for order %q: status %d, want 404", id, code)
			}
		}
	})
	t.Run("ErrBadEarnings", func(t *testing.T) {
		f := mustFixture(t)
		o, _ := mustCalcOrder(t, f)
		code, body := get(t, f.client(t, "hl", "hl-pass"), fmt.Sprintf("%s/calc?order=%d&disposable=lots", f.srv.URL, o.ID))
		if code != http.StatusBadRequest || !strings.Contains(body, `id="problems"`) {
			t.Errorf("bad earnings: status %d, want 400 with the problems listed", code)
		}
	})
}
