package store_test

import (
	"cmp"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/iwoproject/iwo/store"
	"github.com/iwoproject/iwo/withholding"
)

// testBriefListingText: a brief listing (read on SQLite as one packed
// json_array value a row) gives back every text as it was stored, quotes,
// backslashes, control characters, non-ASCII and all, the numbers, the
// dates and the empty ones; ByEmployer lists the orders by FEIN, then ID.
func testBriefListingText(t *testing.T, db *store.DB) {
	texts := []string{`O"Brien`, `back\slash\`, "line\nbreak\ttab\x1fsep", "Ñúñez 李 🙂", "", "null", "12345", `[1,"a"]`, `\"`, `\u0041`}
	feins := []string{"480000003", "480000001", "480000002"}
	var want []*withholding.Order
	for i, text := range texts {
		o := sampleOrder(fmt.Sprintf("KT%04d", i), feins[i%len(feins)])
		o.Obligor.Last, o.Obligor.First = text, texts[len(texts)-1-i]
		o.RemittanceID = withholding.RemittanceID(text)
		o.Amounts.Other = withholding.Obligation{Amount: 9_000_000_000_000_00 + withholding.Cents(i), Frequency: withholding.Weekly}
		o.Stated.Biweekly = withholding.Cents(i)
		if i%2 == 0 {
			o.EndDate = date("2027-12-31")
		}
		mustOK(t, db.CreateOrder(ctx, o), "create")
		want = append(want, &withholding.Order{ID: o.ID, CaseID: o.CaseID, OrderID: o.OrderID, RemittanceID: o.RemittanceID, EmployerFEIN: o.EmployerFEIN,
			Obligor:   withholding.Person{Last: o.Obligor.Last, First: o.Obligor.First, SSN: o.Obligor.SSN},
			PayeeFIPS: o.PayeeFIPS, Amounts: o.Amounts, Stated: o.Stated, StartDate: o.StartDate, EndDate: o.EndDate, Status: o.Status})
	}
	list := func(f withholding.OrderFilter) []*withholding.Order {
		t.Helper()
		var out []*withholding.Order
		for o, err := range db.EachOrder(ctx, f) {
			mustOK(t, err, "brief listing")
			c := *o // a brief listing may reuse its Order
			out = append(out, &c)
		}
		return out
	}
	if got := list(withholding.OrderFilter{Brief: true}); !reflect.DeepEqual(got, want) {
		t.Errorf("brief listing:\n got %+v\nwant %+v", got, want)
	}

	byEmployer := slices.SortedStableFunc(slices.Values(want), func(a, b *withholding.Order) int {
		return cmp.Or(cmp.Compare(a.EmployerFEIN, b.EmployerFEIN), cmp.Compare(a.ID, b.ID))
	})
	if got := list(withholding.OrderFilter{Brief: true, ByEmployer: true}); !reflect.DeepEqual(got, byEmployer) {
		t.Errorf("brief listing by employer:\n got %+v\nwant %+v", got, byEmployer)
	}
	two := []withholding.FEIN{"480000002", "480000003"}
	mine := slices.DeleteFunc(slices.Clone(byEmployer), func(o *withholding.Order) bool { return !slices.Contains(two, o.EmployerFEIN) })
	if got := list(withholding.OrderFilter{Brief: true, ByEmployer: true, EmployerFEINs: two}); !reflect.DeepEqual(got, mine) {
		t.Errorf("brief listing by employer of %v:\n got %+v\nwant %+v", two, got, mine)
	}
	// The full listing by employer too.
	full, err := collectSeq(db.EachOrder(ctx, withholding.OrderFilter{ByEmployer: true}))
	mustOK(t, err, "listing by employer")
	for i, o := range full {
		if i >= len(byEmployer) || o.ID != byEmployer[i].ID || o.Obligor.Last != byEmployer[i].Obligor.Last {
			t.Fatalf("listing by employer: order %d is %d, want the brief listing's order", i, o.ID)
		}
	}
}

// testPackedPayments: payments listed with and without their postings
// (read on SQLite as one packed value a row) come back as stored: raw
// text with quotes and backslashes, problems and warnings (JSON text in a
// text column), a termination flag, dates empty and set, and a posting's
// columns NULL until it is reconciled.
func testPackedPayments(t *testing.T, db *store.DB) {
	f := mustFile(t, db, "packed.ach", withholding.KindACHFile)
	a, b := samplePayment(1), samplePayment(2)
	a.Raw = `DED*CS*"KS1"\*261119*20000*900112222*N*O"BRIEN*2000003\`
	a.Name, a.Termination = `O"BRIEN \ Ñ`, true
	a.Problems, a.Warnings = []string{`amount "0"`, "line\nbreak"}, []string{"lower case"}
	b.PayDate, b.EffectiveDate = withholding.Date{}, withholding.Date{}
	_, err := db.ApplyPayments(ctx, f.ID, seqOf(a, b))
	mustOK(t, err, "apply")
	for _, withPosting := range []bool{false, true} {
		got, err := collectSeq(db.EachPayment(ctx, withholding.PaymentFilter{FileID: &f.ID, WithPosting: withPosting}))
		mustOK(t, err, "each payment")
		if len(got) != 2 {
			t.Fatalf("with posting %v: %d payments, want 2", withPosting, len(got))
		}
		for i, want := range []*withholding.Payment{a, b} {
			want.ID, want.FileID = got[i].ID, f.ID
			if !reflect.DeepEqual(got[i], want) {
				t.Errorf("with posting %v: payment %d:\n got %+v\nwant %+v", withPosting, i, got[i], want)
			}
		}
	}
}

// testPackedListings: the exceptions and documents streamed (packed on
// SQLite) are those listed column by column (FindExceptions,
// FindDocuments), texts, times, dates and empty references alike.
func testPackedListings(t *testing.T, db *store.DB) {
	resolved := withholding.ExceptionResolved
	note := "called \"payroll\"\\ back\nand\tagain"
	exs := []*withholding.Exception{
		{Type: withholding.ExEmployerNotice, Severity: withholding.SeverityLow, Key: "packed|1", CaseID: "KP1", FEIN: "480000001",
			Message: `The employer says "left" \ Ñ`, PaymentIDs: []int64{3, 5}, DueDate: date("2026-12-01"), OpenedOn: date("2026-11-20"), Amount: 1234},
		{Type: withholding.ExEmployerNotice, Severity: withholding.SeverityHigh, Key: "packed|2", Message: "line\nbreak"},
	}
	_, err := db.UpsertExceptions(ctx, exs)
	mustOK(t, err, "upsert")
	_, err = db.UpdateException(ctx, exs[0].ID, withholding.ExceptionUpdate{Status: &resolved, By: "agent \"7\"", Note: &note})
	mustOK(t, err, "resolve")
	listed, _, err := db.FindExceptions(ctx, withholding.ExceptionFilter{})
	mustOK(t, err, "find exceptions")
	streamed, err := collectSeq(db.EachException(ctx, withholding.ExceptionFilter{}))
	mustOK(t, err, "each exception")
	if len(listed) < 2 || !reflect.DeepEqual(streamed, listed) {
		t.Errorf("exceptions streamed:\n%+v\nlisted:\n%+v", streamed, listed)
	}

	o := sampleOrder("KP0001", "480000001")
	mustOK(t, db.CreateOrder(ctx, o), "order")
	f := &withholding.File{Direction: withholding.Outbound, Partner: "portal", Kind: withholding.KindIWOFile, RemoteName: "IWO-PACKED",
		State: withholding.FileParsed, SHA256: sumOf("IWO-PACKED"), Size: 1}
	mustOK(t, db.CreateFile(ctx, f), "file")
	docs := []*withholding.Document{{TrackingID: "900000000000000000000000000001", OrderRef: o.ID, CaseID: o.CaseID, FEIN: o.EmployerFEIN,
		Action: withholding.ActionOriginal, FileControl: "0001", BatchControl: "0001", SentAt: time.Date(2026, 11, 2, 19, 4, 5, 123456000, time.UTC)}}
	mustOK(t, db.RecordSent(ctx, f.ID, slices.Values(docs)), "record sent")
	wantDocs, _, err := db.FindDocuments(ctx, 0, 0, 0)
	mustOK(t, err, "find documents")
	gotDocs, err := collectSeq(db.EachDocument(ctx, withholding.DocumentFilter{}))
	mustOK(t, err, "each document")
	if len(wantDocs) != 1 || !reflect.DeepEqual(gotDocs, wantDocs) {
		t.Errorf("documents streamed:\n%+v\nlisted:\n%+v", gotDocs, wantDocs)
	}
}
