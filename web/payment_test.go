package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// books is a night's reconciliation of one ACH file as the store records
// it: payments for order o (and one for other), each with its posting or
// none.
type books struct {
	o, other                                        withholding.Order
	fileID                                          int64
	mistyped, claims, held, pending, elsewhere, own *withholding.Payment
	dup                                             *withholding.Exception
}

func mustBooks(t *testing.T, f *fixture) *books {
	t.Helper()
	ctx := context.Background()
	b := &books{o: f.orders[0], other: f.orders[1]}
	o, eff := b.o, withholding.NewDate(2026, 11, 20)
	// Posted to o by SSN: the employer typed R7 in DED02.
	b.mistyped = orderPayment(o, "091000010000011", eff, 20000)
	b.mistyped.RemittanceID = "R7"
	// Carries o's remittance ID, claims $250.00 of the $150.00 credited:
	// held as unreadable before any order was matched.
	b.claims = orderPayment(o, "091000010000012", eff, 15000)
	b.claims.Amount = 25000
	b.claims.Problems = []string{"DED04 amount $250.00 is not the entry amount $150.00"}
	// Held against o as a duplicate.
	b.held = orderPayment(o, "091000010000013", eff, 10000)
	// Carries o's remittance ID; the reconcile job has not seen it yet.
	b.pending = orderPayment(o, "091000010000014", eff, 5000)
	// Carries o's remittance ID, posted to the other order by name.
	b.elsewhere = orderPayment(o, "091000010000015", eff, 7000)
	b.own = orderPayment(o, "091000010000016", eff, 20000)
	b.own.ApplicationID = "II" // another state's collection: posts like CS
	MustPayments(t, f.db, b.mistyped, b.claims, b.held, b.pending, b.elsewhere, b.own)
	pays, _, err := f.db.FindPayments(ctx, withholding.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byTrace := map[withholding.TraceNumber]int64{}
	for _, p := range pays {
		byTrace[p.Trace], b.fileID = p.ID, p.FileID
	}
	for _, p := range []*withholding.Payment{b.mistyped, b.claims, b.held, b.pending, b.elsewhere, b.own} {
		p.ID = byTrace[p.Trace]
	}
	corrected := &withholding.Exception{Type: withholding.ExCaseIDCorrected, Severity: withholding.SeverityLow, Status: withholding.ExceptionOpen,
		Key: "case_id_corrected|" + string(o.EmployerFEIN) + "|R7|" + string(o.CaseID), CaseID: o.CaseID, OrderRef: o.ID, FEIN: o.EmployerFEIN,
		PaymentIDs: []int64{b.mistyped.ID}, Message: "Posted by SSN", OpenedOn: eff}
	bad := &withholding.Exception{Type: withholding.ExBadPayment, Severity: withholding.SeverityHigh, Status: withholding.ExceptionOpen,
		Key: "unparseable_payment|claims", CaseID: withholding.CaseID(o.RemittanceID), FEIN: o.EmployerFEIN,
		PaymentIDs: []int64{b.claims.ID}, Message: "Could not be read", OpenedOn: eff}
	b.dup = &withholding.Exception{Type: withholding.ExDuplicatePayment, Severity: withholding.SeverityMedium, Status: withholding.ExceptionOpen,
		Key: "duplicate_payment|held", CaseID: o.CaseID, OrderRef: o.ID, FEIN: o.EmployerFEIN,
		PaymentIDs: []int64{b.held.ID}, Message: "Second copy", OpenedOn: eff}
	night := &withholding.Night{Date: eff, WindowStart: time.Date(2026, 11, 19, 8, 0, 0, 0, time.UTC), WindowEnd: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)}
	posted := func(p *withholding.Payment, to withholding.Order) *withholding.Posting {
		by := "case"
		if p == b.mistyped {
			by = "ssn" // the employer typed R7: found by the SSN
		}
		return &withholding.Posting{PaymentID: p.ID, Status: withholding.PostingPosted, OrderRef: to.ID, CaseID: to.CaseID, RunDate: eff, MatchedBy: by}
	}
	postings := []*withholding.Posting{
		posted(b.mistyped, o), posted(b.elsewhere, b.other), posted(b.own, o),
		{PaymentID: b.claims.ID, Status: withholding.PostingHeld, Reason: bad.Type, ExceptionKey: bad.Key, RunDate: eff},
		{PaymentID: b.held.ID, Status: withholding.PostingHeld, OrderRef: o.ID, CaseID: o.CaseID, Reason: b.dup.Type, ExceptionKey: b.dup.Key, RunDate: eff},
	}
	if _, _, err := f.db.RecordReconciliation(ctx, night, withholding.ExceptionSeq(corrected, bad, b.dup), slices.Values(postings)); err != nil {
		t.Fatal(err)
	}
	exs, _, err := f.db.FindExceptions(ctx, withholding.ExceptionFilter{Type: &b.dup.Type})
	if err != nil || len(exs) != 1 {
		t.Fatalf("duplicate exception: %v, %v", exs, err)
	}
	b.dup = exs[0]
	return b
}

// paymentRows returns the rows of the page's payments table by trace
// number.
func paymentRows(t *testing.T, path, body string) map[withholding.TraceNumber]string {
	t.Helper()
	i := strings.Index(body, `<table id="payments">`)
	if i < 0 {
		t.Fatalf("GET %s: no payments table", path)
	}
	j := strings.Index(body[i:], "</table>")
	rows := map[withholding.TraceNumber]string{}
	for _, r := range strings.Split(body[i:i+j], "</tr>")[1:] {
		if k := strings.Index(r, "<td>0910000"); k >= 0 {
			rows[withholding.TraceNumber(r[k+4:k+19])] = r
		}
	}
	return rows
}

func wantIn(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

func TestOrderPageShowsPostings(t *testing.T) {
	f := mustFixture(t)
	b := mustBooks(t, f)
	c := f.client(t, "hl", "hl-pass")
	path := "/orders/" + itoa(b.o.ID)
	code, body := get(t, c, f.srv.URL+path)
	if code != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, code)
	}
	rows := paymentRows(t, path, body)
	if len(rows) != 6 {
		t.Errorf("GET %s: %d payments listed, want all 6: %q", path, len(rows), rows)
	}
	t.Run("PostedBySSN", func(t *testing.T) {
		// Listed though it does not carry the order's remittance ID.
		wantIn(t, "mistyped payment's row", rows[b.mistyped.Trace],
			`<span class="badge posted">Posted</span>`, "$200.00", `<span class="muted matched">(matched by SSN)</span>`,
			`sent &#34;R7&#34;; this order&#39;s remittance ID is `+string(b.o.RemittanceID))
		if strings.Contains(rows[b.own.Trace], `class="muted matched"`) {
			t.Errorf("a payment matched by its case identifier is labelled with a fallback: %s", rows[b.own.Trace])
		}
		if strings.Contains(rows[b.mistyped.Trace], "Carries") {
			t.Errorf("payment on this order's books is labelled as carried: %s", rows[b.mistyped.Trace])
		}
	})
	t.Run("Held", func(t *testing.T) {
		wantIn(t, "held payment's row", rows[b.held.Trace], `<span class="badge held">Held</span>`,
			`<a href="/exceptions?status=open&amp;type=duplicate_payment#exception-`+itoa(b.dup.ID)+`">Duplicate payment</a>`)
		wantIn(t, "order page", body, `id="exception-`+itoa(b.dup.ID)+`"`)
	})
	t.Run("ClaimsOtherAmount", func(t *testing.T) {
		r := rows[b.claims.Trace]
		wantIn(t, "claiming payment's row", r, `<td class="num">$150.00<div class="flag claim">DED claims $250.00</div>`,
			"Carries this order&#39;s remittance ID", "Held</span>: <a", "Unparseable payment</a>, no order")
		if strings.Contains(rows[b.own.Trace], "claims") {
			t.Errorf("payment claiming what was credited is flagged: %s", rows[b.own.Trace])
		}
	})
	t.Run("Interstate", func(t *testing.T) {
		wantIn(t, "interstate payment's row", rows[b.own.Trace], `<span class="badge posted">Posted</span>`,
			`<div class="muted application">II: interstate income withholding</div>`)
		if strings.Contains(rows[b.mistyped.Trace], `class="muted application"`) {
			t.Errorf("a CS payment is labelled with its application: %s", rows[b.mistyped.Trace])
		}
	})
	t.Run("NotOnItsBooks", func(t *testing.T) {
		wantIn(t, "unreconciled payment's row", rows[b.pending.Trace], "Not yet reconciled")
		wantIn(t, "payment posted elsewhere", rows[b.elsewhere.Trace], "Carries this order&#39;s remittance ID",
			`Posted</span> to <a href="/orders/`+itoa(b.other.ID)+`">case `+string(b.other.CaseID)+`</a>`,
			`case `+string(b.other.CaseID)+`&#39;s remittance ID is `+string(b.other.RemittanceID))
	})
	t.Run("Totals", func(t *testing.T) {
		// The order's books: $200.00 + $200.00 posted, $100.00 held.
		wantIn(t, "totals", body, `id="total-credited">$500.00<`, `id="total-posted">$400.00<`, `id="total-held">$100.00<`,
			"Not in these totals: 3 listed payments ($270.00)")
	})
}

func TestPaymentStatusOnEmployerAndFilePages(t *testing.T) {
	f := mustFixture(t)
	b := mustBooks(t, f)
	c := f.client(t, "hl", "hl-pass")
	for _, path := range []string{"/employers/" + string(b.o.EmployerFEIN), "/files/" + itoa(b.fileID)} {
		code, body := get(t, c, f.srv.URL+path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, code)
		}
		rows := paymentRows(t, path, body)
		wantIn(t, path+" mistyped payment", rows[b.mistyped.Trace], "Posted</span> to <a href=\"/orders/"+itoa(b.o.ID)+"\">case "+string(b.o.CaseID),
			`sent &#34;R7&#34;; case `+string(b.o.CaseID)+`&#39;s remittance ID is `+string(b.o.RemittanceID))
		wantIn(t, path+" held payment", rows[b.held.Trace], "Held</span>: <a", "Duplicate payment</a>, against <a href=\"/orders/"+itoa(b.o.ID))
		wantIn(t, path+" claiming payment", rows[b.claims.Trace], "$150.00", "DED claims $250.00", "Unparseable payment")
		wantIn(t, path+" unreconciled payment", rows[b.pending.Trace], "Not yet reconciled")
		if strings.Contains(body, "Carries") {
			t.Errorf("GET %s labels payments as carrying an order's ID", path)
		}
	}
	_, body := get(t, c, f.srv.URL+"/files/"+itoa(b.fileID))
	// The file's books: all six payments, $770.00 credited.
	wantIn(t, "file page totals", body, `id="total-credited">$770.00<`, `id="total-posted">$470.00<`, `id="total-held">$250.00<`, `id="total-pending">$50.00<`)
}
