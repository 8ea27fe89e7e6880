package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/iwoproject/iwo/ach/achsynth"
)

func init() {
	var (
		count *int
		out   *string
		seed  *uint64
		ctxF  *bool
		clean *bool
	)
	register(&command{
		name:  "gen ach",
		short: "write a realistic synthetic ACH remittance file",
		long: `Writes a NACHA file of child support remittances from synthetic employers
and cases: one batch per employer payroll, CCD+ entries (or CTX entries with
an X12 820 each, with --ctx), and unless --clean, the occasional bad DED,
termination, prenote, return batch and notification of change. The same seed
gives the same file. Memory stays flat for any --count.

Example:
  iwo gen ach --count 1000000 --out big.ach --seed 7`,
		flags: func(fs *flag.FlagSet) {
			count = fs.Int("count", 1000, "number of entry detail records")
			out = fs.String("out", "", "output `file` (required)")
			seed = fs.Uint64("seed", 1, "random seed")
			ctxF = fs.Bool("ctx", false, "write CTX entries carrying X12 820s instead of CCD+")
			clean = fs.Bool("clean", false, "no bad DEDs, prenotes, returns or NOCs")
		},
		run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
			if len(args) != 0 {
				return usageError("unexpected arguments %q", args)
			}
			if *out == "" {
				return usageError("--out is required")
			}
			if *count < 1 {
				return usageError("--count %d: want at least 1", *count)
			}
			f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600) // it holds SSNs
			if err != nil {
				return fmt.Errorf("create %s: %w", *out, err)
			}
			w := bufio.NewWriterSize(f, 256<<10)
			st, err := achsynth.Generate(w, achsynth.Options{Count: *count, Seed: *seed, CTX: *ctxF, Clean: *clean})
			if err == nil {
				err = w.Flush()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", *out, err)
			}
			fmt.Fprintf(e.stderr, "%s: %d entries in %d batches, %d DED items, %d bad, %d prenotes, %d returns, %d NOCs, credits %s\n",
				*out, st.Entries, st.Batches, st.Items, st.Bad, st.Prenotes, st.Returns, st.NOC, st.Credits.Dollars())
			return nil
		},
	})
}
