package biometric

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomTemplate places n minutiae at least 10 px apart in a w x h area,
// directions following a smooth flow (as in real prints) with random
// polarity.
func randomTemplate(rng *rand.Rand, n, w, h int) *Template {
	t := &Template{Width: w, Height: h, DPI: 500}
	phase := rng.Float64() * math.Pi
	for len(t.Minutiae) < n {
		x, y := 20+rng.IntN(w-40), 20+rng.IntN(h-40)
		ok := true
		for _, m := range t.Minutiae {
			if (m.X-x)*(m.X-x)+(m.Y-y)*(m.Y-y) < 100 {
				ok = false
			}
		}
		if !ok {
			continue
		}
		a := phase + math.Atan2(float64(y-h/2), float64(x-w/2)) + math.Pi/2 + rng.NormFloat64()*0.2
		if rng.IntN(2) == 0 {
			a += math.Pi
		}
		t.Minutiae = append(t.Minutiae, Minutia{X: x, Y: y, Angle: wrapAngle(a), Kind: Kind(1 + rng.IntN(2)), Quality: 60})
	}
	return t
}

func wrapAngle(a float64) float64 {
	a = math.Mod(a, 2*math.Pi)
	if a < 0 {
		a += 2 * math.Pi
	}
	if a >= 2*math.Pi {
		a = 0
	}
	return a
}

// transform rotates t by th (counter-clockwise, as the template angles)
// about its centre, shifts it, jitters every minutia, drops a fraction and
// adds spurious ones: another impression of the same finger.
func transform(rng *rand.Rand, t *Template, th float64, dx, dy int, drop float64, extra int) *Template {
	o := &Template{Width: t.Width, Height: t.Height, DPI: t.DPI}
	cx, cy := float64(t.Width)/2, float64(t.Height)/2
	for _, m := range t.Minutiae {
		if rng.Float64() < drop {
			continue
		}
		// y is down in the image: a counter-clockwise rotation on screen
		// is clockwise in (x, y) pixel coordinates.
		x, y := float64(m.X)-cx, float64(m.Y)-cy
		nx := math.Cos(th)*x + math.Sin(th)*y + cx + float64(dx) + rng.NormFloat64()*2
		ny := -math.Sin(th)*x + math.Cos(th)*y + cy + float64(dy) + rng.NormFloat64()*2
		o.Minutiae = append(o.Minutiae, Minutia{X: int(math.Round(nx)), Y: int(math.Round(ny)),
			Angle: wrapAngle(m.Angle + th + rng.NormFloat64()*0.08), Kind: m.Kind, Quality: m.Quality})
	}
	noise := randomTemplate(rng, extra, t.Width, t.Height)
	o.Minutiae = append(o.Minutiae, noise.Minutiae...)
	return o
}

func TestMatchInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	thr := ThresholdForFMR(1e-4)
	for _, tc := range []struct {
		name   string
		th     float64
		dx, dy int
		drop   float64
		extra  int
	}{
		{"identity", 0, 0, 0, 0, 0},
		{"rotated 30°", math.Pi / 6, 0, 0, 0.1, 3},
		{"rotated -45° shifted", -math.Pi / 4, 25, -30, 0.2, 5},
		{"rotated 85°", 85 * math.Pi / 180, -10, 10, 0.2, 5},
		{"rotated -85°", -85 * math.Pi / 180, 10, 0, 0.2, 5},
		{"shifted 60 px", 0.1, 60, 40, 0.25, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := randomTemplate(rng, 45, 320, 360)
			b := transform(rng, a, tc.th, tc.dx, tc.dy, tc.drop, tc.extra)
			if got := Match(a, b); got < thr {
				t.Errorf("genuine score %.1f, want ≥ %.1f (FMR 1e-4)", got, thr)
			}
			other := randomTemplate(rng, 45, 320, 360)
			if got := Match(a, other); got >= thr {
				t.Errorf("impostor score %.1f, want < %.1f", got, thr)
			}
		})
	}
}

func TestMatchDPI(t *testing.T) {
	// the same minutiae expressed at 569 dpi must match the 500 dpi form
	rng := rand.New(rand.NewPCG(3, 4))
	a := randomTemplate(rng, 40, 300, 300)
	b := &Template{Width: 341, Height: 341, DPI: 569}
	for _, m := range a.Minutiae {
		m.X = int(math.Round(float64(m.X) * 569 / 500))
		m.Y = int(math.Round(float64(m.Y) * 569 / 500))
		b.Minutiae = append(b.Minutiae, m)
	}
	if got, want := Match(a, b), ThresholdForFMR(1e-4); got < want {
		t.Errorf("score across resolutions %.1f, want ≥ %.1f", got, want)
	}
}

func TestMatchDegenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	full := randomTemplate(rng, 30, 300, 300)
	for _, tc := range []struct {
		name string
		a, b *Template
	}{
		{"nil", nil, full},
		{"empty", &Template{DPI: 500}, full},
		{"two minutiae", &Template{DPI: 500, Minutiae: full.Minutiae[:2]}, full},
		{"all at one point", &Template{DPI: 500, Minutiae: []Minutia{{X: 5, Y: 5}, {X: 5, Y: 5}, {X: 5, Y: 5}, {X: 5, Y: 5}}}, full},
		{"zero dpi", &Template{Minutiae: full.Minutiae}, &Template{DPI: 0, Minutiae: full.Minutiae[:3]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range []float64{Match(tc.a, tc.b), Match(tc.b, tc.a)} {
				if math.IsNaN(s) || s < 0 || s >= ThresholdForFMR(1e-3) {
					t.Errorf("score %v, want a small non-negative number", s)
				}
			}
		})
	}
}

func TestCalibration(t *testing.T) {
	for _, tab := range [][][2]float64{calib, calibFlow, calibPeriod} {
		prev := -1.0
		for raw := -8.0; raw < 10; raw += 0.05 {
			s := calibrateWith(tab, raw)
			if s < prev {
				t.Fatalf("calibrate not monotonic at raw %.2f: %.2f < %.2f", raw, s, prev)
			}
			prev = s
		}
	}
	for _, tc := range []struct{ fmr, want float64 }{{1, 0}, {1e-2, 20}, {1e-3, 30}, {1e-4, 40}, {0, 0}, {2, 0}} {
		if got := ThresholdForFMR(tc.fmr); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("ThresholdForFMR(%g) = %g, want %g", tc.fmr, got, tc.want)
		}
	}
	if got := FMRForThreshold(ThresholdForFMR(3e-4)); math.Abs(got-3e-4) > 1e-12 {
		t.Errorf("FMRForThreshold(ThresholdForFMR(3e-4)) = %g", got)
	}
}

func TestGallery(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var g Gallery
	base := map[string]*Template{}
	for _, id := range []string{"o1", "o2", "o3", "o4", "o5"} {
		base[id] = randomTemplate(rng, 40, 300, 320)
		g.Add(id, base[id])
	}
	if got, want := g.Len(), 5; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	thr := g.Threshold(1e-4)
	if want := ThresholdForFMR(1e-4) + 10*math.Log10(5); math.Abs(thr-want) > 1e-9 {
		t.Errorf("Threshold = %g, want %g", thr, want)
	}
	probe := Prepare(transform(rng, base["o3"], 0.3, 10, -5, 0.15, 4))
	c, ok := g.Identify(probe, thr)
	if !ok || c.ID != "o3" {
		t.Errorf("Identify = %+v, %v; want o3", c, ok)
	}
	stranger := Prepare(randomTemplate(rng, 40, 300, 320))
	if c, ok := g.Identify(stranger, thr); ok {
		t.Errorf("stranger identified as %+v", c)
	}
	// replacing an entry keeps one entry per id
	g.Add("o3", base["o1"])
	if got := g.Len(); got != 5 {
		t.Errorf("Len after replace = %d, want 5", got)
	}
	if c, ok := g.Identify(probe, thr); ok && c.ID == "o3" {
		t.Errorf("replaced entry still identified: %+v", c)
	}
	if !g.Remove("o2") || g.Remove("o2") {
		t.Error("Remove: want true then false")
	}
	var empty Gallery
	if _, ok := empty.Identify(probe, 0); ok {
		t.Error("empty gallery identified a probe")
	}
}

func TestGallerySize(t *testing.T) {
	// 100 officers with 60 minutiae each (more than the median print
	// yields) must fit in 1 MiB.
	rng := rand.New(rand.NewPCG(9, 10))
	var g Gallery
	for i := 0; i < 100; i++ {
		g.Add(string(rune('A'+i%26))+string(rune('0'+i/26)), randomTemplate(rng, 60, 360, 400))
	}
	if got, limit := g.Size(), 1<<20; got > limit {
		t.Errorf("gallery of 100 holds %d bytes, want ≤ %d", got, limit)
	} else {
		t.Logf("gallery of 100 x 60 minutiae: %d bytes", got)
	}
}

func TestWipe(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	a := randomTemplate(rng, 30, 300, 300)
	p := Prepare(a)
	q := Prepare(a)
	if p.Match(q) < ThresholdForFMR(1e-4) {
		t.Fatal("self match below threshold")
	}
	p.Wipe()
	if p.Len() != 0 || q.Match(p) != 0 {
		t.Errorf("wiped: Len %d, score %v; want 0, 0", p.Len(), q.Match(p))
	}
	a.Wipe()
	if len(a.Minutiae) != 0 {
		t.Errorf("Template.Wipe left %d minutiae", len(a.Minutiae))
	}
}

// TestUnpairedQuality checks that unpaired minutiae in the common area
// count by their quality: spurious minutiae of low quality cost less than
// clear ones, and a record that reports no quality (all 0) counts as clear.
func TestUnpairedQuality(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ref := randomTemplate(rng, 40, 400, 400)
	live := transform(rng, ref, 0.1, 5, -4, 0.3, 12) // 12 spurious minutiae
	withQ := func(tp *Template, from int, q uint8) *Template {
		o := *tp
		o.Minutiae = slices.Clone(tp.Minutiae)
		for i := from; i < len(o.Minutiae); i++ {
			o.Minutiae[i].Quality = q
		}
		return &o
	}
	n := len(live.Minutiae) - 12
	clear, unclear := withQ(live, n, 100), withQ(live, n, 20)
	sClear, sUnclear := Prepare(ref).matchRaw(Prepare(clear)), Prepare(ref).matchRaw(Prepare(unclear))
	if !(sUnclear > sClear) {
		t.Errorf("spurious minutiae of quality 20 scored %.3f, want above %.3f for quality 100", sUnclear, sClear)
	}
	// unreported (all 0) is the same as all clear
	zero, full := withQ(live, 0, 0), withQ(live, 0, 100)
	refFull := withQ(ref, 0, 100)
	if got, want := Prepare(refFull).matchRaw(Prepare(zero)), Prepare(refFull).matchRaw(Prepare(full)); got != want {
		t.Errorf("unreported quality scored %.4f, want %.4f as for quality 100", got, want)
	}
}

// TestCalibrationBelowZero checks that fused raw scores below zero keep
// their order on the calibrated scale and that no alignment is 0.
func TestCalibrationBelowZero(t *testing.T) {
	for _, tab := range [][][2]float64{calibFlow, calibPeriod} {
		lo := tab[0][0]
		if !(lo < 0) {
			t.Fatalf("table starts at raw %.3f, want below 0", lo)
		}
		a, b := calibrateWith(tab, lo/2), calibrateWith(tab, lo/4)
		if !(0 < a && a < b && b < calibrateWith(tab, 0)) {
			t.Errorf("raw %.2f, %.2f, 0 calibrate to %.2f, %.2f, %.2f: want increasing above 0", lo/2, lo/4, a, b, calibrateWith(tab, 0))
		}
		if got := calibrateWith(tab, noMatch); got != 0 {
			t.Errorf("noMatch calibrates to %g, want 0", got)
		}
		if got := calibrateWith(tab, math.NaN()); got != 0 {
			t.Errorf("NaN calibrates to %g, want 0", got)
		}
	}
}
