package biometric

import (
	"math"
	"slices"
)

// blockSize is the side of the blocks the orientation field, frequency and
// foreground mask are computed on, in internal (500 dpi) pixels.
const blockSize = 8

// field holds per-block estimates.
type field struct {
	bw, bh int
	// cos2, sin2 is the smoothed doubled-angle ridge orientation vector
	// (image coordinates, y down).
	cos2, sin2 []float32
	coh        []float32 // orientation coherence 0..1
	contrast   []float32 // gray-level standard deviation
	fg         []bool    // foreground
	period     []float32 // ridge period in pixels
	clarity    []float32 // ridge clarity 0..1 (set after enhancement)
}

func (f *field) theta(bx, by int) float64 {
	i := by*f.bw + bx
	return 0.5 * math.Atan2(float64(f.sin2[i]), float64(f.cos2[i]))
}

// orientationAt returns the ridge orientation in [0, π) (image coordinates)
// at pixel (x, y), interpolated between blocks.
func (f *field) orientationAt(x, y float64) float64 {
	fx := x/blockSize - 0.5
	fy := y/blockSize - 0.5
	x0, y0 := int(math.Floor(fx)), int(math.Floor(fy))
	ax, ay := fx-float64(x0), fy-float64(y0)
	var c, s float64
	for j := 0; j < 2; j++ {
		for i := 0; i < 2; i++ {
			bx, by := clamp(x0+i, 0, f.bw-1), clamp(y0+j, 0, f.bh-1)
			wgt := (1 - math.Abs(float64(i)-ax)) * (1 - math.Abs(float64(j)-ay))
			k := by*f.bw + bx
			c += wgt * float64(f.cos2[k])
			s += wgt * float64(f.sin2[k])
		}
	}
	t := 0.5 * math.Atan2(s, c)
	if t < 0 {
		t += math.Pi
	}
	return t
}

func (f *field) fgAt(x, y int) bool {
	bx, by := x/blockSize, y/blockSize
	if x < 0 || y < 0 || bx >= f.bw || by >= f.bh {
		return false
	}
	return f.fg[by*f.bw+bx]
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// estimateField computes orientation, coherence, contrast and foreground
// from the gray image g.
func estimateField(g *plane) *field {
	gc := g // contrast source
	if hpRadius > 0 {
		// ridge-band image: the local mean over about two ridge periods
		// removed, so that illumination ramps and the edges of uniform
		// areas give neither contrast nor coherent gradients
		lp := boxBlur(g, hpRadius)
		d := newPlane(g.w, g.h)
		for i, v := range g.v {
			d.v[i] = v - lp.v[i]
		}
		gc = d
		if hpGrad {
			g = d
		}
	}
	w, h := g.w, g.h
	bw, bh := (w+blockSize-1)/blockSize, (h+blockSize-1)/blockSize
	nb := bw * bh
	gxx := make([]float64, nb)
	gyy := make([]float64, nb)
	gxy := make([]float64, nb)
	sum := make([]float64, nb)
	sum2 := make([]float64, nb)
	cnt := make([]float64, nb)
	for y := 0; y < h; y++ {
		brow := (y / blockSize) * bw
		row := g.v[y*w : (y+1)*w]
		for x, v32 := range gc.v[y*w : (y+1)*w] {
			bi := brow + x/blockSize
			v := float64(v32)
			sum[bi] += v
			sum2[bi] += v * v
			cnt[bi]++
		}
		if y == 0 || y == h-1 || w < 3 {
			continue
		}
		up := g.v[(y-1)*w : y*w]
		dn := g.v[(y+1)*w : (y+2)*w]
		for x := 1; x < w-1; x++ {
			bi := brow + x/blockSize
			a, b, c := up[x-1], up[x], up[x+1]
			d, e := row[x-1], row[x+1]
			f0, g0, h0 := dn[x-1], dn[x], dn[x+1]
			dx := float64((c + 2*e + h0) - (a + 2*d + f0))
			dy := float64((f0 + 2*g0 + h0) - (a + 2*b + c))
			gxx[bi] += dx * dx
			gyy[bi] += dy * dy
			gxy[bi] += dx * dy
		}
	}
	f := &field{bw: bw, bh: bh,
		cos2: make([]float32, nb), sin2: make([]float32, nb),
		coh: make([]float32, nb), contrast: make([]float32, nb),
		fg: make([]bool, nb), period: make([]float32, nb)}
	// Aggregate over 3x3 blocks (24 px) for the raw local estimate.
	rc := make([]float64, nb)
	rs := make([]float64, nb)
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			var xx, yy, xy, s, s2, n float64
			for j := by - 1; j <= by+1; j++ {
				for i := bx - 1; i <= bx+1; i++ {
					if i < 0 || j < 0 || i >= bw || j >= bh {
						continue
					}
					k := j*bw + i
					xx += gxx[k]
					yy += gyy[k]
					xy += gxy[k]
					s += sum[k]
					s2 += sum2[k]
					n += cnt[k]
				}
			}
			k := by*bw + bx
			den := xx + yy
			if den > 0 {
				f.coh[k] = float32(math.Hypot(xx-yy, 2*xy) / den)
			}
			// Ridge direction is perpendicular to the mean gradient:
			// doubled angle of the ridge = doubled gradient angle + π.
			rc[k] = -(xx - yy)
			rs[k] = -2 * xy
			mean := s / n
			f.contrast[k] = float32(math.Sqrt(math.Max(0, s2/n-mean*mean)))
		}
	}
	segment(f)
	smoothOrientation(f, rc, rs)
	return f
}

// Orientation smoothing: Gaussian σ in blocks, passes; normRadius is the
// local normalisation window radius in pixels.
var (
	orientSigma  = 1.5
	orientPasses = 2
	normRadius   = 7
)

// smoothOrientation smooths the doubled-angle vectors with a Gaussian over
// blocks, weighting foreground blocks, and stores unit vectors. It does so
// at two scales: the coarse field is used where the flow is regular, the
// fine one where the raw orientations around a block disagree (cores,
// deltas, high curvature), so that singular regions are not smoothed away.
func smoothOrientation(f *field, rc, rs []float64) {
	bw, bh := f.bw, f.bh
	// Normalise the raw vectors by their energy so strong blocks do not
	// dominate, but keep coherence as weight.
	nc := make([]float64, len(rc))
	ns := make([]float64, len(rs))
	nw := make([]float64, len(rs))
	for i := range rc {
		m := math.Hypot(rc[i], rs[i])
		if m > 0 {
			wgt := float64(f.coh[i])
			if !f.fg[i] {
				wgt *= 0.05
			}
			nc[i] = rc[i] / m * wgt
			ns[i] = rs[i] / m * wgt
			nw[i] = wgt
		}
	}
	cc, cs, cw := gaussVec(nc, ns, nw, bw, bh, orientSigma, orientPasses)
	var fc, fs []float64
	if fineSigma > 0 {
		fc, fs, _ = gaussVec(nc, ns, nil, bw, bh, fineSigma, 1)
	}
	for i := range cc {
		c, s := cc[i], cs[i]
		if fc != nil && cw[i] > 0 {
			// consistency of the raw orientations under the coarse kernel
			k := math.Hypot(c, s) / cw[i]
			a := math.Max(0, math.Min(1, (k-consLo)/(consHi-consLo)))
			if a < 1 {
				m := math.Hypot(c, s)
				fm := math.Hypot(fc[i], fs[i])
				if m > 0 && fm > 0 {
					c = a*c/m + (1-a)*fc[i]/fm
					s = a*s/m + (1-a)*fs[i]/fm
				}
			}
		}
		m := math.Hypot(c, s)
		if m > 0 {
			f.cos2[i] = float32(c / m)
			f.sin2[i] = float32(s / m)
		} else {
			f.cos2[i] = 1
		}
	}
}

// Two-scale orientation: the fine Gaussian σ in blocks (0: off) and the
// consistency range over which the coarse field takes over.
var (
	fineSigma = 0.0
	consLo    = 0.3
	consHi    = 0.7
)

// gaussVec smooths the vector field (c, s) and, if w is not nil, the
// weights w with a separable Gaussian of σ blocks, passes times.
func gaussVec(c0, s0, w0 []float64, bw, bh int, sigma float64, passes int) (c, s, w []float64) {
	r := min(2, int(math.Ceil(2*sigma)))
	wk := make([]float64, 2*r+1)
	for i := -r; i <= r; i++ {
		wk[i+r] = math.Exp(-float64(i*i) / (2 * sigma * sigma))
	}
	c = append([]float64(nil), c0...)
	s = append([]float64(nil), s0...)
	if w0 != nil {
		w = append([]float64(nil), w0...)
	}
	tc := make([]float64, len(c))
	ts := make([]float64, len(c))
	var tw []float64
	if w != nil {
		tw = make([]float64, len(c))
	}
	for pass := 0; pass < passes; pass++ {
		for by := 0; by < bh; by++ {
			for bx := 0; bx < bw; bx++ {
				var a, b, d float64
				for i := -r; i <= r; i++ {
					k := by*bw + clamp(bx+i, 0, bw-1)
					a += wk[i+r] * c[k]
					b += wk[i+r] * s[k]
					if w != nil {
						d += wk[i+r] * w[k]
					}
				}
				tc[by*bw+bx], ts[by*bw+bx] = a, b
				if w != nil {
					tw[by*bw+bx] = d
				}
			}
		}
		for by := 0; by < bh; by++ {
			for bx := 0; bx < bw; bx++ {
				var a, b, d float64
				for j := -r; j <= r; j++ {
					k := clamp(by+j, 0, bh-1)*bw + bx
					a += wk[j+r] * tc[k]
					b += wk[j+r] * ts[k]
					if w != nil {
						d += wk[j+r] * tw[k]
					}
				}
				c[by*bw+bx], s[by*bw+bx] = a, b
				if w != nil {
					w[by*bw+bx] = d
				}
			}
		}
	}
	return c, s, w
}

// hpRadius is the radius (pixels) of the local mean removed before the
// block statistics (0: off).
var hpRadius = 6

// hpGrad takes the gradients for the orientation from the ridge-band image too.
var hpGrad = false

// minCoherence is the orientation coherence a foreground block needs
// unless its contrast is high (cores and deltas have low coherence);
// white noise has about 0.1, ridges 0.3 and more.
var minCoherence float32 = 0.15

// contrastFrac is the fraction of the 95th-percentile block contrast a
// foreground block needs.
var contrastFrac = 0.3

// segment marks the foreground blocks: enough gray-level contrast and
// orientation coherence, cleaned up morphologically, holes filled and the
// largest connected region kept.
func segment(f *field) {
	nb := f.bw * f.bh
	cs := slices.Clone(f.contrast)
	slices.Sort(cs)
	hi := float64(cs[nb*95/100])
	thr := math.Max(4, contrastFrac*hi)
	fg := make([]bool, nb)
	for i := 0; i < nb; i++ {
		c := float64(f.contrast[i])
		fg[i] = c > thr && (f.coh[i] > minCoherence || c > 0.6*hi)
	}
	// majority filter twice
	for pass := 0; pass < 2; pass++ {
		nf := make([]bool, nb)
		for by := 0; by < f.bh; by++ {
			for bx := 0; bx < f.bw; bx++ {
				n, t := 0, 0
				for j := by - 1; j <= by+1; j++ {
					for i := bx - 1; i <= bx+1; i++ {
						if i < 0 || j < 0 || i >= f.bw || j >= f.bh {
							continue
						}
						t++
						if fg[j*f.bw+i] {
							n++
						}
					}
				}
				nf[by*f.bw+bx] = 2*n > t
			}
		}
		fg = nf
	}
	// keep the largest 4-connected component
	lab := make([]int32, nb)
	best, bestN := int32(0), 0
	var stack []int
	next := int32(0)
	for s := 0; s < nb; s++ {
		if !fg[s] || lab[s] != 0 {
			continue
		}
		next++
		n := 0
		stack = append(stack[:0], s)
		lab[s] = next
		for len(stack) > 0 {
			k := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			bx, by := k%f.bw, k/f.bw
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				x, y := bx+d[0], by+d[1]
				if x < 0 || y < 0 || x >= f.bw || y >= f.bh {
					continue
				}
				q := y*f.bw + x
				if fg[q] && lab[q] == 0 {
					lab[q] = next
					stack = append(stack, q)
				}
			}
		}
		if n > bestN {
			best, bestN = next, n
		}
	}
	// fill holes: background not reachable from the border becomes fg
	out := make([]bool, nb)
	for i := range fg {
		out[i] = lab[i] == best && best != 0
	}
	reach := make([]bool, nb)
	stack = stack[:0]
	for by := 0; by < f.bh; by++ {
		for bx := 0; bx < f.bw; bx++ {
			if bx == 0 || by == 0 || bx == f.bw-1 || by == f.bh-1 {
				k := by*f.bw + bx
				if !out[k] {
					reach[k] = true
					stack = append(stack, k)
				}
			}
		}
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		bx, by := k%f.bw, k/f.bw
		for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
			x, y := bx+d[0], by+d[1]
			if x < 0 || y < 0 || x >= f.bw || y >= f.bh {
				continue
			}
			q := y*f.bw + x
			if !out[q] && !reach[q] {
				reach[q] = true
				stack = append(stack, q)
			}
		}
	}
	for i := range out {
		if !reach[i] {
			out[i] = true
		}
	}
	f.fg = out
}

// borderDistance returns, per block, the distance in blocks to the nearest
// background block or image edge (chessboard metric; the blocks outside
// the image count as background): a forward and a backward raster pass.
func (f *field) borderDistance() []uint8 {
	bw, bh := f.bw, f.bh
	d := make([]uint8, bw*bh)
	at := func(x, y int) uint8 {
		if x < 0 || y < 0 || x >= bw || y >= bh {
			return 0
		}
		return d[y*bw+x]
	}
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			k := by*bw + bx
			if !f.fg[k] {
				continue
			}
			m := min(at(bx-1, by), at(bx-1, by-1), at(bx, by-1), at(bx+1, by-1))
			d[k] = min(m, 253) + 1
		}
	}
	for by := bh - 1; by >= 0; by-- {
		for bx := bw - 1; bx >= 0; bx-- {
			k := by*bw + bx
			if d[k] == 0 {
				continue
			}
			m := min(at(bx+1, by), at(bx+1, by+1), at(bx, by+1), at(bx-1, by+1))
			d[k] = min(d[k], min(m, 253)+1)
		}
	}
	return d
}
