package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/iwoproject/iwo/edi"
	"github.com/iwoproject/iwo/withholding"
)

var ediValidateUsage = usage{
	args:  "FILE...",
	short: "check e-IWO files (IWO, ACK and portal result files) as a receiver would",
	long: `Reads each file and applies the checks of the e-IWO record layouts: record
lengths, every element's format (dates real, numbers numeric, codes from
their lists, required elements present), the rules between elements (reason
allowed for the disposition and action, corrected FEIN with W, state code
with M, Z only on TRM…) and the file structure (headers, batches, trailers,
control numbers and counts).

Every problem is printed to stderr, one per line, as
  FILE:LINE: RECORD ELEMENT: reason
up to --max-problems per file, then a count of the rest. A file that is
plainly not an e-IWO file (an ACH file, binary data, an empty file) is one
line saying what it is. A line longer than any e-IWO record (edi.MaxLineLen,
4096 bytes) is one problem and is skipped unread. A valid file gets one line
on stdout: "FILE: ok, N records (…)".

Exit status is 0 when every file is valid, 1 otherwise. SSNs are never
printed. See docs/eiwo.md for the layouts and where the spec is uncertain.

Example:
  iwo edi validate outbound/iwo-20261102.txt inbound/*.ack`,
}

// ediValidateCommand is "iwo edi validate".
type ediValidateCommand struct {
	base
	maxProblems int
}

func (c *ediValidateCommand) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.maxProblems, "max-problems", defaultMaxProblems, "print at most `N` problems per file, then their count (0: all)")
}

// Run validates every file named.
func (c *ediValidateCommand) Run(ctx context.Context) error {
	return runEDIValidate(ctx, c.env, c.args, c.maxProblems)
}

var ediShowUsage = usage{
	args:  "FILE",
	short: "print an e-IWO file as readable text or JSON",
	long: `Prints each record of the file. Text output lists, per record, its line and
document code and every element that is not blank. JSON output is one object
per line: {"line":N,"record":"DTL","value":{...}}.

SSNs are masked (***-**-1234) in both formats unless --show-ssn is given.

The file is checked first: a file with problems prints nothing on stdout,
its problems on stderr as with 'iwo edi validate' (at most --max-problems),
and the exit status is 1. With --partial its records are printed anyway
(to look at a file a partner got wrong), the problems still on stderr and
the exit status still 1.

Example:
  iwo edi show inbound/ack.txt --format json | jq 'select(.record=="ACK")'`,
}

// ediShowCommand is "iwo edi show".
type ediShowCommand struct {
	base
	format           string
	showSSN, partial bool
	maxProblems      int
}

func (c *ediShowCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "output format: text or json")
	fs.BoolVar(&c.showSSN, "show-ssn", false, "print SSNs in clear (default: masked)")
	fs.BoolVar(&c.partial, "partial", false, "print the records of a file with problems too (exit status still 1)")
	fs.IntVar(&c.maxProblems, "max-problems", defaultMaxProblems, "print at most `N` problems, then their count (0: all)")
}

// Run prints the file.
func (c *ediShowCommand) Run(context.Context) error {
	if len(c.args) != 1 {
		return usageError("want exactly one FILE")
	}
	if c.format != "text" && c.format != "json" {
		return usageError("--format %q: want text or json", c.format)
	}
	return runEDIShow(c.env, c.args[0], c.format, c.showSSN, c.partial, c.maxProblems)
}

func runEDIValidate(ctx context.Context, e *env, args []string, maxProblems int) error {
	if len(args) == 0 {
		return usageError("want at least one FILE")
	}
	bad := false
	for _, name := range args {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := expectKind(name, kindEIWO, "an e-IWO file"); err != nil {
			fmt.Fprintln(e.stderr, err)
			bad = true
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "%s:0: - Record: %v\n", name, err)
			bad = true
			continue
		}
		prog := newProgress(e, name, "checking")
		n, counts, err := validateFile(e.stderr, prog.reader(f, ""), name, maxProblems)
		prog.done()
		f.Close()
		if err != nil {
			fmt.Fprintf(e.stderr, "%s:0: - Record: %v\n", name, err)
		}
		if err != nil || n > 0 {
			bad = true
			continue
		}
		fmt.Fprintf(e.stdout, "%s: ok, %s\n", name, counts)
	}
	if bad {
		return exitCode(1, nil)
	}
	return nil
}

// validateFile prints the problems of one file as it reads it, at most max
// of them (0: all) and then their count, and returns how many it found and
// the records it read. It keeps none, so a file of any size and any number
// of problems streams.
func validateFile(w io.Writer, r io.Reader, name string, max int) (int, *recordCounts, error) {
	counts := &recordCounts{}
	p := &problemPrinter{w: w, name: name, max: max}
	_, err := edi.StreamAny(r, name, func(rec edi.Record, _ *edi.Reader) error {
		counts.add(rec.DocumentCode())
		return nil
	}, p.print)
	if err != nil {
		return p.n, counts, err
	}
	p.finish()
	return p.n, counts, nil
}

// problemPrinter prints a file's problems one per line, at most max of
// them (0: all), then how many more there were.
type problemPrinter struct {
	w    io.Writer
	name string
	max  int
	n    int
}

func (p *problemPrinter) print(es edi.Errors) error {
	for _, e := range es {
		if p.n++; p.max == 0 || p.n <= p.max {
			fmt.Fprintln(p.w, e)
		}
	}
	return nil
}

func (p *problemPrinter) finish() {
	if p.max > 0 && p.n > p.max {
		fmt.Fprintf(p.w, "%s: %d more problem(s) not shown (--max-problems %d)\n", p.name, p.n-p.max, p.max)
	}
}

// recordCounts counts a file's records by document code, the codes in the
// order they first appear (FHI, BHI, DTL, BTI, FTI).
type recordCounts struct {
	codes []string
	n     map[string]int
	total int
}

func (c *recordCounts) add(code string) {
	if c.n == nil {
		c.n = map[string]int{}
	}
	if c.n[code] == 0 {
		c.codes = append(c.codes, code)
	}
	c.n[code]++
	c.total++
}

// String reads "218 records (FHI 1, BHI 8, DTL 200, BTI 8, FTI 1)".
func (c *recordCounts) String() string {
	parts := make([]string, len(c.codes))
	for i, code := range c.codes {
		parts[i] = fmt.Sprintf("%s %d", code, c.n[code])
	}
	return fmt.Sprintf("%d records (%s)", c.total, strings.Join(parts, ", "))
}

func runEDIShow(e *env, name, format string, showSSN, partial bool, maxProblems int) error {
	if err := expectKind(name, kindEIWO, "an e-IWO file"); err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitCode(1, nil)
	}
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("open e-IWO file: %w", err)
	}
	defer f.Close()
	// First pass: check the whole file, so that a file with problems prints
	// nothing on stdout unless --partial asks for it.
	n, _, err := validateFile(e.stderr, f, name, maxProblems)
	if err != nil {
		return fmt.Errorf("read e-IWO file: %w", err)
	}
	if n > 0 && !partial {
		return exitCode(1, nil)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read e-IWO file again: %w", err)
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	_, err = edi.StreamAny(f, name, func(rec edi.Record, rd *edi.Reader) error {
		if format == "json" {
			if !showSSN {
				maskSSN(rec)
			}
			if err := enc.Encode(struct {
				Line   int        `json:"line"`
				Record string     `json:"record"`
				Value  edi.Record `json:"value"`
			}{rd.Line(), rec.DocumentCode(), rec}); err != nil {
				return fmt.Errorf("write JSON: %w", err)
			}
			return nil
		}
		fmt.Fprintf(out, "line %d  %s\n", rd.Line(), rec.DocumentCode())
		raw := rd.Raw()
		for _, el := range rd.Layout().Elements {
			if el.Type == edi.TypeFiller || el.Start > len(raw) {
				continue
			}
			v := strings.TrimRight(raw[el.Start-1:min(el.End(), len(raw))], " ")
			if v == "" {
				continue
			}
			if el.Mask && !showSSN {
				v = withholding.SSN(v).Masked()
			}
			fmt.Fprintf(out, "  %-40s %s\n", el.Name, v)
		}
		return nil
	}, nil)
	if err != nil {
		return err
	}
	if n > 0 {
		return exitCode(1, nil)
	}
	return nil
}

// maskSSN replaces the SSN of an IWO or ACK with its masked form, so that
// neither output format can print it.
func maskSSN(rec edi.Record) {
	switch r := rec.(type) {
	case *edi.IWO:
		r.Employee.SSN = withholding.SSN(r.Employee.SSN.Masked())
	case *edi.Ack:
		r.Employee.SSN = withholding.SSN(r.Employee.SSN.Masked())
	}
}
