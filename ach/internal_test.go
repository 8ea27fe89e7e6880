package ach

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func refSplit(s string, sep byte) ([]string, bool) {
	dirty := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != sep && (c == ' ' || c >= 'a' && c <= 'z' || c >= 0x80) {
			dirty = true
		}
	}
	return strings.Split(s, string(sep)), dirty
}

func TestSplitQuick(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alpha := "AZ09*\\ az\x80\xff`{@[*"
	for n := 0; n < 200000; n++ {
		b := make([]byte, rng.IntN(90))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = byte(rng.IntN(256))
			} else {
				b[i] = alpha[rng.IntN(len(alpha))]
			}
		}
		s := string(b)
		got, gd := splitElements(s, '*', nil)
		want, wd := refSplit(s, '*')
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Fatalf("%q: %q want %q", s, got, want)
		}
		if wd && !gd {
			t.Fatalf("%q: dirty %v want %v", s, gd, wd)
		}
		if gd && !wd {
			t.Fatalf("%q: dirty false positive", s)
		}
	}
}

func TestPrintable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 100000; n++ {
		b := make([]byte, rng.IntN(100))
		for i := range b {
			b[i] = byte(0x20 + rng.IntN(0x5f))
		}
		if len(b) > 0 && rng.IntN(2) == 0 {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		want := -1
		for i, c := range b {
			if c < 0x20 || c > 0x7e {
				want = i
				break
			}
		}
		if got := badByte(string(b)); got != want {
			t.Fatalf("%q: badByte %d, want %d", b, got, want)
		}
	}
}
