package fpsynth

import (
	"errors"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
)

// Class is a fingerprint pattern class (Henry's five classes).
type Class uint8

// Classes. ClassRandom draws one from the seed with its natural frequency
// (loops 65%, whorls 28%, arches 7%).
const (
	ClassRandom Class = iota
	ClassArch
	ClassTentedArch
	ClassLeftLoop
	ClassRightLoop
	ClassWhorl
)

var classNames = [...]string{"random", "arch", "tented-arch", "left-loop", "right-loop", "whorl"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", uint8(c))
}

// ParseClass parses a class name as String prints it.
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if n == s {
			return Class(i), nil
		}
	}
	return 0, fmt.Errorf("fpsynth: unknown class %q", s)
}

// ErrOpts means the options are out of range.
var ErrOpts = errors.New("fpsynth: invalid options")

// Opts configure a synthetic finger.
type Opts struct {
	// Width and Height are the impression size in pixels.
	Width, Height int
	// DPI is the impression resolution; the ridge period scales with it.
	DPI int
	// Class is the pattern class; ClassRandom draws one from the seed.
	Class Class
	// Iterations is the number of Gabor growth iterations of the master.
	Iterations int
	// Variation scales how much RandomImpression varies the impressions
	// (displacement, rotation, distortion, noise, dryness); 0 means 1,
	// the attended live-scan default; 2 is a hard data set.
	Variation float64
}

// DefaultOpts is an R307-sized impression (256×288 at 500 dpi).
var DefaultOpts = Opts{Width: 256, Height: 288, DPI: 500, Iterations: 9}

func (o *Opts) fill() error {
	if o.Width == 0 {
		o.Width = DefaultOpts.Width
	}
	if o.Height == 0 {
		o.Height = DefaultOpts.Height
	}
	if o.DPI == 0 {
		o.DPI = DefaultOpts.DPI
	}
	if o.Iterations == 0 {
		o.Iterations = DefaultOpts.Iterations
	}
	if o.Variation == 0 {
		o.Variation = 1
	}
	switch {
	case o.Width < 32 || o.Height < 32 || o.Width > 2048 || o.Height > 2048:
		return fmt.Errorf("%w: size %dx%d (32..2048)", ErrOpts, o.Width, o.Height)
	case o.DPI < 250 || o.DPI > 1000:
		return fmt.Errorf("%w: %d dpi (250..1000)", ErrOpts, o.DPI)
	case o.Class > ClassWhorl:
		return fmt.Errorf("%w: class %d", ErrOpts, o.Class)
	case o.Iterations < 1 || o.Iterations > 100:
		return fmt.Errorf("%w: %d iterations", ErrOpts, o.Iterations)
	case !(o.Variation > 0 && o.Variation <= 3):
		return fmt.Errorf("%w: variation %v (0..3)", ErrOpts, o.Variation)
	}
	return nil
}

// Point is a position in master coordinates (pixels, y down).
type Point struct{ X, Y float64 }

// Finger is a master fingerprint: the ridge pattern of one synthetic
// finger, larger than an impression so impressions can move over it.
type Finger struct {
	Seed  uint64
	Class Class
	// Cores and Deltas are the singular points in master coordinates.
	Cores, Deltas []Point
	// Period is the mean ridge period in pixels.
	Period float64

	// fingertip shape: contact-region centre offset and axis scales
	tipDx, tipDy, tipW, tipH float64

	opts   Opts
	w, h   int       // master size, impression pixels
	gw, gh int       // master grid size (gridScale of w, h)
	ridge  []float32 // ridge pattern on the grid in [-1, 1], ridges > 0
	orient []float32 // ridge orientation on the grid, radians mod π, y down
}

// gridScale is the master grid's resolution relative to the impression:
// ridges are grown at half resolution (4-5 pixels a period, well above
// Nyquist) and interpolated when an impression is rendered, which makes
// the master 16 times cheaper to grow.
const gridScale = 0.5

// Size returns the master's size in pixels.
func (f *Finger) Size() (w, h int) { return f.w, f.h }

// Orientation returns the ridge orientation at master position (x, y), in
// radians mod π, measured from the x axis towards +y (image coordinates).
func (f *Finger) Orientation(x, y int) float64 {
	gx := min(max(int(float64(x)*gridScale), 0), f.gw-1)
	gy := min(max(int(float64(y)*gridScale), 0), f.gh-1)
	return float64(f.orient[gy*f.gw+gx])
}

// Ridge returns the master ridge value at (x, y) in [-1, 1]; ridges are
// positive.
func (f *Finger) Ridge(x, y int) float64 {
	return f.bilinear(float64(x)+0.5, float64(y)+0.5)
}

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream^0x9E3779B97F4A7C15))
}

// margin is the master's extra size on each side beyond an impression.
func margin(o *Opts) int { return int(math.Round(40 * float64(o.DPI) / 500)) }

// NewFinger makes the master fingerprint of seed. o may be nil for
// DefaultOpts.
func NewFinger(seed uint64, o *Opts) (*Finger, error) {
	opts := DefaultOpts
	if o != nil {
		opts = *o
	}
	if err := opts.fill(); err != nil {
		return nil, err
	}
	rng := newRand(seed, 1)
	m := margin(&opts)
	f := &Finger{Seed: seed, Class: opts.Class, opts: opts, w: opts.Width + 2*m, h: opts.Height + 2*m}
	f.gw, f.gh = int(math.Ceil(float64(f.w)*gridScale)), int(math.Ceil(float64(f.h)*gridScale))
	if f.Class == ClassRandom {
		switch p := rng.Float64(); {
		case p < 0.037:
			f.Class = ClassArch
		case p < 0.066:
			f.Class = ClassTentedArch
		case p < 0.404:
			f.Class = ClassLeftLoop
		case p < 0.721:
			f.Class = ClassRightLoop
		default:
			f.Class = ClassWhorl
		}
	}
	scale := float64(opts.DPI) / 500
	f.Period = (8.2 + 2.4*rng.Float64()) * scale
	f.tipDx = (rng.Float64() - 0.5) * 0.08 * float64(opts.Width)
	f.tipDy = (rng.Float64() - 0.5) * 0.08 * float64(opts.Height)
	f.tipW = 0.9 + 0.2*rng.Float64()
	f.tipH = 0.9 + 0.2*rng.Float64()
	f.placeSingularities(rng)
	f.orientationField(rng)
	f.grow(rng)
	f.wiggle(rng, wiggleAmp)
	return f, nil
}

func (f *Finger) placeSingularities(rng *rand.Rand) {
	w, h := float64(f.w), float64(f.h)
	cx := w/2 + (rng.Float64()-0.5)*0.2*w
	cy := h*0.42 + (rng.Float64()-0.5)*0.16*h
	jit := func(s float64) float64 { return (rng.Float64() - 0.5) * s }
	switch f.Class {
	case ClassTentedArch:
		f.Cores = []Point{{cx, cy}}
		f.Deltas = []Point{{cx + jit(0.04*w), cy + 0.16*h + jit(0.04*h)}}
	case ClassLeftLoop, ClassRightLoop:
		side := 1.0
		if f.Class == ClassRightLoop {
			side = -1
		}
		f.Cores = []Point{{cx, cy}}
		f.Deltas = []Point{{cx + side*(0.1+0.26*rng.Float64())*w, cy + (0.16+0.24*rng.Float64())*h}}
	case ClassWhorl:
		d := (0.04 + 0.05*rng.Float64()) * h
		a := jit(0.8)
		f.Cores = []Point{{cx - d*math.Sin(a), cy - d*math.Cos(a)}, {cx + d*math.Sin(a), cy + d*math.Cos(a)}}
		f.Deltas = []Point{
			{cx - (0.18+0.18*rng.Float64())*w, cy + (0.2+0.2*rng.Float64())*h},
			{cx + (0.18+0.18*rng.Float64())*w, cy + (0.2+0.2*rng.Float64())*h},
		}
	default: // arch: singularities far below, none in the print
	}
}

// wobble is the amplitude of the orientation perturbation, radians.
const wobble, wobScale = 0.5, 0.4

// nearSingular is 0 at a singular point, rising to 1 two ridge periods
// (about 20 px) away.
func (f *Finger) nearSingular(x, y float64) float64 {
	d := math.Inf(1)
	for _, c := range f.Cores {
		d = math.Min(d, math.Hypot(x-c.X, y-c.Y))
	}
	for _, c := range f.Deltas {
		d = math.Min(d, math.Hypot(x-c.X, y-c.Y))
	}
	return math.Min(1, d/40)
}

// orientationField fills f.orient from the zero-pole model. Far from the
// singular points the field flattens towards horizontal ridges, as on a
// fingertip's upper and lower parts; arches get a plain-arch field.
func (f *Finger) orientationField(rng *rand.Rand) {
	f.orient = make([]float32, f.gw*f.gh)
	w, h := float64(f.w), float64(f.h)
	archA := (0.10 + 0.08*rng.Float64()) * h
	archX := w/2 + (rng.Float64()-0.5)*0.15*w
	archS := (0.22 + 0.08*rng.Float64()) * w
	tilt := (rng.Float64() - 0.5) * 0.5
	// individual deviations from the model: a smooth perturbation of a
	// few degrees, vanishing at the singular points so they stay put
	wob := smoothNoise(rng, 4, wobScale*w)
	for y := 0; y < f.gh; y++ {
		for x := 0; x < f.gw; x++ {
			px, py := (float64(x)+0.5)/gridScale, (float64(y)+0.5)/gridScale
			var th float64
			if f.Class == ClassArch {
				// ridges y = c - A(y) exp(-(x-x0)²/s²), the hump
				// flattening towards the bottom
				a := archA * math.Max(0, 1-py/h*0.9)
				dx := px - archX
				slope := a * 2 * dx / (archS * archS) * math.Exp(-dx*dx/(archS*archS))
				th = math.Atan(slope)
			} else {
				for _, c := range f.Cores {
					th += math.Atan2(py-c.Y, px-c.X)
				}
				for _, d := range f.Deltas {
					th -= math.Atan2(py-d.Y, px-d.X)
				}
				th /= 2
			}
			th += tilt + wobble*wob(px, py)*f.nearSingular(px, py)
			th = math.Mod(th, math.Pi)
			if th < 0 {
				th += math.Pi
			}
			f.orient[y*f.gw+x] = float32(th)
		}
	}
}

// wiggleAmp is the ridge meander amplitude in impression pixels.
const wiggleAmp = 1.0

// wiggle displaces the grown ridges by a fine random field (amplitude amp
// impression pixels, wavelength about three ridge periods): real ridges
// meander around the smooth flow, and so do the directions of their
// minutiae, which makes each finger's minutiae less like any other's.
func (f *Finger) wiggle(rng *rand.Rand, amp float64) {
	if amp == 0 {
		return
	}
	T := f.Period * gridScale
	wx := newCoarse(smoothNoise(rng, 9, 3*T), f.gw, f.gh)
	wy := newCoarse(smoothNoise(rng, 9, 3*T), f.gw, f.gh)
	a := amp * gridScale * 2.5 // smoothNoise of 9 waves has an rms near 0.4
	out := make([]float32, len(f.ridge))
	for y := 0; y < f.gh; y++ {
		for x := 0; x < f.gw; x++ {
			sx := float64(x) + a*wx.at(x, y)
			sy := float64(y) + a*wy.at(x, y)
			out[y*f.gw+x] = float32(f.gridAt(sx, sy))
		}
	}
	f.ridge = out
}

// gridAt interpolates the ridge grid at grid coordinates (x, y), clamped
// to the grid.
func (f *Finger) gridAt(x, y float64) float64 {
	x = math.Min(math.Max(x, 0), float64(f.gw-1)-1e-9)
	y = math.Min(math.Max(y, 0), float64(f.gh-1)-1e-9)
	x0, y0 := math.Floor(x), math.Floor(y)
	i := int(y0)*f.gw + int(x0)
	ax, ay := float32(x-x0), float32(y-y0)
	r := f.ridge
	if int(x0)+1 >= f.gw || int(y0)+1 >= f.gh {
		return float64(r[i])
	}
	top := r[i] + (r[i+1]-r[i])*ax
	bot := r[i+f.gw] + (r[i+f.gw+1]-r[i+f.gw])*ax
	return float64(top + (bot-top)*ay)
}

// Master returns the master ridge pattern as an image (ridges dark).
func (f *Finger) Master() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, f.w, f.h))
	for y := 0; y < f.h; y++ {
		for x := 0; x < f.w; x++ {
			img.Pix[y*img.Stride+x] = uint8(math.Round(127.5 - 127.5*f.Ridge(x, y)))
		}
	}
	return img
}
