package withholding_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// stored is an order as the store holds it after an IWO went out.
func stored() *withholding.Order {
	return &withholding.Order{
		ID: 7, CaseID: "CS1", OrderID: "O1", RemittanceID: "CS1", EmployerFEIN: "123456789",
		Obligor:      withholding.Person{Last: "DOE", First: "JOHN", SSN: "123456789"},
		Obligee:      withholding.Person{Last: "DOE", First: "JANE"},
		Children:     []withholding.Person{{Last: "DOE", First: "JIM"}},
		IssuingState: "CALIFORNIA", PayeeFIPS: "0600000",
		Amounts:   withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 40000, Frequency: withholding.Monthly}},
		StartDate: withholding.NewDate(2026, time.January, 1),
		Status:    withholding.StatusAccepted, TrackingID: "T1", RejectReason: "",
	}
}

// fromFile is what the agency's file says of the stored order: its terms,
// none of the exchange's state.
func fromFile(o *withholding.Order) *withholding.Order {
	n := *o
	n.Children = slices.Clone(o.Children)
	n.ID, n.Status, n.PendingAction, n.TrackingID, n.RejectReason = 0, withholding.StatusPending, "", "", ""
	return &n
}

func TestImportChange(t *testing.T) {
	end := withholding.NewDate(2026, time.June, 30)
	pending := func(o *withholding.Order) *withholding.Order {
		o.Status, o.PendingAction, o.TrackingID = withholding.StatusPending, withholding.ActionOriginal, ""
		return o
	}
	for _, tc := range []struct {
		name     string
		existing *withholding.Order
		edit     func(*withholding.Order) // on the file's order
		action   withholding.Action
		changed  bool
		status   withholding.OrderStatus // stored afterwards
		pending  withholding.Action
	}{
		{"New", nil, nil, withholding.ActionOriginal, true, withholding.StatusPending, withholding.ActionOriginal},
		{"Unchanged", stored(), nil, "", false, "", ""},
		{"UnchangedNoChildren", func() *withholding.Order { o := stored(); o.Children = nil; return o }(),
			func(o *withholding.Order) { o.Children = []withholding.Person{} }, "", false, "", ""},
		{"Amended", stored(), func(o *withholding.Order) { o.Amounts.CurrentSupport.Amount = 45000 },
			withholding.ActionAmend, true, withholding.StatusAccepted, withholding.ActionAmend},
		{"AmendedChild", stored(), func(o *withholding.Order) { o.Children[0].First = "JAMES" },
			withholding.ActionAmend, true, withholding.StatusAccepted, withholding.ActionAmend},
		{"AmendedNeverSentKeepsORG", pending(stored()), func(o *withholding.Order) { o.PayeeFIPS = "0600001" },
			withholding.ActionAmend, true, withholding.StatusPending, withholding.ActionOriginal},
		{"Terminated", stored(), func(o *withholding.Order) { o.EndDate = end },
			withholding.ActionTerminate, true, withholding.StatusAccepted, withholding.ActionTerminate},
		{"TerminatedNeverSent", pending(stored()), func(o *withholding.Order) { o.EndDate = end },
			withholding.ActionTerminate, true, withholding.StatusTerminated, ""},
		{"EndDateMoved", func() *withholding.Order { o := stored(); o.EndDate = end; return o }(),
			func(o *withholding.Order) { o.EndDate = end.AddDays(31) },
			withholding.ActionTerminate, true, withholding.StatusAccepted, withholding.ActionTerminate},
		{"EndDateKeptOtherChange", func() *withholding.Order { o := stored(); o.EndDate = end; return o }(),
			func(o *withholding.Order) { o.IssuingTribunal = "SUPERIOR COURT" },
			withholding.ActionAmend, true, withholding.StatusAccepted, withholding.ActionAmend},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := fromFile(stored())
			if tc.existing != nil {
				in = fromFile(tc.existing)
			}
			if tc.edit != nil {
				tc.edit(in)
			}
			action, changed := withholding.ImportChange(tc.existing, in)
			if action != tc.action || changed != tc.changed {
				t.Fatalf("ImportChange = %q, %v; want %q, %v", action, changed, tc.action, tc.changed)
			}
			if !changed {
				return
			}
			withholding.ApplyImportChange(tc.existing, in, action)
			if in.Status != tc.status || in.PendingAction != tc.pending {
				t.Errorf("stored as %s needing %q; want %s needing %q", in.Status, in.PendingAction, tc.status, tc.pending)
			}
			if tc.existing != nil && (in.ID != tc.existing.ID || in.TrackingID != tc.existing.TrackingID) {
				t.Errorf("ID %d, tracking %q; want the stored %d, %q", in.ID, in.TrackingID, tc.existing.ID, tc.existing.TrackingID)
			}
		})
	}
}

// TestImportChangeComparesEveryField keeps ImportChange's field-by-field
// comparison whole: a new Order field must be named here as part of the
// terms (and compared in sameTerms) or as state the exchange owns.
func TestImportChangeComparesEveryField(t *testing.T) {
	known := map[string]bool{
		// Terms: what the agency's file says.
		"CaseID": true, "OrderID": true, "RemittanceID": true, "EmployerFEIN": true,
		"Obligor": true, "Obligee": true, "Children": true,
		"IssuingState": true, "IssuingJurisdiction": true, "IssuingTribunal": true, "PayeeFIPS": true,
		"Amounts": true, "Stated": true, "Percent": true, "ArrearsOver12Weeks": true, "LumpSum": true, "StartDate": true, "EndDate": true,
		// State the exchange owns.
		"ID": true, "Status": true, "PendingAction": true, "TrackingID": true, "RejectReason": true,
	}
	typ := reflect.TypeFor[withholding.Order]()
	for i := range typ.NumField() {
		if f := typ.Field(i).Name; !known[f] {
			t.Errorf("Order.%s: is it a term ImportChange compares or state the exchange owns?", f)
		}
	}

	// Every term, changed alone, is a change.
	base := stored()
	for _, f := range []string{"CaseID", "OrderID", "RemittanceID", "EmployerFEIN", "IssuingState",
		"IssuingJurisdiction", "IssuingTribunal", "PayeeFIPS"} {
		in := fromFile(base)
		reflect.ValueOf(in).Elem().FieldByName(f).SetString("CHANGED")
		if _, changed := withholding.ImportChange(base, in); !changed {
			t.Errorf("%s changed: ImportChange says unchanged", f)
		}
	}
	for name, edit := range map[string]func(*withholding.Order){
		"Obligor":            func(o *withholding.Order) { o.Obligor.Middle = "Q" },
		"Obligee":            func(o *withholding.Order) { o.Obligee.First = "JOAN" },
		"Children":           func(o *withholding.Order) { o.Children = nil },
		"Amounts":            func(o *withholding.Order) { o.Amounts.OtherReason = "FEES" },
		"Stated":             func(o *withholding.Order) { o.Stated.Weekly = 12186 },
		"Percent":            func(o *withholding.Order) { o.Percent = 2000 },
		"ArrearsOver12Weeks": func(o *withholding.Order) { o.ArrearsOver12Weeks = true },
		"LumpSum":            func(o *withholding.Order) { o.LumpSum = 1 },
		"StartDate":          func(o *withholding.Order) { o.StartDate = o.StartDate.AddDays(1) },
		"EndDate":            func(o *withholding.Order) { o.EndDate = o.StartDate.AddDays(100) },
	} {
		in := fromFile(base)
		edit(in)
		if _, changed := withholding.ImportChange(base, in); !changed {
			t.Errorf("%s changed: ImportChange says unchanged", name)
		}
	}
}
