//go:build race

package memtest

// raceSlack is how much more heap the race detector makes the same code
// hold (it drops a quarter of what goes back into any sync.Pool, and keeps
// shadow state of its own): 35 MB measured for report's 100,000 IWOs
// became 50 to 57 MB.
const raceSlack = 1.5
