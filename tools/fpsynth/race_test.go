//go:build race

package fpsynth

// raceEnabled shrinks the matcher test: the race detector makes the
// filtering loops about 20 times slower.
const raceEnabled = true
