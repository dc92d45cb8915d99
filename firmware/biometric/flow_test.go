package biometric

import (
	"math"
	"math/rand/v2"
	"testing"
)

// flowOf builds a w × h cell Flow (16 px cells at 500 dpi) whose
// orientation at a cell centre (x, y up, as in Prepared) is th(x, y).
func flowOf(w, h int, th func(x, y float64) float64) *Flow {
	f := &Flow{Width: w, Height: h, Cell: 16, Dir: make([]uint8, w*h)}
	for j := 0; j < h; j++ {
		for i := 0; i < w; i++ {
			a := th((float64(i)+0.5)*16, -(float64(j)+0.5)*16)
			d := int(math.Round(a*180/math.Pi)) % 180
			if d < 0 {
				d += 180
			}
			f.Dir[j*w+i] = uint8(1 + d)
		}
	}
	return f
}

func TestNewFlow(t *testing.T) {
	// a uniform field at 30° in image coordinates (y down) is 150°
	// counter-clockwise on screen; the cell with only background blocks is
	// background
	const bw, bh = 6, 4
	c2, s2 := float32(math.Cos(math.Pi/3)), float32(math.Sin(math.Pi/3))
	var cos2, sin2 []float32
	var fg []bool
	for k := 0; k < bw*bh; k++ {
		cos2, sin2 = append(cos2, c2), append(sin2, s2)
		fg = append(fg, k%bw >= 2) // the first column of cells is background
	}
	f := newFlow(bw, bh, cos2, sin2, fg, 1)
	if f == nil || f.Width != 3 || f.Height != 2 || f.Cell != 16 || !f.valid() {
		t.Fatalf("flow %+v", f)
	}
	for k, d := range f.Dir {
		want := uint8(1 + 150)
		if k%3 == 0 {
			want = 0
		}
		if d != want {
			t.Errorf("cell %d: %d, want %d", k, d, want)
		}
	}
	// 569 dpi: the cell is 16 px at 500 dpi, more pixels of the image
	if g := newFlow(bw, bh, cos2, sin2, fg, 500.0/569); math.Abs(g.Cell-16*569.0/500) > 1e-9 {
		t.Errorf("cell at 569 dpi %g", g.Cell)
	}
	for _, bad := range []struct {
		name       string
		bw, bh     int
		cos2, sin2 []float32
		fg         []bool
		scale      float64
	}{
		{"no blocks", 0, 0, nil, nil, nil, 1},
		{"short field", bw, bh, cos2[:3], sin2, fg, 1},
		{"zero scale", bw, bh, cos2, sin2, fg, 0},
		{"NaN scale", bw, bh, cos2, sin2, fg, math.NaN()},
	} {
		if f := newFlow(bad.bw, bad.bh, bad.cos2, bad.sin2, bad.fg, bad.scale); f != nil {
			t.Errorf("%s: %+v, want nil", bad.name, f)
		}
	}
}

// withPeriod sets f's ridge periods to per(x, y) pixels at 500 dpi at
// the cell centres (x, y up, as flowOf).
func withPeriod(f *Flow, per func(x, y float64) float64) *Flow {
	f.Period = make([]uint8, len(f.Dir))
	for j := 0; j < f.Height; j++ {
		for i := 0; i < f.Width; i++ {
			f.Period[j*f.Width+i] = uint8(math.Round(16 * per((float64(i)+0.5)*16, -(float64(j)+0.5)*16)))
		}
	}
	return f
}

func TestNewFlowPeriod(t *testing.T) {
	const bw, bh = 4, 2
	cos2, sin2 := make([]float32, bw*bh), make([]float32, bw*bh)
	fg, per := make([]bool, bw*bh), make([]float32, bw*bh)
	for k := range cos2 {
		cos2[k] = 1
		fg[k] = true
		per[k] = 8 + float32(k%bw) // 8, 9 | 10, 11 px across
	}
	fg[3] = false // one background block of four: still foreground
	f := newFlowPeriod(bw, bh, cos2, sin2, fg, per, 1)
	if f == nil || len(f.Period) != 2 || !f.valid() {
		t.Fatalf("flow %+v", f)
	}
	// means over the foreground blocks, in 1/16 px
	if want := [2]uint8{16 * 8.5, uint8(math.Round(16 * (10 + 10 + 11) / 3.0))}; [2]uint8(f.Period) != want {
		t.Errorf("periods %v, want %v", f.Period, want)
	}
	if g := newFlow(bw, bh, cos2, sin2, fg, 1); g.Period != nil {
		t.Errorf("newFlow has periods %v", g.Period)
	}
	// a period map that does not fit the directions makes the Flow invalid
	f.Period = f.Period[:1]
	if f.valid() {
		t.Error("flow with 1 period for 2 cells is valid")
	}
}

// The period agreement is the fraction of the common cells whose ridge
// periods agree within periodClose, at the best common scale within
// periodShift.
func TestPeriodAgreement(t *testing.T) {
	th := func(x, y float64) float64 { return 0.5 + 0.004*x }
	per := func(x, y float64) float64 { return 8 + 0.01*x - 0.005*y }
	var id rigid
	id.cos = 1
	p := Prepare(&Template{DPI: 500, Flow: withPeriod(flowOf(20, 24, th), per)})
	for _, tc := range []struct {
		name   string
		scale  float64
		lo, hi float64
	}{
		{"same spacing", 1, 0.99, 1},
		{"4 % wider", 1.04, 0.99, 1},
		{"10 % wider (a scale within periodShift, then within periodClose)", 1.10, 0.99, 1},
		{"18 % wider", 1.18, 0, 0.01},
	} {
		c := Prepare(&Template{DPI: 500, Flow: withPeriod(flowOf(20, 24, th), func(x, y float64) float64 { return tc.scale * per(x, y) })})
		_, n, pc, pn := p.flowAgreement(c, id)
		if pc < tc.lo || pc > tc.hi || pn != n || pn < 400 {
			t.Errorf("%s: %.3f over %d of %d cells, want %g..%g over all", tc.name, pc, pn, n, tc.lo, tc.hi)
		}
	}
	// without periods on one side there is no period term
	c := Prepare(&Template{DPI: 500, Flow: flowOf(20, 24, th)})
	if _, n, pc, pn := p.flowAgreement(c, id); pn != 0 || pc != 0 || n == 0 {
		t.Errorf("no periods: %.3f over %d cells (%d flow cells)", pc, pn, n)
	}
	if p.fusesPeriod(c) || c.fusesPeriod(p) || !p.fusesWith(c) {
		t.Error("period term with a Flow without periods")
	}
}

func TestFlowAgreement(t *testing.T) {
	probeTh := func(x, y float64) float64 { return 0.5 + 0.004*x - 0.003*y }
	r := rigid{rot: 0.3, tx: 12, ty: -20}
	r.cos, r.sin = float32(math.Cos(0.3)), float32(math.Sin(0.3))
	// the candidate's field is the probe's seen through r: at candidate
	// point q the orientation is the probe's at r(q) less the rotation
	candTh := func(x, y float64) float64 {
		px, py := r.apply(float32(x), float32(y))
		return probeTh(float64(px), float64(py)) - 0.3
	}
	perp := func(x, y float64) float64 { return candTh(x, y) + math.Pi/2 }
	p := Prepare(&Template{DPI: 500, Flow: flowOf(20, 24, probeTh)})
	for _, tc := range []struct {
		name   string
		th     func(x, y float64) float64
		lo, hi float64
	}{
		{"same ridges", candTh, 0.95, 1},
		{"crossing ridges", perp, -1, -0.95},
	} {
		c := Prepare(&Template{DPI: 500, Flow: flowOf(20, 24, tc.th)})
		a, n, _, _ := p.flowAgreement(c, r)
		if a < tc.lo || a > tc.hi || n < 100 {
			t.Errorf("%s: agreement %.3f over %d cells, want %g..%g over ≥ 100", tc.name, a, n, tc.lo, tc.hi)
		}
	}
	// no overlap: nothing to compare
	far := r
	far.tx += 5000
	c := Prepare(&Template{DPI: 500, Flow: flowOf(20, 24, candTh)})
	if a, n, _, _ := p.flowAgreement(c, far); a != 0 || n != 0 {
		t.Errorf("disjoint: %g over %d cells", a, n)
	}
}

// A Flow from outside with inconsistent fields is ignored: the template
// matches by its minutiae alone, and nothing panics.
func TestFlowInvalid(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	base := randomTemplate(rng, 40, 300, 300)
	other := transform(rng, base, 0.1, 5, -4, 0.1, 2)
	want := Match(base, other)
	for _, f := range []*Flow{
		{Width: 3, Height: 3, Cell: 16, Dir: make([]uint8, 8)},
		{Width: 3, Height: 3, Cell: 0, Dir: make([]uint8, 9)},
		{Width: 3, Height: 3, Cell: math.NaN(), Dir: make([]uint8, 9)},
		{Width: -3, Height: -3, Cell: 16, Dir: make([]uint8, 9)},
		{Width: 1 << 20, Height: 1 << 20, Cell: 16},
		{Width: 2, Height: 2, Cell: 16, Dir: []uint8{0, 0, 0, 0}}, // all background
		{Width: 2, Height: 2, Cell: 16, Dir: []uint8{181, 200, 255, 0}},
	} {
		o := *other
		o.Flow = f
		if p := Prepare(&o); p.flow != nil {
			t.Errorf("flow %+v prepared", f)
		}
		if got := Match(base, &o); got != want {
			t.Errorf("flow %+v: score %g, without it %g", f, got, want)
		}
	}
}

// The flow term helps only when both templates carry one; a reference
// read from a record (no Flow) still matches a live template by minutiae.
func TestFlowOptional(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	base := randomTemplate(rng, 40, 300, 300)
	other := transform(rng, base, 0, 0, 0, 0.1, 2)
	th := func(x, y float64) float64 { return 0.3 + 0.002*x }
	base.Flow = flowOf(19, 19, th)
	other.Flow = flowOf(19, 19, th)
	with := Match(base, other)
	rec := *base
	rec.Flow = nil
	without := Match(&rec, other)
	thr := ThresholdForFMR(1e-4)
	if without < thr {
		t.Errorf("without flow: %.1f < threshold %.1f", without, thr)
	}
	if with < thr {
		t.Errorf("with flow: %.1f < threshold %.1f", with, thr)
	}
	// the two calibrations differ (far above S 40 both are extrapolated):
	// the agreeing flow must lift the raw score
	if rw, ro := Prepare(base).matchRaw(Prepare(other)), Prepare(&rec).matchRaw(Prepare(other)); rw <= ro {
		t.Errorf("agreeing flow: raw %.3f, not above minutiae alone %.3f", rw, ro)
	}
	// agreeing ridge periods lift it further; a Flow without periods (a
	// record of an older build) is scored by the orientation term alone
	per := func(x, y float64) float64 { return 9 + 0.005*x }
	pb, po := *base, *other
	pb.Flow = withPeriod(flowOf(19, 19, th), per)
	po.Flow = withPeriod(flowOf(19, 19, th), per)
	rp, rf := Prepare(&pb).matchRaw(Prepare(&po)), Prepare(base).matchRaw(Prepare(other))
	if rp <= rf {
		t.Errorf("agreeing periods: raw %.3f, not above the orientation term alone %.3f", rp, rf)
	}
	if got := Prepare(&pb).matchRaw(Prepare(other)); got != rf {
		t.Errorf("periods on one side: raw %.3f, want %.3f as without", got, rf)
	}
	if got := Match(&pb, other); got != with {
		t.Errorf("periods on one side: score %.3f, want %.3f as without", got, with)
	}
	if s := Match(&pb, &po); s < thr {
		t.Errorf("with periods: %.1f < threshold %.1f", s, thr)
	}
	pp, periods := Prepare(&pb), pb.Flow.Period
	lper := pp.flow.lper
	pb.Wipe()
	pp.Wipe()
	for i := range periods {
		if periods[i] != 0 || lper[i] != 0 {
			t.Fatalf("wiped periods keep cell %d: %d, %d", i, periods[i], lper[i])
		}
	}
	base.Wipe()
	if base.Flow != nil || len(base.Minutiae) != 0 {
		t.Errorf("wiped template keeps %+v", base)
	}
}

// The unrolled cylinder similarity equals the general one.
func TestCylSim1(t *testing.T) {
	if mccWords != 1 {
		t.Skip("cylinders of more than one word")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for k := 0; k < 2000; k++ {
		var a, b cylinder
		dense := rng.Uint64() | rng.Uint64()
		a.valid[0], b.valid[0] = dense|rng.Uint64(), dense|rng.Uint64()
		if k%7 == 0 {
			b.valid[0] = rng.Uint64() & rng.Uint64()
		}
		for l := range a.bits {
			a.bits[l][0], b.bits[l][0] = rng.Uint64()&rng.Uint64(), rng.Uint64()&rng.Uint64()
		}
		if k%11 == 0 {
			b = a
		}
		if got, want := cylSim1(&a, &b), cylSimN(&a, &b); got != want {
			t.Fatalf("case %d: %g, want %g", k, got, want)
		}
	}
}
