package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/iwoproject/iwo/withholding"
)

// Store is what the summary reads of the agency's books.
type Store interface {
	withholding.FileService
	withholding.DocumentService
	withholding.PaymentService
	withholding.ExceptionService
}

// Summary is the closing account of a demo: what the agency's store holds
// after the nights.
type Summary struct {
	Dir    string `json:"dir"`
	Nights int    `json:"nights"`
	// Files by direction/kind/state, e.g. "in/ach/archived".
	Files           map[string]int `json:"files"`
	IWOsSent        int            `json:"iwos_sent"`
	Acknowledgments int            `json:"acknowledgments"`
	// AckStatus counts acknowledgments by disposition ("A", "R", "T"…).
	AckStatus map[string]int `json:"ack_status"`
	// Received are the child support payments the bank credited (kind
	// payment, Payment.Credited); Posted, Held and Zero are their stored
	// postings and add up to Received, with Unreconciled (no posting yet).
	Received     withholding.Tally `json:"received"`
	Posted       withholding.Tally `json:"posted"`
	Held         withholding.Tally `json:"held"`
	Zero         withholding.Tally `json:"zero"`
	Unreconciled withholding.Tally `json:"unreconciled"`
	Exceptions   map[string]int    `json:"exceptions"` // open, by type
	// Workbooks are the nightly operations workbooks; Statements counts the
	// employer statements beside them.
	Workbooks  []string `json:"workbooks"`
	Statements int      `json:"statements"`
	Quarantine []string `json:"quarantine"`
	// World is what the simulated employers and bank sent.
	World Stats `json:"world"`
}

// Summarize reads the summary from the agency's store and the workspace.
func Summarize(ctx context.Context, st Store, w *World, nights int) (*Summary, error) {
	s := &Summary{Dir: w.Opt.Dir, Nights: nights, Files: map[string]int{}, AckStatus: map[string]int{}, Exceptions: map[string]int{}, World: w.Stats()}
	files, _, err := st.FindFiles(ctx, withholding.FileFilter{})
	if err != nil {
		return nil, fmt.Errorf("summarize files: %w", err)
	}
	for _, f := range files {
		s.Files[fmt.Sprintf("%s/%s/%s", f.Direction, f.Kind, f.State)]++
	}
	if _, s.IWOsSent, err = st.FindDocuments(ctx, 0, 0, 1); err != nil {
		return nil, fmt.Errorf("summarize documents: %w", err)
	}
	acks, n, err := st.FindAcknowledgments(ctx, 0, nil, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("summarize acknowledgments: %w", err)
	}
	s.Acknowledgments = n
	for _, a := range acks {
		s.AckStatus[string(a.Status)]++
	}
	kind := withholding.KindPayment
	books := withholding.NewNightTotals(withholding.Date{})
	for p, err := range st.EachPayment(ctx, withholding.PaymentFilter{Kind: &kind, WithPosting: true}) {
		if err != nil {
			return nil, fmt.Errorf("summarize payments: %w", err)
		}
		books.AddPayment(p)
	}
	s.Received, s.Posted, s.Held, s.Zero = books.Received, books.Posted, books.Held, books.Zero
	// What has no posting yet is what is left of the received.
	s.Unreconciled = withholding.Tally{
		Count:  s.Received.Count - s.Posted.Count - s.Held.Count - s.Zero.Count,
		Amount: s.Received.Amount - s.Posted.Amount - s.Held.Amount - s.Zero.Amount,
	}
	open := withholding.ExceptionOpen
	exs, _, err := st.FindExceptions(ctx, withholding.ExceptionFilter{Status: &open})
	if err != nil {
		return nil, fmt.Errorf("summarize exceptions: %w", err)
	}
	for _, e := range exs {
		s.Exceptions[string(e.Type)]++
	}
	reports := filepath.Join(w.Opt.Dir, "agency", "reports")
	s.Workbooks = findFiles(reports, func(p string) bool {
		return strings.HasPrefix(filepath.Base(p), "operations-") && strings.HasSuffix(p, ".xlsx")
	})
	s.Statements = len(findFiles(reports, func(p string) bool {
		return strings.HasPrefix(filepath.Base(p), "statement-") && strings.HasSuffix(p, ".xlsx")
	}))
	s.Quarantine = findFiles(w.Opt.Dir, func(p string) bool {
		return strings.Contains(filepath.ToSlash(p), "/quarantine/") && !strings.Contains(filepath.ToSlash(p), "/sftp/")
	})
	return s, nil
}

func findFiles(root string, keep func(string) bool) []string {
	var out []string
	_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && keep(p) {
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// Print writes the summary for people.
func (s *Summary) Print(out io.Writer) {
	fmt.Fprintf(out, "\nDemo finished: %d nights in %s\n\n", s.Nights, s.Dir)
	fmt.Fprintf(out, "Files exchanged:       %d\n", total(s.Files))
	for _, k := range sortedKeys(s.Files) {
		fmt.Fprintf(out, "  %-28s %6d\n", k, s.Files[k])
	}
	fmt.Fprintf(out, "IWOs sent:             %d\n", s.IWOsSent)
	fmt.Fprintf(out, "Acknowledgments:       %d (", s.Acknowledgments)
	for i, k := range sortedKeys(s.AckStatus) {
		if i > 0 {
			fmt.Fprint(out, ", ")
		}
		fmt.Fprintf(out, "%s %d", ackWord[k], s.AckStatus[k])
	}
	fmt.Fprintln(out, ")")
	fmt.Fprintf(out, "Payments received:     %d, %s (credited by the bank)\n", s.Received.Count, s.Received.Amount.Dollars())
	fmt.Fprintf(out, "  posted to orders     %6d, %s\n", s.Posted.Count, s.Posted.Amount.Dollars())
	fmt.Fprintf(out, "  held in exceptions   %6d, %s\n", s.Held.Count, s.Held.Amount.Dollars())
	if s.Zero.Count > 0 {
		fmt.Fprintf(out, "  zero-dollar          %6d\n", s.Zero.Count)
	}
	if s.Unreconciled.Count > 0 {
		fmt.Fprintf(out, "  not yet reconciled   %6d, %s\n", s.Unreconciled.Count, s.Unreconciled.Amount.Dollars())
	}
	fmt.Fprintf(out, "Open exceptions:       %d\n", total(s.Exceptions))
	for _, k := range sortedKeys(s.Exceptions) {
		fmt.Fprintf(out, "  %-28s %6d\n", k, s.Exceptions[k])
	}
	fmt.Fprintf(out, "Employers' side:       %d IWOs answered, %d notices, %d ACH entries for %s; %d late, %d short pays, %d mistyped cases, %d duplicate and %d malformed files\n",
		s.World.IWOsAnswered, s.World.Notices, s.World.Entries, s.World.Remitted.Dollars(), s.World.Late, s.World.Short, s.World.Mistyped, s.World.Duplicates, s.World.Malformed)
	if len(s.Quarantine) > 0 {
		fmt.Fprintln(out, "Quarantined files:")
		for _, q := range s.Quarantine {
			fmt.Fprintf(out, "  %s\n", q)
		}
	}
	if len(s.Workbooks) == 0 {
		fmt.Fprintln(out, "Operations workbooks:  none (the report job did not run)")
	} else {
		fmt.Fprintln(out, "Operations workbooks:")
		for _, wb := range s.Workbooks {
			fmt.Fprintf(out, "  %s\n", wb)
		}
		fmt.Fprintf(out, "Employer statements:   %d, beside the workbooks\n", s.Statements)
	}
}

var ackWord = map[string]string{"A": "accepted", "R": "rejected", "T": "terminations", "L": "lump sums", "S": "suspensions", "E": "portal errors"}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
