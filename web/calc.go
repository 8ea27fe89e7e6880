package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// calcForm is the calculator form as typed.
type calcForm struct {
	Frequency  string
	Disposable string
	Cap        string
	Allocation string
	Fee        string
	Orders     []calcFormOrder
}

type calcFormOrder struct {
	Name, Current, CurrentFreq, Arrears, ArrearsFreq, Medical, MedicalFreq string
	Over12                                                                 bool
}

const calcRows = 4

// calc shows the calculator and, on POST, the result: the same
// withholding.Calculate that "iwo calc" and the employer mode use.
func (s *Server) calc(w http.ResponseWriter, r *http.Request) error {
	form := calcForm{
		Frequency:  string(withholding.Biweekly),
		Cap:        strconv.FormatFloat(s.cfg.Calc.CapPercent, 'f', -1, 64),
		Allocation: string(s.cfg.Calc.Allocation),
	}
	for i := 0; i < calcRows; i++ {
		form.Orders = append(form.Orders, calcFormOrder{CurrentFreq: "monthly", ArrearsFreq: "monthly", MedicalFreq: "monthly"})
	}
	data := map[string]any{"Form": &form, "Frequencies": []string{"weekly", "biweekly", "semimonthly", "monthly"}}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return withholding.Errorf(withholding.EINVALID, "bad form")
		}
		form.Frequency = r.PostFormValue("frequency")
		form.Disposable = r.PostFormValue("disposable")
		form.Cap = r.PostFormValue("cap")
		form.Allocation = r.PostFormValue("allocation")
		form.Fee = r.PostFormValue("fee")
		for i := range form.Orders {
			p := func(k string) string { return strings.TrimSpace(r.PostFormValue(fmt.Sprintf("o%d_%s", i, k))) }
			form.Orders[i] = calcFormOrder{
				Name: p("name"), Current: p("current"), CurrentFreq: p("current_freq"),
				Arrears: p("arrears"), ArrearsFreq: p("arrears_freq"),
				Medical: p("medical"), MedicalFreq: p("medical_freq"), Over12: p("over12") != "",
			}
		}
		res, problems := calculate(form)
		if len(problems) > 0 {
			w.WriteHeader(http.StatusBadRequest)
			data["Problems"] = problems
		} else {
			data["Result"] = res
		}
	}
	return s.render(w, r, "calc", "Withholding calculator", data)
}

// calculate turns the form into a CalcInput. Problems are messages for the
// agent, one per bad field.
func calculate(f calcForm) (*withholding.CalcResult, []string) {
	var problems []string
	freq, err := withholding.ParseFrequency(f.Frequency)
	if err != nil {
		problems = append(problems, "Pay frequency: "+withholding.ErrorMessage(err))
	}
	de, err := withholding.ParseDollars(f.Disposable)
	if err != nil || de < 0 {
		problems = append(problems, "Disposable earnings: enter dollars and cents, e.g. 1000.00")
	}
	pct, err := withholding.ParsePercent(f.Cap)
	if err != nil {
		problems = append(problems, "Limit: "+withholding.ErrorMessage(err))
	}
	var fee withholding.Cents
	if strings.TrimSpace(f.Fee) != "" {
		if fee, err = withholding.ParseDollars(f.Fee); err != nil || fee < 0 {
			problems = append(problems, "Fee: enter dollars and cents")
		}
	}
	in := withholding.CalcInput{
		Frequency: freq, Disposable: de, Fee: fee,
		Limit:      withholding.Limit{IWOPercent: pct, IWOStated: true, IWOSource: "entered in the console"},
		Allocation: withholding.Allocation(f.Allocation),
	}
	for i, o := range f.Orders {
		if o.Current == "" && o.Arrears == "" && o.Medical == "" {
			continue
		}
		name := o.Name
		if name == "" {
			name = fmt.Sprintf("Order %d", i+1)
		}
		var order withholding.Order
		order.CaseID = withholding.CaseID(name)
		order.ArrearsOver12Weeks = o.Over12
		set := func(label, amt, fq string, dst *withholding.Obligation) {
			if amt == "" {
				return
			}
			a, err := withholding.ParseDollars(amt)
			if err != nil || a < 0 {
				problems = append(problems, fmt.Sprintf("%s %s: enter dollars and cents", name, label))
				return
			}
			fr, err := withholding.ParseFrequency(fq)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s %s: %s", name, label, withholding.ErrorMessage(err)))
				return
			}
			*dst = withholding.Obligation{Amount: a, Frequency: fr}
		}
		set("current support", o.Current, o.CurrentFreq, &order.Amounts.CurrentSupport)
		set("arrears", o.Arrears, o.ArrearsFreq, &order.Amounts.PastDueSupport)
		set("medical", o.Medical, o.MedicalFreq, &order.Amounts.CurrentMedical)
		if len(problems) == 0 {
			in.Orders = append(in.Orders, withholding.CalcOrderOf(order, freq))
		}
	}
	if len(in.Orders) == 0 && len(problems) == 0 {
		problems = append(problems, "Enter at least one order.")
	}
	if len(problems) > 0 {
		return nil, problems
	}
	res, err := withholding.Calculate(in)
	if err != nil {
		return nil, []string{withholding.ErrorMessage(err)}
	}
	return &res, nil
}
