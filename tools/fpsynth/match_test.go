package fpsynth

import (
	"math"
	"testing"

	"github.com/regterm/regterm/firmware/biometric"
)

// TestMatchesWithMatcher checks the generator against the terminal's own
// extractor and matcher: impressions of one synthetic finger match, those
// of different fingers do not.
func TestMatchesWithMatcher(t *testing.T) {
	fingers, imps := 6, 3
	if raceEnabled {
		fingers = 3
	}
	thr := biometric.ThresholdForFMR(1e-3)
	tpl := make([][]*biometric.Template, fingers)
	for i := range fingers {
		tpl[i] = make([]*biometric.Template, imps)
		f, err := NewFinger(uint64(1000+i), nil)
		if err != nil {
			t.Fatal(err)
		}
		for j := range imps {
			img := f.Impression(uint64(j + 1))
			tp, err := biometric.Extract(img, 500)
			if err != nil {
				t.Fatalf("finger %d impression %d: %v", i, j, err)
			}
			tpl[i][j] = tp
		}
		t.Logf("finger %d (%v): %d/%d/%d minutiae, quality %d", i, f.Class, len(tpl[i][0].Minutiae), len(tpl[i][1].Minutiae), len(tpl[i][2].Minutiae), tpl[i][0].Quality)
	}
	var gen, imp []float64
	for i := range fingers {
		for j := range imps {
			for k := j + 1; k < imps; k++ {
				gen = append(gen, biometric.Match(tpl[i][j], tpl[i][k]))
			}
			for l := i + 1; l < fingers; l++ {
				imp = append(imp, biometric.Match(tpl[i][j], tpl[l][j]))
			}
		}
	}
	t.Logf("genuine %v", gen)
	t.Logf("impostor %v", imp)
	// The matcher's score scale is still being calibrated on real data:
	// assert separation (every genuine pair above every impostor pair)
	// and report where the FMR 0.1% threshold falls.
	minGen, maxImp := math.Inf(1), math.Inf(-1)
	over := 0
	for _, s := range gen {
		minGen = math.Min(minGen, s)
	}
	for _, s := range imp {
		maxImp = math.Max(maxImp, s)
		if s >= thr {
			over++
		}
	}
	t.Logf("lowest genuine %.1f, highest impostor %.1f; %d of %d impostors at or above the FMR 0.1%% threshold %.0f", minGen, maxImp, over, len(imp), thr)
	if minGen <= maxImp {
		t.Errorf("genuine and impostor scores overlap: lowest genuine %.1f ≤ highest impostor %.1f", minGen, maxImp)
	}
}
