package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/iwoproject/iwo/edi/edisynth"
)

var genIWOUsage = usage{
	short: "write a realistic, valid synthetic e-IWO (FHI) file",
	long: `Writes an IWO file from a synthetic agency (California) and synthetic
employers, obligors, custodial parties and children: one batch per employer,
all four actions (mostly ORG, some AMD, TRM and LUM), one to five children,
lump sums on LUM. Every SSN and FEIN starts with 9 (never issued). The same
seed gives the same file, byte for byte.

Example:
  iwo gen iwo --count 500 --out iwo.txt --seed 7
  iwo gen ack --in iwo.txt --out ack.txt --seed 7`,
}

// genIWOCommand is "iwo gen iwo".
type genIWOCommand struct {
	base
	count int
	out   string
	seed  uint64
}

func (c *genIWOCommand) flags(fs *flag.FlagSet) {
	fs.IntVar(&c.count, "count", 100, "number of IWOs (DTL records)")
	fs.StringVar(&c.out, "out", "", "output `file` (required)")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
}

// Run writes the file.
func (c *genIWOCommand) Run(context.Context) error {
	if len(c.args) != 0 {
		return usageError("unexpected arguments %q", c.args)
	}
	if c.out == "" {
		return usageError("--out is required")
	}
	if c.count < 1 {
		return usageError("--count %d: want at least 1", c.count)
	}
	return writeFile(c.out, func(w *bufio.Writer) error { return edisynth.WriteIWOFile(w, c.seed, c.count) })
}

var genAckUsage = usage{
	short: "write a valid acknowledgment (FHA) file answering an IWO file",
	long: `Reads an IWO file and writes the acknowledgment file an employer would send
back: one ACK per IWO, echoing its action and tracking identifier, mostly
accepted; some accepted with a reason (B, S, W) and some rejected with each
reason code (B S W D M N O U X, and Z on terminations), with the corrected
FEIN for W and the other state for M; plus employer-initiated EMP notices
(termination, lump sum, suspension). Each employer's answers form one batch.
The same seed gives the same file. The IWO file must be valid.

Example:
  iwo gen ack --in iwo.txt --out ack.txt --seed 7`,
}

// genAckCommand is "iwo gen ack".
type genAckCommand struct {
	base
	in, out string
	seed    uint64
}

func (c *genAckCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.in, "in", "", "IWO `file` to answer (required)")
	fs.StringVar(&c.out, "out", "", "output `file` (required)")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
}

// Run writes the acknowledgment file.
func (c *genAckCommand) Run(context.Context) error {
	if len(c.args) != 0 {
		return usageError("unexpected arguments %q", c.args)
	}
	if c.in == "" || c.out == "" {
		return usageError("--in and --out are required")
	}
	src, err := os.Open(c.in)
	if err != nil {
		return fmt.Errorf("open IWO file: %w", err)
	}
	defer src.Close()
	return writeFile(c.out, func(w *bufio.Writer) error {
		return edisynth.WriteAckFile(w, bufio.NewReader(src), c.in, c.seed)
	})
}

// writeFile creates name, lets write fill it, and removes it again when
// anything fails, so a failed run leaves no half-written file behind. A new
// file is readable by its owner only: what iwo writes holds SSNs.
func writeFile(name string, write func(*bufio.Writer) error) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", name, cerr)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}
