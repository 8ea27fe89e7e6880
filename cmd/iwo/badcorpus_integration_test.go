//go:build integration

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iwoproject/iwo/withholding"
)

// hugeSize is the size of the generated single-line files.
const hugeSize = 200 << 20

// boundedRSS is the peak resident memory a validator may reach on them.
const boundedRSS = 128 << 20

// TestIntegrationBadCorpusJobs places the corpus's ACH and acknowledgment
// files (and the generated hostile names and duplicate) in local partner
// inboxes among good files, runs pull-remittances and pull-acks once with
// the real binary, and checks every row: applied, archived as a duplicate,
// quarantined (remote and local copy, error in the ledger, nothing of it
// applied) or refused and reported; then runs the generated huge
// single-line files through the validators and measures their peak memory.
func TestIntegrationBadCorpusJobs(t *testing.T) {
	rows := MustReadBadCorpus(t)
	a := MustAgency(t, MustBuildIWO(t), false)
	inbox := map[string]string{"pull-remittances": filepath.Join(a.roots["bank"], "in"), "pull-acks": filepath.Join(a.roots["portal"], "in")}
	good, err := os.ReadFile(filepath.Join(badDir, "ach", "corpus-good.ach"))
	if err != nil {
		t.Fatal(err)
	}
	names := map[*badRow]string{}
	for i := range rows {
		r := &rows[i]
		dir, ok := inbox[r.check]
		if !ok {
			continue
		}
		name, data := filepath.Base(r.file), []byte(nil)
		if gen, ok := strings.CutPrefix(r.file, "gen:"); ok {
			name, data = strings.ReplaceAll(gen, `\x01`, "\x01"), good
		} else if data, err = os.ReadFile(filepath.Join(badDir, r.file)); err != nil {
			t.Fatal(err)
		}
		place(t, dir, name, data)
		names[r] = name
	}
	outs := map[string]string{}
	codes := map[string]int{}
	for _, job := range []string{"pull-remittances", "pull-acks"} {
		codes[job], outs[job] = a.iwo("run", job)
	}

	db := a.open()
	defer db.Close()
	ctx := context.Background()
	files, _, err := db.FindFiles(ctx, withholding.FileFilter{})
	if err != nil {
		t.Fatal(err)
	}
	payments, _, err := db.FindPayments(ctx, withholding.PaymentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	paid := map[int64]int{}
	for _, p := range payments {
		paid[p.FileID]++
	}
	tried := 0
	for r, name := range names {
		tried++
		where := badExpect + ":" + strconv.Itoa(r.line) + ": " + r.file + " (" + r.check + ")"
		var es []*withholding.File
		for _, f := range files {
			if pathBase(f.RemoteName) == name {
				es = append(es, f)
			}
		}
		inInbox := exists(filepath.Join(inbox[r.check], name))
		switch r.outcome {
		case "applied":
			if len(es) != 1 || es[0].State != withholding.FileArchived || isDuplicateEntry(es[0]) || inInbox {
				t.Errorf("%s: want applied and archived once, ledger %s, in inbox %v", where, describe(es), inInbox)
			}
		case "duplicate":
			if len(es) != 1 || !isDuplicateEntry(es[0]) || paid[es[0].ID] != 0 {
				t.Errorf("%s: want archived as a duplicate, nothing applied; ledger %s", where, describe(es))
			}
		case "quarantined":
			rejected := filepath.Join(filepath.Dir(inbox[r.check]), "in", "rejected", name)
			if len(es) != 1 || es[0].State != withholding.FileQuarantined || inInbox || !exists(rejected) ||
				!strings.Contains(es[0].Error, "local copy: ") || !strings.Contains(es[0].Error+outs[r.check], r.detail) {
				t.Errorf("%s: want quarantined (partner's and local copy, %q in the ledger error); ledger %s, in inbox %v, in rejected/ %v",
					where, r.detail, describe(es), inInbox, exists(rejected))
			} else if paid[es[0].ID] != 0 {
				t.Errorf("%s: quarantined, yet %d of its payments are stored (half-applied)", where, paid[es[0].ID])
			}
		case "refused":
			if len(es) != 0 || codes[r.check] != exitRunPartial || !strings.Contains(outs[r.check], r.detail) {
				t.Errorf("%s: unsafe name: want not fetched (ledger %s), the run partial (exit %d, want %d) and the name reported (%q in its output)",
					where, describe(es), codes[r.check], exitRunPartial, r.detail)
			}
		default:
			t.Errorf("%s: outcome %q is not one a job has", where, r.outcome)
		}
	}
	for job, out := range outs {
		for _, ssn := range []string{"900-12-0001", "976535347"} {
			if strings.Contains(out, ssn) {
				t.Errorf("%s output shows the SSN %s", job, ssn)
			}
		}
	}
	t.Logf("%d bad inputs tried through the pull jobs", tried)

	// Huge single lines: rejected with bounded memory.
	for _, r := range rows {
		if r.outcome != "bounded" {
			continue
		}
		path := filepath.Join(t.TempDir(), "corpus-"+strings.TrimPrefix(r.file, "gen:"))
		writeHugeLine(t, path)
		args := validatorArgs(r.check, path)
		cmd := a.command(args...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		code := cmd.ProcessState.ExitCode()
		if err != nil && code < 0 {
			t.Errorf("%s: %v", r.file, err)
			continue
		}
		rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
		t.Logf("%s through iwo %s: exit %d in %s, peak RSS %d MiB", r.file, strings.Join(args[:2], " "), code, time.Since(start).Round(time.Millisecond), rss>>20)
		if rss > boundedRSS {
			t.Errorf("%s:%d: %s (%d MiB on one line): peak RSS %d MiB, want under %d MiB", badExpect, r.line, r.file, hugeSize>>20, rss>>20, boundedRSS>>20)
		}
		checkBadOutcome(t, r, code, out.String())
		os.Remove(path)
	}
}

// writeHugeLine writes hugeSize bytes of one line (printable ASCII, no
// newline) that starts like a header record.
func writeHugeLine(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	copy(chunk, "FHI101")
	for range hugeSize >> 20 {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
		copy(chunk, "AAAAAA")
	}
}
