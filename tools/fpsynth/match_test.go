package fpsynth

import (
	"math"
	"sort"
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
	// The matcher's score scale is still being calibrated on real data, so
	// the checks are scale-free: every impression's best match is another
	// impression of the same finger (rank-1 identification), and genuine
	// scores are far above impostor scores.
	var gen, imp []float64
	for i := range fingers {
		for j := range imps {
			best, bestFinger := math.Inf(-1), -1
			for k := range fingers {
				for l := range imps {
					if k == i && l == j {
						continue
					}
					s := biometric.Match(tpl[i][j], tpl[k][l])
					if s > best {
						best, bestFinger = s, k
					}
					switch {
					case k == i && l > j:
						gen = append(gen, s)
					case k > i && l == j:
						imp = append(imp, s)
					}
				}
			}
			if bestFinger != i {
				t.Errorf("finger %d impression %d: best match %.1f is finger %d", i, j, best, bestFinger)
			}
		}
	}
	sort.Float64s(gen)
	sort.Float64s(imp)
	over := 0
	for _, s := range imp {
		if s >= thr {
			over++
		}
	}
	medGen, medImp := gen[len(gen)/2], imp[len(imp)/2]
	t.Logf("genuine: min %.1f median %.1f; impostor: median %.1f max %.1f; %d of %d impostors at or above the FMR 0.1%% threshold %.0f",
		gen[0], medGen, medImp, imp[len(imp)-1], over, len(imp), thr)
	if medGen < 3*medImp {
		t.Errorf("median genuine score %.1f is not 3 times the median impostor score %.1f", medGen, medImp)
	}
}

// TestGroundTruth maps the minutiae the terminal's extractor finds in two
// impressions of a finger back to the master with Mapping: most minutiae
// of one impression inside both contact regions have a counterpart in the
// other within a few pixels. This checks Mapping (a wrong map pairs
// nothing) and gives the extractor's repeatability.
func TestGroundTruth(t *testing.T) {
	fingers := 4
	if raceEnabled {
		fingers = 2
	}
	var found, total int
	for i := range fingers {
		f, err := NewFinger(uint64(300+i), nil)
		if err != nil {
			t.Fatal(err)
		}
		type pt struct{ x, y float64 }
		var sets [2][]pt
		maps := [2]func(x, y int) (float64, float64, bool){}
		for k := range 2 {
			p := f.RandomImpression(uint64(k + 1))
			img, err := f.Render(p)
			if err != nil {
				t.Fatal(err)
			}
			tp, err := biometric.Extract(img, 500)
			if err != nil {
				t.Fatal(err)
			}
			maps[k] = f.Mapping(p)
			for _, m := range tp.Minutiae {
				mx, my, in := maps[k](m.X, m.Y)
				if in {
					sets[k] = append(sets[k], pt{mx, my})
				}
			}
		}
		// count minutiae of impression 1 that impression 2 also covers
		// well inside its contact region
		for _, a := range sets[0] {
			best := math.Inf(1)
			for _, b := range sets[1] {
				best = math.Min(best, math.Hypot(a.x-b.x, a.y-b.y))
			}
			total++
			if best <= 8 {
				found++
			}
		}
	}
	rate := float64(found) / float64(total)
	t.Logf("%d of %d minutiae of impression 1 found again within 8 px in impression 2 (%.0f%%)", found, total, 100*rate)
	if rate < 0.4 {
		t.Errorf("only %.0f%% of minutiae line up through the ground-truth mapping", 100*rate)
	}
}
