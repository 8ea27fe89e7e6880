// Tests of the word-at-a-time helpers against plain references.
package ach

import (
	"math/rand/v2"
	"strconv"
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
		if got := badByte(b); got != want {
			t.Fatalf("%q: badByte %d, want %d", b, got, want)
		}
	}
}

func TestDigits(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 200000; n++ {
		b := make([]byte, rng.IntN(19))
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		if len(b) > 0 && rng.IntN(3) == 0 {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		v, ok := digits(string(b))
		w, err := strconv.ParseUint(string(b), 10, 64)
		want := err == nil && len(b) > 0 && !strings.ContainsAny(string(b), "+-_")
		if ok != want || ok && uint64(v) != w {
			t.Fatalf("digits(%q) = %d, %v; want %d, %v", b, v, ok, w, want)
		}
	}
}

func TestTrimRight(t *testing.T) {
	for n := 0; n < 40; n++ {
		for k := 0; k <= n; k++ {
			s := strings.Repeat("A", n-k) + strings.Repeat(" ", k)
			if got := trimRight(s); got != strings.TrimRight(s, " ") {
				t.Fatalf("trimRight(%q) = %q", s, got)
			}
			if got := dedText(s + "\\" + s); got != strings.TrimRight(s+"\\"+s, " ") {
				t.Fatalf("dedText(%q) = %q", s+"\\"+s, got)
			}
		}
	}
}
