//go:build unix

package bench

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// usage is the process's CPU time so far (user + system) and its peak
// resident set in bytes (getrusage maxrss).
func usage() (cpu time.Duration, peak int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	peak = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	if runtime.GOOS == "darwin" {
		peak = int64(ru.Maxrss) // bytes on macOS
	}
	return cpu, peak
}

// currentRSS is the resident set now (VmRSS of /proc/self/status) and
// true, or the peak so far and false where there is no /proc.
func currentRSS() (int64, bool) {
	if v, ok := procStatus("VmRSS:"); ok {
		return v, true
	}
	_, peak := usage()
	return peak, false
}

// resetPeak starts a new high-water mark of the resident set, so that
// stepPeak tells the highest a step went rather than the whole run's
// (Linux: writing 5 to /proc/self/clear_refs resets VmHWM). It reports
// whether it could.
func resetPeak() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// stepPeak is the highest resident set since resetPeak (VmHWM), or false
// where there is no /proc.
func stepPeak() (int64, bool) { return procStatus("VmHWM:") }

// procStatus reads one "Name: N kB" line of /proc/self/status, in bytes.
func procStatus(field string) (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}
