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
up to --max-problems per file, then a count of the rest. A line longer than
any e-IWO record (edi.MaxLineLen, 4096 bytes) is one problem and is skipped
unread, so a file that is not e-IWO at all costs little memory and output.
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
	fs.IntVar(&c.maxProblems, "max-problems", 1000, "print at most `N` problems per file, then their count (0: all)")
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
Problems in the file are printed to stderr as with 'iwo edi validate', and
the exit status is then 1.

Example:
  iwo edi show inbound/ack.txt --format json | jq 'select(.record=="ACK")'`,
}

// ediShowCommand is "iwo edi show".
type ediShowCommand struct {
	base
	format  string
	showSSN bool
}

func (c *ediShowCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.format, "format", "text", "output format: text or json")
	fs.BoolVar(&c.showSSN, "show-ssn", false, "print SSNs in clear (default: masked)")
}

// Run prints the file.
func (c *ediShowCommand) Run(context.Context) error {
	if len(c.args) != 1 {
		return usageError("want exactly one FILE")
	}
	if c.format != "text" && c.format != "json" {
		return usageError("--format %q: want text or json", c.format)
	}
	return runEDIShow(c.env, c.args[0], c.format, c.showSSN)
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
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "%s:0: - Record: %v\n", name, err)
			bad = true
			continue
		}
		n, err := validateFile(e.stderr, f, name, maxProblems)
		f.Close()
		if err != nil {
			fmt.Fprintf(e.stderr, "%s:0: - Record: %v\n", name, err)
		}
		if err != nil || n > 0 {
			bad = true
		}
	}
	if bad {
		return exitCode(1, nil)
	}
	return nil
}

// validateFile prints the problems of one file as it reads it, at most max
// of them (0: all) and then their count, and returns how many it found. It
// keeps none, so a file of any size and any number of problems streams.
func validateFile(w io.Writer, r io.Reader, name string, max int) (int, error) {
	n := 0
	_, err := edi.Stream(r, name, nil, func(es edi.Errors) error {
		for _, p := range es {
			if n++; max == 0 || n <= max {
				fmt.Fprintln(w, p)
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if max > 0 && n > max {
		fmt.Fprintf(w, "%s: %d more problem(s) not shown (--max-problems %d)\n", name, n-max, max)
	}
	return n, nil
}

func runEDIShow(e *env, name, format string, showSSN bool) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("open e-IWO file: %w", err)
	}
	defer f.Close()
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	bad := false
	_, err = edi.Stream(f, name, func(rec edi.Record, rd *edi.Reader) error {
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
	}, func(es edi.Errors) error {
		bad = true
		out.Flush()
		for _, p := range es {
			fmt.Fprintln(e.stderr, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if bad {
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
