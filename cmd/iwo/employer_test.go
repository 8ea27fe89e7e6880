package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	moov "github.com/moov-io/ach"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/demo"
	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/employer"
	"github.com/iwoproject/iwo/withholding"
)

const employerData = "../../testdata/employer/"

// TestEmployerAckAndRemit runs the employer mode on the sample files: the
// acknowledgment file passes our validator, the ACH file passes our
// reader and moov-io/ach's Reader, and every amount in it equals what
// "iwo calc" prints for the same employee's orders and pay.
func TestEmployerAckAndRemit(t *testing.T) {
	dir := t.TempDir()
	ackPath, achPath := filepath.Join(dir, "ACK_test.txt"), filepath.Join(dir, "CS_test.ach")
	code, _, stderr := runIWO(t, "employer", "ack", "--roster", employerData+"roster.csv",
		"--orders", employerData+"earlier.iwo", employerData+"received.iwo", "--out", ackPath, "--on", "2026-11-04")
	if code != 0 {
		t.Fatalf("employer ack: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"13 IWOs answered, 2 notices", "R W ", "EMP T"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("employer ack summary lacks %q:\n%s", want, stderr)
		}
	}
	if code, _, stderr := runIWO(t, "edi", "validate", ackPath); code != 0 {
		t.Fatalf("edi validate of the acknowledgment file: exit %d: %s", code, stderr)
	}

	code, _, stderr = runIWO(t, "employer", "remit", "--payroll", employerData+"payrun.csv",
		"--orders", employerData+"earlier.iwo", "--orders", employerData+"received.iwo",
		"--acks", employerData+"earlier.ack", "--acks", ackPath, "--odfi", "121000248", "--out", achPath)
	if code != 0 {
		t.Fatalf("employer remit: exit %d: %s", code, stderr)
	}
	if strings.Contains(stderr, "984921736") {
		t.Errorf("remit summary prints a clear SSN:\n%s", stderr)
	}
	raw, err := os.ReadFile(achPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := moov.NewReader(bytes.NewReader(raw)).Read(); err != nil {
		t.Fatalf("moov-io/ach Reader refuses the file: %v", err)
	}
	got := map[withholding.SSN]map[withholding.RemittanceID]withholding.Cents{}
	rd := ach.NewReader(bytes.NewReader(raw), ach.Options{Name: achPath, Profile: ach.StrictProfile})
	for p, err := range rd.Payments() {
		if err != nil {
			t.Fatalf("our reader: %v", err)
		}
		if p.Kind != withholding.KindPayment || len(p.Problems) > 0 {
			t.Errorf("entry at line %d: kind %s, problems %v", p.Line, p.Kind, p.Problems)
		}
		if got[p.SSN] == nil {
			got[p.SSN] = map[withholding.RemittanceID]withholding.Cents{}
		}
		got[p.SSN][p.RemittanceID] += p.Amount
	}

	// The same inputs through "iwo calc".
	lines := mustPayrun(t)
	book := mustBook(t, ackPath)
	checked := 0
	calc := func(disposable withholding.Cents, freq withholding.Frequency, cap int, specs []string) []withholding.Cents {
		t.Helper()
		args := []string{"calc", "--frequency", string(freq), "--disposable", disposable.String(), "--cap", fmt.Sprint(cap), "--format", "json"}
		for _, sp := range specs {
			args = append(args, "--order", sp)
		}
		code, out, stderr := runIWO(t, args...)
		if code != 0 {
			t.Fatalf("iwo %s: exit %d: %s", strings.Join(args, " "), code, stderr)
		}
		var res struct {
			Orders []struct {
				TotalCents withholding.Cents `json:"total_cents"`
			} `json:"orders"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		totals := make([]withholding.Cents, len(res.Orders))
		for i, o := range res.Orders {
			totals[i] = o.TotalCents
		}
		return totals
	}
	for _, l := range lines {
		want := map[withholding.RemittanceID]withholding.Cents{}
		orders := book.ForEmployee(l.SSN)
		if len(orders) > 0 {
			var specs []string
			for _, d := range orders {
				specs = append(specs, calcSpec(d))
			}
			for i, c := range calc(l.Disposable, l.Frequency, orders[0].CCPAPercent, specs) {
				want[orders[i].RemittanceID] += c
			}
		}
		// A lump sum: each LUM order asks its amount as arrears.
		if lumps := book.LumpSums(l.SSN); l.LumpSum > 0 && len(lumps) > 0 {
			var specs []string
			for _, d := range lumps {
				specs = append(specs, fmt.Sprintf("%s:arrears=%s/%s", d.CaseID, d.LumpSum, l.Frequency))
			}
			for i, c := range calc(l.LumpSum, l.Frequency, lumps[0].CCPAPercent, specs) {
				want[lumps[i].RemittanceID] += c
			}
		}
		if len(want) == 0 && len(got[l.SSN]) > 0 {
			t.Errorf("pay line %d: remitted for an employee without orders", l.Line)
		}
		for id, c := range want {
			if g := got[l.SSN][id]; g != c {
				t.Errorf("pay line %d, case %s: ACH file has %s, iwo calc says %s", l.Line, id, g, c)
			}
			checked++
		}
	}
	if checked < 5 {
		t.Errorf("compared %d orders with iwo calc, want at least 5", checked)
	}
}

// calcSpec writes an IWO's amounts as an "iwo calc --order" value.
func calcSpec(d *edi.IWO) string {
	parts := []string{}
	for _, c := range []struct {
		key string
		ob  withholding.Obligation
	}{
		{"current", d.CurrentSupport}, {"arrears", d.PastDueSupport}, {"cash-medical", d.CurrentMedical},
		{"medical-arrears", d.PastDueMedical}, {"spousal", d.CurrentSpousal}, {"spousal-arrears", d.PastDueSpousal},
	} {
		if c.ob.Amount > 0 {
			parts = append(parts, fmt.Sprintf("%s=%s/%s", c.key, c.ob.Amount, c.ob.Frequency))
		}
	}
	return string(d.CaseID) + ":" + strings.Join(parts, ",")
}

func mustPayrun(t *testing.T) []employer.PayLine {
	t.Helper()
	f, err := os.Open(employerData + "payrun.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines, err := employer.ReadPayrun(f, "payrun.csv")
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func mustBook(t *testing.T, ackPath string) *employer.Book {
	t.Helper()
	files, err := employer.ReadIWOFiles([]string{employerData + "earlier.iwo", employerData + "received.iwo"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(ackPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	acks, err := employer.ReadAckFile(f, ackPath)
	if err != nil {
		t.Fatal(err)
	}
	return employer.LoadBook(files, acks)
}

func TestEmployerBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"AckNoRoster", []string{"employer", "ack", employerData + "received.iwo"}, 2, "--roster is required"},
		{"AckNoFiles", []string{"employer", "ack", "--roster", employerData + "roster.csv"}, 2, "at least one"},
		{"AckBadRoster", []string{"employer", "ack", "--roster", employerData + "payrun.csv", employerData + "received.iwo"}, 1, "unknown column"},
		{"RemitNoODFI", []string{"employer", "remit", "--payroll", employerData + "payrun.csv", "--orders", employerData + "received.iwo"}, 2, "--odfi"},
		{"RemitBadODFI", []string{"employer", "remit", "--payroll", employerData + "payrun.csv", "--orders", employerData + "received.iwo", "--odfi", "123456789"}, 2, "routing"},
		{"RemitBadCap", []string{"employer", "remit", "--payroll", employerData + "payrun.csv", "--orders", employerData + "received.iwo", "--odfi", "121000248", "--cap", "120"}, 2, "--cap"},
		{"RemitNothing", []string{"employer", "remit", "--payroll", employerData + "payrun.csv", "--orders", employerData + "received.iwo", "--odfi", "121000248", "--cap", "0", "--out", "-"}, 1, "nothing to remit"},
		{"PullNoPartner", []string{"employer", "pull"}, 2, "--partner"},
	} {
		code, _, stderr := runIWO(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tc.name, code, stderr, tc.code, tc.want)
		}
	}
}

// TestEmployerPullPush takes an IWO file from a partner's outbox and
// leaves an acknowledgment in its inbox over real SFTP (the demo's
// embedded server and generated configuration).
func TestEmployerPullPush(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	w, err := demo.Start(ctx, demo.Options{Dir: dir, Employers: 1, Orders: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cfg := filepath.Join(dir, "iwo.yml")
	if err := os.WriteFile(cfg, []byte(w.ConfigYAML()), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(employerData + "received.iwo")
	if err != nil {
		t.Fatal(err)
	}
	remoteIWO := filepath.Join(dir, "sftp", filepath.FromSlash(demo.PortalOut), "IWO_test.txt")
	if err := os.WriteFile(remoteIWO, src, 0o644); err != nil {
		t.Fatal(err)
	}
	inbox := filepath.Join(dir, "employer-inbox")
	code, out, stderr := runIWO(t, "employer", "pull", "--config", cfg, "--partner", demo.PortalPartner, "--dir", inbox)
	if code != 0 {
		t.Fatalf("employer pull: exit %d: %s", code, stderr)
	}
	got, err := os.ReadFile(strings.TrimSpace(out))
	if err != nil || !bytes.Equal(got, src) {
		t.Fatalf("pulled %q: err %v, same contents %v", out, err, bytes.Equal(got, src))
	}
	if _, err := os.Stat(remoteIWO); !os.IsNotExist(err) {
		t.Errorf("the pulled file is still on the server: %v", err)
	}
	ack := filepath.Join(dir, "ACK_test.txt")
	if code, _, stderr := runIWO(t, "employer", "ack", "--roster", employerData+"roster.csv", "--out", ack, strings.TrimSpace(out)); code != 0 {
		t.Fatalf("employer ack: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runIWO(t, "employer", "push", "--config", cfg, "--partner", demo.PortalPartner, ack); code != 0 {
		t.Fatalf("employer push: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "sftp", filepath.FromSlash(demo.PortalIn), "ACK_test.txt")); err != nil {
		t.Errorf("pushed file not in the partner's inbox: %v", err)
	}
}

// TestEmployerRemitRefuses runs remit on the samples with pay lines of
// employees whose orders were rejected, terminated (a TRM, an EMP T
// notice) or never acknowledged: each is refused and reported unless the
// flag for its reason names its case, and accepted orders are withheld.
func TestEmployerRemitRefuses(t *testing.T) {
	dir := t.TempDir()
	ackPath := filepath.Join(dir, "ACK_test.txt")
	if code, _, stderr := runIWO(t, "employer", "ack", "--roster", employerData+"roster.csv",
		"--orders", employerData+"earlier.iwo", employerData+"received.iwo", "--out", ackPath, "--on", "2026-11-04"); code != 0 {
		t.Fatalf("employer ack: exit %d: %s", code, stderr)
	}
	// The cases, by employee, from the sample files.
	const (
		johnson = "984921736" // two accepted ORGs; one of them only in earlier.ack
		lopez   = "984969250" // ORG rejected R B (the roster says ZZTOP)
		sanchez = "984953412" // accepted earlier, EMP T: left 2026-10-30, final pay 2026-11-06
		parker  = "985127630" // accepted earlier, TRM accepted now
	)
	files, err := employer.ReadIWOFiles([]string{employerData + "earlier.iwo", employerData + "received.iwo"})
	if err != nil {
		t.Fatal(err)
	}
	caseOf := func(ssn string, earlier bool) (withholding.CaseID, withholding.RemittanceID) {
		t.Helper()
		for i, f := range files {
			for _, d := range f.IWOs {
				if string(d.Employee.SSN) == ssn && (i == 0) == earlier && d.Action != withholding.ActionTerminate {
					id := d.RemittanceID
					if id == "" {
						id = withholding.RemittanceID(d.CaseID)
					}
					return d.CaseID, id
				}
			}
		}
		t.Fatalf("no IWO for SSN %s in the samples", ssn)
		return "", ""
	}
	johnsonCase, johnsonRemit := caseOf(johnson, true)
	lopezCase, lopezRemit := caseOf(lopez, false)
	sanchezCase, sanchezRemit := caseOf(sanchez, true)
	parkerCase, parkerRemit := caseOf(parker, true)

	samplePay := employerData + "payrun.csv"
	payrun := func(name string, rows ...string) string {
		p := filepath.Join(dir, name)
		src := "ssn,pay_date,pay_frequency,disposable_earnings\n" + johnson + ",2026-11-06,biweekly,1000.00\n" + strings.Join(rows, "\n") + "\n"
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leftPay := payrun("left.csv", sanchez+",2026-11-20,biweekly,1500.00", parker+",2026-11-06,biweekly,1500.00")
	finalPay := payrun("final.csv", sanchez+",2026-11-06,biweekly,1500.00")
	allAcks := []string{"--acks", employerData + "earlier.ack", "--acks", ackPath}

	for _, tc := range []struct {
		name     string
		payrun   string
		args     []string
		code     int
		want     []string // in stderr
		withheld []withholding.RemittanceID
		not      []withholding.RemittanceID
	}{
		{"OKAccepted", samplePay, allAcks, 0, nil, []withholding.RemittanceID{johnsonRemit}, []withholding.RemittanceID{lopezRemit}},
		{"ErrRejected", samplePay, allAcks, 0,
			[]string{"NOT WITHHELD case " + string(lopezCase), "***-**-9250", "you rejected its latest IWO (ORG, reason B)", "--allow-rejected " + string(lopezCase)},
			nil, []withholding.RemittanceID{lopezRemit}},
		{"OKAllowRejected", samplePay, append([]string{"--allow-rejected", string(lopezCase)}, allAcks...), 0,
			[]string{"WITHHELD ANYWAY case " + string(lopezCase)}, []withholding.RemittanceID{lopezRemit}, nil},
		{"ErrUnacknowledged", samplePay, []string{"--acks", ackPath}, 3,
			[]string{"NOT WITHHELD case " + string(johnsonCase), "no acknowledgment you sent accepts", "--allow-unacknowledged " + string(johnsonCase), "refused as unacknowledged"},
			nil, []withholding.RemittanceID{johnsonRemit}},
		{"OKAllowUnacknowledged", samplePay, []string{"--acks", ackPath, "--allow-unacknowledged", string(johnsonCase)}, 0,
			[]string{"WITHHELD ANYWAY case " + string(johnsonCase)}, []withholding.RemittanceID{johnsonRemit}, nil},
		{"ErrNoAcks", samplePay, nil, 1, []string{"NOT WITHHELD", "nothing to remit"}, nil, nil},
		{"ErrTerminated", leftPay, allAcks, 0,
			[]string{"NOT WITHHELD case " + string(parkerCase), "the state terminated the order (TRM)", "--allow-terminated " + string(parkerCase),
				"NOT WITHHELD case " + string(sanchezCase), "you reported the employment ended (EMP T), final pay 2026-11-06"},
			[]withholding.RemittanceID{johnsonRemit}, []withholding.RemittanceID{parkerRemit, sanchezRemit}},
		{"OKAllowTerminated", leftPay, append(allAcks, "--allow-terminated", string(parkerCase), "--allow-terminated", string(sanchezCase)), 0,
			[]string{"WITHHELD ANYWAY case " + string(parkerCase), "WITHHELD ANYWAY case " + string(sanchezCase)},
			[]withholding.RemittanceID{parkerRemit, sanchezRemit}, nil},
		{"OKFinalPay", finalPay, allAcks, 0, nil, []withholding.RemittanceID{sanchezRemit}, nil},
		{"WarnUnusedOverride", samplePay, append(allAcks, "--allow-terminated", string(lopezCase)), 0,
			[]string{"--allow-terminated " + string(lopezCase) + ": no order of case", "changed nothing"}, nil, []withholding.RemittanceID{lopezRemit}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			achPath := filepath.Join(t.TempDir(), "CS.ach")
			args := append([]string{"employer", "remit", "--payroll", tc.payrun, "--orders", employerData + "earlier.iwo"}, tc.args...)
			// IWO files after the flags' values, and the output flag last:
			// flags may come in any order.
			args = append(args, "--orders", employerData+"received.iwo", "--odfi", "121000248", "--out", achPath)
			code, _, stderr := runIWO(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if tc.name == "OKFinalPay" && strings.Contains(stderr, "NOT WITHHELD") {
				t.Errorf("the final paycheck announced in the EMP T is refused:\n%s", stderr)
			}
			for _, ssn := range []string{johnson, lopez, sanchez, parker} {
				if strings.Contains(stderr, ssn) {
					t.Errorf("stderr shows a clear SSN %s:\n%s", ssn, stderr)
				}
			}
			got := remitted(t, achPath)
			for _, id := range tc.withheld {
				if got[id] <= 0 {
					t.Errorf("nothing remitted for %s; file has %v\n%s", id, got, stderr)
				}
			}
			for _, id := range tc.not {
				if got[id] != 0 {
					t.Errorf("remitted %s for %s, want nothing\n%s", got[id], id, stderr)
				}
			}
		})
	}
}

// remitted returns the amounts of an ACH file by remittance identifier;
// none when there is no file.
func remitted(t *testing.T, path string) map[withholding.RemittanceID]withholding.Cents {
	t.Helper()
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	got := map[withholding.RemittanceID]withholding.Cents{}
	for p, err := range ach.NewReader(bytes.NewReader(raw), ach.Options{Name: path, Profile: ach.StrictProfile}).Payments() {
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		got[p.RemittanceID] += p.Amount
	}
	return got
}
