package biometric

import (
	"math"
	"sort"
	"sync"
)

var periodStep = 1

// periodPrior is the weight (in blocks) of the image's median period in
// each block's local average.
var periodPrior float32 = 1

// periodSubpixel refines the first and last peak of the signature.
var periodSubpixel = false

// periodR is the radius in blocks of the local period average.
var periodR = 2

// periodStrict accepts a block's period estimate only from a regular wave
// (three or more peaks, each spacing within periodTol of the mean).
var (
	periodStrict         = true
	periodTol    float32 = 0.35
)

// Enhancement filter shape: the Gaussian along the ridges (pixels) and the
// Gabor envelope across them (fraction of the ridge period).
var (
	alongSigma  = 3.0
	acrossSigma = 0.5
)

const (
	minPeriod = 5.0  // shortest ridge period considered, pixels at 500 dpi
	maxPeriod = 15.0 // longest
	defPeriod = 9.0
)

// roundOff makes truncation round to nearest for coordinates > -roundOff.
const (
	roundOff  = 64
	roundBias = roundOff + 0.5
)

// estimatePeriod fills f.period from the x-signature of each foreground
// block of the normalised image n: the mean spacing of the gray-level peaks
// along the normal to the ridges.
func estimatePeriod(n *plane, f *field) {
	var sig [32]float32
	var valid []float32
	raw := make([]float32, len(f.period))

	// every other block in each direction: the estimates are averaged
	// over 5x5 blocks below anyway
	for by := 0; by < f.bh; by += periodStep {
		for bx := 0; bx < f.bw; bx += periodStep {
			k := by*f.bw + bx
			if !f.fg[k] || f.coh[k] < 0.2 {
				continue
			}
			t := f.theta(bx, by) // ridge direction
			dx, dy := math.Cos(t), math.Sin(t)
			nx, ny := -dy, dx
			cx := float64(bx*blockSize) + blockSize/2
			cy := float64(by*blockSize) + blockSize/2
			for i := range sig {
				tt := float64(i - 16)
				var s float32
				px, py := cx+tt*nx+roundBias, cy+tt*ny+roundBias
				for m := -6; m <= 6; m += 2 {
					// rounding by truncation: the offset keeps it positive
					x := int(px+float64(m)*dx) - roundOff
					y := int(py+float64(m)*dy) - roundOff
					s += n.at(x, y)
				}
				sig[i] = s
			}
			var peaks []int
			for i := 2; i < len(sig)-2; i++ {
				a := sig[i-1] + 2*sig[i] + sig[i+1]
				if a > sig[i-2]+2*sig[i-1]+sig[i] && a >= sig[i]+2*sig[i+1]+sig[i+2] && sig[i] > 0 {
					peaks = append(peaks, i)
				}
			}
			if len(peaks) < 2 {
				continue
			}
			p := float32(peaks[len(peaks)-1]-peaks[0]) / float32(len(peaks)-1)
			if periodSubpixel {
				// parabolic refinement of the first and last peak
				ref := func(i int) float32 {
					if i < 3 || i > len(sig)-4 {
						return float32(i)
					}
					am := sig[i-2] + 2*sig[i-1] + sig[i]
					a0 := sig[i-1] + 2*sig[i] + sig[i+1]
					ap := sig[i] + 2*sig[i+1] + sig[i+2]
					d := am - 2*a0 + ap
					if d >= 0 {
						return float32(i)
					}
					return float32(i) + 0.5*(am-ap)/d
				}
				p = (ref(peaks[len(peaks)-1]) - ref(peaks[0])) / float32(len(peaks)-1)
			}
			if periodStrict {
				// a regular wave only: three peaks or more, evenly spaced
				if len(peaks) < 3 {
					continue
				}
				irregular := false
				for i := 1; i < len(peaks); i++ {
					if d := float32(peaks[i]-peaks[i-1]) - p; d > periodTol*p || d < -periodTol*p {
						irregular = true
					}
				}
				if irregular {
					continue
				}
			}
			if p >= minPeriod && p <= maxPeriod {
				raw[k] = p
				valid = append(valid, p)
			}
		}
	}
	med := float32(defPeriod)
	if len(valid) > 0 {
		sort.Slice(valid, func(i, j int) bool { return valid[i] < valid[j] })
		med = valid[len(valid)/2]
	}
	r := periodR
	for by := 0; by < f.bh; by++ {
		for bx := 0; bx < f.bw; bx++ {
			var s, c float32
			for j := by - r; j <= by+r; j++ {
				for i := bx - r; i <= bx+r; i++ {
					if i < 0 || j < 0 || i >= f.bw || j >= f.bh {
						continue
					}
					if v := raw[j*f.bw+i]; v > 0 {
						s += v
						c++
					}
				}
			}
			p := med
			if c >= 3-float32(periodStep-1) {
				p = (s + periodPrior*med) / (c + periodPrior)
			}
			f.period[by*f.bw+bx] = p
		}
	}
}

const (
	nOrient   = 24  // orientation bins over [0, π)
	periodBin = 0.5 // pixels
	nPeriod   = int((maxPeriod-minPeriod)/periodBin) + 1
	padding   = 16
)

// alongR is the half-length of the along-ridge kernel (pixels).
var alongR = 6

// Noisy straight flow (raw coherence below longCoh, the smoothed
// orientation turning less than longTurn radians to the next blocks) is
// smoothed along the ridges with a longer Gaussian: it joins dotted and
// scratched ridges where a longer kernel cannot bend a curved ridge.
var (
	longSigma         = 4.5
	longR             = 9
	longCoh   float32 = 0.55 // 0: off
	longTurn          = 0.2
)

type tap struct {
	dx, dy int8
	w      float32
}

var (
	kernelsOnce sync.Once
	alongK      [2][nOrient][]tap
	acrossK     [nOrient][nPeriod][]tap
)

func buildKernels() {
	for o := 0; o < nOrient; o++ {
		t := (float64(o) + 0.5) * math.Pi / nOrient
		dx, dy := math.Cos(t), math.Sin(t)
		nx, ny := -dy, dx
		for set, sr := range [2]struct {
			sigma float64
			r     int
		}{{alongSigma, alongR}, {longSigma, longR}} {
			var sum float64
			var al []tap
			for m := -sr.r; m <= sr.r; m++ {
				w := math.Exp(-float64(m*m) / (2 * sr.sigma * sr.sigma))
				al = append(al, tap{int8(math.Round(float64(m) * dx)), int8(math.Round(float64(m) * dy)), float32(w)})
				sum += w
			}
			for i := range al {
				al[i].w /= float32(sum)
			}
			alongK[set][o] = al
		}
		for pi := 0; pi < nPeriod; pi++ {
			per := minPeriod + float64(pi)*periodBin
			sigma := acrossSigma * per
			r := int(math.Min(math.Round(1.2*per), padding-2))
			var ks []tap
			var ws []float64
			var gs []float64
			var mean, gsum float64
			for k := -r; k <= r; k++ {
				ox, oy := math.Round(float64(k)*nx), math.Round(float64(k)*ny)
				p := ox*nx + oy*ny
				g := math.Exp(-p * p / (2 * sigma * sigma))
				w := g * math.Cos(2*math.Pi*p/per)
				ks = append(ks, tap{int8(ox), int8(oy), 0})
				ws = append(ws, w)
				gs = append(gs, g)
				mean += w
				gsum += g
			}
			// remove the DC response so the output is zero-mean
			var norm float64
			for i := range ws {
				ws[i] -= mean * gs[i] / gsum
				norm += math.Abs(ws[i])
			}
			for i := range ks {
				ks[i].w = float32(ws[i] / norm * 4)
			}
			acrossK[o][pi] = ks
		}
	}
}

// enhance filters the normalised image n with oriented filters tuned to
// the local ridge orientation and period: smoothing along the ridges, a
// Gabor band-pass across them. It returns the filter response (ridges
// positive) and the per-pixel foreground mask.
func enhance(n *plane, f *field) (*plane, []bool) {
	kernelsOnce.Do(buildKernels)
	w, h := n.w, n.h
	pw := w + 2*padding
	ph := h + 2*padding
	src := make([]float32, pw*ph)
	for y := 0; y < h; y++ {
		copy(src[(y+padding)*pw+padding:], n.v[y*w:(y+1)*w])
	}
	// per-pixel masks and orientation bins
	mask := make([]bool, w*h)
	near := make([]bool, w*h)
	obin := make([]uint8, w*h)
	// a block is "near" when it or one of its 8 neighbours is foreground
	nearB := make([]bool, f.bw*f.bh)
	for by := 0; by < f.bh; by++ {
		for bx := 0; bx < f.bw; bx++ {
			for j := max(by-1, 0); j <= min(by+1, f.bh-1); j++ {
				for k := max(bx-1, 0); k <= min(bx+1, f.bw-1); k++ {
					if f.fg[j*f.bw+k] {
						nearB[by*f.bw+bx] = true
					}
				}
			}
		}
	}
	longB := longBlocks(f)
	for y := 0; y < h; y++ {
		brow := (y / blockSize) * f.bw
		for x := 0; x < w; x++ {
			i := y*w + x
			mask[i] = f.fg[brow+x/blockSize]
			near[i] = nearB[brow+x/blockSize]
		}
	}
	// the orientation field is smooth on the scale of blocks: interpolate
	// it on a 4-pixel grid
	const sub = 4
	for y0 := 0; y0 < h; y0 += sub {
		for x0 := 0; x0 < w; x0 += sub {
			if !near[y0*w+x0] && !near[min(y0+sub-1, h-1)*w+min(x0+sub-1, w-1)] {
				continue
			}
			t := f.orientationAt(float64(x0)+sub/2, float64(y0)+sub/2)
			o := uint8(min(int(t/math.Pi*nOrient), nOrient-1))
			if longB != nil && longB[(y0/blockSize)*f.bw+x0/blockSize] {
				o += nOrient
			}
			for y := y0; y < min(y0+sub, h); y++ {
				for x := x0; x < min(x0+sub, w); x++ {
					obin[y*w+x] = o
				}
			}
		}
	}
	var offA [2 * nOrient][]int
	var wA [2 * nOrient][]float32
	for o := 0; o < 2*nOrient; o++ {
		for _, t := range alongK[o/nOrient][o%nOrient] {
			offA[o] = append(offA[o], int(t.dy)*pw+int(t.dx))
			wA[o] = append(wA[o], t.w)
		}
	}
	// Runs of pixels with the same kernel are filtered tap by tap (the
	// same sums in the same order as pixel by pixel, but contiguous).
	sm := make([]float32, pw*ph)
	for y := 0; y < h; y++ {
		row := y * w
		for x := 0; x < w; {
			if !near[row+x] {
				x++
				continue
			}
			o := obin[row+x]
			xe := x + 1
			for xe < w && near[row+xe] && obin[row+xe] == o {
				xe++
			}
			p := (y+padding)*pw + x + padding
			acc := sm[p : p+xe-x]
			ws := wA[o]
			for i, d := range offA[o] {
				wt := ws[i]
				in := src[p+d : p+d+len(acc)]
				for k := range acc {
					acc[k] += wt * in[k]
				}
			}
			x = xe
		}
	}
	out := newPlane(w, h)
	var offX [nOrient][nPeriod][]int
	var wX [nOrient][nPeriod][]float32
	for y := 0; y < h; y++ {
		row := y * w
		brow := (y / blockSize) * f.bw
		for x := 0; x < w; {
			if !mask[row+x] {
				x++
				continue
			}
			o := obin[row+x] % nOrient
			// the period is constant over a block: a run ends at the
			// block's right edge at the latest
			bend := min(w, (x/blockSize+1)*blockSize)
			xe := x + 1
			for xe < bend && mask[row+xe] && obin[row+xe]%nOrient == o {
				xe++
			}
			per := f.period[brow+x/blockSize]
			pi := int((per-minPeriod)/periodBin + 0.5)
			pi = clamp(pi, 0, nPeriod-1)
			offs := offX[o][pi]
			if offs == nil {
				ks := acrossK[o][pi]
				offs = make([]int, len(ks))
				wts := make([]float32, len(ks))
				for i, t := range ks {
					offs[i] = int(t.dy)*pw + int(t.dx)
					wts[i] = t.w
				}
				offX[o][pi] = offs
				wX[o][pi] = wts
			}
			wts := wX[o][pi]
			p := (y+padding)*pw + x + padding
			acc := out.v[row+x : row+xe]
			for i, d := range offs {
				wt := wts[i]
				in := sm[p+d : p+d+len(acc)]
				for k := range acc {
					acc[k] += wt * in[k]
				}
			}
			x = xe
		}
	}
	return out, mask
}

// longBlocks marks the blocks smoothed with the long along-ridge kernel:
// low raw coherence (noise, dots, scratches) where the smoothed flow is
// straight. It returns nil when none is.
func longBlocks(f *field) []bool {
	if longCoh <= 0 {
		return nil
	}
	ct := float32(math.Cos(2 * longTurn))
	var out []bool
	for by := 0; by < f.bh; by++ {
		for bx := 0; bx < f.bw; bx++ {
			k := by*f.bw + bx
			if f.coh[k] >= longCoh || !f.fg[k] {
				continue
			}
			straight := true
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				x, y := bx+d[0], by+d[1]
				if x < 0 || y < 0 || x >= f.bw || y >= f.bh {
					continue
				}
				q := y*f.bw + x
				if f.cos2[k]*f.cos2[q]+f.sin2[k]*f.sin2[q] < ct {
					straight = false
					break
				}
			}
			if straight {
				if out == nil {
					out = make([]bool, len(f.fg))
				}
				out[k] = true
			}
		}
	}
	return out
}

// ridgeClarity returns, per block, how well the enhanced ridges explain
// the normalised image: the correlation of n and e over the foreground
// pixels of the block and its 8 neighbours (0 where there are none, or
// where they disagree). A clear ridge pattern gives 0.7–0.9; dots, smudges
// and scratches that the filter had to invent ridges through give less.
func ridgeClarity(n, e *plane, f *field) []float32 {
	nb := f.bw * f.bh
	sne := make([]float64, nb)
	snn := make([]float64, nb)
	see := make([]float64, nb)
	for y := 0; y < e.h; y++ {
		brow := (y / blockSize) * f.bw
		nr, er := n.v[y*n.w:(y+1)*n.w], e.v[y*e.w:(y+1)*e.w]
		for x := range er {
			bi := brow + x/blockSize
			if !f.fg[bi] {
				continue
			}
			a, b := float64(nr[x]), float64(er[x])
			sne[bi] += a * b
			snn[bi] += a * a
			see[bi] += b * b
		}
	}
	out := make([]float32, nb)
	for by := 0; by < f.bh; by++ {
		for bx := 0; bx < f.bw; bx++ {
			k := by*f.bw + bx
			if !f.fg[k] {
				continue
			}
			var ne, nn, ee float64
			for j := max(by-1, 0); j <= min(by+1, f.bh-1); j++ {
				for i := max(bx-1, 0); i <= min(bx+1, f.bw-1); i++ {
					q := j*f.bw + i
					ne += sne[q]
					nn += snn[q]
					ee += see[q]
				}
			}
			if ne > 0 && nn > 0 && ee > 0 {
				out[k] = float32(ne / math.Sqrt(nn*ee))
			}
		}
	}
	return out
}
