package store_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// testOrderPerPay: an order's stated per-pay lines (items 13a–13d) and
// its percentage of disposable earnings survive the store, and zero
// (not stated) stays zero.
func testOrderPerPay(t *testing.T, db *store.DB) {
	o := sampleOrder("KS0017", "480123456")
	o.Stated = withholding.StatedPerPay{Weekly: 121_86, Monthly: 528_00}
	o.Percent = 2050
	mustOK(t, db.CreateOrder(ctx, o), "create")
	got, err := db.FindOrderByID(ctx, o.ID)
	mustOK(t, err, "find")
	if !reflect.DeepEqual(got, o) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, o)
	}
	if p := got.PerPay(withholding.Weekly); p.Total != 121_86 {
		t.Errorf("stored order withholds %s a week, want the stated 121.86", p.Total)
	}
	// The brief listing reconciliation reads carries the stated lines too:
	// its expected amount is Order.PerPay.
	brief, err := collectSeq(db.EachOrder(ctx, withholding.OrderFilter{ID: &o.ID, Brief: true}))
	mustOK(t, err, "brief")
	if len(brief) != 1 || brief[0].Stated != o.Stated || brief[0].PerPay(withholding.Weekly).Total != 121_86 {
		t.Errorf("brief listing: %+v; want the stated lines %+v", brief, o.Stated)
	}
}

// testImportOrdersPerPay: the optional per_pay_* columns (dollars) set the
// order's stated lines; blank ones stay unstated; a bad one is refused
// with its column named.
func testImportOrdersPerPay(t *testing.T, db *store.DB) {
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("480000101")), "employer")
	header := strings.TrimSuffix(ordersHeader, "\n") + ",per_pay_weekly,per_pay_biweekly,per_pay_semimonthly,per_pay_monthly\n"
	row := strings.Replace(strings.TrimSuffix(goodOrder, "\n"), "412.00", "528.00", 1)

	_, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(header+row+",-1.00,,,\n"), false)
	mustCode(t, err, withholding.EINVALID, "negative per_pay_weekly")
	var ie *store.ImportErrors
	if !errors.As(err, &ie) || len(ie.Errs) != 1 || ie.Errs[0].Column != "per_pay_weekly" {
		t.Errorf("negative per_pay_weekly: got %v, want one problem in per_pay_weekly", err)
	}

	_, err = db.ImportOrders(ctx, "o.csv", strings.NewReader(header+row+",121.86,,,528.00\n"), false)
	mustOK(t, err, "import")
	orders, _, err := db.FindOrders(ctx, withholding.OrderFilter{})
	mustOK(t, err, "find")
	want := withholding.StatedPerPay{Weekly: 121_86, Monthly: 528_00}
	if len(orders) != 1 || orders[0].Stated != want {
		t.Fatalf("imported %d orders, stated %+v; want one stating %+v", len(orders), orders, want)
	}
	if p := orders[0].PerPay(withholding.Weekly); p.Total != 121_86 {
		t.Errorf("imported order withholds %s a week, want the stated 121.86", p.Total)
	}
	// A changed stated line is a change of terms: the order needs an AMD.
	res, err := db.ImportOrders(ctx, "o.csv", strings.NewReader(header+row+",121.85,,,528.00\n"), false)
	mustOK(t, err, "re-import")
	if res.Amended != 1 {
		t.Errorf("re-import with another weekly line: %+v, want 1 amended", res)
	}
}
