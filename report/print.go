package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/withholding"
)

// lineHeight is the height in points of one line of the default font
// (Calibri 11), Excel's default row height. A row of wrapped text gets one
// per line it needs.
const lineHeight = 15

// wrapLines estimates how many lines text takes when it wraps in a column
// width characters wide (Excel's unit: the width of the digit 0 of the
// default font). Neither excelize nor the file format fits a row to its
// text, and Excel and LibreOffice only do so when someone asks, so the
// writer decides the height. It wraps word by word, as both programs do,
// and weighs characters roughly as proportional fonts draw them (capitals
// wider than a digit, spaces and i, l, t narrower); bold text is wider.
// It errs towards a line too many: an empty line costs little, a clipped
// one hides the case or the reason.
func wrapLines(text string, width float64, bold bool) int {
	if text == "" {
		return 1
	}
	// A cell keeps a few pixels of margin on each side, and fonts differ
	// (LibreOffice without Calibri draws wider ones): 5% to spare.
	room := (width - 1) * 0.95
	if bold {
		room /= 1.1
	}
	if room < 1 {
		room = 1
	}
	lines := 1
	var line, word float64 // widths of the current line and word
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		switch {
		case r == '\n':
			lines++
			line, word = 0, 0
			continue
		case r == ' ':
			line += word
			word = 0
			if line > 0 {
				line += charWidth(r)
			}
			continue
		}
		word += charWidth(r)
		if line > 0 && line+word > room {
			// The word moves down to a line of its own; trailing spaces
			// are not drawn.
			lines++
			line = 0
		}
		if word > room {
			// A word longer than the column is broken where it is full.
			lines += int(math.Ceil(word/room)) - 1
			word = math.Mod(word, room)
		}
	}
	return lines
}

// charWidth is a character's width as a share of a digit's.
func charWidth(r rune) float64 {
	switch {
	case r == ' ' || strings.ContainsRune("iljtfrI.,:;'!|()[]", r):
		return 0.55
	case r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '@':
		return 1.5
	case unicode.IsUpper(r):
		return 1.1
	}
	return 1
}

// rowHeight is the height in points of a row of lines lines.
func rowHeight(lines int) float64 { return float64(lines * lineHeight) }

// headerLines is how many lines the tallest of a header row's names takes
// in its column (header cells are bold and wrap).
func headerLines(cols []column) int {
	n := 1
	for _, c := range cols {
		n = max(n, wrapLines(c.name, c.width, true))
	}
	return n
}

// page is what a workbook's printed pages say in their header and footer.
type page struct {
	// title says what the workbook is, e.g. "Demo State Child Support
	// Services: nightly operations report"; date is its report date.
	title, date string
}

// newPage returns the page setup of a workbook called title, made on day.
func newPage(title string, day withholding.Date) page {
	// A header or footer holds at most 255 characters, its codes included.
	if r := []rune(title); len(r) > 200 {
		title = string(r[:200]) + "…"
	}
	return page{title: title, date: day.String()}
}

// headerFooter puts the workbook's title at the top of every page, and
// at the bottom the sheet's name (so a loose page says where it belongs),
// the report date and the page number. "&" starts a code in a header or
// footer, so the title's own are doubled.
func (p page) headerFooter() *excelize.HeaderFooterOptions {
	return &excelize.HeaderFooterOptions{
		OddHeader: "&C" + strings.ReplaceAll(p.title, "&", "&&"),
		OddFooter: "&L&A&C" + p.date + "&RPage &P of &N",
	}
}

// The page every sheet prints on: US letter (paper size 1 in the file
// format), with margins in inches that leave room for the header and
// footer.
const (
	paperLetter                         = 1
	marginSide, marginTop, marginBottom = 0.4, 0.6, 0.7
	marginHeaderFooter                  = 0.3
)

// printSetup is how one sheet prints.
type printSetup struct {
	// tall is how many pages tall the sheet may print: 0 for as many as its
	// rows need, 1 for a sheet that must fit one page.
	tall int
	// titleRows repeats rows 1 to titleRows at the top of every page.
	titleRows int
}

// setPrint sets up sheet to print on US letter, landscape (the sheets are
// wider than tall), one page wide at whatever scale that takes, with the
// header and footer of p. It must be called before the sheet's stream writer is made:
// the stream writes the sheet's properties, where "fit to page" lives,
// when it starts.
func setPrint(f *excelize.File, sheet string, p page, ps printSetup) error {
	fit, letter, landscape := true, paperLetter, "landscape"
	wide, tall := 1, ps.tall
	left, right, top, bottom, hf := marginSide, marginSide, marginTop, marginBottom, marginHeaderFooter
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fmt.Errorf("set up printing of %s: %w", sheet, err)
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: &letter, Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall,
	}); err != nil {
		return fmt.Errorf("set up printing of %s: %w", sheet, err)
	}
	if err := f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{
		Left: &left, Right: &right, Top: &top, Bottom: &bottom, Header: &hf, Footer: &hf,
	}); err != nil {
		return fmt.Errorf("set up printing of %s: %w", sheet, err)
	}
	if err := f.SetHeaderFooter(sheet, p.headerFooter()); err != nil {
		return fmt.Errorf("set up printing of %s: %w", sheet, err)
	}
	if ps.titleRows > 0 {
		if err := f.SetDefinedName(&excelize.DefinedName{
			Name: "_xlnm.Print_Titles", Scope: sheet, RefersTo: printTitlesRef(sheet, ps.titleRows),
		}); err != nil {
			return fmt.Errorf("set up printing of %s: %w", sheet, err)
		}
	}
	return nil
}

// setPrintArea prints only columns 1 to cols of rows 1 to rows of sheet.
func setPrintArea(f *excelize.File, sheet string, cols, rows int) error {
	if err := f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Area", Scope: sheet, RefersTo: printAreaRef(sheet, cols, rows),
	}); err != nil {
		return fmt.Errorf("set print area of %s: %w", sheet, err)
	}
	return nil
}

// printTitlesRef is what a sheet's _xlnm.Print_Titles refers to: its first
// rows rows, printed on every page.
func printTitlesRef(sheet string, rows int) string {
	return quoteSheet(sheet) + "!$1:$" + strconv.Itoa(rows)
}

// printAreaRef is what a sheet's _xlnm.Print_Area refers to: columns 1 to
// cols of rows 1 to rows.
func printAreaRef(sheet string, cols, rows int) string {
	return quoteSheet(sheet) + "!$A$1:" + absCellName(cols, rows)
}

// absCellName is the absolute name ($I$20) of the cell at col, row.
func absCellName(col, row int) string {
	n := cellName(col, row)
	i := 0
	for i < len(n) && n[i] >= 'A' {
		i++
	}
	return "$" + n[:i] + "$" + n[i:]
}

// quoteSheet quotes a sheet name for a formula ("'Exceptions (2)'").
func quoteSheet(name string) string {
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}
