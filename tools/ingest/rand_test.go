package ingest

import (
	"math/rand"
	"os"
	"strconv"
	"testing"
	"time"
)

// newRand is seeded from REGTERM_SEED or the clock, and logs the seed.
func newRand(t testing.TB) *rand.Rand {
	seed := time.Now().UnixNano()
	if s, err := strconv.ParseInt(os.Getenv("REGTERM_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (REGTERM_SEED to repeat)", seed)
	return rand.New(rand.NewSource(seed))
}
