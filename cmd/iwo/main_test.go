package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
)

// runIWO runs Main in-process and returns exit code, stdout and stderr.
func runIWO(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code := Main(context.Background(), e, args)
	return code, out.String(), errb.String()
}

func TestParseFlagsInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantPos []string
		wantFmt string
	}{
		{[]string{"FILE", "--format", "json"}, []string{"FILE"}, "json"},
		{[]string{"--format", "csv", "FILE"}, []string{"FILE"}, "csv"},
		{[]string{"A", "-format=none", "B"}, []string{"A", "B"}, "none"},
		{[]string{"A", "--", "-notaflag"}, []string{"A", "-notaflag"}, "text"},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		format := fs.String("format", "text", "")
		pos, err := parseFlags(fs, tc.args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if strings.Join(pos, "|") != strings.Join(tc.wantPos, "|") || *format != tc.wantFmt {
			t.Errorf("%v: got pos %v format %q, want %v %q", tc.args, pos, *format, tc.wantPos, tc.wantFmt)
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	code, out, _ := runIWO(t, "help")
	if code != 0 {
		t.Fatalf("iwo help exit %d", code)
	}
	for name, c := range commands {
		if !strings.Contains(out, name) {
			t.Errorf("iwo help does not list %q", name)
		}
		if c.short == "" {
			t.Errorf("command %q has no summary", name)
		}
		code, stdout, _ := runIWO(t, append(strings.Fields(name), "-h")...)
		if code != 0 || !strings.Contains(stdout, "Usage: iwo "+name) {
			t.Errorf("iwo %s -h: exit %d, help on stdout %q", name, code, stdout)
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	code, _, stderr := runIWO(t, "no-such-command")
	if code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("exit %d stderr %q", code, stderr)
	}
}
