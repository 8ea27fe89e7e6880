package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iwoproject/iwo/jobs"
	"github.com/iwoproject/iwo/withholding"
)

// Runner runs a job now, through the scheduler's one path: its per-job
// lock (so a job already running here or on another instance is recorded
// as skipped, not run twice) and its run record. *jobs.Scheduler is one;
// "iwo console" builds one over the same database as "iwo serve".
type Runner interface {
	// Jobs lists the jobs that can be run.
	Jobs() []jobs.JobInfo
	// RunNow runs the named job and returns its run record.
	RunNow(ctx context.Context, name string) (*withholding.JobRun, error)
}

var _ Runner = (*jobs.Scheduler)(nil)

// runWait is how long "Run now" waits for the run to end before showing
// the Job runs page, where a longer run shows as running.
const runWait = 3 * time.Second

// summaryCounts is how many of a run's counts its row shows before "N more".
const summaryCounts = 4

// runRow is a job run as the Job runs page shows it.
type runRow struct {
	*withholding.JobRun
	StartedLocal string
	Took         string
	// Summary is the largest counts in words; More the rest, behind a
	// click. Counts of one family ("employer:FEIN") are summed as one.
	Summary []string
	More    []string
	// ErrorHead is the first line of the error; the whole is expandable.
	ErrorHead string
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	job := r.URL.Query().Get("job")
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	const perPage = 50
	runs, n, err := s.cfg.JobRuns.FindJobRuns(ctx, job, (page-1)*perPage, perPage)
	if err != nil {
		return fmt.Errorf("find job runs: %w", err)
	}
	rows := make([]runRow, 0, len(runs))
	for _, jr := range runs {
		row := runRow{JobRun: jr, StartedLocal: jr.Started.In(s.cfg.Location).Format("2006-01-02 15:04:05 MST")}
		if !jr.Ended.IsZero() {
			row.Took = jr.Ended.Sub(jr.Started).Round(time.Millisecond).String()
		}
		words := countWords(jr.Counts)
		row.Summary = words[:min(len(words), summaryCounts)]
		row.More = words[len(row.Summary):]
		row.ErrorHead, _, _ = strings.Cut(jr.Error, "\n")
		rows = append(rows, row)
	}
	data := map[string]any{"Runs": rows, "Count": n, "Job": job, "CanRun": userFrom(ctx).Role.CanRunJobs() && s.cfg.Runner != nil,
		"Started": r.URL.Query().Get("started")}
	if s.cfg.Runner != nil {
		data["Jobs"] = s.cfg.Runner.Jobs()
	}
	link := func(p int) string {
		v := url.Values{}
		if job != "" {
			v.Set("job", job)
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		return "/runs?" + v.Encode()
	}
	if page > 1 {
		data["Prev"] = link(page - 1)
	}
	if (page-1)*perPage+len(rows) < n {
		data["Next"] = link(page + 1)
	}
	return s.render(w, r, "runs", "Job runs", data)
}

// countWords says a run's counts in words, largest first: "1,204
// payments". Counts named "family:key" (one per employer, say) are added
// up as one entry that says how many keys it covers.
func countWords(counts map[string]int64) []string {
	type entry struct {
		name  string
		n     int64
		parts int
	}
	byName := map[string]*entry{}
	for k, v := range counts {
		name, _, split := strings.Cut(k, ":")
		e := byName[name]
		if e == nil {
			e = &entry{name: name}
			byName[name] = e
		}
		e.n += v
		if split {
			e.parts++
		}
	}
	list := make([]*entry, 0, len(byName))
	for _, e := range byName {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *entry) int {
		return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.name, b.name))
	})
	out := make([]string, len(list))
	for i, e := range list {
		s := thousands(e.n) + " " + strings.ReplaceAll(e.name, "_", " ")
		if e.parts > 0 {
			s += fmt.Sprintf(" (%s %s)", thousands(int64(e.parts)), plural(e.parts, "kind", "kinds"))
		}
		out[i] = s
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// thousands writes n with comma separators: 1,204.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// runNow starts a job by hand through the Runner. It waits up to runWait
// for the run to end, then shows the Job runs page, where the run is
// listed (running, done, or skipped because it already runs somewhere).
// The run goes on when the request ends: it is the scheduler's to finish.
func (s *Server) runNow(w http.ResponseWriter, r *http.Request) error {
	u := userFrom(r.Context())
	if !u.Role.CanRunJobs() {
		forbid(w, "Only a supervisor or an admin may run jobs.")
		return nil
	}
	if s.cfg.Runner == nil {
		return withholding.Errorf(withholding.ENOTFOUND, "this console cannot run jobs: it was started without the scheduler")
	}
	job := r.PostFormValue("job")
	if !slices.ContainsFunc(s.cfg.Runner.Jobs(), func(j jobs.JobInfo) bool { return j.Name == job }) {
		return withholding.Errorf(withholding.EINVALID, "no job %q to run", job)
	}
	if err := s.audit(r, withholding.AuditRunJob, "job:"+job, ""); err != nil {
		return err
	}
	s.log.Info("console job run", "user", u.Name, "job", job)
	done := make(chan struct{})
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer close(done)
		run, err := s.cfg.Runner.RunNow(context.WithoutCancel(r.Context()), job)
		if err != nil {
			s.log.Warn("console job run ended with an error", "user", u.Name, "job", job, "run", runID(run), "err", err)
		}
	}()
	select {
	case <-done:
	case <-time.After(runWait):
	}
	http.Redirect(w, r, "/runs?started="+url.QueryEscape(job), http.StatusSeeOther)
	return nil
}

func runID(r *withholding.JobRun) int64 {
	if r == nil {
		return 0
	}
	return r.ID
}

// Wait waits for the job runs started with "Run now" to end. Call it
// after the server has stopped taking requests.
func (s *Server) Wait() { s.running.Wait() }
