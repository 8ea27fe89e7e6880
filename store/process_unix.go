//go:build unix

package store

import (
	"errors"
	"syscall"
)

// processRuns reports whether a process with this ID runs on this host.
// Signal 0 checks without signalling; EPERM means it runs as another user.
func processRuns(pid int) bool {
	if pid <= 0 {
		return true // unknown: assume it runs
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
