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
		{"a 900112222 and 900113333-", "a ***-**-2222 and ***-**-3333-"},
		{"x900112222y", "x***-**-2222y"}, // letters do not extend a run
		{`Amount: "900112222 " is not a number of cents`, `Amount: "***-**-2222 " is not a number of cents`},
		{"ssn=123-45-6789.", "ssn=***-**-6789."},
		{"1-123-45-6789", "1-***-**-6789"},                                   // a dashed SSN after a dash is still one
		{"***-**-2222", "***-**-2222"},                                       // idempotent
		{"trace 091000010000001", "trace 091000010000001"},                   // 15 digits: a trace number, kept
		{"case CA2000001234", "case CA2000001234"},                           // 10 digits: a case identifier, kept
		{"9001122223…", "9001122223…"},                                       // 10 digits: not SSN-like
		{"9001122223 then 900112222", "9001122223 then ***-**-2222"},         // only the nine-digit run
		{"control 0600026111900000420001", "control 0600026111900000420001"}, // 22 digits: an e-IWO control number, kept
		{"entry 9001122220600026111900000420001)", "entry ***-**-0001)"},     // 31 digits: glued numbers, masked whole
		{"12345678-9", "12345678-9"},                                         // not the 3-2-4 form
		{"1-2-3-4-5-6-7-8-9", "1-2-3-4-5-6-7-8-9"},                           // not the 3-2-4 form
		{"123-45-67890", "123-45-67890"},                                     // last group too long
		{"1123-45-6789", "1123-45-6789"},                                     // first group too long
		{"routing 091000019", "routing ***-**-0019"},                         // false positive, accepted
		{"FEIN 912345678", "FEIN ***-**-5678"},                               // false positive, accepted
		{"ISA 000000905 000000906", "ISA ***-**-0905 ***-**-0906"},           // control numbers too
		{"2026-11-20T01:30:00Z run 7", "2026-11-20T01:30:00Z run 7"},         // timestamps kept
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
		{"900120001", true}, // an ITIN: kept (see Assignable)
		{"999999999", true},
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
