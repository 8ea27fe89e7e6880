package web

import (
	"net/http"
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
func (s *Server) calc(w http.ResponseWriter, r *http.Request) error {
	form := withholding.NewCalcForm(calcRows, calcKeys...)
	form.Frequency = string(withholding.Biweekly)
	form.Allocation = string(s.cfg.Calc.Allocation)
	form.WorkState = s.cfg.Calc.WorkState
	if s.cfg.Calc.CapPercent > 0 {
		form.Cap = strconv.FormatFloat(s.cfg.Calc.CapPercent, 'f', -1, 64)
	}
	data := map[string]any{"Form": &form, "Keys": calcKeys, "Frequencies": []string{"weekly", "biweekly", "semimonthly", "monthly"}, "Rules": withholding.MedicalRules}
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			return withholding.Errorf(withholding.EINVALID, "bad form")
		}
		form.Read(r.PostFormValue)
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
