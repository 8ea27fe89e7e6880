package report

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// statementBook writes one employer statement workbook: each sheet is
// streamed as XML straight into its zip entry, and the parts that are the
// same in every statement (styles, theme, document properties) are copied
// in already compressed.
//
// Why not excelize, which writes every other workbook: the report job
// writes a statement per active employer, 20,000 a night at state size, and
// with excelize the statements were 96 of the 258 CPU seconds of
// `iwo bench night --orders 300000` (docs/scaling.md, fix 16). What was left
// after fixes 13 and 14 was excelize's own work per workbook: NewFile
// decoding its template XML, newStyles, NewSheet and NewStreamWriter,
// AddTable reading the header row back, SetRow's cell encoding and WriteTo
// marshalling every part again, and the garbage all of it makes. A
// statement is a fixed workbook (a cover and three lists), so it is
// written here as the file format spells it, no more.
//
// BenchmarkWriteEmployerStatement (60 orders, 12 payments, 3 exceptions) on
// a loaded 2-core machine: excelize 5.6–9.4 ms, 1.20 MB and 16,005
// allocations a statement; this writer 1.25–2.4 ms, 94 KB and 1,771
// allocations, most of what is left deflate and the file's system calls.
// `iwo bench night --orders 60000 --employers 10000 --payments 50000
// --files 400`: the typical night's report 45.6–48.0 → 18.1–20.1 CPU s
// (at d4562ff; 37.4 → 13.4 at da52c30).
//
// It writes what excelize wrote (TestStatementBook_SameAsExcelize reads both
// back and compares them): inline strings escaped as excelize escapes them,
// numbers, dates as serial numbers in the date style, the styles newStyles
// makes, column widths, the frozen header row, row heights, merged cells,
// tables with filter buttons, and setPrint's page setup.
type statementBook struct {
	zw     *zip.Writer
	tpl    *statementTemplate
	page   page
	sheets []string
	ntable int // tables written so far
	// names are the workbook's defined names (print titles and areas),
	// as XML.
	names []byte
	// buf holds XML on its way to the zip, for one sheet or part at a
	// time.
	buf []byte
}

var _ statementSheets = (*statementBook)(nil)

// newStatementBook starts a statement workbook written to w, its pages
// set up as pg says.
func newStatementBook(w io.Writer, pg page) (*statementBook, error) {
	tpl, err := statementParts()
	if err != nil {
		return nil, err
	}
	return &statementBook{zw: newZip(w), tpl: tpl, page: pg, buf: make([]byte, 0, flushAt+4<<10)}, nil
}

// statementTemplate is what every statement shares: its styles, and the
// parts that do not change from one statement to the next, compressed.
type statementTemplate struct {
	st    styles
	parts []rawPart
}

// rawPart is a compressed zip entry, ready to copy into a workbook.
type rawPart struct {
	hdr  zip.FileHeader
	data []byte
}

// fixedParts are the parts of a statement taken as excelize writes them
// for a workbook with newStyles' styles.
var fixedParts = []string{"_rels/.rels", "docProps/app.xml", "docProps/core.xml", "xl/styles.xml", "xl/theme/theme1.xml"}

// statementParts makes the statementTemplate once per process: excelize
// makes the styles (newStyles, so they are the operations workbook's
// too) and the theme once, not once per statement.
var statementParts = sync.OnceValues(func() (*statementTemplate, error) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("make statement template: %w", err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return nil, fmt.Errorf("make statement template: %w", err)
	}
	tpl := &statementTemplate{st: st}
	// The parts are copied as excelize compressed them: they are made
	// once per process, so their level does not matter.
	for _, zf := range zr.File {
		if !slices.Contains(fixedParts, zf.Name) {
			continue
		}
		rc, err := zf.OpenRaw()
		if err != nil {
			return nil, fmt.Errorf("make statement template: %w", err)
		}
		data, err := io.ReadAll(rc)
		if err != nil {
			return nil, fmt.Errorf("make statement template: %w", err)
		}
		tpl.parts = append(tpl.parts, rawPart{hdr: zf.FileHeader, data: data})
	}
	if len(tpl.parts) != len(fixedParts) {
		return nil, fmt.Errorf("make statement template: %d of the %d fixed parts found", len(tpl.parts), len(fixedParts))
	}
	return tpl, nil
})

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	// ctSheet and ctTable are the content types of a worksheet and a
	// table part.
	ctSheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
	ctTable = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

// flushAt is how much of a sheet's XML is gathered before it goes to the
// compressor. The book's one buffer serves its sheets in turn.
const flushAt = 12 << 10

// xlsxSheet is a sheet being written into its zip entry.
type xlsxSheet struct {
	b      *statementBook
	index  int // from 0
	w      io.Writer
	buf    []byte
	ps     printSetup
	merges []byte
}

// sheet adds a sheet called name to the workbook and starts its zip entry
// with the columns' widths; frozen freezes its first row.
func (b *statementBook) sheet(name string, widths []float64, ps printSetup, frozen bool) (*xlsxSheet, error) {
	s := &xlsxSheet{b: b, index: len(b.sheets), ps: ps}
	b.sheets = append(b.sheets, name)
	w, err := b.zw.Create("xl/worksheets/sheet" + strconv.Itoa(s.index+1) + ".xml")
	if err != nil {
		return nil, fmt.Errorf("write sheet %s: %w", name, err)
	}
	s.w = w
	buf := append(b.buf[:0], xmlHeader...)
	buf = append(buf, `<worksheet xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><sheetViews><sheetView`...)
	if s.index == 0 {
		buf = append(buf, ` tabSelected="1"`...)
	}
	buf = append(buf, ` workbookViewId="0">`...)
	if frozen {
		buf = append(buf, `<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>`...)
	}
	buf = append(buf, `</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>`...)
	for i, wd := range widths {
		n := strconv.Itoa(i + 1)
		buf = append(buf, `<col min="`+n+`" max="`+n+`" width="`...)
		buf = strconv.AppendFloat(buf, wd, 'f', -1, 64)
		buf = append(buf, `" customWidth="1"/>`...)
	}
	s.buf = append(buf, `</cols><sheetData>`...)
	if ps.titleRows > 0 {
		b.defineName("_xlnm.Print_Titles", s.index, printTitlesRef(name, ps.titleRows))
	}
	return s, nil
}

// defineName adds a defined name local to sheet index.
func (b *statementBook) defineName(name string, index int, refersTo string) {
	b.names = append(b.names, `<definedName name="`+name+`" localSheetId="`+strconv.Itoa(index)+`">`...)
	b.names = appendXMLText(b.names, refersTo, false)
	b.names = append(b.names, `</definedName>`...)
}

// row writes row r, lines lines tall. Its cells start at column A and are
// written as excelize's StreamWriter.SetRow writes them, an excelize.Cell
// with its style; a cell without one takes rowStyle (0 for none).
func (s *xlsxSheet) row(r, lines, rowStyle int, values []any) error {
	buf := append(s.buf, `<row r="`...)
	buf = strconv.AppendInt(buf, int64(r), 10)
	buf = append(buf, '"')
	if rowStyle != 0 {
		buf = append(buf, ` s="`...)
		buf = strconv.AppendInt(buf, int64(rowStyle), 10)
		buf = append(buf, `" customFormat="1"`...)
	}
	if lines > 1 {
		buf = append(buf, ` ht="`...)
		buf = strconv.AppendFloat(buf, rowHeight(lines), 'f', -1, 64)
		buf = append(buf, `" customHeight="1"`...)
	}
	buf = append(buf, '>')
	var err error
	for i, v := range values {
		style := rowStyle
		if c, ok := v.(excelize.Cell); ok {
			if c.StyleID != 0 {
				style = c.StyleID
			}
			v = c.Value
		}
		if buf, err = appendCell(buf, i+1, r, style, v); err != nil {
			s.buf = buf
			return fmt.Errorf("write row %d of %s: %w", r, s.b.sheets[s.index], err)
		}
	}
	s.buf = append(buf, `</row>`...)
	if len(s.buf) >= flushAt {
		return s.flush()
	}
	return nil
}

// merge merges the cells from..to (such as "B2", "C2").
func (s *xlsxSheet) merge(from, to string) {
	s.merges = append(s.merges, `<mergeCell ref="`+from+":"+to+`"/>`...)
}

func (s *xlsxSheet) flush() error {
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("write sheet %s: %w", s.b.sheets[s.index], err)
	}
	s.buf = s.buf[:0]
	return nil
}

// end finishes the sheet with its merged cells and page setup (setPrint's),
// and the table over ref (such as "A1:I20") unless table is "".
func (s *xlsxSheet) end(table, ref string, cols []column) error {
	b := s.b
	buf := append(s.buf, `</sheetData>`...)
	if len(s.merges) > 0 {
		buf = append(buf, `<mergeCells>`...)
		buf = append(buf, s.merges...)
		buf = append(buf, `</mergeCells>`...)
	}
	buf = append(buf, `<pageMargins left="`...)
	buf = strconv.AppendFloat(buf, marginSide, 'f', -1, 64)
	buf = append(buf, `" right="`...)
	buf = strconv.AppendFloat(buf, marginSide, 'f', -1, 64)
	buf = append(buf, `" top="`...)
	buf = strconv.AppendFloat(buf, marginTop, 'f', -1, 64)
	buf = append(buf, `" bottom="`...)
	buf = strconv.AppendFloat(buf, marginBottom, 'f', -1, 64)
	buf = append(buf, `" header="`...)
	buf = strconv.AppendFloat(buf, marginHeaderFooter, 'f', -1, 64)
	buf = append(buf, `" footer="`...)
	buf = strconv.AppendFloat(buf, marginHeaderFooter, 'f', -1, 64)
	buf = append(buf, `"/><pageSetup paperSize="`+strconv.Itoa(paperLetter)+`" orientation="landscape" fitToWidth="1" fitToHeight="`...)
	buf = strconv.AppendInt(buf, int64(s.ps.tall), 10)
	hf := b.page.headerFooter()
	buf = append(buf, `"/><headerFooter><oddHeader>`...)
	buf = appendXMLText(buf, hf.OddHeader, false)
	buf = append(buf, `</oddHeader><oddFooter>`...)
	buf = appendXMLText(buf, hf.OddFooter, false)
	buf = append(buf, `</oddFooter></headerFooter>`...)
	if table != "" {
		buf = append(buf, `<tableParts count="1"><tablePart r:id="rId1"/></tableParts>`...)
	}
	s.buf = append(buf, `</worksheet>`...)
	err := s.flush()
	b.buf = s.buf
	if err != nil {
		return err
	}
	if table == "" {
		return nil
	}
	b.ntable++
	n := strconv.Itoa(b.ntable)
	w, err := b.zw.Create("xl/worksheets/_rels/sheet" + strconv.Itoa(s.index+1) + ".xml.rels")
	if err != nil {
		return fmt.Errorf("add table to %s: %w", b.sheets[s.index], err)
	}
	if _, err := io.WriteString(w, xmlHeader+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="`+nsRel+`/table" Target="../tables/table`+n+`.xml"/></Relationships>`); err != nil {
		return fmt.Errorf("add table to %s: %w", b.sheets[s.index], err)
	}
	buf = append(s.buf[:0], xmlHeader+`<table xmlns="`+nsMain+`" id="`+n+`" name="`...)
	buf = appendXMLText(buf, table, false)
	buf = append(buf, `" displayName="`...)
	buf = appendXMLText(buf, table, false)
	buf = append(buf, `" ref="`+ref+`"><autoFilter ref="`+ref+`"/><tableColumns count="`+strconv.Itoa(len(cols))+`">`...)
	for i, c := range cols {
		buf = append(buf, `<tableColumn id="`+strconv.Itoa(i+1)+`" name="`...)
		buf = appendXMLText(buf, c.name, false)
		buf = append(buf, `"/>`...)
	}
	buf = append(buf, `</tableColumns><tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>`...)
	b.buf = buf
	if w, err = b.zw.Create("xl/tables/table" + n + ".xml"); err == nil {
		_, err = w.Write(buf)
	}
	if err != nil {
		return fmt.Errorf("add table to %s: %w", b.sheets[s.index], err)
	}
	return nil
}

// close writes the workbook's own parts, which list its sheets and
// tables, and the fixed ones, and finishes the zip.
func (b *statementBook) close() error {
	buf := append(b.buf[:0], xmlHeader+`<workbook xmlns="`+nsMain+`" xmlns:r="`+nsRel+`"><bookViews><workbookView/></bookViews><sheets>`...)
	for i, name := range b.sheets {
		n := strconv.Itoa(i + 1)
		buf = append(buf, `<sheet name="`...)
		buf = appendXMLText(buf, name, false)
		buf = append(buf, `" sheetId="`+n+`" r:id="rId`+n+`"/>`...)
	}
	buf = append(buf, `</sheets>`...)
	if len(b.names) > 0 {
		buf = append(buf, `<definedNames>`...)
		buf = append(buf, b.names...)
		buf = append(buf, `</definedNames>`...)
	}
	buf = append(buf, `</workbook>`...)
	if err := b.part("xl/workbook.xml", buf); err != nil {
		return err
	}

	buf = append(buf[:0], xmlHeader+`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`...)
	for i := range b.sheets {
		n := strconv.Itoa(i + 1)
		buf = append(buf, `<Relationship Id="rId`+n+`" Type="`+nsRel+`/worksheet" Target="worksheets/sheet`+n+`.xml"/>`...)
	}
	n := len(b.sheets)
	buf = append(buf, `<Relationship Id="rId`+strconv.Itoa(n+1)+`" Type="`+nsRel+`/styles" Target="styles.xml"/>`+
		`<Relationship Id="rId`+strconv.Itoa(n+2)+`" Type="`+nsRel+`/theme" Target="theme/theme1.xml"/></Relationships>`...)
	if err := b.part("xl/_rels/workbook.xml.rels", buf); err != nil {
		return err
	}

	buf = append(buf[:0], xmlHeader+`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>`+
		`<Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`+
		`<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>`+
		`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>`+
		`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>`...)
	for i := range b.sheets {
		buf = append(buf, `<Override PartName="/xl/worksheets/sheet`+strconv.Itoa(i+1)+`.xml" ContentType="`+ctSheet+`"/>`...)
	}
	for i := range b.ntable {
		buf = append(buf, `<Override PartName="/xl/tables/table`+strconv.Itoa(i+1)+`.xml" ContentType="`+ctTable+`"/>`...)
	}
	buf = append(buf, `</Types>`...)
	if err := b.part("[Content_Types].xml", buf); err != nil {
		return err
	}

	for _, p := range b.tpl.parts {
		hdr := p.hdr
		w, err := b.zw.CreateRaw(&hdr)
		if err == nil {
			_, err = w.Write(p.data)
		}
		if err != nil {
			return fmt.Errorf("write workbook part %s: %w", p.hdr.Name, err)
		}
	}
	if err := b.zw.Close(); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// part writes a part of the workbook.
func (b *statementBook) part(name string, data []byte) error {
	w, err := b.zw.Create(name)
	if err == nil {
		_, err = w.Write(data)
	}
	if err != nil {
		return fmt.Errorf("write workbook part %s: %w", name, err)
	}
	return nil
}

// appendCell appends the cell at col, row holding v in style (0 for
// none), as excelize's StreamWriter writes it: strings inline, numbers as
// they are, times as Excel serial numbers.
func appendCell(buf []byte, col, row, style int, v any) ([]byte, error) {
	if v == nil {
		return buf, nil
	}
	start := len(buf)
	buf = append(buf, `<c r="`...)
	buf = appendCellName(buf, col, row)
	buf = append(buf, '"')
	if style != 0 {
		buf = append(buf, ` s="`...)
		buf = strconv.AppendInt(buf, int64(style), 10)
		buf = append(buf, '"')
	}
	switch v := v.(type) {
	case string:
		return appendInlineString(buf, v), nil
	case int:
		buf = append(buf, `><v>`...)
		buf = strconv.AppendInt(buf, int64(v), 10)
	case int64:
		buf = append(buf, `><v>`...)
		buf = strconv.AppendInt(buf, v, 10)
	case float64:
		buf = append(buf, `><v>`...)
		buf = strconv.AppendFloat(buf, v, 'f', -1, 64)
	case time.Time:
		serial, ok := excelSerial(v)
		if !ok {
			return appendInlineString(buf, v.Format(time.RFC3339Nano)), nil
		}
		buf = append(buf, `><v>`...)
		buf = strconv.AppendFloat(buf, serial, 'f', -1, 64)
	default:
		return buf[:start], fmt.Errorf("cell %d: unsupported value type %T", col, v)
	}
	return append(buf, `</v></c>`...), nil
}

// appendInlineString ends a cell's start tag, buf, with its text s as an
// inline string, escaped as excelize escapes it.
func appendInlineString(buf []byte, s string) []byte {
	s = truncateCell(s)
	buf = append(buf, ` t="inlineStr"><is><t`...)
	if s != "" && (isXMLSpace(s[0]) || isXMLSpace(s[len(s)-1])) {
		buf = append(buf, ` xml:space="preserve"`...)
	}
	buf = append(buf, '>')
	buf = appendXMLText(buf, s, true)
	return append(buf, `</t></is></c>`...)
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// truncateCell cuts s to the most a cell holds (excelize.TotalCellChars
// UTF-16 code units), as excelize does.
func truncateCell(s string) string {
	if len(s) <= excelize.TotalCellChars {
		return s // each UTF-16 unit takes at least one byte
	}
	units := 0
	for i, r := range s {
		units += utf16.RuneLen(r)
		if units > excelize.TotalCellChars {
			return s[:i]
		}
	}
	return s
}

// excel1900 is day 0 of Excel's serial dates for dates after February
// 1900 (Excel counts a 29 February 1900 that never was).
var excel1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelSerial is t's wall clock as an Excel serial date, or false for a
// time before March 1900, which excelize writes as text.
func excelSerial(t time.Time) (float64, bool) {
	w := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	if w.Year() < 1900 || w.Year() == 1900 && w.Month() < time.March {
		return 0, false
	}
	secs := w.Unix() - excel1900.Unix()
	return float64(secs)/86400 + float64(w.Nanosecond())/(86400*1e9), true
}

// appendCellName appends the A1-style name of the cell at col, row.
func appendCellName(buf []byte, col, row int) []byte {
	var letters [4]byte
	i := len(letters)
	for c := col; c > 0; c = (c - 1) / 26 {
		i--
		letters[i] = byte('A' + (c-1)%26)
	}
	buf = append(buf, letters[i:]...)
	return strconv.AppendInt(buf, int64(row), 10)
}

// cellName is appendCellName's name as a string.
func cellName(col, row int) string { return string(appendCellName(nil, col, row)) }

// appendXMLText appends s escaped for XML text or an attribute value as
// encoding/xml.EscapeText escapes it (which excelize uses): characters XML
// does not allow become U+FFFD, tabs and carriage returns character
// references. In cell text (cell true) a line feed stays as it is, as
// excelize leaves it, and an underscore that would start an escape of the
// file format's own (_x0041_ is "A") is itself escaped (_x005F_), so the
// text reads back as written.
func appendXMLText(buf []byte, s string, cell bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || !xmlChar(r) {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch {
		case c == '\n' && cell:
			buf = append(buf, '\n')
		case c == '_' && cell && escapeLike(s[i:]):
			buf = append(buf, "_x005F_"...)
		case asciiEscapes[c] != "":
			buf = append(buf, asciiEscapes[c]...)
		default:
			buf = append(buf, c)
		}
		i++
	}
	return buf
}

// asciiEscapes are encoding/xml's escapes of ASCII characters, "" for
// those written as they are; the control characters XML does not allow
// become U+FFFD.
var asciiEscapes = func() (e [utf8.RuneSelf]string) {
	for c := range 0x20 {
		e[c] = "\uFFFD"
	}
	e['&'], e['<'], e['>'], e['"'], e['\''] = "&amp;", "&lt;", "&gt;", "&#34;", "&#39;"
	e['\t'], e['\r'], e['\n'] = "&#x9;", "&#xD;", "&#xA;"
	return e
}()

// xmlChar reports whether XML 1.0 allows r (encoding/xml's rule).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// escapeLike reports whether s starts with _xHHHH_ naming a valid
// character, which a reader would take for an escape.
func escapeLike(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	v, err := strconv.ParseUint(s[2:6], 16, 16)
	return err == nil && utf8.ValidRune(rune(v))
}

// cover starts the workbook's first sheet, written row by row.
func (b *statementBook) cover(sheet string, widths []float64, ps printSetup) (coverRows, error) {
	s, err := b.sheet(sheet, widths, ps, false)
	if err != nil {
		return nil, err
	}
	return xlsxCover{s}, nil
}

// xlsxCover is the cover sheet of a statementBook.
type xlsxCover struct{ s *xlsxSheet }

func (c xlsxCover) row(n, lines int, merge bool, values []any) error {
	if merge {
		c.s.merge(cellName(2, n), cellName(3, n))
	}
	if len(values) == 0 {
		return nil
	}
	return c.s.row(n, lines, 0, values)
}

func (c xlsxCover) finish() error { return c.s.end("", "", nil) }

// list starts a list sheet (see stream, whose parts, header row and table
// it writes alike).
func (b *statementBook) list(sheet, table string, cols []column) (listRows, error) {
	l := &xlsxList{b: b, cols: cols, sheet: sheet, table: table, widths: make([]float64, len(cols))}
	for i, c := range cols {
		l.widths[i] = c.width
	}
	if err := l.start(sheet); err != nil {
		return nil, err
	}
	return l, nil
}

// xlsxList is a list sheet of a statementBook: stream's twin.
type xlsxList struct {
	b      *statementBook
	s      *xlsxSheet
	cols   []column
	widths []float64
	sheet  string
	table  string
	part   int
	row    int
}

func (l *xlsxList) start(name string) error {
	s, err := l.b.sheet(name, l.widths, printSetup{titleRows: 1}, true)
	if err != nil {
		return err
	}
	l.s, l.row = s, 0
	l.part++
	head := make([]any, len(l.cols))
	for i, c := range l.cols {
		head[i] = excelize.Cell{StyleID: l.b.tpl.st.header, Value: c.name}
	}
	return l.write(head, headerLines(l.cols))
}

func (l *xlsxList) add(values ...any) error {
	if l.row >= maxSheetRows {
		if err := l.finish(); err != nil {
			return err
		}
		if err := l.start(PartName(l.sheet, l.part+1)); err != nil {
			return err
		}
	}
	return l.write(values, wrapRow(l.b.tpl.st, l.cols, values))
}

// write writes the next row; a row taller than a line is aligned to the
// top, as stream.write makes it.
func (l *xlsxList) write(values []any, lines int) error {
	l.row++
	style := 0
	if lines > 1 {
		style = l.b.tpl.st.top
	}
	return l.s.row(l.row, lines, style, values)
}

func (l *xlsxList) finish() error {
	name := l.b.sheets[l.s.index]
	l.b.defineName("_xlnm.Print_Area", l.s.index, printAreaRef(name, printedColumns(l.cols), l.row))
	if l.table == "" || l.row <= 1 {
		return l.s.end("", "", nil)
	}
	return l.s.end(partTable(l.table, l.part), "A1:"+cellName(len(l.cols), l.row), l.cols)
}
