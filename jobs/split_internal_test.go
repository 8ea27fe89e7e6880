package jobs

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// TestSplitFiles checks where a partner's IWOs, coming in EIN order, are
// cut into files (fileCut): at most so many employers and IWOs a file,
// every IWO in exactly one file, each employer's IWOs together while the
// IWO limit allows.
func TestSplitFiles(t *testing.T) {
	// Employers 1 to 5 by the last digit of their EIN, in the order
	// store.EachOrder reads them.
	eins := "11233455"
	for _, tt := range []struct {
		batches, iwos int
		in            string
		want          []string // the employers of each file's IWOs
	}{
		{edi.MaxBatches, maxFileIWOs, eins, []string{"11233455"}},
		{2, maxFileIWOs, eins, []string{"112", "334", "55"}},
		{1, maxFileIWOs, eins, []string{"11", "2", "33", "4", "55"}},
		{edi.MaxBatches, 3, eins, []string{"112", "334", "55"}},
		{2, 4, eins, []string{"112", "334", "55"}},
		{3, 4, eins, []string{"1123", "3455"}},
		// An employer with more IWOs than a file takes goes on in the
		// next file, in a batch of its own there.
		{edi.MaxBatches, 3, "1111112", []string{"111", "111", "2"}},
		{2, 2, "1112", []string{"11", "12"}},
		{edi.MaxBatches, maxFileIWOs, "", nil},
	} {
		t.Run(fmt.Sprintf("batches=%d,iwos=%d,%s", tt.batches, tt.iwos, tt.in), func(t *testing.T) {
			c := fileCut{batches: tt.batches, iwos: tt.iwos}
			var got []string
			for _, r := range tt.in {
				if c.next(withholding.FEIN("90000000" + string(r))) {
					got = append(got, "")
				}
				got[len(got)-1] += string(r)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("files %q, want %q", got, tt.want)
			}
			for _, f := range got {
				if n := len(f); n > tt.iwos {
					t.Errorf("file %q has %d IWOs, more than %d", f, n, tt.iwos)
				}
				employers := 0
				for i := range f {
					if i == 0 || f[i] != f[i-1] {
						employers++
					}
				}
				if employers > tt.batches {
					t.Errorf("file %q has %d employers, more than %d", f, employers, tt.batches)
				}
			}
			if all := strings.Join(got, ""); all != tt.in {
				t.Errorf("files hold %q, want every IWO once: %q", all, tt.in)
			}
		})
	}
}
