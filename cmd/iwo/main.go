// Command iwo is the income-withholding EDI processor: it writes and reads
// e-IWO files, turns ACH remittances into payments, computes withholding,
// runs the nightly jobs, serves the console, and plays a whole demo night.
//
// Each subcommand is a small struct in its own file: its flags are fields,
// bound by its flags method, its Run does the work, and its help (a usage
// value) sits beside it. main only picks one: the table of every command
// is the commands literal below; run "iwo help" for the list. What is not
// wiring lives in the package that owns it (employer, demo, withholding,
// jobs, store).
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

// usage is a command's help, kept beside the command's struct.
type usage struct {
	// args is the usage after the name, e.g. "FILE...".
	args string
	// short is a one-line summary for "iwo help".
	short string
	// long is the full help text shown by -h, after the usage line.
	long string
}

// runner is one command ready to run: a fresh struct whose flags method
// binds its fields to a flag set. Main parses the arguments into them,
// hands the struct the environment and the positional arguments (bind,
// from the embedded base), then calls Run.
type runner interface {
	flags(fs *flag.FlagSet)
	bind(e *env, args []string)
	Run(ctx context.Context) error
}

// base is embedded in every command struct: the outside world and the
// positional arguments.
type base struct {
	*env
	args []string
}

func (b *base) bind(e *env, args []string) { b.env, b.args = e, args }

// command is an entry of the command table: the help, and how to make a
// fresh struct (its flag fields at their defaults) for one run.
type command struct {
	usage
	new func() runner
}

// commands is every iwo subcommand, by its name after "iwo".
var commands = map[string]command{
	"ach payments":          {achPaymentsUsage, func() runner { return new(achPaymentsCommand) }},
	"calc":                  {calcUsage, func() runner { return new(calcCommand) }},
	"config check":          {configCheckUsage, func() runner { return new(configCheckCommand) }},
	"config default":        {configDefaultUsage, func() runner { return new(configDefaultCommand) }},
	"console":               {consoleUsage, func() runner { return new(consoleCommand) }},
	"console hash-password": {hashPasswordUsage, func() runner { return new(hashPasswordCommand) }},
	"demo":                  {demoUsage, func() runner { return new(demoCommand) }},
	"edi show":              {ediShowUsage, func() runner { return new(ediShowCommand) }},
	"edi validate":          {ediValidateUsage, func() runner { return new(ediValidateCommand) }},
	"employer ack":          {employerAckUsage, func() runner { return new(employerAckCommand) }},
	"employer pull":         {employerPullUsage, func() runner { return new(employerPullCommand) }},
	"employer push":         {employerPushUsage, func() runner { return new(employerPushCommand) }},
	"employer remit":        {employerRemitUsage, func() runner { return new(employerRemitCommand) }},
	"gen ach":               {genACHUsage, func() runner { return new(genACHCommand) }},
	"bench night":           {benchNightUsage, func() runner { return new(benchNightCommand) }},
	"gen ack":               {genAckUsage, func() runner { return new(genAckCommand) }},
	"gen iwo":               {genIWOUsage, func() runner { return new(genIWOCommand) }},
	"import employers":      {importUsage("employers", importEmployersHelp), func() runner { return &importCommand{kind: "employers"} }},
	"import orders":         {importUsage("orders", importOrdersHelp), func() runner { return &importCommand{kind: "orders"} }},
	"report statements":     {reportStatementsUsage, func() runner { return new(reportStatementsCommand) }},
	"run":                   {runUsage, func() runner { return new(runCommand) }},
	"serve":                 {serveUsage, func() runner { return new(serveCommand) }},
	"user add":              {userAddUsage, func() runner { return new(userPasswordCommand) }},
	"user disable":          {userDisableUsage, func() runner { return new(userDisableCommand) }},
	"user list":             {userListUsage, func() runner { return new(userListCommand) }},
	"user reset":            {userResetUsage, func() runner { return &userPasswordCommand{reset: true} }},
	"user token add":        {tokenAddUsage, func() runner { return new(tokenAddCommand) }},
	"user token list":       {tokenListUsage, func() runner { return new(tokenListCommand) }},
	"user token revoke":     {tokenRevokeUsage, func() runner { return new(tokenRevokeCommand) }},
	"version":               {versionUsage, func() runner { return new(versionCommand) }},
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
	if len(args) == 0 || args[0] == "help" || isHelpFlag(args[0]) {
		return help(e, args)
	}
	if args[0] == "--version" {
		fmt.Fprintln(e.stdout, "iwo", version)
		return 0
	}
	name, c, rest := lookup(args)
	if name == "" {
		return noCommand(e, args)
	}
	r := c.new()
	fs := newFlagSet(name, r)
	pos, err := parseFlags(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(e.stdout, name, c, fs) // asked for: on stdout, so it pipes into less or grep
		return 0
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "iwo %s: %v\nrun 'iwo %s -h' for usage\n", name, err, name)
		return 2
	}
	r.bind(e, pos)
	err = r.Run(ctx)
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
	fmt.Fprintf(e.stderr, "iwo %s: %s\n", name, withholding.MaskDigitRuns(err.Error()))
	return code
}

// help answers "iwo", "iwo help [COMMAND]" and "iwo -h".
func help(e *env, args []string) int {
	if len(args) <= 1 {
		printOverview(e.stdout)
		return 0
	}
	if name, c, _ := lookup(args[1:]); name != "" {
		printCommandHelp(e.stdout, name, c, newFlagSet(name, c.new()))
		return 0
	}
	if groupHelp(e.stdout, strings.Join(args[1:], " ")) {
		return 0
	}
	fmt.Fprintf(e.stderr, "iwo: unknown command %q\n", strings.Join(args[1:], " "))
	return 2
}

// noCommand answers args that name no command: "iwo edi" or "iwo edi -h"
// show the group, anything else is unknown.
func noCommand(e *env, args []string) int {
	group := []string{}
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		group = append(group, a)
	}
	// "iwo edi" and "iwo edi -h" ask for the group's help (stdout, exit
	// 0); "iwo edi --bogus" gets it as an error (stderr, exit 2).
	asked := len(group) == len(args) || (len(group) < len(args) && isHelpFlag(args[len(group)]))
	w := e.stderr
	if asked {
		w = e.stdout
	}
	if len(group) > 0 && groupHelp(w, strings.Join(group, " ")) {
		if asked {
			return 0
		}
		return 2
	}
	fmt.Fprintf(e.stderr, "iwo: unknown command %q; run 'iwo help'\n", strings.Join(args, " "))
	return 2
}

func isHelpFlag(s string) bool {
	return s == "-h" || s == "--help" || s == "-help"
}

// lookup finds the longest command name that prefixes args, and returns it
// ("" when there is none), its table entry and the arguments after it.
func lookup(args []string) (string, command, []string) {
	for n := len(args); n > 0; n-- {
		name := strings.Join(args[:n], " ")
		if c, ok := commands[name]; ok {
			return name, c, args[n:]
		}
	}
	return "", command{}, nil
}

// newFlagSet returns the flag set of command name, bound to r's fields.
func newFlagSet(name string, r runner) *flag.FlagSet {
	fs := flag.NewFlagSet("iwo "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	r.flags(fs)
	return fs
}

// parseFlags parses flags anywhere among the arguments, so both
// "iwo ach payments FILE --format json" and "iwo ach payments --format json
// FILE" work. A lone "--" ends flag parsing. Every command's flags go
// through it.
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
	for _, n := range commandNames("") {
		fmt.Fprintf(w, "  %-22s %s\n", n, sentence(commands[n].short))
	}
	fmt.Fprintf(w, `
Run "iwo COMMAND -h" for a command's flags and examples.
Flags may come before or after positional arguments.
`)
}

// commandNames returns the sorted names of the commands under prefix
// ("edi"), or of every command when prefix is "".
func commandNames(prefix string) []string {
	var names []string
	for n := range commands {
		if prefix == "" || strings.HasPrefix(n, prefix+" ") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// groupHelp prints the commands under prefix ("edi") and reports whether any exist.
func groupHelp(w io.Writer, prefix string) bool {
	names := commandNames(prefix)
	if len(names) == 0 {
		return false
	}
	fmt.Fprintf(w, "Commands under 'iwo %s':\n", prefix)
	for _, n := range names {
		fmt.Fprintf(w, "  iwo %-22s %s\n", n, sentence(commands[n].short))
	}
	fmt.Fprintf(w, "\nRun \"iwo %s SUBCOMMAND -h\" for details.\n", prefix)
	return true
}

func printCommandHelp(w io.Writer, name string, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: iwo %s", name)
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
