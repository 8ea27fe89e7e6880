package report

import (
	"cmp"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/iwoproject/iwo/withholding"
	"github.com/iwoproject/iwo/withholding/reconcile"
)

// Sheet names of the operations workbook, in order.
const (
	SheetSummary    = "Summary"
	SheetEmployers  = "Employers"
	SheetExceptions = "Exceptions"
	SheetPayments   = "Payments"
	SheetIWOs       = "IWOs"
	SheetFiles      = "Files"
)

// OperationsInput is what the nightly operations workbook shows; the
// domain defines it so that the report job hands it over through
// jobs.Reports without knowing this package.
type OperationsInput = withholding.OperationsReport

// Payments returns a sequence over a slice, for OperationsInput.Payments.
func Payments(ps []*withholding.Payment) iter.Seq2[*withholding.Payment, error] {
	return values(ps)
}

// Exceptions returns a sequence over the open exceptions of a slice in the
// sheet's order, as OperationsInput.Exceptions wants them (see
// openExceptions).
func Exceptions(exs []*withholding.Exception, today withholding.Date) iter.Seq2[*withholding.Exception, error] {
	return values(openExceptions(exs, today))
}

// Documents returns a sequence over a slice of documents, newest sent
// first as OperationsInput.Documents wants them: a stable sort, so
// documents sent at the same time keep the slice's order.
func Documents(ds []*withholding.Document) iter.Seq2[*withholding.Document, error] {
	ds = slices.Clone(ds)
	slices.SortStableFunc(ds, func(a, b *withholding.Document) int { return b.SentAt.Compare(a.SentAt) })
	return values(ds)
}

// values yields the elements of a slice, never an error.
func values[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

// orNone is seq, or an empty sequence when seq is nil (an input left out).
func orNone[T any](seq iter.Seq2[T, error]) iter.Seq2[T, error] {
	if seq == nil {
		return values[T](nil)
	}
	return seq
}

// WriteOperations writes the nightly operations workbook to path (replacing
// it atomically) and returns tonight's totals, which the caller keeps to
// compare against tomorrow.
func WriteOperations(path string, in OperationsInput) (Totals, error) {
	if in.Location == nil {
		in.Location = time.UTC
	}
	f, st, err := newWorkbook(SheetSummary, in.TmpDir, newPage(operationsTitle(in.Title), in.RunDate))
	if err != nil {
		return Totals{}, err
	}
	// Deflated fast, as the statements are (see zipLevel): the workbook of
	// a state's night lists hundreds of thousands of rows, and archive/zip's
	// default level was most of its save.
	f.SetZipWriter(newZipWriter)
	defer f.Close()
	// Money by employer has a sheet of its own, second, so that the summary
	// prints on one page (written with the summary, at the end).
	if _, err := f.NewSheet(SheetEmployers); err != nil {
		return Totals{}, fmt.Errorf("add %s sheet: %w", SheetEmployers, err)
	}
	names := employerNames(in.Employers)
	tot := newTotals(in.RunDate)

	// Each sheet is added as it is streamed, in this order (see newStream).
	if err := writeExceptions(f, st, in, names, &tot); err != nil {
		return Totals{}, err
	}
	if err := writePayments(f, st, in, names, &tot); err != nil {
		return Totals{}, err
	}
	if err := writeIWOs(f, st, in, names); err != nil {
		return Totals{}, err
	}
	if err := writeFiles(f, st, in); err != nil {
		return Totals{}, err
	}
	if err := writeSummary(f, st, in, names, tot); err != nil {
		return Totals{}, err
	}
	// The first sheet is the active one as the workbook was made (new
	// sheets are not selected); f.SetActiveSheet(0) said so again at the
	// cost of reading every streamed sheet back, a third of the report
	// job's work at 20,000 employers (docs/scaling.md).
	if err := save(f, path); err != nil {
		return Totals{}, err
	}
	return tot, nil
}

func employerNames(es []*withholding.Employer) map[withholding.FEIN]string {
	m := make(map[withholding.FEIN]string, len(es))
	for _, e := range es {
		m[e.FEIN] = e.Name
	}
	return m
}

var severityRank = map[withholding.Severity]int{withholding.SeverityHigh: 0, withholding.SeverityMedium: 1, withholding.SeverityLow: 2}

// openExceptions returns the open exceptions oldest first (then most severe,
// then by ID and key), with a zero OpenedOn read as today.
func openExceptions(exs []*withholding.Exception, today withholding.Date) []*withholding.Exception {
	out := make([]*withholding.Exception, 0, len(exs))
	for _, e := range exs {
		if e.Status == withholding.ExceptionOpen || e.Status == "" {
			out = append(out, e)
		}
	}
	opened := func(e *withholding.Exception) withholding.Date {
		if e.OpenedOn.IsZero() {
			return today
		}
		return e.OpenedOn
	}
	slices.SortStableFunc(out, func(a, b *withholding.Exception) int {
		return cmp.Or(
			opened(a).Compare(opened(b)),
			cmp.Compare(severityRank[a.Severity], severityRank[b.Severity]),
			cmp.Compare(a.ID, b.ID),
			strings.Compare(a.Key, b.Key),
		)
	})
	return out
}

// ExceptionColumns are the column headers of the exceptions sheet and CSV.
var ExceptionColumns = []string{
	"Opened", "Age (days)", "Severity", "Type", "Case", "Employer", "SSN", "Amount", "Expected",
	"Due date", "What happened", "Suggested action", "Payments", "File", "ID", "Key",
}

// operationsTitle names the operations workbook, after the agency when
// there is one.
func operationsTitle(agency string) string {
	if agency == "" {
		return "Nightly operations report"
	}
	return agency + ": nightly operations report"
}

// writeExceptions streams the open exceptions into their sheet, counting
// them by type in tot.
func writeExceptions(f *excelize.File, st styles, in OperationsInput, names map[withholding.FEIN]string, tot *Totals) error {
	today := in.RunDate
	// "What happened" and "Suggested action" wrap, each row as tall as its
	// longer text; the key, last, is for lookups and is not printed.
	widths := []float64{11, 8, 9, 20, 17, 26, 13, 12, 12, 11, 45, 45, 12, 7, 8, 30}
	cols := make([]column, len(ExceptionColumns))
	for i, n := range ExceptionColumns {
		cols[i] = column{name: n, width: widths[i]}
	}
	cols[3].wrap, cols[5].wrap, cols[10].wrap, cols[11].wrap = true, true, true, true
	cols[15].noPrint = true
	s, err := newStream(f, SheetExceptions, "Exceptions", st, cols)
	if err != nil {
		return err
	}
	n := 0
	for e, err := range orNone(in.Exceptions) {
		if err != nil {
			return fmt.Errorf("read open exceptions: %w", err)
		}
		if e.Status != withholding.ExceptionOpen && e.Status != "" {
			continue
		}
		n++
		tot.OpenExceptions[e.Type]++
		opened := e.OpenedOn
		if opened.IsZero() {
			opened = today
		}
		if err := s.add(
			st.dateCell(opened),
			opened.DaysUntil(today),
			string(e.Severity),
			TypeLabel(e.Type),
			string(e.CaseID),
			employerLabel(names, e.FEIN),
			e.SSN.Masked(),
			st.moneyCell(e.Amount),
			st.moneyCell(e.Expected),
			st.dateCell(e.DueDate),
			e.Message,
			e.SuggestedAction,
			ids(e.PaymentIDs),
			idOrBlank(e.FileID),
			idOrBlank(e.ID),
			e.Key,
		); err != nil {
			return err
		}
	}
	if n == 0 {
		if err := s.add("No open exceptions."); err != nil {
			return err
		}
		s.table = ""
	}
	return s.finish()
}

func idOrBlank(id int64) any {
	if id == 0 {
		return ""
	}
	return id
}

func writePayments(f *excelize.File, st styles, in OperationsInput, names map[withholding.FEIN]string, tot *Totals) error {
	cols := []column{
		{name: "Received", width: 11}, {name: "File", width: 7}, {name: "Batch", width: 6}, {name: "Trace", width: 17},
		{name: "Kind", width: 9}, {name: "Employer", width: 40, wrap: true}, {name: "Remittance ID", width: 17},
		{name: "Pay date", width: 11}, {name: "Amount", width: 12}, {name: "SSN", width: 13}, {name: "Name", width: 12},
		{name: "Medical", width: 8}, {name: "Termination", width: 11}, {name: "Status", width: 30, wrap: true},
		{name: "DED amount differs", width: 24, wrap: true}, {name: "Return code", width: 8},
		{name: "Problems", width: 36, wrap: true}, {name: "Warnings", width: 36, wrap: true},
	}
	s, err := newStream(f, SheetPayments, "Payments", st, cols)
	if err != nil {
		return err
	}
	if in.Payments != nil {
		for p, err := range in.Payments {
			if err != nil {
				return fmt.Errorf("read payments: %w", err)
			}
			tot.AddPayment(p)
			term := ""
			if p.Termination {
				term = "Y"
			}
			if err := s.add(
				st.dateCell(p.EffectiveDate),
				idOrBlank(p.FileID),
				p.Batch,
				string(p.Trace),
				string(p.Kind),
				employerLabel(names, p.FEIN),
				string(p.RemittanceID),
				st.dateCell(p.PayDate),
				st.moneyCell(received(p)),
				p.SSN.Masked(),
				p.Name,
				p.Medical,
				term,
				postingText(p),
				claimNote(st, p),
				p.ReturnCode,
				strings.Join(p.Problems, "; "),
				warningText(p.Warnings),
			); err != nil {
				return err
			}
		}
	}
	return s.finish()
}

// ackState is how the IWOs sheet names a document's acknowledgment state.
func ackState(d withholding.Disposition) string {
	switch d {
	case "":
		return "Awaiting acknowledgment"
	case withholding.DispAccepted:
		return "Accepted"
	case withholding.DispRejected:
		return "Rejected"
	case withholding.DispPortalError:
		return "Portal error"
	case withholding.DispTerminated:
		return "Employee terminated"
	case withholding.DispLumpSum:
		return "Lump sum notice"
	case withholding.DispSuspended:
		return "Employee in suspense"
	}
	return string(d)
}

func writeIWOs(f *excelize.File, st styles, in OperationsInput, names map[withholding.FEIN]string) error {
	cols := []column{
		{name: "Sent", width: 17}, {name: "Tracking ID", width: 24}, {name: "Case", width: 17},
		{name: "Employer", width: 40, wrap: true}, {name: "Action", width: 7}, {name: "File control", width: 14},
		{name: "Batch control", width: 14}, {name: "Acknowledgment", width: 22}, {name: "Reason", width: 40, wrap: true},
		{name: "Acknowledged", width: 17}, {name: "Days waiting", width: 8},
	}
	s, err := newStream(f, SheetIWOs, "IWOs", st, cols)
	if err != nil {
		return err
	}
	if in.Documents == nil {
		return s.finish()
	}
	for d, err := range in.Documents {
		if err != nil {
			return fmt.Errorf("read IWOs sent: %w", err)
		}
		reason, waiting := "", any("")
		if d.Status != "" && d.Status != withholding.DispAccepted || d.Reason != "" {
			reason = d.Reason + ": " + reconcile.ReasonText(d.Reason)
			if d.Reason == "" {
				reason = reconcile.ReasonText("")
			}
		}
		if d.Status == "" && !d.SentAt.IsZero() {
			waiting = withholding.DateOf(d.SentAt.In(in.Location)).DaysUntil(in.RunDate)
		}
		if err := s.add(
			st.stampCell(d.SentAt, in.Location),
			string(d.TrackingID),
			string(d.CaseID),
			employerLabel(names, d.FEIN),
			string(d.Action),
			d.FileControl,
			d.BatchControl,
			ackState(d.Status),
			reason,
			st.stampCell(d.AcknowledgedAt, in.Location),
			waiting,
		); err != nil {
			return err
		}
	}
	return s.finish()
}

func writeFiles(f *excelize.File, st styles, in OperationsInput) error {
	cols := []column{
		{name: "When", width: 17}, {name: "Direction", width: 9}, {name: "Partner", width: 14}, {name: "Kind", width: 10},
		{name: "Name", width: 36, wrap: true}, {name: "State", width: 12}, {name: "Records", width: 9},
		{name: "Size (bytes)", width: 12}, {name: "Control number", width: 16}, {name: "SHA-256", width: 66},
		{name: "Error", width: 50, wrap: true},
	}
	s, err := newStream(f, SheetFiles, "Files", st, cols)
	if err != nil {
		return err
	}
	files := slices.Clone(in.Files)
	quarantined := func(x *withholding.File) int {
		if x.State == withholding.FileQuarantined {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(files, func(a, b *withholding.File) int {
		return cmp.Or(cmp.Compare(quarantined(a), quarantined(b)), b.CreatedAt.Compare(a.CreatedAt))
	})
	for _, x := range files {
		dir := "received"
		if x.Direction == withholding.Outbound {
			dir = "sent"
		}
		if err := s.add(
			st.stampCell(x.CreatedAt, in.Location),
			dir,
			x.Partner,
			string(x.Kind),
			x.RemoteName,
			string(x.State),
			x.Records,
			x.Size,
			x.ControlNumber,
			x.SHA256, // whole: "did you send us this file?" is answered by comparing it
			x.Error,
		); err != nil {
			return err
		}
	}
	return s.finish()
}

func writeSummary(f *excelize.File, st styles, in OperationsInput, names map[withholding.FEIN]string, tot Totals) error {
	const sh = SheetSummary
	prev := newTotals(withholding.Date{})
	prevLabel := "Previous night"
	if in.Previous != nil {
		prev = *in.Previous
		if !prev.Date.IsZero() {
			prevLabel = "Previous night (" + prev.Date.String() + ")"
		}
	}
	title := operationsTitle(in.Title) + " " + in.RunDate.String()
	// The summary prints on one page: the comparison, the exceptions by
	// type and their chart beside them. The employers' sheet prints one
	// page wide, its header row on every page.
	if err := setPrint(f, sh, st.page, printSetup{tall: 1}); err != nil {
		return err
	}
	if err := setPrint(f, SheetEmployers, st.page, printSetup{titleRows: 1}); err != nil {
		return err
	}
	widths := []float64{34, 16, 22, 14, 16, 16, 16, 16}
	for _, sheet := range []string{sh, SheetEmployers} {
		for i, w := range widths {
			c, _ := excelize.ColumnNumberToName(i + 1)
			if err := f.SetColWidth(sheet, c, c, w); err != nil {
				return fmt.Errorf("write summary: %w", err)
			}
		}
	}
	// header writes a header row r of sheet and makes it tall enough for
	// its names.
	headerOn := func(sheet string, r int, names ...string) error {
		cells, cols := make([]any, len(names)), make([]column, len(names))
		for i, n := range names {
			cells[i] = excelize.Cell{StyleID: st.header, Value: n}
			cols[i] = column{name: n, width: widths[i]}
		}
		if err := setRow(f, sheet, r, cells...); err != nil {
			return err
		}
		if n := headerLines(cols); n > 1 {
			if err := f.SetRowHeight(sheet, r, rowHeight(n)); err != nil {
				return fmt.Errorf("write summary: %w", err)
			}
		}
		return nil
	}
	header := func(r int, names ...string) error { return headerOn(sh, r, names...) }
	r := 1
	if err := setRow(f, sh, r, excelize.Cell{StyleID: st.title, Value: title}); err != nil {
		return err
	}
	r++
	if in.Previous == nil {
		if err := setRow(f, sh, r, "No previous night to compare with."); err != nil {
			return err
		}
	}
	r += 2
	if err := header(r, "Figure", "Tonight", prevLabel, "Change"); err != nil {
		return err
	}
	money := func(label string, now, before withholding.Cents) []any {
		return []any{label, st.moneyCell(now), st.moneyCell(before), st.moneyCell(now - before)}
	}
	count := func(label string, now, before int) []any {
		return []any{label, now, before, excelize.Cell{StyleID: st.delta, Value: now - before}}
	}
	for _, row := range [][]any{
		count("Payments received", tot.Received.Count, prev.Received.Count),
		money("Amount received", tot.Received.Amount, prev.Received.Amount),
		count("Payments posted to an order", tot.Posted.Count, prev.Posted.Count),
		money("Amount posted", tot.Posted.Amount, prev.Posted.Amount),
		count("Payments held", tot.Held.Count, prev.Held.Count),
		money("Amount held", tot.Held.Amount, prev.Held.Amount),
		count("Payments posted with warnings", tot.PostedWithWarnings, prev.PostedWithWarnings),
		count("ACH returns", tot.Returns.Count, prev.Returns.Count),
		money("Amount returned", tot.Returns.Amount, prev.Returns.Amount),
		count("Open exceptions", openCount(&tot), openCount(&prev)),
	} {
		r++
		if err := setRow(f, sh, r, row...); err != nil {
			return err
		}
	}

	// Open exceptions by type, with a chart comparing the two nights.
	r += 2
	typeHeader := r
	if err := header(r, "Open exceptions by type", "Tonight", prevLabel, "Change"); err != nil {
		return err
	}
	for _, t := range typeOrder(tot.OpenExceptions, prev.OpenExceptions) {
		r++
		if err := setRow(f, sh, r, count(TypeLabel(t), tot.OpenExceptions[t], prev.OpenExceptions[t])...); err != nil {
			return err
		}
	}
	typeLast := r
	chart := &excelize.Chart{
		Type: excelize.Bar,
		Series: []excelize.ChartSeries{
			{
				Name:       fmt.Sprintf("%s!$B$%d", sh, typeHeader),
				Categories: fmt.Sprintf("%s!$A$%d:$A$%d", sh, typeHeader+1, typeLast),
				Values:     fmt.Sprintf("%s!$B$%d:$B$%d", sh, typeHeader+1, typeLast),
			},
			{
				Name:       fmt.Sprintf("%s!$C$%d", sh, typeHeader),
				Categories: fmt.Sprintf("%s!$A$%d:$A$%d", sh, typeHeader+1, typeLast),
				Values:     fmt.Sprintf("%s!$C$%d:$C$%d", sh, typeHeader+1, typeLast),
			},
		},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Open exceptions by type"}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 600, Height: 440},
		Format:    excelize.GraphicOptions{OffsetX: 12},
	}
	// Beside the two tables (columns A to D), on the first printed page.
	if err := f.AddChart(sh, "E4", chart); err != nil {
		return fmt.Errorf("add summary chart: %w", err)
	}

	// Money received by employer, largest first, on its own sheet.
	r = 1
	if err := headerOn(SheetEmployers, r, "Received by employer", "FEIN", "Payments", "Amount",
		"Previous payments", "Previous amount", "Change in amount", "Posted with warnings"); err != nil {
		return err
	}
	feins := make([]withholding.FEIN, 0, len(tot.ByEmployer)+len(prev.ByEmployer))
	for k := range tot.ByEmployer {
		feins = append(feins, k)
	}
	for k := range prev.ByEmployer {
		if _, ok := tot.ByEmployer[k]; !ok {
			feins = append(feins, k)
		}
	}
	slices.SortFunc(feins, func(a, b withholding.FEIN) int {
		return cmp.Or(cmp.Compare(tot.ByEmployer[b].Amount, tot.ByEmployer[a].Amount), strings.Compare(string(a), string(b)))
	})
	for _, k := range feins {
		now, before := tot.ByEmployer[k], prev.ByEmployer[k]
		name := names[k]
		if k == "" {
			name = "(unknown employer)"
		}
		r++
		if err := setRow(f, SheetEmployers, r, name, string(k), now.Count, st.moneyCell(now.Amount),
			before.Count, st.moneyCell(before.Amount), st.moneyCell(now.Amount-before.Amount), tot.WarningsByEmployer[k]); err != nil {
			return err
		}
	}
	return nil
}
