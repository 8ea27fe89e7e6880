package ach

import (
	"fmt"
	"testing"

	moov "github.com/moov-io/ach"
)

// TestCheckDigitMatchesMoov compares the reader's inlined routing check
// digit with moov-io/ach's over a spread of eight-digit prefixes.
func TestCheckDigitMatchesMoov(t *testing.T) {
	for i := 0; i < 100_000; i++ {
		s := fmt.Sprintf("%08d", (i*7919+13)%100_000_000)
		if got, want := checkDigit(s), moov.CalculateCheckDigit(s); got != want {
			t.Fatalf("checkDigit(%q) = %d, moov-io/ach says %d", s, got, want)
		}
	}
}

func TestValidRouting(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"123456780", true},
		{"121000358", true},
		{"123456789", false}, // wrong check digit
		{"12345678", false},  // too short
		{"12345678a", false},
		{"", false},
	} {
		if got := ValidRouting(tc.in); got != tc.want {
			t.Errorf("ValidRouting(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
