package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressEvery is how often a long read reports how far it is when
// stderr is not a terminal (a log file, cron's mail): a plain line, not a
// bar redrawn with carriage returns.
var progressEvery = 15 * time.Second

// progressMin is the input size below which no progress is shown: small
// files are done before anyone would look.
const progressMin = 8 << 20

// progress reports how much of a file a long command has read, on stderr:
// a bar on a terminal, a line every progressEvery otherwise. Commands read
// their input through reader; a file read twice (checked, then applied or
// printed) shows each pass under its own label.
type progress struct {
	w       io.Writer
	bar     *progressbar.ProgressBar // nil when stderr is not a terminal
	name    string
	label   string
	total   int64
	read    int64
	start   time.Time
	lastLog time.Time
}

// newProgress returns the progress of reading the file at path, or nil
// (which reports nothing) when the file is small or cannot be sized.
func newProgress(e *env, path, label string) *progress {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() < progressMin {
		return nil
	}
	p := &progress{w: e.stderr, name: path, total: fi.Size(), start: time.Now()}
	p.lastLog = p.start
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(fi.Size(),
			progressbar.OptionSetWriter(f),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetPredictTime(true),
		)
	}
	p.pass(label)
	return p
}

// pass starts a pass over the file under label ("checking", "importing").
func (p *progress) pass(label string) {
	if p == nil {
		return
	}
	p.label, p.read = label, 0
	if p.bar != nil {
		p.bar.Reset()
		p.bar.Describe(fmt.Sprintf("%s %s", label, p.name))
	}
}

func (p *progress) add(n int) {
	p.read += int64(n)
	if p.bar != nil {
		_ = p.bar.Add(n) // only fails writing to the terminal
		return
	}
	if now := time.Now(); now.Sub(p.lastLog) >= progressEvery {
		p.lastLog = now
		fmt.Fprintf(p.w, "%s: %s, %d%% of %d MB read after %s\n", p.name, p.label,
			p.read*100/p.total, p.total>>20, now.Sub(p.start).Round(time.Second))
	}
}

// done clears the bar.
func (p *progress) done() {
	if p != nil && p.bar != nil {
		_ = p.bar.Finish()
	}
}

// reader returns f read through p: a file read twice (Seek back to its
// start) begins p's next pass, labelled by next.
func (p *progress) reader(f *os.File, next string) io.ReadSeeker {
	if p == nil {
		return f
	}
	return &progressReader{f: f, p: p, next: next}
}

type progressReader struct {
	f    *os.File
	p    *progress
	next string
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.f.Read(b)
	r.p.add(n)
	return n, err
}

func (r *progressReader) Seek(off int64, whence int) (int64, error) {
	pos, err := r.f.Seek(off, whence)
	if err == nil && pos == 0 && r.p.read > 0 {
		r.p.pass(r.next)
	}
	return pos, err
}
