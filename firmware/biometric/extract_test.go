package biometric

import (
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// vortexPrint draws ridges of period 9 px (500 dpi) in an elliptical
// fingertip, parallel arcs around a distant centre, with a phase vortex
// at each of the given points: a vortex of charge ±1 in the ridge phase
// is exactly one minutia (a ridge ends or splits there).
func vortexPrint(w, h int, vortices [][2]float64, noise float64, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewGray(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, float64(h)*1.6
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			ex := (float64(x) - float64(w)/2) / (0.45 * float64(w))
			ey := (float64(y) - float64(h)/2) / (0.47 * float64(h))
			v := 255.0
			if ex*ex+ey*ey < 1 {
				ph := 2 * math.Pi * math.Hypot(float64(x)-cx, float64(y)-cy) / 9
				for i, p := range vortices {
					s := 1.0
					if i%2 == 1 {
						s = -1
					}
					ph += s * math.Atan2(float64(y)-p[1], float64(x)-p[0])
				}
				v = 140 - 90*math.Cos(ph) + noise*rng.NormFloat64()
			}
			img.Pix[y*img.Stride+x] = uint8(math.Max(0, math.Min(255, v)))
		}
	}
	return img
}

func TestExtractVortices(t *testing.T) {
	vort := [][2]float64{{120, 150}, {200, 220}, {150, 290}, {230, 120}}
	for _, tc := range []struct {
		name  string
		noise float64
	}{{"clean", 0}, {"noisy", 25}} {
		t.Run(tc.name, func(t *testing.T) {
			img := vortexPrint(340, 400, vort, tc.noise, 1)
			tp, err := Extract(img, 500)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vort {
				best := math.Inf(1)
				for _, m := range tp.Minutiae {
					best = math.Min(best, math.Hypot(float64(m.X)-v[0], float64(m.Y)-v[1]))
				}
				if best > 8 {
					t.Errorf("no minutia within 8 px of the vortex at %v (nearest %.1f px)", v, best)
				}
			}
			if n := len(tp.Minutiae); n > 3*len(vort) {
				t.Errorf("%d minutiae on a print with %d: too many spurious", n, len(vort))
			}
			for _, m := range tp.Minutiae {
				if m.X < 0 || m.Y < 0 || m.X >= tp.Width || m.Y >= tp.Height || m.Angle < 0 || m.Angle >= 2*math.Pi || m.Quality > 100 {
					t.Errorf("minutia out of range: %+v", m)
				}
			}
		})
	}
}

func TestExtractDPI(t *testing.T) {
	// the same print scanned at 569 dpi gives minutiae in that image's pixels
	vort := [][2]float64{{120, 150}, {200, 220}, {150, 290}}
	img := vortexPrint(340, 400, vort, 0, 1)
	big := image.NewGray(image.Rect(0, 0, 387, 455))
	for y := 0; y < 455; y++ {
		for x := 0; x < 387; x++ {
			big.Pix[y*big.Stride+x] = img.GrayAt(x*500/569, y*500/569).Y
		}
	}
	tp, err := Extract(big, 569)
	if err != nil {
		t.Fatal(err)
	}
	if tp.DPI != 569 || tp.Width != 387 {
		t.Errorf("template %d dpi %d wide, want 569, 387", tp.DPI, tp.Width)
	}
	for _, v := range vort {
		best := math.Inf(1)
		for _, m := range tp.Minutiae {
			best = math.Min(best, math.Hypot(float64(m.X)-v[0]*569/500, float64(m.Y)-v[1]*569/500))
		}
		if best > 10 {
			t.Errorf("no minutia near the vortex at %v (nearest %.1f px)", v, best)
		}
	}
}

func TestExtractErrors(t *testing.T) {
	blank := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range blank.Pix {
		blank.Pix[i] = 250
	}
	noise := image.NewGray(image.Rect(0, 0, 300, 300))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(rng.IntN(256))
	}
	ok := vortexPrint(300, 300, [][2]float64{{150, 150}}, 0, 1)
	for _, tc := range []struct {
		name string
		img  *image.Gray
		dpi  int
		want error
	}{
		{"nil", nil, 500, ErrImage},
		{"dpi too low", ok, 100, ErrImage},
		{"dpi too high", ok, 5000, ErrImage},
		{"tiny", image.NewGray(image.Rect(0, 0, 20, 20)), 500, ErrImage},
		{"short buffer", &image.Gray{Pix: make([]uint8, 10), Stride: 300, Rect: image.Rect(0, 0, 300, 300)}, 500, ErrImage},
		{"blank", blank, 500, ErrNoFinger},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Extract(tc.img, tc.dpi); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := Extract(noise, 500); !errors.Is(err, ErrNoFinger) {
		t.Errorf("white noise: err = %v, want %v", err, ErrNoFinger)
	}
	if q := Quality(noise); q > 20 {
		t.Errorf("white noise quality %d, want ≤ 20", q)
	}
}

func TestQuality(t *testing.T) {
	good := vortexPrint(300, 360, [][2]float64{{150, 150}}, 10, 1)
	poor := vortexPrint(300, 360, [][2]float64{{150, 150}}, 120, 1)
	blank := image.NewGray(image.Rect(0, 0, 300, 360))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	qg, qp, qb := Quality(good), Quality(poor), Quality(blank)
	if !(qg > qp && qp >= qb) || qg < 50 || qb > 10 {
		t.Errorf("quality good %d, noisy %d, blank %d: want good ≥ 50 > noisy ≥ blank ≤ 10", qg, qp, qb)
	}
	for _, tc := range []struct {
		name string
		img  *image.Gray
		dpi  int
	}{
		{"nil", nil, 500},
		{"huge", &image.Gray{Rect: image.Rect(0, 0, 5000, 10), Stride: 5000}, 500},
		{"short buffer", &image.Gray{Pix: make([]uint8, 10), Rect: image.Rect(0, 0, 100, 100), Stride: 100}, 500},
		{"bad dpi", good, 10},
	} {
		if q := QualityDPI(tc.img, tc.dpi); q != 0 {
			t.Errorf("QualityDPI(%s) = %d, want 0", tc.name, q)
		}
	}
}

func TestExtractFVC(t *testing.T) {
	for _, tc := range []struct {
		set string
		dpi int
	}{{"fvc2002_db1_b", 500}, {"fvc2002_db2_b", 569}, {"fvc2002_db3_b", 500}, {"fvc2002_db4_b", 500}} {
		t.Run(tc.set, func(t *testing.T) {
			img := loadFVC(t, tc.set, "101_1.tif")
			f, err := ExtractFeatures(img, tc.dpi)
			if err != nil {
				t.Fatal(err)
			}
			tp := f.Template
			if n := len(tp.Minutiae); n < 12 || n > maxMinutia {
				t.Errorf("%d minutiae", n)
			}
			if tp.Quality < 20 {
				t.Errorf("quality %d of a usable FVC image", tp.Quality)
			}
			fg := 0
			for _, v := range f.Mask.Fg {
				if v {
					fg++
				}
			}
			if frac := float64(fg) / float64(len(f.Mask.Fg)); frac < 0.2 || frac > 0.95 {
				t.Errorf("foreground %.0f%% of the image", 100*frac)
			}
			for _, m := range tp.Minutiae {
				if m.X < 0 || m.Y < 0 || m.X >= img.Bounds().Dx() || m.Y >= img.Bounds().Dy() {
					t.Errorf("minutia outside the image: %+v", m)
				}
			}
			// another impression of the finger matches, another finger does not
			same, err := Extract(loadFVC(t, tc.set, "101_2.tif"), tc.dpi)
			if err != nil {
				t.Fatal(err)
			}
			other, err := Extract(loadFVC(t, tc.set, "102_1.tif"), tc.dpi)
			if err != nil {
				t.Fatal(err)
			}
			// the UART modules deliver 4-bit gray: the same impression
			// quantised must still match
			q4 := loadFVC(t, tc.set, "101_2.tif")
			for i, v := range q4.Pix {
				q4.Pix[i] = v >> 4 * 17
			}
			same4, err := Extract(q4, tc.dpi)
			if err != nil {
				t.Fatalf("4-bit: %v", err)
			}
			if s4, s8 := Match(tp, same4), Match(tp, same); s4 < s8/2 {
				t.Errorf("4-bit impression scores %.1f, 8-bit %.1f", s4, s8)
			}
			g, i := Match(tp, same), Match(tp, other)
			t.Logf("%d minutiae, quality %d, genuine %.1f, impostor %.1f", len(tp.Minutiae), tp.Quality, g, i)
			if i >= ThresholdForFMR(1e-3) {
				t.Errorf("impostor score %.1f ≥ FMR 0.1%% threshold", i)
			}
		})
	}
}

func TestExtractStepEdge(t *testing.T) {
	// a print on a gray sensor background with a white bezel strip: the
	// strip's straight, perfectly coherent edge has no ridges and must
	// not grow minutiae
	vort := [][2]float64{{150, 160}, {190, 230}, {220, 120}, {140, 270}, {240, 200}}
	img := vortexPrint(300, 360, vort, 5, 1)
	for y := 0; y < 360; y++ {
		for x := 0; x < 300; x++ {
			i := y*img.Stride + x
			switch {
			case x < 30:
				img.Pix[i] = 255
			case x < 70 || img.Pix[i] == 255:
				img.Pix[i] = 130 // sensor background, the finger starts at x = 70
			}
		}
	}
	tp, err := Extract(img, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range tp.Minutiae {
		if m.X < 70 {
			t.Errorf("minutia at the bezel edge: %+v", m)
		}
	}
}
