//go:build !unix

package bench

import "time"

// usage is not measured here: zero.
func usage() (cpu time.Duration, peak int64) { return 0, 0 }

// currentRSS is not measured here: zero.
func currentRSS() (int64, bool) { return 0, false }

// resetPeak cannot reset a high-water mark here.
func resetPeak() bool { return false }

// stepPeak is not measured here.
func stepPeak() (int64, bool) { return 0, false }
