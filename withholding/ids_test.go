package withholding_test

import (
	"strings"
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

func TestMaskDigitRuns(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"DED: lower-case letters", "DED: lower-case letters"},
		{"DED07 name: 12 characters, at most 10", "DED07 name: 12 characters, at most 10"},
		{"pay date 2026-11-20", "pay date 2026-11-20"},                             // 8 digits: a date, not an SSN
		{"DED08 FIPS: \"12345678\" is not 5", "DED08 FIPS: \"12345678\" is not 5"}, // 8 digits kept
		{"DED08 FIPS: \"900112222\" is not 5 or 7 characters", "DED08 FIPS: \"***-**-2222\" is not 5 or 7 characters"},
		{"DED06 medical indicator: \"900-11-2222\", want Y", "DED06 medical indicator: \"***-**-2222\", want Y"},
		{"900112222", "***-**-2222"},
		{"9001122223…", "***-**-2223…"}, // a clipped longer run
		{"a 900112222 and 900113333-", "a ***-**-2222 and ***-**-3333-"},
		{"1-2-3-4-5-6-7-8-9", "***-**-6789"},
		{"12--3456789012", "12--***-**-9012"}, // a double dash ends a run
	} {
		if got := withholding.MaskDigitRuns(tt.in); got != tt.want {
			t.Errorf("MaskDigitRuns(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSSNAssignable(t *testing.T) {
	for _, tt := range []struct {
		ssn string
		ok  bool
	}{
		{"078051120", true},
		{"665991234", true},
		{"899999999", true},
		{"000120001", false},
		{"666120001", false},
		{"900120001", false},
		{"999999999", false},
		{"123000001", false},
		{"123450000", false},
		{"000000000", false},
		{"12345678", false},
		{"12345678X", false},
	} {
		err := withholding.SSN(tt.ssn).Assignable()
		if (err == nil) != tt.ok {
			t.Errorf("SSN(%s).Assignable() = %v, want ok=%v", tt.ssn, err, tt.ok)
		}
		if err != nil && (withholding.ErrorCode(err) != withholding.EINVALID || strings.Contains(err.Error(), tt.ssn)) {
			t.Errorf("SSN(%s).Assignable() = %v: want EINVALID without the digits", tt.ssn, err)
		}
	}
}
