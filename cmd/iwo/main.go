// Command iwo is the income-withholding EDI processor: it writes and reads
// e-IWO files, turns ACH remittances into payments, computes withholding,
// runs the nightly jobs, serves the console, and plays a whole demo night.
//
// Every subcommand lives in its own file and registers itself with
// register; run "iwo help" for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/iwoproject/iwo/withholding"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// command is one iwo subcommand.
type command struct {
	// name is the word path after "iwo", e.g. "edi validate".
	name string
	// args is the usage after the name, e.g. "FILE...".
	args string
	// short is a one-line summary for "iwo help".
	short string
	// long is the full help text shown by -h, after the usage line.
	long string
	// flags declares the command's flags on fs.
	flags func(fs *flag.FlagSet)
	// run executes the command with the positional arguments.
	run func(ctx context.Context, env *env, fs *flag.FlagSet, args []string) error
}

var commands = map[string]*command{}

// register adds c to the command table. It is called from init functions.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("iwo: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// env is what a command may touch of the outside world; tests replace it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// halt is closed by a second SIGINT or SIGTERM (the first cancels the
	// command's context): "iwo serve" then stops waiting for running jobs
	// and cancels them. Nil never closes.
	halt <-chan struct{}
}

// exitError carries a process exit code through a command's error return.
// A nil err means the message was already printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitCode returns an error that makes iwo exit with code. When err is nil,
// nothing more is printed.
func exitCode(code int, err error) error { return &exitError{code: code, err: err} }

// usageError reports bad command-line input (exit 2).
func usageError(format string, args ...any) error {
	return exitCode(2, fmt.Errorf(format, args...))
}

func main() {
	ctx, halt, stop := notifyStop(context.Background())
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, halt: halt}
	code := Main(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// notifyStop returns a context cancelled by the first SIGINT or SIGTERM and
// a channel closed by the second. stop releases the signals, which then
// have their default effect again.
func notifyStop(parent context.Context) (ctx context.Context, halt <-chan struct{}, stop func()) {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(parent)
	second, done := make(chan struct{}), make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			select {
			case <-sig:
			case <-done:
				return
			}
			if n == 1 {
				cancel()
			} else {
				close(second)
				return
			}
		}
	}()
	var once sync.Once
	return ctx, second, func() {
		once.Do(func() {
			signal.Stop(sig)
			close(done)
			cancel()
		})
	}
}

// Main runs iwo with args (without the program name) and returns the exit code.
func Main(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, _ := lookup(args[1:]); c != nil {
				printCommandHelp(e.stderr, c, newFlagSet(c))
				return 0
			}
			if groupHelp(e.stderr, strings.Join(args[1:], " ")) {
				return 0
			}
			fmt.Fprintf(e.stderr, "iwo: unknown command %q\n", strings.Join(args[1:], " "))
			return 2
		}
		printOverview(e.stdout)
		return 0
	}
	if args[0] == "--version" {
		fmt.Fprintln(e.stdout, "iwo", version)
		return 0
	}
	c, rest := lookup(args)
	if c == nil {
		// "iwo edi" or "iwo edi -h": show the group.
		group := []string{}
		for _, a := range args {
			if strings.HasPrefix(a, "-") {
				break
			}
			group = append(group, a)
		}
		if len(group) > 0 && groupHelp(e.stderr, strings.Join(group, " ")) {
			if len(group) == len(args) || isHelpFlag(args[len(group)]) {
				return 0
			}
			return 2
		}
		fmt.Fprintf(e.stderr, "iwo: unknown command %q; run 'iwo help'\n", strings.Join(args, " "))
		return 2
	}
	fs := newFlagSet(c)
	pos, err := parseFlags(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(e.stderr, c, fs)
		return 0
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "iwo %s: %v\nrun 'iwo %s -h' for usage\n", c.name, err, c.name)
		return 2
	}
	err = c.run(ctx, e, fs, pos)
	if err == nil {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	// The error may quote an input file: SSN-like numbers are masked, as
	// in the logs and the store.
	fmt.Fprintf(e.stderr, "iwo %s: %s\n", c.name, withholding.MaskDigitRuns(err.Error()))
	return code
}

func isHelpFlag(s string) bool {
	return s == "-h" || s == "--help" || s == "-help"
}

// lookup finds the longest registered command name that prefixes args.
func lookup(args []string) (*command, []string) {
	for n := len(args); n > 0; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c, args[n:]
		}
	}
	return nil, nil
}

func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet("iwo "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs)
	}
	return fs
}

// parseFlags parses flags anywhere among the arguments, so both
// "iwo ach payments FILE --format json" and "iwo ach payments --format json
// FILE" work. A lone "--" ends flag parsing.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse consumes "--" itself; detect it by comparing with args.
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func printOverview(w io.Writer) {
	fmt.Fprintf(w, `iwo — income withholding orders, acknowledgments and child support remittances.

Usage:
  iwo COMMAND [arguments] [flags]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-22s %s\n", n, sentence(commands[n].short))
	}
	fmt.Fprintf(w, `
Run "iwo COMMAND -h" for a command's flags and examples.
Flags may come before or after positional arguments.
`)
}

// groupHelp prints the commands under prefix ("edi") and reports whether any exist.
func groupHelp(w io.Writer, prefix string) bool {
	var names []string
	for n := range commands {
		if strings.HasPrefix(n, prefix+" ") {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return false
	}
	sort.Strings(names)
	fmt.Fprintf(w, "Commands under 'iwo %s':\n", prefix)
	for _, n := range names {
		fmt.Fprintf(w, "  iwo %-22s %s\n", n, sentence(commands[n].short))
	}
	fmt.Fprintf(w, "\nRun \"iwo %s SUBCOMMAND -h\" for details.\n", prefix)
	return true
}

func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: iwo %s", c.name)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprintf(w, " [flags]\n\n%s\n", sentence(c.short))
	if c.long != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.long))
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// sentence returns s with its first letter in upper case, so summaries
// written either way read alike in help.
func sentence(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
