package transfer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"sync"
	"time"
)

// Backoff says how often and how patiently Retry tries again.
type Backoff struct {
	// Attempts is the number of tries in all, the first included; 4 when
	// zero.
	Attempts int
	// Initial is the pause before the second try; it doubles each time up
	// to Max, with ±20% jitter. 2 s and 1 min when zero.
	Initial, Max time.Duration
	// Sleep pauses; nil waits on a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultBackoff is 4 tries over about 14 seconds.
var DefaultBackoff = Backoff{Attempts: 4, Initial: 2 * time.Second, Max: time.Minute}

// Retry is a Remote that connects on first use and, when an operation fails
// with ErrConnection, drops the connection, waits, reconnects and tries the
// operation again. Other errors (host key, authentication, a file that is
// not there) are returned at once. A Retry is safe for concurrent use; the
// operations run one at a time.
type Retry struct {
	dial func(ctx context.Context) (Remote, error)
	b    Backoff

	mu  sync.Mutex
	cur Remote
}

var _ Remote = (*Retry)(nil)

// NewRetry returns a Retry that connects with dial, e.g.
//
//	transfer.NewRetry(func(ctx context.Context) (transfer.Remote, error) {
//		return transfer.Dial(ctx, partner)
//	}, transfer.DefaultBackoff)
func NewRetry(dial func(ctx context.Context) (Remote, error), b Backoff) *Retry {
	if b.Attempts <= 0 {
		b.Attempts = DefaultBackoff.Attempts
	}
	if b.Initial <= 0 {
		b.Initial = DefaultBackoff.Initial
	}
	if b.Max <= 0 {
		b.Max = DefaultBackoff.Max
	}
	if b.Sleep == nil {
		b.Sleep = sleep
	}
	return &Retry{dial: dial, b: b}
}

// do runs op with a connection, retrying on connection failures. op gets
// the attempt number (0 for the first).
func (r *Retry) do(ctx context.Context, op func(rem Remote, attempt int) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delay := r.b.Initial
	for attempt := 0; ; attempt++ {
		err := r.connect(ctx)
		if err == nil {
			err = op(r.cur, attempt)
			if err == nil {
				return nil
			}
		}
		if !errors.Is(err, ErrConnection) || ctx.Err() != nil {
			return err
		}
		r.drop()
		if attempt+1 >= r.b.Attempts {
			return fmt.Errorf("give up after %d tries: %w", attempt+1, err)
		}
		jittered := time.Duration(float64(delay) * (0.8 + 0.4*rand.Float64()))
		if err := r.b.Sleep(ctx, jittered); err != nil {
			return err
		}
		delay = min(2*delay, r.b.Max)
	}
}

func (r *Retry) connect(ctx context.Context) error {
	if r.cur != nil {
		return nil
	}
	rem, err := r.dial(ctx)
	if err != nil {
		return err
	}
	r.cur = rem
	return nil
}

func (r *Retry) drop() {
	if r.cur != nil {
		_ = r.cur.Close()
		r.cur = nil
	}
}

// List implements Remote.
func (r *Retry) List(ctx context.Context, dir string) (files []RemoteFile, err error) {
	err = r.do(ctx, func(rem Remote, _ int) error {
		files, err = rem.List(ctx, dir)
		return err
	})
	return files, err
}

// Fetch implements Remote.
func (r *Retry) Fetch(ctx context.Context, f RemoteFile, stagingDir string) (got *Fetched, err error) {
	err = r.do(ctx, func(rem Remote, _ int) error {
		got, err = rem.Fetch(ctx, f, stagingDir)
		return err
	})
	return got, err
}

// Put implements Remote. A retry after an upload whose rename went through
// but whose answer was lost finds the identical file and returns its name.
func (r *Retry) Put(ctx context.Context, localPath, dir, name string) (got string, err error) {
	err = r.do(ctx, func(rem Remote, _ int) error {
		got, err = rem.Put(ctx, localPath, dir, name)
		return err
	})
	return got, err
}

// Move implements Remote. When a retry finds from gone, the earlier try
// moved it before the connection broke; Move then returns the path the
// file has under its own name in toDir.
func (r *Retry) Move(ctx context.Context, from, toDir string) (got string, err error) {
	err = r.do(ctx, func(rem Remote, attempt int) error {
		got, err = rem.Move(ctx, from, toDir)
		if attempt > 0 && errors.Is(err, fs.ErrNotExist) {
			got, err = path.Join(toDir, path.Base(from)), nil
		}
		return err
	})
	return got, err
}

// Remove implements Remote. When a retry finds the file gone, the earlier
// try removed it before the connection broke, and Remove succeeds.
func (r *Retry) Remove(ctx context.Context, p string) error {
	return r.do(ctx, func(rem Remote, attempt int) error {
		err := rem.Remove(ctx, p)
		if attempt > 0 && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	})
}

// Close closes the current connection, if any. The Retry may be used again
// and then reconnects.
func (r *Retry) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur == nil {
		return nil
	}
	err := r.cur.Close()
	r.cur = nil
	return err
}
