package withholding_test

import (
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

func TestParseOrderSpec(t *testing.T) {
	ob := func(c withholding.Cents, f withholding.Frequency) withholding.Obligation {
		return withholding.Obligation{Amount: c, Frequency: f}
	}
	for _, tc := range []struct {
		spec string
		want withholding.Amounts
		err  string // part of the message; "" means OK
	}{
		{spec: "A:current=600/monthly,arrears=200/monthly", want: withholding.Amounts{CurrentSupport: ob(60000, withholding.Monthly), PastDueSupport: ob(20000, withholding.Monthly)}},
		{spec: " B : Current=492/Biweekly , arrears=$108.00/biweekly", want: withholding.Amounts{CurrentSupport: ob(49200, withholding.Biweekly), PastDueSupport: ob(10800, withholding.Biweekly)}},
		{spec: "M:medical=150/monthly", want: withholding.Amounts{MedicalPremium: ob(15000, withholding.Monthly)}},
		{spec: "M:cash-medical=150/monthly,medical-arrears=1/weekly", want: withholding.Amounts{CurrentMedical: ob(15000, withholding.Monthly), PastDueMedical: ob(100, withholding.Weekly)}},
		{spec: "S:spousal=10/semimonthly,spousal-arrears=5.5/annually", want: withholding.Amounts{CurrentSpousal: ob(1000, withholding.Semimonthly), PastDueSpousal: ob(550, withholding.Annually)}},
		{spec: "A:current=600/monthly,", want: withholding.Amounts{CurrentSupport: ob(60000, withholding.Monthly)}},
		{spec: "current=600/monthly", err: "want NAME:"},
		{spec: ":current=600/monthly", err: "want NAME:"},
		{spec: "A:", err: "no amounts"},
		{spec: "A:rent=600/monthly", err: "KEY one of current, arrears, medical"},
		{spec: "A:current", err: "KEY="},
		{spec: "A:current=600", err: "AMOUNT/FREQUENCY"},
		{spec: "A:current=600/daily", err: "A current: unknown frequency"},
		{spec: "A:current=-600/monthly", err: "negative"},
		{spec: "A:current=6.001/monthly", err: "two decimals"},
		{spec: "A:current=1/weekly,current=2/weekly", err: "current given twice"},
	} {
		o, err := withholding.ParseOrderSpec(tc.spec)
		switch {
		case tc.err != "":
			if err == nil || withholding.ErrorCode(err) != withholding.EINVALID || !strings.Contains(withholding.ErrorMessage(err), tc.err) {
				t.Errorf("ParseOrderSpec(%q): error %v, want EINVALID mentioning %q", tc.spec, err, tc.err)
			}
		case err != nil:
			t.Errorf("ParseOrderSpec(%q): %v", tc.spec, err)
		case o.Amounts != tc.want || o.CaseID == "" || strings.ContainsAny(string(o.CaseID), " :"):
			t.Errorf("ParseOrderSpec(%q) = %q %+v, want %+v", tc.spec, o.CaseID, o.Amounts, tc.want)
		}
	}
}

func TestParseAmountAndOtherFamily(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want withholding.Cents
		ok   bool
	}{{"1000", 100000, true}, {"$1,000.5", 100050, true}, {"0", 0, true}, {"-1", 0, false}, {"", 0, false}, {"a lot", 0, false}} {
		got, err := withholding.ParseAmount(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		in   string
		want withholding.OtherFamily
		ok   bool
	}{{"", withholding.OtherFamilyUnknown, true}, {"Unknown", withholding.OtherFamilyUnknown, true}, {"yes", withholding.OtherFamilyYes, true}, {" NO ", withholding.OtherFamilyNo, true}, {"maybe", withholding.OtherFamilyUnknown, false}} {
		got, err := withholding.ParseOtherFamily(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseOtherFamily(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// formOf returns a one-row CalcForm for a pay of freq with the amounts
// given as key, amount, frequency triples.
func formOf(freq, disposable, limit string, over12 bool, amounts ...string) withholding.CalcForm {
	var keys []withholding.OrderKey
	for i := 0; i < len(amounts); i += 3 {
		keys = append(keys, withholding.OrderKey(amounts[i]))
	}
	f := withholding.NewCalcForm(2, keys...)
	f.Frequency, f.Disposable, f.Cap = freq, disposable, limit
	f.Orders[0].Name, f.Orders[0].Over12 = "A", over12
	for i := 0; i < len(amounts); i += 3 {
		f.Orders[0].Amounts[i/3].Amount, f.Orders[0].Amounts[i/3].Per = amounts[i+1], amounts[i+2]
	}
	return f
}

func TestCalcFormRequest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		form     withholding.CalcForm
		spec     string // the same order as "iwo calc --order" writes it
		capCents withholding.Cents
		withheld withholding.Cents
		problem  string
	}{
		// A blank frequency is per pay: the form's $492/$108 biweekly
		// order is iwo calc's 492/biweekly, not 492/monthly ($276.93).
		{name: "OKPerPay", form: formOf("biweekly", "1200", "50", false, "current", "492", "", "arrears", "108", ""),
			spec: "A:current=492/biweekly,arrears=108/biweekly", capCents: 60000, withheld: 60000},
		{name: "OKMonthly", form: formOf("biweekly", "1200", "50", false, "current", "492", "monthly", "arrears", "108", "monthly"),
			spec: "A:current=492/monthly,arrears=108/monthly", capCents: 60000, withheld: 27693},
		// A blank limit is the CCPA rule; the arrears box raises it.
		{name: "OKCCPA", form: formOf("biweekly", "1000", "", false, "current", "600", ""), capCents: 50000, withheld: 50000},
		{name: "OKCCPAArrears", form: formOf("biweekly", "1000", "", true, "current", "600", ""), capCents: 55000, withheld: 55000},
		{name: "OKStatedArrears", form: formOf("biweekly", "1000", "50", true, "current", "600", ""), capCents: 50000, withheld: 50000},
		{name: "OKPremium", form: formOf("biweekly", "400", "50", false, "current", "400", "monthly", "arrears", "100", "monthly", "medical", "150", "monthly"),
			spec: "A:current=400/monthly,arrears=100/monthly,medical=150/monthly", capCents: 20000, withheld: 20000},
		{name: "ErrDisposable", form: formOf("biweekly", "a lot", "50", false, "current", "1", ""), problem: "Disposable earnings"},
		{name: "ErrFrequency", form: formOf("daily", "1", "50", false, "current", "1", ""), problem: "Pay frequency"},
		{name: "ErrLimit", form: formOf("weekly", "1", "150", false, "current", "1", ""), problem: "Limit"},
		{name: "ErrAmount", form: formOf("weekly", "1", "50", false, "medical", "-1", ""), problem: "A health-coverage premium"},
		{name: "ErrNoOrder", form: formOf("weekly", "1", "50", false, "current", "", ""), problem: "at least one order"},
	} {
		req, problems := tc.form.Request()
		if tc.problem != "" {
			if len(problems) == 0 || !strings.Contains(strings.Join(problems, "; "), tc.problem) {
				t.Errorf("%s: problems %q, want one naming %q", tc.name, problems, tc.problem)
			}
			continue
		}
		if len(problems) > 0 {
			t.Errorf("%s: problems %q", tc.name, problems)
			continue
		}
		res, err := withholding.Calculate(req.Input())
		if err != nil || res.Cap != tc.capCents || res.Withheld != tc.withheld {
			t.Errorf("%s: cap %s withheld %s (%v), want %s %s", tc.name, res.Cap, res.Withheld, err, tc.capCents, tc.withheld)
		}
		if tc.spec == "" {
			continue
		}
		o, err := withholding.ParseOrderSpec(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if o.Amounts != req.Orders[0].Amounts {
			t.Errorf("%s: form reads %+v, iwo calc's %q reads %+v", tc.name, req.Orders[0].Amounts, tc.spec, o.Amounts)
		}
	}
}
