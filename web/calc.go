package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/iwoproject/iwo/withholding"
)

const calcRows = 4

// calcKeys are the order amounts the calculator page asks for: the same
// keys, with the same meaning, as "iwo calc --order" (medical is the
// health-coverage premium, cash-medical the IWO's cash medical support).
var calcKeys = []withholding.OrderKey{withholding.KeyCurrent, withholding.KeyArrears, withholding.KeyMedical, withholding.KeyCashMedical}

// calc shows the calculator and, on POST, the result. The form is read by
// withholding.CalcForm into the withholding.CalcRequest that "iwo calc" and
// the employer mode build too, and worked out by withholding.Calculate.
//
// GET /calc?order=ID opens it prefilled from a stored order ("Calculate for
// this order"): the employer's pay frequency, each amount in the frequency
// the order states it in, the arrears-over-12-weeks flag; with
// &disposable=AMOUNT it is worked out at once.
func (s *Server) calc(w http.ResponseWriter, r *http.Request) error {
	keys := calcKeys
	form := withholding.NewCalcForm(calcRows, keys...)
	form.Frequency = string(withholding.Biweekly)
	form.Allocation = string(s.cfg.Calc.Allocation)
	form.WorkState = s.cfg.Calc.WorkState
	if s.cfg.Calc.CapPercent > 0 {
		form.Cap = strconv.FormatFloat(s.cfg.Calc.CapPercent, 'f', -1, 64)
	}
	data := map[string]any{"Form": &form, "Frequencies": withholding.Frequencies[:4], "AmountFrequencies": withholding.Frequencies, "Rules": withholding.MedicalRules}
	submitted := false
	switch {
	case r.Method == http.MethodPost:
		if err := r.ParseForm(); err != nil {
			return withholding.Errorf(withholding.EINVALID, "bad form")
		}
		form.Read(r.PostFormValue)
		submitted = true
	case r.URL.Query().Get("order") != "":
		id, err := strconv.ParseInt(r.URL.Query().Get("order"), 10, 64)
		if err != nil {
			return withholding.Errorf(withholding.ENOTFOUND, "no such order")
		}
		o, err := s.cfg.Orders.FindOrderByID(r.Context(), id)
		if err != nil {
			return err
		}
		if err := s.audit(r, withholding.AuditViewOrder, "order:"+strconv.FormatInt(o.ID, 10), "calculator, case "+string(o.CaseID)); err != nil {
			return err
		}
		keys = orderCalcKeys(o)
		form = withholding.NewCalcForm(calcRows, keys...)
		form.Allocation, form.Cap, form.WorkState = string(s.cfg.Calc.Allocation), "", s.cfg.Calc.WorkState
		if s.cfg.Calc.CapPercent > 0 {
			form.Cap = strconv.FormatFloat(s.cfg.Calc.CapPercent, 'f', -1, 64)
		}
		freq := s.payFrequency(r.Context(), o)
		form.Frequency = string(freq)
		prefill(&form.Orders[0], o, freq)
		data["Order"] = o
		if d := r.URL.Query().Get("disposable"); d != "" {
			form.Disposable = d
			submitted = true
		}
	}
	data["Keys"] = keys
	if submitted {
		form.CapSource = "entered in the console"
		req, problems := form.Request()
		req.Priorities = s.cfg.Calc.Priorities
		if form.Fee == "" {
			req.Fees = withholding.DefaultStateFees // the work state's fee, if the table has one
		}
		if len(problems) == 0 {
			res, err := withholding.Calculate(req.Input())
			if err != nil {
				problems = []string{withholding.ErrorMessage(err)}
			} else {
				data["Result"] = &res
			}
		}
		if len(problems) > 0 {
			w.WriteHeader(http.StatusBadRequest)
			data["Problems"] = problems
		}
	}
	return s.render(w, r, "calc", "Withholding calculator", data)
}

// orderCalcKeys returns the calculator's columns, followed by any other
// component o orders, so that no amount of the order is left out.
func orderCalcKeys(o *withholding.Order) []withholding.OrderKey {
	keys := slices.Clone(calcKeys)
	for _, k := range withholding.OrderKeys {
		if !slices.Contains(keys, k) && k.Obligation(&o.Amounts).Amount > 0 {
			keys = append(keys, k)
		}
	}
	return keys
}

// payFrequency is the frequency o's obligor is paid: the employer's pay
// frequency when the employer is known and states one, else the
// frequency of the order's current support, else biweekly.
func (s *Server) payFrequency(ctx context.Context, o *withholding.Order) withholding.Frequency {
	if e, err := s.cfg.Employers.FindEmployerByFEIN(ctx, o.EmployerFEIN); err == nil && e.PayFrequency.Valid() {
		return e.PayFrequency
	}
	if f := o.Amounts.CurrentSupport.Frequency; f.Valid() && f.PeriodsPerYear() >= 12 {
		return f
	}
	return withholding.Biweekly
}

// prefill writes o's amounts into row, each with the frequency the order
// states it in (dollars, as a person would type them), and the IWO's
// stated per-pay total for pays of freq, if it states one.
func prefill(row *withholding.CalcFormOrder, o *withholding.Order, freq withholding.Frequency) {
	row.Name, row.Over12 = string(o.CaseID), o.ArrearsOver12Weeks
	if c, _ := o.Stated.For(freq); c > 0 {
		row.Stated = c.String()
	}
	for i := range row.Amounts {
		a := &row.Amounts[i]
		ob := a.Key.Obligation(&o.Amounts)
		if ob == nil || ob.Amount == 0 {
			continue
		}
		a.Amount = ob.Amount.String()
		a.Per = string(ob.Frequency)
		if !ob.Frequency.Valid() {
			// An amount without a frequency cannot be restated; leave it
			// for the person at the form to see and choose.
			a.Per = ""
		}
	}
}
