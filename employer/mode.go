package employer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

// This file is what the employer mode's commands ("iwo employer ack" and
// "iwo employer remit") do with the files a clerk names: read them, answer
// or compute, and say what was refused. The command line only parses flags
// and prints.

// ErrMixedStates means the IWO files to answer come from more than one
// state: an acknowledgment file goes back to one state.
var ErrMixedStates = errors.New("answer one state's files at a time")

// readNamed opens the file name and reads it with read; what says what
// the file is in the error.
func readNamed[T any](what, name string, read func(io.Reader, string) (T, error)) (T, error) {
	f, err := os.Open(name)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("open %s: %w", what, err)
	}
	defer f.Close()
	return read(bufio.NewReader(f), name)
}

// ReadIWOFiles reads the named IWO files (ReadIWOFile), in order.
func ReadIWOFiles(names []string) ([]*Received, error) {
	var out []*Received
	for _, n := range names {
		r, err := readNamed("IWO file", n, ReadIWOFile)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// readAckFiles reads the named acknowledgment files (ReadAckFile) and
// returns their records in file order.
func readAckFiles(names []string) ([]*edi.Ack, error) {
	var acks []*edi.Ack
	for _, n := range names {
		as, err := readNamed("acknowledgment file", n, ReadAckFile)
		if err != nil {
			return nil, err
		}
		acks = append(acks, as...)
	}
	return acks, nil
}

// Answers is one acknowledgment file's worth of answers: a Decision for
// every IWO received, then the employer-initiated notices.
type Answers struct {
	// FIPS is the state the IWO files came from, and the acknowledgment
	// file goes back to.
	FIPS      string
	Decisions []Decision
	// Acks are the decisions' acknowledgments followed by the notices.
	Acks  []*edi.Ack
	Tally Tally
	// InEffect is the number of orders in effect once the answers are
	// given.
	InEffect int
	// XML writes the acknowledgment file as e-IWO XML (edi.ReadXML) rather
	// than as a flat file: the employer's choice with OCSS.
	XML bool
}

// Notices returns how many of the Acks are employer-initiated notices.
func (a *Answers) Notices() int { return len(a.Acks) - len(a.Decisions) }

// Answer reads the roster at rosterPath, the IWO files accepted earlier
// (inEffect) and the ones to answer (received, all from one state, else
// ErrMixedStates), and answers each received IWO as of day on; notices
// are given for terminations and lump sums dated on or after since.
func Answer(rosterPath string, inEffect, received []string, on, since withholding.Date) (*Answers, error) {
	roster, err := readNamed("roster", rosterPath, ReadRoster)
	if err != nil {
		return nil, err
	}
	earlier, err := ReadIWOFiles(inEffect)
	if err != nil {
		return nil, err
	}
	files, err := ReadIWOFiles(received)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("answer: no IWO file to answer")
	}
	a := &Answers{FIPS: files[0].FIPS, Tally: Tally{}}
	for _, f := range files[1:] {
		if f.FIPS != a.FIPS {
			return nil, fmt.Errorf("%s is from state %s and %s from %s: %w", files[0].Name, a.FIPS, f.Name, f.FIPS, ErrMixedStates)
		}
	}
	dc := &Decider{Roster: roster, Book: LoadBook(earlier, nil), On: on}
	for _, f := range files {
		for _, d := range f.IWOs {
			dec := dc.Decide(d)
			a.Decisions = append(a.Decisions, dec)
			a.Acks = append(a.Acks, dec.Ack)
			a.Tally.Add(dec.Ack)
		}
	}
	for _, n := range dc.Notices(since, a.Decisions) {
		a.Acks = append(a.Acks, n)
		a.Tally.Add(n)
	}
	a.InEffect = dc.Book.Len()
	return a, nil
}

// Write writes the acknowledgment file (WriteAcks) to w, created at
// created and named file in its header, with a sequence number from the
// creation time.
func (a *Answers) Write(w io.Writer, file string, created time.Time) error {
	opt := edi.WriterOptions{FIPS: a.FIPS, Created: created, Sequence: uint64(created.Unix() % 10_000_000), File: file, XML: a.XML}
	return WriteAcks(w, opt, a.Acks)
}

// FileName is the name of the acknowledgment file created at created, as
// employer systems name it for OCSS: "<EIN>_ACK_<CCYYMMDDHHMMSS>" with
// ".XML" or ".txt". The EIN is the lowest employer EIN answered (the
// first batch's). [hypothesis: Oracle HCM names the XML file
// <EIN>_ACK_<time stamp>.XML with the employer's primary EIN; the time
// stamp's format and the flat file's name are iwo's choice.]
func (a *Answers) FileName(created time.Time) string {
	var ein withholding.FEIN
	for _, k := range a.Acks {
		if ein == "" || k.EmployerEIN < ein {
			ein = k.EmployerEIN
		}
	}
	ext := ".txt"
	if a.XML {
		ext = ".XML"
	}
	return string(ein) + "_ACK_" + created.Format("20060102150405") + ext
}

// Remittance is one pay run worked out: the pay lines, the record of what
// the employer received and answered, and, once computed, the
// withholdings and the refused orders.
type Remittance struct {
	Lines        []PayLine
	Record       *Record
	Withholdings []Withholding
	Refused      []Refused
}

// ReadRemittance reads a pay run (ReadPayrun), the IWO files received and
// the acknowledgment files sent for them, each list oldest first.
func ReadRemittance(payroll string, orderFiles, ackFiles []string) (*Remittance, error) {
	lines, err := readNamed("pay run", payroll, ReadPayrun)
	if err != nil {
		return nil, err
	}
	files, err := ReadIWOFiles(orderFiles)
	if err != nil {
		return nil, err
	}
	acks, err := readAckFiles(ackFiles)
	if err != nil {
		return nil, err
	}
	return &Remittance{Lines: lines, Record: LoadRecord(files, acks)}, nil
}

// Compute works out the withholdings (ComputeAccepted) under s, with the
// refusals ov overrides.
func (r *Remittance) Compute(s Settings, ov Overrides) error {
	var err error
	r.Withholdings, r.Refused, err = ComputeAccepted(r.Lines, r.Record, s, ov)
	return err
}

// LatestPayDate is the latest pay date of the pay run, the settlement date
// asked for when none is given.
func (r *Remittance) LatestPayDate() withholding.Date {
	var d withholding.Date
	for _, l := range r.Lines {
		if l.PayDate.After(d) {
			d = l.PayDate
		}
	}
	return d
}

// RefusedCount is the number of refused orders not withheld for anyway.
func (r *Remittance) RefusedCount() int {
	n := 0
	for _, x := range r.Refused {
		if !x.Overridden {
			n++
		}
	}
	return n
}

// WriteRefusals tells the clerk, on w, about every order the rule refused
// and every one withheld for anyway, and about override flags that named a
// case nothing was refused for (a typing mistake, or a case that no longer
// needs one). It returns how many orders were refused as unacknowledged.
func WriteRefusals(w io.Writer, refused []Refused, ov Overrides) int {
	unacked := 0
	used := map[withholding.Refusal]map[withholding.CaseID]bool{}
	for _, r := range refused {
		d := r.IWO
		who := fmt.Sprintf("case %s, %s, %s (SSN %s), pay of %s", d.CaseID, d.Employee.Last, d.Employee.First, r.Pay.SSN.Masked(), r.Pay.PayDate)
		if r.Pay.Line > 0 {
			who += fmt.Sprintf(" (pay run line %d)", r.Pay.Line)
		}
		why := r.Refusal.Explain(r.Standing)
		if r.Overridden {
			if used[r.Refusal] == nil {
				used[r.Refusal] = map[withholding.CaseID]bool{}
			}
			used[r.Refusal][d.CaseID] = true
			fmt.Fprintf(w, "WITHHELD ANYWAY %s: %s; --allow-%s %s\n", who, why, r.Refusal, d.CaseID)
			continue
		}
		if r.Refusal == withholding.RefuseUnacknowledged {
			unacked++
		}
		fmt.Fprintf(w, "NOT WITHHELD %s: %s. To withhold anyway: --allow-%s %s\n", who, why, r.Refusal, d.CaseID)
	}
	for _, r := range withholding.Refusals {
		var unused []string
		for c := range ov[r] {
			if !used[r][c] {
				unused = append(unused, string(c))
			}
		}
		slices.Sort(unused)
		for _, c := range unused {
			fmt.Fprintf(w, "warning: --allow-%s %s: no order of case %s was refused as %s in this pay run; the flag changed nothing\n", r, c, c, r)
		}
	}
	return unacked
}
