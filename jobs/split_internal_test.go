package jobs

import (
	"fmt"
	"testing"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/transfer"
	"github.com/iwoproject/iwo/withholding"
)

// TestSplitFiles checks that a partner's IWOs are cut into files of at
// most so many employers and IWOs, every IWO in exactly one file, each
// employer's IWOs together while the IWO limit allows.
func TestSplitFiles(t *testing.T) {
	ob := &outbound{partner: &transfer.Partner{Name: "portal"}}
	for i, ein := range []string{"900000005", "900000001", "900000003", "900000001", "900000002", "900000005", "900000004", "900000003"} {
		ob.iwos = append(ob.iwos, &edi.IWO{EmployerEIN: withholding.FEIN(ein)})
		ob.orders = append(ob.orders, &withholding.Order{ID: int64(i + 1)})
	}
	for _, tt := range []struct {
		batches, iwos, files int
	}{
		{edi.MaxBatches, maxFileIWOs, 1},
		{2, maxFileIWOs, 3},
		{1, maxFileIWOs, 5},
		{edi.MaxBatches, 3, 3},
	} {
		t.Run(fmt.Sprintf("batches=%d,iwos=%d", tt.batches, tt.iwos), func(t *testing.T) {
			files := splitFiles([]*outbound{ob}, tt.batches, tt.iwos)
			if len(files) != tt.files {
				t.Errorf("%d files, want %d", len(files), tt.files)
			}
			seen := map[int64]bool{}
			for _, f := range files {
				eins := map[withholding.FEIN]bool{}
				for i, d := range f.iwos {
					eins[d.EmployerEIN] = true
					if f.partner != ob.partner || seen[f.orders[i].ID] {
						t.Errorf("order %d: partner %v, seen twice %v", f.orders[i].ID, f.partner.Name, seen[f.orders[i].ID])
					}
					seen[f.orders[i].ID] = true
					if ob.iwos[f.orders[i].ID-1] != d {
						t.Errorf("order %d is not with its IWO", f.orders[i].ID)
					}
				}
				if len(eins) > tt.batches || len(f.iwos) > tt.iwos {
					t.Errorf("a file of %d employers and %d IWOs", len(eins), len(f.iwos))
				}
			}
			if len(seen) != len(ob.iwos) {
				t.Errorf("%d IWOs in the files, want %d", len(seen), len(ob.iwos))
			}
		})
	}
}
