// Package memtest measures how much memory a piece of code holds at its
// peak, for tests that check that a job streams rather than loads all its
// input.
package memtest

import (
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// PeakHeap runs fn and returns the most heap it had allocated above what
// was allocated before, sampled every few milliseconds with the collector
// made eager, so that garbage counts little and rows kept count fully.
func PeakHeap(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak - base
}

// Limit is a test's peak-heap bound of n bytes, raised when the test binary
// runs under the race detector, which changes how much pooled memory is
// kept (see raceSlack). A bound is set from a measurement without it.
func Limit(n uint64) uint64 { return uint64(float64(n) * raceSlack) }
