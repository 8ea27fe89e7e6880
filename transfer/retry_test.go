package transfer_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/iwoproject/iwo/transfer"
)

// fakeRemote is a Remote whose methods are fields.
type fakeRemote struct {
	transfer.Remote // nil: unset methods panic
	RemoveFn        func(p string) error
	MoveFn          func(from, to string) (string, error)
	closed          int
}

func (f *fakeRemote) Remove(_ context.Context, p string) error { return f.RemoveFn(p) }
func (f *fakeRemote) Move(_ context.Context, from, to string) (string, error) {
	return f.MoveFn(from, to)
}
func (f *fakeRemote) Close() error { f.closed++; return nil }

var errDropped = fmt.Errorf("read tcp: %w", transfer.ErrConnection)

func TestRetry(t *testing.T) {
	for _, tc := range []struct {
		name      string
		results   []error // what Remove returns, try by try
		wantErr   error   // nil for success
		wantTries int
	}{
		{"OK", []error{nil}, nil, 1},
		{"OKAfterDrops", []error{errDropped, errDropped, nil}, nil, 3},
		{"ErrGiveUp", []error{errDropped, errDropped, errDropped, errDropped}, transfer.ErrConnection, 4},
		{"ErrNotRetried", []error{fs.ErrPermission}, fs.ErrPermission, 1},
		// The first try removed the file but the answer was lost.
		{"OKRemovedBeforeDrop", []error{errDropped, fs.ErrNotExist}, nil, 2},
		{"ErrMissingAtFirst", []error{fs.ErrNotExist}, fs.ErrNotExist, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tries, dials := 0, 0
			var pauses []time.Duration
			fake := &fakeRemote{RemoveFn: func(string) error {
				err := tc.results[tries]
				tries++
				return err
			}}
			r := transfer.NewRetry(func(context.Context) (transfer.Remote, error) {
				dials++
				return fake, nil
			}, transfer.Backoff{Initial: time.Second, Max: 3 * time.Second, Sleep: func(_ context.Context, d time.Duration) error {
				pauses = append(pauses, d)
				return nil
			}})
			err := r.Remove(context.Background(), "/inbox/x")
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Remove: %v; want %v", err, tc.wantErr)
			}
			if tries != tc.wantTries || dials != tc.wantTries {
				t.Errorf("%d tries, %d dials; want %d", tries, dials, tc.wantTries)
			}
			// Doubling from 1 s with ±20% jitter, capped at 3 s.
			for i, d := range pauses {
				base := min(time.Second<<i, 3*time.Second)
				if d < base*8/10 || d > base*12/10 {
					t.Errorf("pause %d = %v; want about %v", i, d, base)
				}
			}
		})
	}
}

func TestRetryDialErrors(t *testing.T) {
	dials := 0
	r := transfer.NewRetry(func(context.Context) (transfer.Remote, error) {
		dials++
		if dials < 3 {
			return nil, fmt.Errorf("dial: %w", transfer.ErrConnection)
		}
		return &fakeRemote{MoveFn: func(from, to string) (string, error) { return to + "/x", nil }}, nil
	}, transfer.Backoff{Sleep: func(context.Context, time.Duration) error { return nil }})
	if got, err := r.Move(context.Background(), "/inbox/x", "/archive"); err != nil || got != "/archive/x" || dials != 3 {
		t.Errorf("Move = %q, %v after %d dials; want success on the third", got, err, dials)
	}

	dials = 0
	r = transfer.NewRetry(func(context.Context) (transfer.Remote, error) {
		dials++
		return nil, fmt.Errorf("dial: %w", transfer.ErrHostKey)
	}, transfer.Backoff{Sleep: func(context.Context, time.Duration) error { return nil }})
	if _, err := r.Move(context.Background(), "/inbox/x", "/archive"); !errors.Is(err, transfer.ErrHostKey) || dials != 1 {
		t.Errorf("Move with a host key mismatch: %v after %d dials; want one dial and ErrHostKey", err, dials)
	}
}

// TestRetryReconnects drops the in-process server's connections between
// List and Fetch, as a server restart would, and checks that Fetch
// reconnects and succeeds.
func TestRetryReconnects(t *testing.T) {
	srv, p, dir := MustServer(t)
	MustWrite(t, filepath.Join(dir, "inbox"), "a.ach", "101 ACH")
	dials, pauses := 0, 0
	r := transfer.NewRetry(func(ctx context.Context) (transfer.Remote, error) {
		dials++
		return transfer.Dial(ctx, p)
	}, transfer.Backoff{Sleep: func(context.Context, time.Duration) error { pauses++; return nil }})
	defer r.Close()
	ctx := context.Background()
	files, err := r.List(ctx, p.Inbox)
	if err != nil || len(files) != 1 {
		t.Fatalf("List = %v, %v", files, err)
	}
	srv.CloseConnections()
	got, err := r.Fetch(ctx, files[0], t.TempDir())
	if err != nil {
		t.Fatalf("Fetch after the server dropped the connection: %v", err)
	}
	if got.SHA256 != sum("101 ACH") || dials != 2 || pauses != 1 {
		t.Errorf("Fetch = %+v after %d dials and %d pauses; want 2 dials, 1 pause", got, dials, pauses)
	}
}

func TestRetryStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	tries := 0
	r := transfer.NewRetry(func(context.Context) (transfer.Remote, error) {
		return &fakeRemote{RemoveFn: func(string) error { tries++; cancel(); return errDropped }}, nil
	}, transfer.Backoff{Attempts: 10})
	if err := r.Remove(ctx, "x"); !errors.Is(err, transfer.ErrConnection) || tries != 1 {
		t.Errorf("Remove with cancelled context: %v after %d tries; want one try", err, tries)
	}
}
