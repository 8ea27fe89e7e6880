package report

import "testing"

// SetMaxSheetRows lowers the rows a streamed sheet holds (the header
// included) to n until the test ends, so that tests split small sheets.
func SetMaxSheetRows(tb testing.TB, n int) {
	tb.Helper()
	old := maxSheetRows
	maxSheetRows = n
	tb.Cleanup(func() { maxSheetRows = old })
}

// WrapLines is wrapLines, the writer's estimate of the lines text takes in
// a column.
var WrapLines = wrapLines
