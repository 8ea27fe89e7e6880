//go:build !race

package memtest

// raceSlack is 1 without the race detector: limits hold as measured.
const raceSlack = 1.0
