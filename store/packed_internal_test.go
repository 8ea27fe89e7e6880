package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

// TestUnpack reads packed rows into a string, an integer kind, a string
// kind and a sql.Scanner, and refuses every row json_array would not have
// written for them with errPacked.
func TestUnpack(t *testing.T) {
	var (
		s    string
		n    withholding.Cents
		fein withholding.FEIN
		d    withholding.Date
	)
	sets, err := packedDests([]any{&s, &n, &fein, dateDest{&d}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		row  string
		s    string
		n    withholding.Cents
		fein withholding.FEIN
		d    withholding.Date
	}{
		{`["a",1,"480000001","2026-11-02"]`, "a", 1, "480000001", withholding.NewDate(2026, 11, 2)},
		{`["",-9223372036854775808,"",null]`, "", -9223372036854775808, "", withholding.Date{}},
		{`["say \"hi\"\\",0,"x",null]`, `say "hi"\`, 0, "x", withholding.Date{}},
		{`["line\nbreak\u001f",0,"\u00d1",null]`, "line\nbreak\x1f", 0, "Ñ", withholding.Date{}},
		{`["Ñúñez 🙂",0,"]",null]`, "Ñúñez 🙂", 0, "]", withholding.Date{}},
		{`[12,0,"",null]`, "12", 0, "", withholding.Date{}},
	} {
		s, n, fein, d = "?", -1, "?", withholding.NewDate(1999, 1, 1)
		if err := unpack(tc.row, sets); err != nil {
			t.Errorf("%s: %v", tc.row, err)
			continue
		}
		if s != tc.s || n != tc.n || fein != tc.fein || d != tc.d {
			t.Errorf("%s: got %q %d %q %v, want %q %d %q %v", tc.row, s, n, fein, d, tc.s, tc.n, tc.fein, tc.d)
		}
	}
	for _, row := range []string{
		``, `[`, `"a",1,"b",null`, `["a",1,"b"]`, `["a",1,"b",null,null]`, `["a",1,"b",null`,
		`["a","1","b",null]`, `["a",1.5,"b",null]`, `[null,1,"b",null]`, `["a",null,"b",null]`,
		`["a,1,"b",null]`, `["a" ,1,"b",null]`, `["a",1,"b",nul]`, `["a\",1,"b",null]`, `["a\x",1,"b",null]`,
		`["a",99999999999999999999,"b",null]`,
	} {
		if err := unpack(row, sets); !errors.Is(err, errPacked) {
			t.Errorf("%s: err %v, want errPacked", row, err)
		}
	}
	// A value in the wrong place may be an SSN: no error repeats a value.
	for _, row := range []string{`["a","900112222","b",null]`, `["a",900112222x,"b",null]`, `["a",1,"b",null,"900112222"]`} {
		if err := unpack(row, sets); !errors.Is(err, errPacked) || strings.Contains(err.Error(), "900112222") {
			t.Errorf("%s: err %v, want errPacked without the value", row, err)
		}
	}
	var small int8
	sets, err = packedDests([]any{&small})
	if err != nil {
		t.Fatal(err)
	}
	if err := unpack(`[300]`, sets); !errors.Is(err, errPacked) {
		t.Errorf("300 into an int8: err %v, want errPacked", err)
	}
	if _, err := packedDests([]any{new(float64)}); err == nil {
		t.Error("a float destination was taken")
	}
	if _, err := packedDests([]any{"not a pointer"}); err == nil {
		t.Error("a non-pointer destination was taken")
	}
}
