package store_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/iwoproject/iwo/internal/memtest"
	"github.com/iwoproject/iwo/withholding"
)

// TestImportOrdersMemory rejects a file of 100,000 orders whose last row
// is bad. The import must stream: it may keep each row's key, not the
// rows (which took about 1 KB each when the file was parsed whole).
func TestImportOrdersMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 100,000 rows")
	}
	db := MustOpenSQLite(t)
	mustOK(t, db.UpsertEmployer(ctx, sampleEmployer("480000101")), "employer")
	const rows = 100_000
	var src bytes.Buffer
	src.WriteString(ordersHeader)
	for i := range rows {
		row := strings.Replace(goodOrder, "ORD1", fmt.Sprintf("ORD%d", i), 1)
		if i == rows-1 {
			row = strings.Replace(row, "2026-01-01", "2026-13-01", 1)
		}
		src.WriteString(row)
	}
	var err error
	peak := memtest.PeakHeap(func() {
		_, err = db.ImportOrders(ctx, "o.csv", bytes.NewReader(src.Bytes()), false)
	})
	mustCode(t, err, withholding.EINVALID, "bad last row")
	if want := fmt.Sprintf("o.csv:%d: start_date", rows+1); !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
	if peak > 40<<20 {
		t.Errorf("rejecting %d rows took %d MB of heap; want under 40 MB (the rows must not be kept)", rows, peak>>20)
	}
	t.Logf("peak heap above baseline: %.1f MB", float64(peak)/(1<<20))
}
