package report

import (
	"testing"

	"github.com/xuri/excelize/v2"
)

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

// WriteEmployerStatementExcelize writes in's statement with excelize, as
// WriteEmployerStatement did before it had a writer of its own
// (statementBook): the test that checks the two write the same workbook
// reads both.
func WriteEmployerStatementExcelize(path string, in StatementInput) error {
	f, st, err := newWorkbook(SheetStatement, "", statementPage(in))
	if err != nil {
		return err
	}
	defer f.Close()
	f.SetZipWriter(newZipWriter)
	if err := writeStatement(excelizeSheets{f, st}, st, in); err != nil {
		return err
	}
	return save(f, path)
}

// excelizeSheets writes a statement's sheets with excelize.
type excelizeSheets struct {
	f  *excelize.File
	st styles
}

func (x excelizeSheets) cover(sheet string, widths []float64, ps printSetup) (coverRows, error) {
	for i, w := range widths {
		c, _ := excelize.ColumnNumberToName(i + 1)
		if err := x.f.SetColWidth(sheet, c, c, w); err != nil {
			return nil, err
		}
	}
	if err := setPrint(x.f, sheet, x.st.page, ps); err != nil {
		return nil, err
	}
	return excelizeCover{x.f, sheet}, nil
}

func (x excelizeSheets) list(sheet, table string, cols []column) (listRows, error) {
	return newStream(x.f, sheet, table, x.st, cols)
}

type excelizeCover struct {
	f     *excelize.File
	sheet string
}

func (c excelizeCover) row(n, lines int, merge bool, values []any) error {
	if merge {
		if err := c.f.MergeCell(c.sheet, cellName(2, n), cellName(3, n)); err != nil {
			return err
		}
	}
	if err := setRow(c.f, c.sheet, n, values...); err != nil {
		return err
	}
	if lines > 1 {
		return c.f.SetRowHeight(c.sheet, n, rowHeight(lines))
	}
	return nil
}

func (excelizeCover) finish() error { return nil }
