package fpsynth

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"image"
	"math"
	"testing"
)

func TestDeterministic(t *testing.T) {
	small := &Opts{Width: 128, Height: 160}
	a, err := NewFinger(7, small)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewFinger(7, small)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewFinger(8, small)
	if err != nil {
		t.Fatal(err)
	}
	sum := func(img *image.Gray) [32]byte { return sha256.Sum256(img.Pix) }
	if sum(a.Master()) != sum(b.Master()) {
		t.Error("same seed, different masters")
	}
	if sum(a.Master()) == sum(c.Master()) {
		t.Error("different seeds, same master")
	}
	i1, i1b, i2 := a.Impression(1), b.Impression(1), a.Impression(2)
	if !bytes.Equal(i1.Pix, i1b.Pix) {
		t.Error("same seeds, different impressions")
	}
	if bytes.Equal(i1.Pix, i2.Pix) {
		t.Error("different impression seeds, same impression")
	}
	if got := i1.Bounds(); got != image.Rect(0, 0, 128, 160) {
		t.Errorf("impression bounds %v, want 128x160", got)
	}
}

func TestClasses(t *testing.T) {
	for _, tc := range []struct {
		c             Class
		cores, deltas int
	}{
		{ClassArch, 0, 0},
		{ClassTentedArch, 1, 1},
		{ClassLeftLoop, 1, 1},
		{ClassRightLoop, 1, 1},
		{ClassWhorl, 2, 2},
	} {
		t.Run(tc.c.String(), func(t *testing.T) {
			f, err := NewFinger(3, &Opts{Class: tc.c, Width: 200, Height: 224, Iterations: 1})
			if err != nil {
				t.Fatal(err)
			}
			if f.Class != tc.c || len(f.Cores) != tc.cores || len(f.Deltas) != tc.deltas {
				t.Fatalf("class %v with %d cores %d deltas, want %v %d %d", f.Class, len(f.Cores), len(f.Deltas), tc.c, tc.cores, tc.deltas)
			}
			// Around a core the orientation turns by π (Poincaré index
			// 1/2), around a delta by -π.
			for _, p := range f.Cores {
				if got := poincare(f, p); math.Abs(got-math.Pi) > 0.3 {
					t.Errorf("core at %v: orientation turns %.2f, want π", p, got)
				}
			}
			for _, p := range f.Deltas {
				if got := poincare(f, p); math.Abs(got+math.Pi) > 0.3 {
					t.Errorf("delta at %v: orientation turns %.2f, want -π", p, got)
				}
			}
			if c, err := ParseClass(tc.c.String()); err != nil || c != tc.c {
				t.Errorf("ParseClass(%q) = %v, %v", tc.c.String(), c, err)
			}
			// a loop's delta lies on the side the loop does not open to:
			// left loops have it on the right
			if tc.c == ClassLeftLoop && f.Deltas[0].X <= f.Cores[0].X || tc.c == ClassRightLoop && f.Deltas[0].X >= f.Cores[0].X {
				t.Errorf("%v: delta at x %.0f, core at x %.0f", tc.c, f.Deltas[0].X, f.Cores[0].X)
			}
		})
	}
}

// poincare sums the orientation changes on a small circle around p.
func poincare(f *Finger, p Point) float64 {
	const n = 64
	r := 3 * f.Period
	var sum float64
	prev := f.Orientation(int(p.X+r), int(p.Y))
	for i := 1; i <= n; i++ {
		a := 2 * math.Pi * float64(i) / n
		o := f.Orientation(int(p.X+r*math.Cos(a)), int(p.Y+r*math.Sin(a)))
		d := o - prev
		for d > math.Pi/2 {
			d -= math.Pi
		}
		for d < -math.Pi/2 {
			d += math.Pi
		}
		sum += d
		prev = o
	}
	return sum
}

// TestRidges checks the master is a ridge pattern: about half ridge, and
// the ridge value along a line across the ridges alternates with the
// finger's period.
func TestRidges(t *testing.T) {
	f, err := NewFinger(11, &Opts{Class: ClassArch, Width: 160, Height: 200})
	if err != nil {
		t.Fatal(err)
	}
	w, h := f.Size()
	pos := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if f.Ridge(x, y) > 0 {
				pos++
			}
		}
	}
	if frac := float64(pos) / float64(w*h); frac < 0.35 || frac > 0.65 {
		t.Errorf("ridge fraction %.2f, want about half", frac)
	}
	// an arch's ridges are roughly horizontal at the bottom: count sign
	// changes down a column
	x := w / 2
	changes := 0
	for y := h / 2; y < h-10; y++ {
		if (f.Ridge(x, y) > 0) != (f.Ridge(x, y+1) > 0) {
			changes++
		}
	}
	span := float64(h/2 - 10)
	if got, want := float64(changes)/2, span/f.Period; math.Abs(got-want) > 0.35*want {
		t.Errorf("%.0f ridges over %.0f px, want about %.0f (period %.1f)", got, span, want, f.Period)
	}
}

func TestImpressionIsAFinger(t *testing.T) {
	f, err := NewFinger(5, nil)
	if err != nil {
		t.Fatal(err)
	}
	light := f.Impression(1)
	p := f.RandomImpression(1)
	p.Pressure = 0.9
	heavy, err := f.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	p.Pressure = 0.3
	lightP, _ := f.Render(p)
	dark := func(img *image.Gray) (n int) {
		for _, v := range img.Pix {
			if v < 128 {
				n++
			}
		}
		return n
	}
	if dark(heavy) <= dark(lightP) {
		t.Errorf("high pressure %d dark pixels, low pressure %d: want more", dark(heavy), dark(lightP))
	}
	// the centre is finger (ridges and valleys), the corners background
	var lo, hi int
	for y := 120; y < 170; y++ {
		for x := 100; x < 150; x++ {
			switch v := light.GrayAt(x, y).Y; {
			case v < 110:
				lo++
			case v > 160:
				hi++
			}
		}
	}
	if lo < 500 || hi < 500 {
		t.Errorf("centre: %d dark and %d light pixels of 2500, want ridges and valleys", lo, hi)
	}
	if v := light.GrayAt(2, 2).Y; v < 150 {
		t.Errorf("corner gray %d, want background", v)
	}
}

func TestOptsErrors(t *testing.T) {
	for _, o := range []Opts{{Width: 10}, {DPI: 100}, {Class: 9}, {Iterations: 1000}, {Variation: -1}, {Variation: math.NaN()}} {
		if _, err := NewFinger(1, &o); !errors.Is(err, ErrOpts) {
			t.Errorf("%+v: err = %v, want ErrOpts", o, err)
		}
	}
	f, _ := NewFinger(1, &Opts{Width: 64, Height: 64, Iterations: 2})
	for _, p := range []Impression{{Pressure: 2}, {Noise: -1}, {Dx: math.NaN()}, {Distortion: 99}} {
		if img, err := f.Render(p); !errors.Is(err, ErrOpts) || img != nil {
			t.Errorf("%+v: err = %v, want ErrOpts", p, err)
		}
	}
	if _, err := ParseClass("spiral"); err == nil {
		t.Error("ParseClass accepted an unknown class")
	}
}

func TestVariation(t *testing.T) {
	calm, err := NewFinger(4, &Opts{Width: 64, Height: 64, Iterations: 1, Variation: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	wild, err := NewFinger(4, &Opts{Width: 64, Height: 64, Iterations: 1, Variation: 2})
	if err != nil {
		t.Fatal(err)
	}
	for s := uint64(1); s < 20; s++ {
		a, b := calm.RandomImpression(s), wild.RandomImpression(s)
		if math.Abs(b.Rotation-4*a.Rotation) > 1e-9 {
			t.Errorf("seed %d: rotation %v at variation 2, %v at 0.5", s, b.Rotation, a.Rotation)
		}
		if math.Abs(a.Rotation) > 7.5*math.Pi/180+1e-9 || math.Abs(a.Dx) > 0.04*64+1e-9 {
			t.Errorf("seed %d: variation 0.5 draws rotation %v, dx %v", s, a.Rotation, a.Dx)
		}
		if b.Pressure < 0 || b.Pressure > 1 || b.Noise > 1 || b.Dryness > 1 {
			t.Errorf("seed %d: %+v out of range", s, b)
		}
	}
	if a, b := calm.RandomImpression(1), calm.RandomImpression(2); a == b {
		t.Error("impression seeds 1 and 2 draw the same impression")
	}
	other, _ := NewFinger(5, &Opts{Width: 64, Height: 64, Iterations: 1, Variation: 0.5})
	if calm.RandomImpression(1) == other.RandomImpression(1) {
		t.Error("impression 1 of two fingers is drawn alike")
	}
}

func TestOtherSizes(t *testing.T) {
	f, err := NewFinger(2, &Opts{Width: 388, Height: 374, DPI: 569, Iterations: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Impression(1).Bounds(); got != image.Rect(0, 0, 388, 374) {
		t.Errorf("bounds %v", got)
	}
	if f.Period < 8.2*569/500 || f.Period > 10.6*569/500 {
		t.Errorf("period %.1f px at 569 dpi", f.Period)
	}
}

func BenchmarkNewFinger(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, err := NewFinger(uint64(i), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/finger")
}

func BenchmarkImpression(b *testing.B) {
	f, err := NewFinger(1, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		f.Impression(uint64(i))
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/impression")
}

// BenchmarkFingerAndImpression is the cost the brief bounds (< 1 s on one
// core): a new master and one 256x288 impression of it.
func BenchmarkFingerAndImpression(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		f, err := NewFinger(uint64(i), nil)
		if err != nil {
			b.Fatal(err)
		}
		f.Impression(1)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op-total")
}

// TestPlasticDistortion checks the shear model through Mapping: the
// middle of the contact region does not move, the rim moves by the shear.
func TestPlasticDistortion(t *testing.T) {
	f, err := NewFinger(6, &Opts{Width: 128, Height: 144, Iterations: 1})
	if err != nil {
		t.Fatal(err)
	}
	rigid := Impression{Pressure: 0.6, Seed: 1}
	sheared := rigid
	sheared.ShearX, sheared.ShearY = 6, -4
	a, b := f.Mapping(rigid), f.Mapping(sheared)
	ax, ay, in := a(64, 72)
	bx, by, _ := b(64, 72)
	if !in || math.Hypot(ax-bx, ay-by) > 1e-9 {
		t.Errorf("centre moved from (%.2f,%.2f) to (%.2f,%.2f)", ax, ay, bx, by)
	}
	// a point near the rim along x: the contact half-width is about
	// 0.45·128 px
	ax, ay, _ = a(64+50, 72)
	bx, by, _ = b(64+50, 72)
	if dx, dy := bx-ax, by-ay; math.Abs(dx-6) > 0.5 || math.Abs(dy+4) > 0.5 {
		t.Errorf("rim moved by (%.2f,%.2f), want about (6,-4)", dx, dy)
	}
	if _, err := f.Render(Impression{Torque: 1}); !errors.Is(err, ErrOpts) {
		t.Errorf("torque 1 rad: err = %v, want ErrOpts", err)
	}
}
