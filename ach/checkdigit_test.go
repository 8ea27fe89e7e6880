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
