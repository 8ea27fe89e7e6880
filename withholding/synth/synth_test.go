package synth_test

import (
	"reflect"
	"testing"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

func TestSameSeedSameAgency(t *testing.T) {
	a, b := synth.New(42), synth.New(42)
	ea, eb := a.Employers(20), b.Employers(20)
	if !reflect.DeepEqual(ea, eb) {
		t.Fatal("employers differ for the same seed")
	}
	if !reflect.DeepEqual(a.Orders(ea, 200), b.Orders(eb, 200)) {
		t.Fatal("orders differ for the same seed")
	}
	if reflect.DeepEqual(synth.New(1).Employers(5), synth.New(2).Employers(5)) {
		t.Fatal("different seeds gave the same employers")
	}
}

func TestOrdersAreUsable(t *testing.T) {
	g := synth.New(7)
	emps := g.Employers(50)
	feins := map[withholding.FEIN]bool{}
	for _, e := range emps {
		if !e.FEIN.Valid() || feins[e.FEIN] {
			t.Errorf("employer %q: bad or repeated FEIN %q", e.Name, e.FEIN)
		}
		feins[e.FEIN] = true
		if !e.PayFrequency.Valid() || e.PayAnchor.IsZero() {
			t.Errorf("employer %q: no pay schedule", e.Name)
		}
	}
	orders := g.Orders(emps, 2000)
	cases := map[withholding.CaseID]bool{}
	for _, o := range orders {
		if cases[o.CaseID] {
			t.Errorf("case %s repeated", o.CaseID)
		}
		cases[o.CaseID] = true
		if !o.Obligor.SSN.Valid() || o.Obligor.SSN[0] != '9' {
			t.Errorf("case %s: obligor SSN not in the 9xx range", o.CaseID)
		}
		// Every order must pass `iwo import orders` as made (the state-scale
		// bench imports them): an SSN of the form the SSA assigns, and a
		// tribunal name within the e-IWO's 35 characters.
		if err := o.Obligor.SSN.Assignable(); err != nil {
			t.Errorf("case %s: obligor SSN the import refuses: %v", o.CaseID, withholding.ErrorCode(err))
		}
		if len(o.IssuingTribunal) > 35 {
			t.Errorf("case %s: tribunal %q longer than 35", o.CaseID, o.IssuingTribunal)
		}
		if len(o.CaseID) > 15 || len(o.Children) == 0 || len(o.Children) > 6 {
			t.Errorf("case %s: case ID length %d, %d children", o.CaseID, len(o.CaseID), len(o.Children))
		}
		if o.Amounts.CurrentSupport.Amount <= 0 || !o.Amounts.CurrentSupport.Frequency.Valid() {
			t.Errorf("case %s: no current support", o.CaseID)
		}
		if !feins[o.EmployerFEIN] {
			t.Errorf("case %s: employer %s unknown", o.CaseID, o.EmployerFEIN)
		}
		if o.PendingAction != withholding.ActionOriginal || o.Status != withholding.StatusPending {
			t.Errorf("case %s: want a pending ORG", o.CaseID)
		}
	}
}
