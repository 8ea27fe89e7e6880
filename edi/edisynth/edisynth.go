// Package edisynth writes realistic synthetic e-IWO files: IWO files built
// from withholding/synth orders, and acknowledgment files answering an IWO
// file with Responder. The same seed gives byte-identical files, so the
// `iwo gen` commands, golden tests and the demo are reproducible.
package edisynth

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/synth"
)

// Issuer returns the synthetic agency's IWO settings: its SDU as payee,
// Kansas-style timeframes (14 days to begin, RECEIPT, 7 days to remit),
// a 50% CCPA statement and short state-law texts.
func Issuer(a synth.Agency) edi.Issuer {
	return edi.Issuer{
		GoverningState:         a.State,
		BeginWithinDays:        14,
		StartInstructions:      "RECEIPT",
		SendPaymentWithinDays:  7,
		CCPAPercent:            50,
		PayeeName:              a.State + " STATE DISBURSEMENT UNIT",
		PayeeAddress:           withholding.Address{Line1: "PO BOX 989067", City: "WEST SACRAMENTO", State: a.StateCode, ZIP: "95798", ZIP4: "9067"},
		OfficialName:           "DIRECTOR OF CHILD SUPPORT SERVICES",
		OfficialTitle:          "DIRECTOR",
		PenaltyText:            "AN EMPLOYER WHO FAILS TO WITHHOLD INCOME AS ORDERED IS LIABLE FOR THE AMOUNT NOT WITHHELD.",
		AntiDiscriminationText: "AN EMPLOYER MAY NOT DISCHARGE, REFUSE TO EMPLOY OR DISCIPLINE AN EMPLOYEE BECAUSE OF THIS ORDER.",
		PayeeLimitsText:        "WITHHOLD NO MORE THAN THE CCPA LIMIT OF DISPOSABLE EARNINGS.",
		EmployeeContact:        withholding.Contact{Name: "CHILD SUPPORT CUSTOMER SERVICE", Phone: "8667012221"},
		EmployerContact:        withholding.Contact{Name: "EMPLOYER SERVICES UNIT", Phone: "9163410000", Email: "employer-services@example.gov"},
		EmployerContactAddress: withholding.Address{Line1: "PO BOX 419064", City: "RANCHO CORDOVA", State: a.StateCode, ZIP: "95741", ZIP4: "9064"},
	}
}

// Stamp is the creation time of generated IWO files: 01:30 on the
// generator's Today. Acknowledgment files are stamped three days later.
func Stamp(g *synth.Generator) time.Time {
	return g.Today.Time(time.UTC).Add(90 * time.Minute)
}

// StampDefault is Stamp of a generator with the default Today.
func StampDefault() time.Time { return Stamp(synth.New(0)) }

// IWOs returns count synthetic IWOs, grouped by employer, over
// max(3, count/25) employers. Most are ORG; about 15% AMD (amounts
// changed), 8% TRM and 5% LUM; when count ≥ 4 each action occurs.
func IWOs(seed uint64, count int) []*edi.IWO {
	out := make([]*edi.IWO, 0, count)
	each(seed, count, func(d *edi.IWO) bool { out = append(out, d); return true })
	return out
}

// each calls yield with the IWOs of IWOs(seed, count) in order, building
// each one only when it is due, so a large file needs only the orders in
// memory.
func each(seed uint64, count int, yield func(*edi.IWO) bool) {
	g := synth.New(seed)
	emps := g.Employers(max(3, count/25))
	orders := g.Orders(emps, count)
	byFEIN := map[withholding.FEIN]*withholding.Employer{}
	for i := range emps {
		byFEIN[emps[i].FEIN] = &emps[i]
	}
	actions := make([]withholding.Action, len(orders))
	for i := range orders {
		o := &orders[i]
		action := withholding.ActionOriginal
		switch x := g.Intn(100); {
		case i < 4 && count >= 4:
			action = []withholding.Action{withholding.ActionOriginal, withholding.ActionAmend, withholding.ActionTerminate, withholding.ActionLumpSum}[i]
		case x < 15:
			action = withholding.ActionAmend
		case x < 23:
			action = withholding.ActionTerminate
		case x < 28:
			action = withholding.ActionLumpSum
		}
		switch action {
		case withholding.ActionAmend:
			o.Amounts.CurrentSupport.Amount += withholding.Cents(25_00 * (1 + g.Intn(8)))
		case withholding.ActionLumpSum:
			o.LumpSum = withholding.Cents((200 + g.Intn(2800)) * 100)
		}
		actions[i] = action
	}
	idx := make([]int, len(orders))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(orders[a].EmployerFEIN, orders[b].EmployerFEIN) })
	issuer := Issuer(g.Agency)
	for _, i := range idx {
		o := &orders[i]
		tracking := edi.TrackingIDFor(g.Agency.StateFIPS, uint64(seed%1000)*10_000_000+uint64(i)+1)
		if !yield(edi.NewIWO(o, byFEIN[o.EmployerFEIN], actions[i], tracking, g.Today, issuer)) {
			return
		}
	}
}

// WriteIWOFile writes an IWO (FHI) file of count synthetic IWOs from seed.
// Memory grows with the orders, not with the file.
func WriteIWOFile(w io.Writer, seed uint64, count int) error {
	g := synth.New(seed)
	wr := edi.NewWriter(w, edi.WriterOptions{
		Kind:     edi.KindIWO,
		FIPS:     g.Agency.StateFIPS + "000",
		Created:  Stamp(g),
		Sequence: seed % 10_000_000,
	})
	var err error
	each(seed, count, func(d *edi.IWO) bool {
		if err = wr.Write(d); err != nil {
			err = fmt.Errorf("write synthetic IWO %s: %w", d.TrackingID, err)
		}
		return err == nil
	})
	if err != nil {
		return err
	}
	if err := wr.Close(); err != nil {
		return fmt.Errorf("write synthetic IWO file: %w", err)
	}
	return nil
}

// WriteAckFile reads the IWO file in (named name in errors) and writes an
// acknowledgment (FHA) file answering every IWO in it, with the decisions
// of NewResponder(seed) and its EMP notices. The answers go to the
// state in the IWO file's header; each employer's answers form one batch.
// It refuses an IWO file with problems.
func WriteAckFile(w io.Writer, in io.Reader, name string, seed uint64) error {
	resp := NewResponder(seed)
	var wr *edi.Writer
	var on withholding.Date
	answer := func(rec edi.Record, rd *edi.Reader) error {
		switch r := rec.(type) {
		case *edi.Header:
			if rd.Kind() != edi.KindIWO {
				return fmt.Errorf("answer %s: not an IWO (FHI) file", name)
			}
			if !r.IsBatch() {
				created := r.Created.AddDate(0, 0, 3)
				on = withholding.DateOf(created)
				wr = edi.NewWriter(w, edi.WriterOptions{Kind: edi.KindAck, FIPS: r.FIPS, Created: created, Sequence: seed % 10_000_000})
			}
		case *edi.IWO:
			o := resp.Decide(r)
			if err := wr.Write(resp.Answer(r, o, on)); err != nil {
				return fmt.Errorf("write ACK for %s: %w", r.TrackingID, err)
			}
			if n := resp.Notice(r, o, on); n != nil {
				if err := wr.Write(n); err != nil {
					return fmt.Errorf("write EMP notice: %w", err)
				}
			}
		}
		return nil
	}
	var failed error // answer's error, returned as it is
	_, err := edi.Stream(in, name, func(rec edi.Record, rd *edi.Reader) error {
		failed = answer(rec, rd)
		return failed
	}, func(es edi.Errors) error { return es })
	if failed != nil {
		return failed
	}
	if err != nil {
		return fmt.Errorf("read IWO file: %w", err)
	}
	if wr == nil {
		return fmt.Errorf("answer %s: no file header", name)
	}
	if err := wr.Close(); err != nil {
		return fmt.Errorf("write ACK file: %w", err)
	}
	return nil
}
