package main

import (
	"encoding/json"
	"strings"
	"testing"
)

type calcOut struct {
	CapCents int64 `json:"cap_cents"`
	Orders   []struct {
		Name         string `json:"name"`
		CurrentCents int64  `json:"current_cents"`
		MedicalCents int64  `json:"medical_cents"`
		ArrearsCents int64  `json:"arrears_cents"`
		TotalCents   int64  `json:"total_cents"`
	} `json:"orders"`
	UnwithheldCents int64 `json:"unwithheld_cents"`
	FeeCents        int64 `json:"fee_cents"`
}

var (
	calcA = []string{"--order", "A:current=600/monthly,arrears=200/monthly"}
	calcB = []string{"--order", "B:current=450/monthly,arrears=150/monthly"}
)

func calcArgs(parts ...[]string) []string {
	args := []string{"calc", "--frequency", "biweekly", "--format", "json"}
	for _, p := range parts {
		args = append(args, p...)
	}
	return args
}

// TestCalcSpecExamples runs spec §5 Examples 2–4 through the command and
// checks the JSON contract: cap_cents, orders in input order, unwithheld_cents.
func TestCalcSpecExamples(t *testing.T) {
	type row struct{ current, medical, arrears, total int64 }
	for _, tc := range []struct {
		name       string
		args       []string
		cap        int64
		rows       []row
		unwithheld int64
	}{
		{"2a 65%", calcArgs([]string{"--disposable", "1000", "--cap", "65"}, calcA, calcB), 65000,
			[]row{{27692, 0, 9231, 36923}, {20769, 0, 6923, 27692}}, 0},
		{"2b 55% proportional", calcArgs([]string{"--disposable", "1000.00", "--cap", "55"}, calcA, calcB), 55000,
			[]row{{27692, 0, 3737, 31429}, {20769, 0, 2802, 23571}}, 9615},
		{"2b 55% equal", calcArgs([]string{"--disposable", "1000", "--cap", "55", "--allocation", "equal"}, calcA, calcB), 55000,
			[]row{{27692, 0, 3270, 30962}, {20769, 0, 3269, 24038}}, 9615},
		{"2b' $2 fee inside", calcArgs([]string{"--disposable", "1000", "--cap", "55", "--fee", "2"}, calcA, calcB), 55000,
			[]row{{27692, 0, 3622, 31314}, {20769, 0, 2717, 23486}}, 9815},
		{"2b' $2 fee inside, equal", calcArgs([]string{"--disposable", "1000", "--cap", "55", "--fee", "2.00", "--allocation", "equal"}, calcA, calcB), 55000,
			[]row{{27692, 0, 3170, 30862}, {20769, 0, 3169, 23938}}, 9815},
		{"2c 50%", calcArgs([]string{"--disposable", "1000", "--cap", "50"}, calcA, calcB), 50000,
			[]row{{27692, 0, 879, 28571}, {20769, 0, 660, 21429}}, 14615},
		{"2c 50% equal", calcArgs([]string{"--disposable", "1000", "--cap", "50", "--allocation", "equal"}, calcA, calcB), 50000,
			[]row{{27692, 0, 770, 28462}, {20769, 0, 769, 21538}}, 14615},
		{"2d 60%", calcArgs([]string{"--disposable", "1000", "--cap", "60"}, calcA, calcB), 60000,
			[]row{{27692, 0, 6594, 34286}, {20769, 0, 4945, 25714}}, 4615},
		{"2d 60% equal", calcArgs([]string{"--disposable", "1000", "--cap", "60", "--allocation", "equal"}, calcA, calcB), 60000,
			[]row{{27692, 0, 5770, 33462}, {20769, 0, 5769, 26538}}, 4615},
		{"3 proportional", calcArgs([]string{"--disposable", "800", "--cap", "50"}, calcA, calcB), 40000,
			[]row{{22857, 0, 0, 22857}, {17143, 0, 0, 17143}}, 24615},
		{"3 equal", calcArgs([]string{"--disposable", "800", "--cap", "50", "--allocation", "equal"}, calcA, calcB), 40000,
			[]row{{20000, 0, 0, 20000}, {20000, 0, 0, 20000}}, 24615},
		{"4 DE 1000", calcArgs([]string{"--disposable", "1000", "--cap", "50", "--order", "M:current=400/monthly,arrears=100/monthly,medical=150/monthly"}), 50000,
			[]row{{18462, 6923, 4615, 30000}}, 0},
		{"4 DE 400 after-current", calcArgs([]string{"--disposable", "400", "--cap", "50", "--order", "M:current=400/monthly,arrears=100/monthly,medical=150/monthly"}), 20000,
			[]row{{18462, 0, 1538, 20000}}, 10000},
		{"4 DE 400 after-cash", calcArgs([]string{"--disposable", "400", "--cap", "50", "--medical-rule", "after-cash", "--order", "M:current=400/monthly,arrears=100/monthly,medical=150/monthly"}), 20000,
			[]row{{18462, 0, 1538, 20000}}, 10000},
		{"4 DE 400 premium first", calcArgs([]string{"--disposable", "400", "--cap", "50", "--medical-rule", "first", "--order", "M:current=400/monthly,arrears=100/monthly,medical=150/monthly"}), 20000,
			[]row{{13077, 6923, 0, 20000}}, 10000},
	} {
		code, stdout, stderr := runIWO(t, tc.args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.name, code, stderr)
			continue
		}
		var out calcOut
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Errorf("%s: bad json %v: %s", tc.name, err, stdout)
			continue
		}
		if out.CapCents != tc.cap || out.UnwithheldCents != tc.unwithheld || len(out.Orders) != len(tc.rows) {
			t.Errorf("%s: cap %d unwithheld %d orders %d, want %d %d %d", tc.name, out.CapCents, out.UnwithheldCents, len(out.Orders), tc.cap, tc.unwithheld, len(tc.rows))
			continue
		}
		for i, w := range tc.rows {
			o := out.Orders[i]
			if got := (row{o.CurrentCents, o.MedicalCents, o.ArrearsCents, o.TotalCents}); got != w {
				t.Errorf("%s: order %d (%s) got %+v, want %+v", tc.name, i, o.Name, got, w)
			}
		}
	}
}

func TestCalcText(t *testing.T) {
	code, stdout, stderr := runIWO(t, "calc", "--frequency", "biweekly", "--disposable", "1000", "--cap", "55",
		"--order", "A:current=600/monthly,arrears=200/monthly", "--order", "B:current=450/monthly,arrears=150/monthly")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"$550.00", "Current", "Arrears", "314.29", "235.71", "37.37", "28.02",
		"Not withheld (limit):  $96.15", "proportional", "How it was worked out"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestCalcBadInput(t *testing.T) {
	good := []string{"--frequency", "biweekly", "--disposable", "1000", "--cap", "55", "--order", "A:current=600/monthly"}
	with := func(flag, value string) []string {
		args := []string{"calc"}
		for i := 0; i < len(good); i += 2 {
			if good[i] != flag {
				args = append(args, good[i], good[i+1])
			}
		}
		if value != "" {
			args = append(args, flag, value)
		}
		return args
	}
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"ErrUnknownFrequency", with("--frequency", "fortnightly"), "unknown frequency"},
		{"ErrUnknownOrderFrequency", with("--order", "A:current=600/daily"), "unknown frequency"},
		{"ErrNegativeDisposable", with("--disposable", "-5"), "negative"},
		{"ErrNegativeAmount", with("--order", "A:current=-600/monthly"), "negative"},
		{"ErrNegativeFee", append(with("", ""), "--fee", "-2"), "negative"},
		{"ErrCapAbove100", with("--cap", "101"), "between 0 and 100"},
		{"ErrCapNegative", with("--cap", "-1"), "0 to 100"},
		{"ErrCapNotNumber", with("--cap", "lots"), "0 to 100"},
		{"ErrNoOrder", with("--order", ""), "--order"},
		{"ErrNoCap", with("--cap", ""), "--cap is required"},
		{"ErrOrderNoName", with("--order", "current=600/monthly"), "NAME:"},
		{"ErrOrderKey", with("--order", "A:rent=600/monthly"), "KEY"},
		{"ErrOrderNoFrequency", with("--order", "A:current=600"), "AMOUNT/FREQUENCY"},
		{"ErrOrderTwice", with("--order", "A:current=1/weekly,current=2/weekly"), "twice"},
		{"ErrAmount", with("--disposable", "12.345"), "two decimals"},
		{"ErrAllocation", append(with("", ""), "--allocation", "fifo"), "proportional or equal"},
		{"ErrFormat", append(with("", ""), "--format", "xml"), "text or json"},
		{"ErrPositional", append(with("", ""), "extra"), "unexpected argument"},
	} {
		code, _, stderr := runIWO(t, tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%s: %v: exit %d, stderr %q; want exit 2 mentioning %q", tc.name, tc.args, code, stderr, tc.msg)
		}
	}
}

func TestCalcHelp(t *testing.T) {
	code, help, _ := runIWO(t, "calc", "-h")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"Usage: iwo calc", "Examples", "--order", "--allocation", "proportional", "equal", "medical"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
