package fpsynth

import (
	"math"
	"math/rand/v2"
)

const (
	nOrient = 32 // orientation levels of the filter bank
	nPeriod = 5  // period levels of the filter bank
)

// bank is a set of sparse Gabor kernels, one per orientation and period
// level, as offsets into a padded buffer of a given stride.
type bank struct {
	r       int // kernel radius
	periods [nPeriod]float64
	off     [nOrient * nPeriod][]int32
	wt      [nOrient * nPeriod][]float32
}

func newBank(period float64, stride int) *bank {
	b := &bank{}
	for i := range b.periods {
		b.periods[i] = period * (0.84 + 0.08*float64(i))
	}
	b.r = bankRadius(period)
	for o := 0; o < nOrient; o++ {
		th := math.Pi * float64(o) / nOrient
		c, s := math.Cos(th), math.Sin(th)
		for p := 0; p < nPeriod; p++ {
			T := b.periods[p]
			var offs []int32
			var wts []float64
			var sum, n float64
			for dy := -b.r; dy <= b.r; dy++ {
				for dx := -b.r; dx <= b.r; dx++ {
					along := float64(dx)*c + float64(dy)*s
					across := -float64(dx)*s + float64(dy)*c
					g := math.Exp(-0.5 * (sq(along/(sAlong*T)) + sq(across/(sAcross*T))))
					if g < gaborCut {
						continue
					}
					v := g * math.Cos(2*math.Pi*across/T)
					offs = append(offs, int32(dy*stride+dx))
					wts = append(wts, v)
					sum += v
					n++
				}
			}
			// zero mean, unit L1 norm
			var l1 float64
			for i := range wts {
				wts[i] -= sum / n
				l1 += math.Abs(wts[i])
			}
			k := o*nPeriod + p
			b.off[k] = offs
			b.wt[k] = make([]float32, len(wts))
			for i, v := range wts {
				b.wt[k][i] = float32(v / l1 * 4)
			}
		}
	}
	return b
}

// Gabor kernel shape: Gaussian sigmas along and across the ridges, in
// ridge periods, and the envelope value below which taps are dropped.
const (
	sAlong   = 0.55
	sAcross  = 0.42
	gaborCut = 0.03
)

func bankRadius(period float64) int {
	return int(math.Ceil(math.Sqrt(-2*math.Log(gaborCut)) * sAlong * period * 1.16))
}

func sq(x float64) float64 { return x * x }

// grow makes the master ridge pattern on the master grid: random seeds,
// then iterated contextual Gabor filtering with clipping, then one
// unclipped pass so the ridge profile is smooth (the impression's pressure
// threshold moves the ridge edges).
func (f *Finger) grow(rng *rand.Rand) {
	T := f.Period * gridScale
	pad := bankRadius(T)
	stride := f.gw + 2*pad
	b := newBank(T, stride)
	ph := f.gh + 2*pad

	// filter index per grid pixel: orientation level and a smoothly
	// varying period level
	idx := make([]uint16, f.gw*f.gh)
	pv := smoothNoise(rng, 3, float64(f.gw))
	for y := 0; y < f.gh; y++ {
		for x := 0; x < f.gw; x++ {
			th := float64(f.orient[y*f.gw+x])
			o := int(math.Round(th/math.Pi*nOrient)) % nOrient
			l := 2 + 1.6*pv(float64(x), float64(y))
			p := min(max(int(math.Round(l)), 0), nPeriod-1)
			idx[y*f.gw+x] = uint16(o*nPeriod + p)
		}
	}

	src := make([]float32, stride*ph)
	dst := make([]float32, stride*ph)
	// One seed in each cell of 7×7 ridge periods, at a random place in
	// it: the seeds' growth fronts meet in the dislocations that become
	// minutiae, this spacing gives the minutia density of real prints
	// (about 32 in a 256×288 frame), and one per cell leaves no gap the
	// growth does not fill.
	cell := max(1, int(math.Round(7*T)))
	for cy := 0; cy < f.gh; cy += cell {
		for cx := 0; cx < f.gw; cx += cell {
			x := min(cx+rng.IntN(cell), f.gw-1)
			y := min(cy+rng.IntN(cell), f.gh-1)
			v := float32(1)
			if rng.IntN(2) == 0 {
				v = -1
			}
			src[(y+pad)*stride+x+pad] = v
		}
	}
	for it := 0; it <= f.opts.Iterations; it++ {
		var maxAbs, sumAbs float32
		for y := 0; y < f.gh; y++ {
			row := (y+pad)*stride + pad
			for x := 0; x < f.gw; x++ {
				k := idx[y*f.gw+x]
				base := row + x
				var acc float32
				wt := b.wt[k]
				for j, o := range b.off[k] {
					acc += wt[j] * src[base+int(o)]
				}
				dst[base] = acc
				a := acc
				if a < 0 {
					a = -a
				}
				sumAbs += a
				maxAbs = max(maxAbs, a)
			}
		}
		// amplify and clip: weak responses grow each iteration until the
		// pattern saturates into ridges and valleys; the last pass only
		// normalises
		var gain float32
		switch {
		case it == f.opts.Iterations:
			gain = 1 / (1.3 * sumAbs / float32(f.gw*f.gh))
		case it < f.opts.Iterations/2 && maxAbs > 0:
			gain = 3 / maxAbs
		default:
			gain = 2.5
		}
		for y := 0; y < f.gh; y++ {
			row := (y+pad)*stride + pad
			for x := 0; x < f.gw; x++ {
				dst[row+x] = min(1, max(-1, dst[row+x]*gain))
			}
		}
		src, dst = dst, src
	}
	f.ridge = make([]float32, f.gw*f.gh)
	for y := 0; y < f.gh; y++ {
		copy(f.ridge[y*f.gw:(y+1)*f.gw], src[(y+pad)*stride+pad:])
	}
}

// smoothNoise returns a smooth function in about [-1, 1] made of n random
// plane waves of wavelength around scale.
func smoothNoise(rng *rand.Rand, n int, scale float64) func(x, y float64) float64 {
	type wave struct{ kx, ky, ph, a float64 }
	ws := make([]wave, n)
	var norm float64
	for i := range ws {
		a := rng.Float64() * 2 * math.Pi
		k := 2 * math.Pi / (scale * (0.5 + rng.Float64()))
		ws[i] = wave{k * math.Cos(a), k * math.Sin(a), rng.Float64() * 2 * math.Pi, 0.5 + rng.Float64()}
		norm += ws[i].a
	}
	return func(x, y float64) float64 {
		var v float64
		for _, w := range ws {
			v += w.a * math.Sin(w.kx*x+w.ky*y+w.ph)
		}
		return v / norm
	}
}
