package employer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/iwoproject/iwo/transfer"
)

// The employer side of an SFTP partner is the mirror of the agency's: the
// agency leaves IWO files in a partner's outbox and takes acknowledgment
// and remittance files from its inbox, so an employer takes from Outbox and
// leaves in Inbox.

// Pull fetches every ready file in the partner's outbox whose name matches
// patterns (all when none) into localDir, and removes each remote file once
// its local copy is complete and verified (transfer.Remote.Fetch checks the
// size and computes the SHA-256), so the next pull does not take it again.
// It returns the local paths in name order.
func Pull(ctx context.Context, rem transfer.Remote, p *transfer.Partner, patterns []string, localDir string) ([]string, error) {
	if p.Outbox == "" {
		return nil, fmt.Errorf("pull from %s: the partner has no outbox", p.Name)
	}
	if err := os.MkdirAll(localDir, 0o700); err != nil {
		return nil, fmt.Errorf("pull from %s: %w", p.Name, err)
	}
	l, err := transfer.ListReady(ctx, rem, p.Outbox, transfer.ListOptions{Patterns: patterns})
	if err != nil {
		return nil, fmt.Errorf("pull from %s: %w", p.Name, err)
	}
	var out []string
	for _, f := range l.Ready {
		got, err := rem.Fetch(ctx, f, localDir)
		if err != nil {
			return out, fmt.Errorf("pull %s from %s: %w", f.Name, p.Name, err)
		}
		final := filepath.Join(localDir, f.Name)
		if got.LocalPath != final {
			if _, err := os.Stat(final); err == nil {
				final = got.LocalPath // keep the fetcher's unique name
			} else if err := os.Rename(got.LocalPath, final); err != nil {
				return out, fmt.Errorf("pull %s from %s: %w", f.Name, p.Name, err)
			}
		}
		if err := rem.Remove(ctx, f.Path()); err != nil {
			return out, fmt.Errorf("pull %s from %s: fetched but not removed: %w", f.Name, p.Name, err)
		}
		out = append(out, final)
	}
	return out, nil
}

// Push uploads a local file into the partner's inbox (through a temporary
// name and a rename, never overwriting a different file) and returns its
// remote name.
func Push(ctx context.Context, rem transfer.Remote, p *transfer.Partner, localPath string) (string, error) {
	if p.Inbox == "" {
		return "", fmt.Errorf("push to %s: the partner has no inbox", p.Name)
	}
	name, err := rem.Put(ctx, localPath, p.Inbox, filepath.Base(localPath))
	if err != nil {
		return "", fmt.Errorf("push %s to %s: %w", filepath.Base(localPath), p.Name, err)
	}
	return name, nil
}
