//go:build !race

package fpsynth

const raceEnabled = false
