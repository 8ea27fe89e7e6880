package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/withholding"
)

// Number formats. Money is shown in dollars with two decimals; the cell holds
// the dollar value so that sums and filters work in the spreadsheet.
const (
	moneyFormat = `"$"#,##0.00;[Red]-"$"#,##0.00`
	dateFormat  = "yyyy-mm-dd"
	stampFormat = "yyyy-mm-dd hh:mm"
	deltaFormat = "+#,##0;-#,##0;0"
)

// styles are the cell styles every workbook registers once, and how its
// sheets print.
type styles struct {
	header, title, money, date, stamp, wrap, bold, delta int
	// flag marks a cell staff must not miss (a DED claiming money the bank
	// did not credit).
	flag int
	// top is the style of a row taller than one line, so that its cells
	// start level with the first line of its wrapped text.
	top  int
	page page
}

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	mk := func(st *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(st)
		return id
	}
	money, date, stamp := moneyFormat, dateFormat, stampFormat
	// Every cell is aligned to the top: in a row made tall for wrapped
	// text, the date, case and amount then sit beside its first line.
	top := &excelize.Alignment{Vertical: "top"}
	wrap := &excelize.Alignment{Vertical: "top", WrapText: true}
	s.header = mk(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"1F4E78"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	s.title = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	s.bold = mk(&excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: top})
	s.money = mk(&excelize.Style{CustomNumFmt: &money, Alignment: top})
	delta := deltaFormat
	s.delta = mk(&excelize.Style{CustomNumFmt: &delta, Alignment: top})
	s.date = mk(&excelize.Style{CustomNumFmt: &date, Alignment: top})
	s.stamp = mk(&excelize.Style{CustomNumFmt: &stamp, Alignment: top})
	s.wrap = mk(&excelize.Style{Alignment: wrap})
	s.top = mk(&excelize.Style{Alignment: top})
	s.flag = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "9C0006"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}, Alignment: wrap})
	if err != nil {
		return styles{}, fmt.Errorf("create styles: %w", err)
	}
	return s, nil
}

// money returns a cell holding c as dollars in the money format.
func (s styles) moneyCell(c withholding.Cents) excelize.Cell {
	return excelize.Cell{StyleID: s.money, Value: float64(c) / 100}
}

// dateCell returns a date cell, or an empty string for the zero Date.
func (s styles) dateCell(d withholding.Date) any {
	if d.IsZero() {
		return ""
	}
	return excelize.Cell{StyleID: s.date, Value: d.Time(time.UTC)}
}

// stampCell returns a date-and-time cell in loc, or "" for the zero time.
func (s styles) stampCell(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return ""
	}
	// Excel has no time zones: write the wall clock of the agency.
	w := t.In(loc)
	return excelize.Cell{StyleID: s.stamp, Value: time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)}
}

// column is one column of a streamed sheet.
type column struct {
	name  string
	width float64
	// wrap wraps the column's text within its width, and its row is made
	// tall enough for it (see wrapLines).
	wrap bool
	// noPrint leaves the column off the printed pages; only trailing
	// columns may have it.
	noPrint bool
}

// maxSheetRows is the most rows one sheet holds, the header row included:
// Excel's limit (excelize.TotalRows, 1,048,576). A streamed sheet whose
// rows would pass it continues on "Name (2)", "Name (3)", … Tests lower it
// (export_test.go) to split small sheets.
var maxSheetRows = excelize.TotalRows

// PartName is the name of part n (from 1) of a streamed sheet that was
// split at Excel's row limit (1,048,576 rows, the header included): the
// sheet's own name for the first part, then "Name (2)", "Name (3)", …
func PartName(sheet string, n int) string {
	if n <= 1 {
		return sheet
	}
	return sheet + " (" + strconv.Itoa(n) + ")"
}

// stream writes one sheet row by row with excelize's StreamWriter, so a
// sheet's size does not decide the memory used, and turns it into an Excel
// table with filter buttons when it is finished. Past maxSheetRows it goes
// on in a new sheet placed after the last, with the same header row, column
// widths and frozen header, and a table of its own ("Name_2", …).
type stream struct {
	f     *excelize.File
	sw    *excelize.StreamWriter
	st    styles
	cols  []column
	sheet string // the first part's name
	part  int    // from 1
	row   int    // rows written to the current part, the header included
	table string
}

// newStream adds sheet at the end of the workbook (or takes it, empty, if
// it exists) and starts it with a header row. table names the Excel table;
// "" writes a plain range. Sheets are streamed one after the other, each
// finished before the next starts, and each part of a split sheet is added
// when the one before it is full: so the parts follow one another, before
// the next sheet. (excelize's MoveSheet is no way to place a part: it reads
// every sheet back, and a stream that spilled to disk reads back empty.)
func newStream(f *excelize.File, sheet, table string, st styles, cols []column) (*stream, error) {
	s := &stream{f: f, st: st, cols: cols, sheet: sheet, table: table}
	if err := s.start(sheet); err != nil {
		return nil, err
	}
	return s, nil
}

// start adds sheet name and begins part s.part+1 on it, printing with its
// header row on every page.
func (s *stream) start(name string) error {
	if _, err := s.f.NewSheet(name); err != nil {
		return fmt.Errorf("add sheet %s: %w", name, err)
	}
	if err := setPrint(s.f, name, s.st.page, printSetup{titleRows: 1}); err != nil {
		return err
	}
	sw, err := s.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("stream sheet %s: %w", name, err)
	}
	for i, c := range s.cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fmt.Errorf("stream sheet %s: %w", name, err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("stream sheet %s: %w", name, err)
	}
	s.sw, s.row = sw, 0
	s.part++
	head := make([]any, len(s.cols))
	for i, c := range s.cols {
		head[i] = excelize.Cell{StyleID: s.st.header, Value: c.name}
	}
	return s.write(head, headerLines(s.cols))
}

// add writes the next row, in a new part when the current one is full. A
// string in a wrap column is written wrapping, and the row is made tall
// enough for the longest.
func (s *stream) add(values ...any) error {
	if s.row >= maxSheetRows {
		if err := s.next(); err != nil {
			return err
		}
	}
	return s.write(values, wrapRow(s.st, s.cols, values))
}

// wrapRow styles the strings of a row's wrap columns to wrap, and returns
// how many lines tall the row must be for the longest text among them.
func wrapRow(st styles, cols []column, values []any) int {
	lines := 1
	for i, c := range cols {
		if !c.wrap || i >= len(values) {
			continue
		}
		switch v := values[i].(type) {
		case string:
			lines = max(lines, wrapLines(v, c.width, false))
			values[i] = excelize.Cell{StyleID: st.wrap, Value: v}
		case excelize.Cell:
			if text, ok := v.Value.(string); ok {
				lines = max(lines, wrapLines(text, c.width, false))
			}
		}
	}
	return lines
}

// printedColumns is how many of cols print: all but the trailing noPrint
// ones, and at least one.
func printedColumns(cols []column) int {
	printed := len(cols)
	for printed > 1 && cols[printed-1].noPrint {
		printed--
	}
	return printed
}

// partTable is the name of the table of part n (from 1) of a sheet whose
// first part's table is table: "Name", then "Name_2", "Name_3", …
func partTable(table string, n int) string {
	if n <= 1 {
		return table
	}
	return table + "_" + strconv.Itoa(n)
}

// next finishes the current part and starts the next one.
func (s *stream) next() error {
	if err := s.finish(); err != nil {
		return err
	}
	return s.start(PartName(s.sheet, s.part+1))
}

// write writes values as the next row, lines lines tall.
func (s *stream) write(values []any, lines int) error {
	s.row++
	cell, err := excelize.CoordinatesToCellName(1, s.row)
	if err != nil {
		return fmt.Errorf("write row %d of %s: %w", s.row, s.sw.Sheet, err)
	}
	var opts []excelize.RowOpts
	if lines > 1 {
		opts = append(opts, excelize.RowOpts{Height: rowHeight(lines), StyleID: s.st.top})
	}
	if err := s.sw.SetRow(cell, values, opts...); err != nil {
		return fmt.Errorf("write row %d of %s: %w", s.row, s.sw.Sheet, err)
	}
	return nil
}

// finish adds the current part's table (when it has at least one data row)
// and print area, and flushes it.
func (s *stream) finish() error {
	if err := setPrintArea(s.f, s.sw.Sheet, printedColumns(s.cols), s.row); err != nil {
		return err
	}
	if s.table != "" && s.row > 1 {
		last, err := excelize.CoordinatesToCellName(len(s.cols), s.row)
		if err != nil {
			return fmt.Errorf("finish sheet %s: %w", s.sw.Sheet, err)
		}
		stripes := true
		if err := s.sw.AddTable(&excelize.Table{
			Range:          "A1:" + last,
			Name:           partTable(s.table, s.part),
			StyleName:      "TableStyleMedium2",
			ShowRowStripes: &stripes,
		}); err != nil {
			return fmt.Errorf("add table to %s: %w", s.sw.Sheet, err)
		}
	}
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("flush sheet %s: %w", s.sw.Sheet, err)
	}
	return nil
}

// save writes f to path through a temporary file in the same directory, so a
// reader (an SFTP push, a person opening the file) never sees half a workbook.
func save(f *excelize.File, path string) error {
	return saveWith(path, func(w io.Writer) error {
		_, err := f.WriteTo(w)
		return err
	})
}

// saveWith writes path with write, through a temporary file in the same
// directory that is renamed into place only when write succeeded.
func saveWith(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save workbook: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op after a successful rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("save workbook %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save workbook %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("save workbook %s: %w", path, err)
	}
	return nil
}

// newWorkbook returns an empty workbook whose first sheet is named first,
// its pages set up as pg says. Temporary stream files go to tmpDir ("" =
// the system default).
func newWorkbook(first, tmpDir string, pg page) (*excelize.File, styles, error) {
	f := excelize.NewFile(excelize.Options{TmpDir: tmpDir})
	if err := f.SetSheetName("Sheet1", first); err != nil {
		f.Close()
		return nil, styles{}, fmt.Errorf("create workbook: %w", err)
	}
	st, err := newStyles(f)
	if err != nil {
		f.Close()
		return nil, styles{}, err
	}
	st.page = pg
	return f, st, nil
}

// employerLabel is "Name (FEIN)", or the FEIN alone when the name is unknown.
func employerLabel(names map[withholding.FEIN]string, fein withholding.FEIN) string {
	if fein == "" {
		return "(unknown employer)"
	}
	if n := names[fein]; n != "" {
		return n + " (" + string(fein) + ")"
	}
	return string(fein)
}

// ids joins payment IDs for a cell.
func ids(v []int64) string {
	var b strings.Builder
	for i, id := range v {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, id)
	}
	return b.String()
}

// warningText joins a payment's warnings for one cell, each with any
// SSN-like digits masked: a warning may quote a misplaced DED element.
func warningText(ws []string) string {
	masked := make([]string, len(ws))
	for i, w := range ws {
		masked[i] = withholding.MaskDigitRuns(w)
	}
	return strings.Join(masked, "; ")
}

// setRow writes values into row r of a normal-mode sheet starting at column
// A. An excelize.Cell value sets the cell's style too.
func setRow(f *excelize.File, sheet string, r int, values ...any) error {
	for i, v := range values {
		cell, err := excelize.CoordinatesToCellName(i+1, r)
		if err != nil {
			return fmt.Errorf("write %s row %d: %w", sheet, r, err)
		}
		style := 0
		if c, ok := v.(excelize.Cell); ok {
			style, v = c.StyleID, c.Value
		}
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			return fmt.Errorf("write %s %s: %w", sheet, cell, err)
		}
		if style != 0 {
			if err := f.SetCellStyle(sheet, cell, cell, style); err != nil {
				return fmt.Errorf("style %s %s: %w", sheet, cell, err)
			}
		}
	}
	return nil
}
