package jobs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"

	"github.com/iwoproject/iwo/ach"
	"github.com/iwoproject/iwo/withholding"
)

// PullRemittances is the "pull-remittances" job: it fetches the ACH files
// partners (the SDU's bank) leave in their inboxes, reads each with the
// streaming ach.Reader and posts its payments with
// withholding.FileService.ApplyPayments: every entry of a file in one
// transaction, or none when the file turns out structurally invalid at its
// end, in which case the file is quarantined.
type PullRemittances struct {
	Exchange *Exchange
	Files    withholding.FileService
	// Profile chooses how DED segments are read (lenient by default).
	Profile ach.Profile
}

// Name implements Job.
func (j *PullRemittances) Name() string { return JobPullRemittances }

// ClaimsItems implements ItemClaimer: with Exchange.Claims set on a store
// that takes several writers at once (PostgreSQL), each file is claimed,
// and instances run the job together.
func (j *PullRemittances) ClaimsItems() bool { return j.Exchange.claims() != nil }

// Run implements Job.
func (j *PullRemittances) Run(ctx context.Context) (Result, error) {
	in := &Inbound{
		Job:      JobPullRemittances,
		Exchange: j.Exchange,
		Files:    j.Files,
		Kinds:    []withholding.FileKind{withholding.KindACHFile},
		Apply:    j.apply,
	}
	return in.Run(ctx)
}

func (j *PullRemittances) apply(ctx context.Context, f *withholding.File) (Result, error) {
	var res Result
	src, err := os.Open(f.LocalPath)
	if err != nil {
		return res, fmt.Errorf("open %s: %w", f.LocalPath, err)
	}
	defer src.Close()
	// ApplyPayments stores each payment before it asks for the next.
	r := ach.NewReader(src, ach.Options{Name: f.RemoteName, Profile: j.Profile, ReusePayment: true})

	// Remember the reader's own error: it says the file is bad, while an
	// error of ApplyPayments alone says the database is.
	var readErr error
	m := j.Exchange.Metrics
	payments := func(yield func(*withholding.Payment, error) bool) {
		for p, err := range r.Payments() {
			if err != nil {
				readErr = err
			}
			if !yield(p, err) {
				return
			}
		}
	}
	n, err := j.Files.ApplyPayments(ctx, f.ID, iter.Seq2[*withholding.Payment, error](payments))
	if err != nil {
		var fe *ach.FileError
		if readErr != nil && (errors.As(readErr, &fe) || errors.Is(readErr, ach.ErrInvalidFile)) {
			return res, &InvalidFileError{Err: readErr}
		}
		return res, err
	}
	sum := r.Summary()
	res.Add("payments", int64(n))
	res.Add("posted", int64(sum.Posted))
	res.Add("payment_cents", int64(sum.PaymentCents))
	res.Add("prenotes", int64(sum.Prenotes))
	res.Add("returns", int64(sum.Returns))
	res.Add("nocs", int64(sum.NOCs))
	res.Add("with_problems", int64(sum.WithProblems))
	if m != nil {
		for kind, c := range map[withholding.PaymentKind]int{
			withholding.KindPayment: sum.Posted, withholding.KindPrenote: sum.Prenotes,
			withholding.KindReturn: sum.Returns, withholding.KindNOC: sum.NOCs, withholding.KindOther: sum.Other,
		} {
			m.payments.WithLabelValues(string(kind)).Add(float64(c))
		}
	}
	return res, nil
}
