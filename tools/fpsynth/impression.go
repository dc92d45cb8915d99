package fpsynth

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// Impression describes how a finger touched the sensor.
type Impression struct {
	// Dx, Dy move the finger over the sensor, in impression pixels.
	Dx, Dy float64
	// Rotation turns the finger, in radians (positive turns
	// counter-clockwise as seen on the image).
	Rotation float64
	// Distortion is the amplitude of the elastic skin distortion in
	// pixels at the contact region's rim (0 rigid, 3..8 typical).
	Distortion float64
	// ShearX, ShearY and Torque are the lateral force and twist of the
	// finger on the glass (Cappelli, Maio, Maltoni: "Modelling plastic
	// distortion in fingerprint images", ICAPR 2001): the skin in the
	// middle of the contact region stays put, the skin towards the rim is
	// shifted by up to (ShearX, ShearY) pixels and turned by up to Torque
	// radians.
	ShearX, ShearY, Torque float64
	// Pressure in [0, 1]: low pressure gives thin, broken ridges and a
	// small contact region, high pressure thick ridges and a large one.
	Pressure float64
	// Dryness in [0, 1] is how unevenly the skin touches (patchy ridges).
	Dryness float64
	// Noise in [0, 1] is the sensor noise level.
	Noise float64
	// Seed drives the distortion field, dryness pattern and noise.
	Seed uint64
}

// RandomImpression draws impression parameters from seed, in the ranges
// of an attended live-scan capture: within ±8% of the frame and ±15°,
// moderate distortion, pressure and noise; Opts.Variation scales the
// ranges. The draw depends on the finger's seed too, so impression n of
// two fingers are not placed alike.
func (f *Finger) RandomImpression(seed uint64) Impression {
	rng := newRand(seed, 2^f.Seed*0xD1B54A32D192ED03)
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	v := f.opts.Variation
	w, h := float64(f.opts.Width), float64(f.opts.Height)
	return Impression{
		Dx:         u(-0.08, 0.08) * v * w,
		Dy:         u(-0.08, 0.08) * v * h,
		Rotation:   u(-15, 15) * v * math.Pi / 180,
		Distortion: math.Min(50, u(1, 5)*v*float64(f.opts.DPI)/500),
		ShearX:     u(-3, 3) * v * float64(f.opts.DPI) / 500,
		ShearY:     u(-3, 3) * v * float64(f.opts.DPI) / 500,
		Torque:     u(-2, 2) * v * math.Pi / 180,
		Pressure:   math.Min(1, math.Max(0, 0.6+u(-0.25, 0.25)*v)),
		Dryness:    math.Min(1, u(0, 0.5)*v),
		Noise:      math.Min(1, u(0.1, 0.4)*v),
		Seed:       rng.Uint64(),
	}
}

// Impression renders the impression RandomImpression(seed) draws.
func (f *Finger) Impression(seed uint64) *image.Gray {
	img, _ := f.Render(f.RandomImpression(seed))
	return img
}

// Render draws impression p of f: an 8-bit grayscale image of the
// finger's Opts size, dark ridges on a light background.
func (f *Finger) Render(p Impression) (*image.Gray, error) {
	for _, v := range []float64{p.Dx, p.Dy, p.Rotation, p.Distortion, p.Pressure, p.Dryness, p.Noise, p.ShearX, p.ShearY, p.Torque} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%w: impression parameter %v", ErrOpts, v)
		}
	}
	if p.Pressure < 0 || p.Pressure > 1 || p.Dryness < 0 || p.Dryness > 1 || p.Noise < 0 || p.Noise > 1 || p.Distortion < 0 || p.Distortion > 50 ||
		math.Abs(p.ShearX) > 50 || math.Abs(p.ShearY) > 50 || math.Abs(p.Torque) > 0.5 {
		return nil, fmt.Errorf("%w: impression %+v out of range", ErrOpts, p)
	}
	rng := newRand(p.Seed, 3)
	W, H := f.opts.Width, f.opts.Height
	img := image.NewGray(image.Rect(0, 0, W, H))
	buf := make([]float32, W*H)
	pl := f.place(p, rng)
	dry := newCoarse(smoothNoise(rng, 5, 6*f.Period), W, H)
	dry2 := newCoarse(smoothNoise(rng, 4, 20*f.Period), W, H)
	thr := 0.25 - 0.75*p.Pressure // ridge threshold: lower = thicker
	rim := pl.rim
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			mx, my, e := pl.toMaster(x, y)
			if e >= 1+rim {
				buf[y*W+x] = 0
				continue
			}
			r := f.bilinear(mx, my)
			t := thr + 0.6*p.Dryness*dry.at(x, y) + 0.15*dry2.at(x, y)
			// less contact towards the rim
			if e > 1-rim {
				t += (e - (1 - rim)) / (2 * rim) * 1.2
			}
			ink := (r - t) * 2.2
			ink = math.Min(1, math.Max(0, ink))
			buf[y*W+x] = float32(ink)
		}
	}
	// sensor: blur, background, noise
	blur3(buf, W, H)
	bg := 215 + 25*rng.Float64()
	dark := 30 + 40*rng.Float64()
	sigma := 3 + 22*p.Noise
	for i, v := range buf {
		g := bg - (bg-dark)*float64(v) + rng.NormFloat64()*sigma
		img.Pix[i] = uint8(math.Min(255, math.Max(0, math.Round(g))))
	}
	return img, nil
}

// placement is where an impression puts the finger: the contact region
// and the map from impression pixels to master coordinates.
type placement struct {
	mcx, mcy, ax, ay, rim float64 // contact ellipse (master coordinates)
	cos, sin, icx, icy    float64 // rotation, impression centre
	dist                  float64
	dxn, dyn              *coarse // distortion field
	shx, shy, tq          float64 // plastic distortion
}

func (f *Finger) place(p Impression, rng *rand.Rand) *placement {
	W, H := f.opts.Width, f.opts.Height
	return &placement{
		// Contact region: an ellipse around the finger centre, larger
		// with pressure.
		mcx: float64(f.w)/2 + f.tipDx,
		mcy: float64(f.h)*0.47 + f.tipDy,
		ax:  float64(W) * (0.36 + 0.14*p.Pressure) * f.tipW,
		ay:  float64(H) * (0.42 + 0.14*p.Pressure) * f.tipH,
		rim: 0.12 + 0.1*(1-p.Pressure), // soft edge width, as a fraction
		cos: math.Cos(p.Rotation), sin: math.Sin(p.Rotation),
		icx: float64(W)/2 + p.Dx, icy: float64(H)/2 + p.Dy,
		dist: p.Distortion,
		shx:  p.ShearX, shy: p.ShearY, tq: p.Torque,
		// Elastic distortion: a smooth displacement field, zero in the
		// contact centre, growing towards the rim. The smooth fields are
		// sampled on a coarse grid over the impression and interpolated:
		// their wavelengths are 50 pixels and more.
		dxn: newCoarse(smoothNoise(rng, 3, 1.5*float64(W)), W, H),
		dyn: newCoarse(smoothNoise(rng, 3, 1.5*float64(W)), W, H),
	}
}

// toMaster maps impression pixel (x, y) to master coordinates, and gives
// its elliptic radius in the contact region (1 at the rim).
func (pl *placement) toMaster(x, y int) (mx, my, e float64) {
	// undo translation and rotation (image y is down, so a CCW turn on
	// screen is a negative angle in these coordinates)
	ux, uy := float64(x)+0.5-pl.icx, float64(y)+0.5-pl.icy
	fx := pl.cos*ux - pl.sin*uy
	fy := pl.sin*ux + pl.cos*uy
	e = math.Sqrt(sq(fx/pl.ax) + sq(fy/pl.ay))
	d := pl.dist * math.Min(1, e*e)
	mx = fx + d*pl.dxn.at(x, y)
	my = fy + d*pl.dyn.at(x, y)
	// plastic distortion: none in the close-contact middle (e < 0.3),
	// a smooth transition, the full shear and twist from e = 0.9 out
	if g := smoothstep((e - 0.3) / 0.6); g > 0 && (pl.shx != 0 || pl.shy != 0 || pl.tq != 0) {
		a := g * pl.tq
		c, s := math.Cos(a), math.Sin(a)
		mx, my = c*mx-s*my+g*pl.shx, s*mx+c*my+g*pl.shy
	}
	return pl.mcx + mx, pl.mcy + my, e
}

// Mapping returns the ground truth of impression p: the master position
// each impression pixel shows, and whether it lies in the contact region.
// Mapping the minutiae found in two impressions to the master pairs them
// up without a matcher.
func (f *Finger) Mapping(p Impression) func(x, y int) (mx, my float64, inContact bool) {
	pl := f.place(p, newRand(p.Seed, 3))
	W, H := f.opts.Width, f.opts.Height
	return func(x, y int) (float64, float64, bool) {
		x = min(max(x, 0), W-1)
		y = min(max(y, 0), H-1)
		mx, my, e := pl.toMaster(x, y)
		return mx, my, e < 1
	}
}

func smoothstep(t float64) float64 {
	t = math.Min(1, math.Max(0, t))
	return t * t * (3 - 2*t)
}

// coarse is a smooth function sampled every coarseStep pixels.
type coarse struct {
	w int // grid width
	v []float32
}

const coarseStep = 4

func newCoarse(fn func(x, y float64) float64, W, H int) *coarse {
	gw, gh := W/coarseStep+2, H/coarseStep+2
	c := &coarse{w: gw, v: make([]float32, gw*gh)}
	for j := 0; j < gh; j++ {
		for i := 0; i < gw; i++ {
			c.v[j*gw+i] = float32(fn(float64(i*coarseStep), float64(j*coarseStep)))
		}
	}
	return c
}

// at interpolates the function at pixel (x, y) of the impression.
func (c *coarse) at(x, y int) float64 {
	i, j := x/coarseStep, y/coarseStep
	ax := float32(x%coarseStep) / coarseStep
	ay := float32(y%coarseStep) / coarseStep
	k := j*c.w + i
	top := c.v[k] + (c.v[k+1]-c.v[k])*ax
	bot := c.v[k+c.w] + (c.v[k+c.w+1]-c.v[k+c.w])*ax
	return float64(top + (bot-top)*ay)
}

// bilinear samples the master ridge pattern at (x, y); outside it is 0.
// (x, y) are master coordinates in impression pixels.
func (f *Finger) bilinear(x, y float64) float64 {
	x = x*gridScale - 0.5
	y = y*gridScale - 0.5
	x0, y0 := math.Floor(x), math.Floor(y)
	ix, iy := int(x0), int(y0)
	if ix < 0 || iy < 0 || ix+1 >= f.gw || iy+1 >= f.gh {
		return 0
	}
	ax, ay := float32(x-x0), float32(y-y0)
	i := iy*f.gw + ix
	r := f.ridge
	top := r[i] + (r[i+1]-r[i])*ax
	bot := r[i+f.gw] + (r[i+f.gw+1]-r[i+f.gw])*ax
	return float64(top + (bot-top)*ay)
}

// blur3 applies a separable [1 2 1]/4 blur in place.
func blur3(b []float32, w, h int) {
	tmp := make([]float32, len(b))
	for y := 0; y < h; y++ {
		r := b[y*w : (y+1)*w]
		t := tmp[y*w : (y+1)*w]
		for x := range r {
			l, rr := r[max(x-1, 0)], r[min(x+1, w-1)]
			t[x] = (l + 2*r[x] + rr) / 4
		}
	}
	for y := 0; y < h; y++ {
		u, d := max(y-1, 0), min(y+1, h-1)
		for x := 0; x < w; x++ {
			b[y*w+x] = (tmp[u*w+x] + 2*tmp[y*w+x] + tmp[d*w+x]) / 4
		}
	}
}
