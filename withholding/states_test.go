package withholding_test

import (
	"testing"

	"github.com/iwoproject/iwo/withholding"
)

func TestGoverningState(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"CA", "CALIFORNIA"},
		{"DC", "DISTRICT OF COLUMBIA"},
		{"VI", "VIRGIN ISLANDS"},
		{"ZZ", "ZZ"}, // not in the table: the code as given
	} {
		if got := withholding.GoverningState(tc.code); got != tc.want {
			t.Errorf("GoverningState(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
}
