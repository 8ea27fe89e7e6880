package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/iwoproject/iwo/withholding"
)

const jobRunCols = "id, job, instance, started, ended, status, files, counts, error"

func encodeCounts(c map[string]int64) string {
	if len(c) == 0 {
		return ""
	}
	b, _ := json.Marshal(c) // map[string]int64 always marshals
	return string(b)
}

// CreateJobRun records the start of a run and sets r.ID. A zero Started is
// now; an empty Status is running. SSN-like numbers in r.Error are masked
// (withholding.MaskDigitRuns), in r as in the store. EINVALID without a job name.
func (d *DB) CreateJobRun(ctx context.Context, r *withholding.JobRun) error {
	if r.Job == "" {
		return withholding.Errorf(withholding.EINVALID, "job run has no job name")
	}
	if r.Started.IsZero() {
		r.Started = d.now()
	}
	if r.Status == "" {
		r.Status = withholding.RunRunning
	}
	r.Error = withholding.MaskDigitRuns(r.Error)
	err := d.queryRow(ctx, d.db, `INSERT INTO job_runs (job, instance, started, ended, status, files, counts, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Job, r.Instance, d.timeArg(r.Started), d.timeArg(r.Ended), string(r.Status), int64(r.Files),
		encodeCounts(r.Counts), r.Error).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("create job run: %w", err)
	}
	return nil
}

// FinishJobRun records the outcome of run r.ID: Ended (now when zero),
// Status, Files, Counts and Error. ENOTFOUND for an unknown run. SSN-like
// numbers in r.Error are masked (withholding.MaskDigitRuns), in r as in the
// store: a job's error quotes the files it read.
func (d *DB) FinishJobRun(ctx context.Context, r *withholding.JobRun) error {
	r.Error = withholding.MaskDigitRuns(r.Error)
	if r.Ended.IsZero() {
		r.Ended = d.now()
	}
	res, err := d.exec(ctx, d.db, "UPDATE job_runs SET ended = ?, status = ?, files = ?, counts = ?, error = ? WHERE id = ?",
		d.timeArg(r.Ended), string(r.Status), int64(r.Files), encodeCounts(r.Counts), r.Error, r.ID)
	if err != nil {
		return fmt.Errorf("finish job run: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return withholding.Errorf(withholding.ENOTFOUND, "no job run %d", r.ID)
	}
	return nil
}

// MarkJobRunsKilled records every run of job still running as killed,
// ended now, with why as its error, and returns those runs, by ID. A
// non-empty instance limits it to that instance's runs.
func (d *DB) MarkJobRunsKilled(ctx context.Context, job, instance, why string) ([]*withholding.JobRun, error) {
	w := where{}
	w.add("job = ?", job)
	w.add("status = ?", string(withholding.RunRunning))
	if instance != "" {
		w.add("instance = ?", instance)
	}
	out, err := queryAll(ctx, d, "mark job runs killed", scanJobRun,
		"UPDATE job_runs SET status = ?, ended = ?, error = ?"+w.String()+" RETURNING "+jobRunCols,
		append([]any{string(withholding.RunKilled), d.timeArg(d.now()), why}, w.args...)...)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *withholding.JobRun) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// RunningJobRuns lists the runs of job still recorded running, by ID.
func (d *DB) RunningJobRuns(ctx context.Context, job string) ([]*withholding.JobRun, error) {
	return queryAll(ctx, d, "find running job runs", scanJobRun,
		"SELECT "+jobRunCols+" FROM job_runs WHERE job = ? AND status = ? ORDER BY id", job, string(withholding.RunRunning))
}

// FindJobRuns lists the runs of job (every job when ""), newest first, and
// the total number of matches.
func (d *DB) FindJobRuns(ctx context.Context, job string, offset, limit int) ([]*withholding.JobRun, int, error) {
	var w where
	if job != "" {
		w.add("job = ?", job)
	}
	n, err := d.count(ctx, "job_runs", &w)
	if err != nil {
		return nil, 0, err
	}
	out, err := queryAll(ctx, d, "find job runs", scanJobRun, "SELECT "+jobRunCols+" FROM job_runs"+w.String()+" ORDER BY id DESC"+d.page(offset, limit), w.args...)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

func scanJobRun(s interface{ Scan(...any) error }) (*withholding.JobRun, error) {
	var r withholding.JobRun
	var counts string
	if err := s.Scan(&r.ID, &r.Job, &r.Instance, timeDest{&r.Started}, timeDest{&r.Ended}, &r.Status,
		&r.Files, &counts, &r.Error); err != nil {
		return nil, err
	}
	if counts != "" {
		if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
			return nil, fmt.Errorf("decode job run counts: %w", err)
		}
	}
	return &r, nil
}
