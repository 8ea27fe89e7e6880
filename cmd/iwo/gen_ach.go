package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/iwoproject/iwo/ach/achsynth"
)

var genACHUsage = usage{
	short: "write a realistic synthetic ACH remittance file",
	long: `Writes a NACHA file of child support remittances from synthetic employers
and cases: one batch per employer payroll, CCD+ entries (or CTX entries with
an X12 820 each, with --ctx), and unless --clean, the occasional bad DED,
termination, prenote, return batch and notification of change. The same seed
gives the same file. Memory stays flat for any --count.

Example:
  iwo gen ach --count 1000000 --out big.ach --seed 7`,
}

// genACHCommand is "iwo gen ach".
type genACHCommand struct {
	base
	count      int
	out        string
	seed       uint64
	ctx, clean bool
}

func (c *genACHCommand) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.count, "count", 1000, "number of entry detail records")
	fs.StringVar(&c.out, "out", "", "output `file` (required)")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
	fs.BoolVar(&c.ctx, "ctx", false, "write CTX entries carrying X12 820s instead of CCD+")
	fs.BoolVar(&c.clean, "clean", false, "no bad DEDs, prenotes, returns or NOCs")
}

// Run writes the file and prints what it holds.
func (c *genACHCommand) Run(context.Context) error {
	if len(c.args) != 0 {
		return usageError("unexpected arguments %q", c.args)
	}
	if c.out == "" {
		return usageError("--out is required")
	}
	if c.count < 1 {
		return usageError("--count %d: want at least 1", c.count)
	}
	f, err := os.OpenFile(c.out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // it holds SSNs
	if err != nil {
		return fmt.Errorf("create %s: %w", c.out, err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	st, err := achsynth.Generate(w, achsynth.Options{Count: c.count, Seed: c.seed, CTX: c.ctx, Clean: c.clean})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", c.out, err)
	}
	fmt.Fprintf(c.stderr, "%s: %d entries in %d batches, %d DED items, %d bad, %d prenotes, %d returns, %d NOCs, credits %s\n",
		c.out, st.Entries, st.Batches, st.Items, st.Bad, st.Prenotes, st.Returns, st.NOC, st.Credits.Dollars())
	return nil
}
