package jobs_test

import (
	"context"
	"iter"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/withholding"
)

// The employers of statementNight besides ACME (900000001, whose payment
// arrives tonight and whose own partner takes its statement).
const (
	quietFEIN     = withholding.FEIN("900000002") // orders, nothing tonight
	newIWOFEIN    = withholding.FEIN("900000003") // an IWO sent to it tonight
	noOrdersFEIN  = withholding.FEIN("900000004") // no orders, a payment tonight
	oldExFEIN     = withholding.FEIN("900000005") // an exception opened on the window's first day
	freshExFEIN   = withholding.FEIN("900000006") // an exception opened tonight
	statementDate = "2026-11-23"
)

// findOrdersCalls records the filters the report job reads orders with.
type findOrdersCalls struct {
	withholding.OrderService
	filters []withholding.OrderFilter
}

func (r *findOrdersCalls) FindOrders(ctx context.Context, f withholding.OrderFilter) ([]*withholding.Order, int, error) {
	r.filters = append(r.filters, f)
	return r.OrderService.FindOrders(ctx, f)
}

func (r *findOrdersCalls) EachOrder(ctx context.Context, f withholding.OrderFilter) iter.Seq2[*withholding.Order, error] {
	r.filters = append(r.filters, f)
	return r.OrderService.EachOrder(ctx, f)
}

// statementNight makes the second night of newBooks' agency (2026-11-23,
// the window opened when the 2026-11-20 night was reconciled) with one
// employer of each kind above, reconciles it, and runs the report with
// rule. It returns the run, the FEINs that got a statement and the
// filters the report read orders with.
func statementNight(t *testing.T, rule jobs.StatementRule) (*books, *withholding.JobRun, []withholding.FEIN, []withholding.OrderFilter) {
	t.Helper()
	return statementNightWith(t, rule, withholding.RunSucceeded, func(*jobs.Report) {})
}

// statementNightWith is statementNight with the report job set up by set
// and its run expected to end want.
func statementNightWith(t *testing.T, rule jobs.StatementRule, want withholding.RunStatus, set func(*jobs.Report)) (*books, *withholding.JobRun, []withholding.FEIN, []withholding.OrderFilter) {
	t.Helper()
	ctx := context.Background()
	b := newBooks(t)
	b.apply("day1.ach", pay(t, "2026-11-13", "2026-11-20"))
	b.run(jobs.JobReconcile, withholding.RunSucceeded)
	b.run(jobs.JobReport, withholding.RunSucceeded)

	orders := map[withholding.FEIN]*withholding.Order{}
	for i, fein := range []withholding.FEIN{quietFEIN, newIWOFEIN, noOrdersFEIN, oldExFEIN, freshExFEIN} {
		if err := b.db.UpsertEmployer(ctx, &withholding.Employer{FEIN: fein, Name: "EMPLOYER " + string(fein), PayFrequency: withholding.Biweekly}); err != nil {
			t.Fatal(err)
		}
		if fein == noOrdersFEIN {
			continue
		}
		n := string(rune('2' + i))
		o := &withholding.Order{CaseID: withholding.CaseID("CASE" + n), OrderID: withholding.OrderID("ORD" + n), RemittanceID: withholding.RemittanceID("R" + n),
			EmployerFEIN: fein, Obligor: withholding.Person{Last: "DOE", First: "JANE", SSN: withholding.SSN("90011222" + n)},
			Amounts:   withholding.Amounts{CurrentSupport: withholding.Obligation{Amount: 10000, Frequency: withholding.Biweekly}},
			StartDate: day(t, "2026-10-01"), Status: withholding.StatusAccepted}
		if err := b.db.CreateOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
		orders[fein] = o
	}

	b.clk.Set(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	stray := pay(t, "2026-11-13", "2026-11-23")
	stray.FEIN, stray.CompanyID, stray.RemittanceID, stray.SSN = noOrdersFEIN, "1"+string(noOrdersFEIN), "RX", "900998888"
	b.apply("day2.ach", pay(t, "2026-11-27", "2026-11-23"), stray)
	iwo := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "IWO3", State: withholding.FileParsed,
		SHA256: strings.Repeat("3", 64), Size: 1}
	if err := b.db.CreateFile(ctx, iwo); err != nil {
		t.Fatal(err)
	}
	o := orders[newIWOFEIN]
	if err := b.db.RecordSent(ctx, iwo.ID, slices.Values([]*withholding.Document{{TrackingID: "300000000000000000000000000003", OrderRef: o.ID, CaseID: o.CaseID,
		FEIN: newIWOFEIN, Action: withholding.ActionAmend, SentAt: time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)}})); err != nil {
		t.Fatal(err)
	}
	var exs []*withholding.Exception
	for fein, opened := range map[withholding.FEIN]string{oldExFEIN: "2026-11-20", freshExFEIN: "2026-11-23"} {
		exs = append(exs, &withholding.Exception{Type: withholding.ExEmployerNotice, Severity: withholding.SeverityLow, Status: withholding.ExceptionOpen,
			Key: "employer_notice|T|" + string(fein), CaseID: orders[fein].CaseID, OrderRef: orders[fein].ID, FEIN: fein,
			Message: "The employer reports the employee left.", OpenedOn: day(t, opened)})
	}
	if _, err := b.db.UpsertExceptions(ctx, exs); err != nil {
		t.Fatal(err)
	}
	b.run(jobs.JobReconcile, withholding.RunSucceeded)

	rec := &findOrdersCalls{OrderService: b.rec.Orders}
	b.rec.Orders = rec
	b.rep.Statements = rule
	set(b.rep)
	run := b.run(jobs.JobReport, want)
	b.rec.Orders = rec.OrderService

	var got []withholding.FEIN
	es, err := os.ReadDir(filepath.Join(b.x.Dir, "reports", statementDate))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if fein, ok := strings.CutPrefix(e.Name(), "statement-"); ok {
			got = append(got, withholding.FEIN(strings.TrimSuffix(fein, "-"+statementDate+".xlsx")))
		}
	}
	return b, run, got, rec.filters
}

// TestReportStatementRules runs statementNight under each rule twice:
// the statements reading each batch's orders through the employer index,
// and reading one listing of every order by employer (fix 28). Both write
// the same statements, cell for cell.
func TestReportStatementRules(t *testing.T) {
	for _, tc := range []struct {
		rule    jobs.StatementRule
		want    []withholding.FEIN
		skipped int64
	}{
		// ACME and the stray payer paid tonight, an IWO went to one, an
		// exception was opened tonight about another; the quiet employer
		// and the one whose exception the previous night's statements
		// showed get none.
		{"", []withholding.FEIN{acmeFEIN, newIWOFEIN, noOrdersFEIN, freshExFEIN}, 2},
		{jobs.StatementsActivity, []withholding.FEIN{acmeFEIN, newIWOFEIN, noOrdersFEIN, freshExFEIN}, 2},
		// Every employer with orders, as before the rule.
		{jobs.StatementsAll, []withholding.FEIN{acmeFEIN, quietFEIN, newIWOFEIN, oldExFEIN, freshExFEIN}, 1},
		{jobs.StatementsNone, nil, 6},
	} {
		t.Run(cmpOr(string(tc.rule), "default"), func(t *testing.T) {
			written := map[bool]map[withholding.FEIN]map[string][][]string{}
			for _, listing := range []bool{false, true} {
				restore := jobs.SetStreamShare(map[bool]int{false: 0, true: 1 << 20}[listing])
				b, run, got, filters := statementNight(t, tc.rule)
				restore()
				if !slices.Equal(got, tc.want) {
					t.Errorf("listing %v: statements written for %v, want %v", listing, got, tc.want)
				}
				if run.Counts["statements"] != int64(len(tc.want)) || run.Counts["statements_skipped"] != tc.skipped {
					t.Errorf("listing %v: counts %v, want %d statements and %d skipped", listing, run.Counts, len(tc.want), tc.skipped)
				}
				written[listing] = statementCells(t, b, got)
				if listing {
					// One listing of every order by employer, when any
					// statement is written.
					want := []withholding.OrderFilter{{Brief: true, ByEmployer: true}}
					if len(tc.want) == 0 {
						want = nil
					}
					if !reflect.DeepEqual(filters, want) {
						t.Errorf("orders read with %+v, want %+v", filters, want)
					}
					continue
				}
				// Through the index: the orders read are those of the
				// employers written for, never every order.
				var asked []withholding.FEIN
				for _, f := range filters {
					if len(f.EmployerFEINs) == 0 || f.Limit != 0 || f.Offset != 0 {
						t.Errorf("orders read with %+v, want by employers", f)
					}
					asked = append(asked, f.EmployerFEINs...)
				}
				slices.Sort(asked)
				want := slices.Clone(tc.want)
				if tc.rule == jobs.StatementsAll {
					want = append(want, noOrdersFEIN) // asked, found to have none
					slices.Sort(want)
				}
				if !slices.Equal(asked, want) {
					t.Errorf("orders read for employers %v, want %v", asked, want)
				}
			}
			if !reflect.DeepEqual(written[true], written[false]) {
				t.Errorf("the statements from one listing differ from those read through the index:\n%v\n%v", written[true], written[false])
			}
		})
	}
}

// statementCells reads the cells of every sheet of the statements of
// feins written on b's statementNight, by FEIN and sheet.
func statementCells(t *testing.T, b *books, feins []withholding.FEIN) map[withholding.FEIN]map[string][][]string {
	t.Helper()
	out := map[withholding.FEIN]map[string][][]string{}
	for _, fein := range feins {
		wb := MustWorkbook(t, filepath.Join(b.x.Dir, "reports", statementDate, "statement-"+string(fein)+"-"+statementDate+".xlsx"))
		out[fein] = map[string][][]string{}
		for _, sheet := range wb.GetSheetList() {
			out[fein][sheet] = rawRows(t, wb, sheet)
		}
	}
	return out
}

// TestReportLedgerOnlyWhatWasPushed checks that the ledger records the
// files handed to partners (the workbook and CSV to operations, ACME's
// statement to ACME) and no statement kept locally, and that the run
// record counts kinds, not employers.
func TestReportLedgerOnlyWhatWasPushed(t *testing.T) {
	b, run, got, _ := statementNight(t, jobs.StatementsActivity)
	if len(got) != 4 {
		t.Fatalf("statements %v, want 4", got)
	}
	checkPushedTonight(t, b)
	if run.Files != 3 || run.Counts["written"] != 6 || run.Counts["kept_local"] != 3 ||
		run.Counts["delivered"] != 3 || run.Counts["not_delivered"] != 0 {
		t.Errorf("files %d counts %v, want 6 written, 3 delivered, 3 statements kept locally", run.Files, run.Counts)
	}
	kinds := []string{"received", "posted", "held", "returns", "exceptions", "statements", "statements_skipped",
		"written", "kept_local", "delivered", "not_delivered"}
	for k := range run.Counts {
		if !slices.Contains(kinds, strings.TrimSuffix(k, "_cents")) {
			t.Errorf("run count %q is not one of the report's kinds %v", k, kinds)
		}
	}
}

// checkPushedTonight checks that statementNight's report recorded in the
// ledger, delivered, the files handed to partners and nothing else: the
// workbook and CSV to operations and ACME's statement to ACME.
func checkPushedTonight(t *testing.T, b *books) {
	t.Helper()
	var tonight []string
	for _, f := range b.outbound(withholding.KindReportFile) {
		if strings.Contains(f.RemoteName, statementDate) {
			tonight = append(tonight, f.Partner+"/"+f.RemoteName+"/"+string(f.State))
		}
	}
	slices.Sort(tonight)
	want := []string{
		"acme/statement-900000001-" + statementDate + ".xlsx/archived",
		"ops/exceptions-" + statementDate + ".csv/archived",
		"ops/operations-" + statementDate + ".xlsx/archived",
	}
	if !slices.Equal(tonight, want) {
		t.Errorf("tonight's report ledger entries:\n%v\nwant\n%v", tonight, want)
	}
}

func TestStatementRuleValid(t *testing.T) {
	for _, r := range jobs.StatementRules {
		if !r.Valid() {
			t.Errorf("%q not valid", r)
		}
	}
	for _, r := range []jobs.StatementRule{"", "Activity", "monthly"} {
		if r.Valid() {
			t.Errorf("%q valid, want not", r)
		}
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
