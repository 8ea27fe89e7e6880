// Package memtest measures how much memory a piece of code holds at its
// peak, for tests that check that a job streams rather than loads all its
// input, and for benchmarks that report it.
package memtest

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// HeapBytes is the heap's objects now, live and not yet swept (what
// runtime.MemStats calls HeapAlloc), read without stopping the world.
func HeapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// HighWater runs fn while sampling HeapBytes every few milliseconds and
// returns the highest value seen, before, during or after it.
func HighWater(fn func()) uint64 {
	// peak is written by the sampler only and read after wg.Wait.
	var (
		peak = HeapBytes()
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				peak = max(peak, HeapBytes())
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return max(peak, HeapBytes())
}

// PeakHeap runs fn and returns the most heap it had allocated above what
// was allocated before, with the collector made eager, so that garbage
// counts little and rows kept count fully.
func PeakHeap(fn func()) uint64 {
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	base := HeapBytes()
	return HighWater(fn) - base
}

// Limit is a test's peak-heap bound of n bytes, raised when the test binary
// runs under the race detector, which changes how much pooled memory is
// kept (see raceSlack). A bound is set from a measurement without it.
func Limit(n uint64) uint64 { return uint64(float64(n) * raceSlack) }
