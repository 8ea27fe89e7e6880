package reconcile

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTable checks the order index against a plain map of slices on keys
// that collide on purpose: the hash is the key's length, so every probe
// sequence is long, fragments are equal and the table must tell keys apart
// by reading them back. Lookups must give every order with the key, newest
// first, as the chained maps before the table did.
func TestTable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 100, 1000} {
		keys := make([]string, n)
		want := map[string][]int32{}
		for i := range keys {
			if r.IntN(10) > 0 {
				keys[i] = fmt.Sprintf("K%d", r.IntN(n/2+1))
				want[keys[i]] = slices.Insert(want[keys[i]], 0, int32(i))
			}
		}
		tb := newTable(n, func(k string) uint64 { return uint64(len(k)) << 32 },
			func(i int) (string, bool) { return keys[i], keys[i] != "" })
		for k := range n + 2 {
			key := fmt.Sprintf("K%d", k)
			var got []int32
			tb.each(key, func(i int32) bool { got = append(got, i); return true })
			if !slices.Equal(got, want[key]) {
				t.Errorf("n=%d: orders under %q = %v, want %v", n, key, got, want[key])
			}
		}
		var got []int32
		tb.each("", func(i int32) bool { got = append(got, i); return true })
		if len(got) != 0 {
			t.Errorf("n=%d: orders without a key were indexed: %v", n, got)
		}
	}
}

// TestMakeNameKey checks that packing keeps apart what the joined strings
// ("CODE|FIPS5") kept apart.
func TestMakeNameKey(t *testing.T) {
	for _, tt := range []struct {
		code, fips string
		ok         bool
		same       string // a code that must pack to the same key with fips
	}{
		{"LEE,SAM", "0603700", true, "LEE,SAM"},
		{"CASTELLMAR", " 06037", true, "CASTELLMAR"},
		{"LEE,SAM", "0603", false, ""},
		{"", "06037", false, ""},
	} {
		k, ok := makeNameKey([]byte(tt.code), tt.fips)
		if ok != tt.ok {
			t.Errorf("makeNameKey(%q, %q) ok = %v", tt.code, tt.fips, ok)
			continue
		}
		if !ok {
			continue
		}
		if k2, _ := makeNameKey([]byte(tt.same), tt.fips); k2 != k {
			t.Errorf("makeNameKey(%q, %q) differs from itself", tt.code, tt.fips)
		}
		for _, other := range []string{tt.code + "A", tt.code[:len(tt.code)-1], "CASTELLMARXY", "CASTELLMARXYZ"} {
			if k2, _ := makeNameKey([]byte(other), tt.fips); k2 == k {
				t.Errorf("makeNameKey(%q) = makeNameKey(%q)", other, tt.code)
			}
		}
		if k2, _ := makeNameKey([]byte(tt.code), "06038"); k2 == k {
			t.Errorf("makeNameKey(%q) ignores the FIPS", tt.code)
		}
		if k2, _ := makeNameKey([]byte(tt.code), "0603799"); k2 != k {
			t.Errorf("makeNameKey(%q) reads more than five FIPS digits", tt.code)
		}
	}
}

// TestNameCode_Letters checks that name codes upper-case letters as
// strings.ToUpper does, including the non-ASCII ones that become ASCII.
func TestNameCode_Letters(t *testing.T) {
	for _, tt := range []struct{ last, first, want string }{
		{"mcdonald-\u017fmith", "\u0131van", "MCDONALIVA"}, // ſ and ı upper-case to S and I
		{"Lee", "", "LEE,"},
		{"Lee", "Sa m", "LEE,SAM"},
	} {
		if got := NameCode(tt.last, tt.first); got != tt.want {
			t.Errorf("NameCode(%q, %q) = %q, want %q", tt.last, tt.first, got, tt.want)
		}
	}
}
