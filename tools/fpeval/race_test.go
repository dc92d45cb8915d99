//go:build race

package main

// raceEnabled shrinks the regression run under the race detector, which
// makes extraction about ten times slower.
const raceEnabled = true
