package biometric

import (
	"math"
)

// Flow is a coarse ridge-orientation field of an impression with its
// foreground, kept with a template so that the matcher can check that the
// ridges of two impressions run alike over the area they share once their
// minutiae are aligned. A template without one (an ISO/ANSI record) is
// matched by its minutiae alone.
type Flow struct {
	Width, Height int     // cells
	Cell          float64 // cell side in template pixels
	// Dir holds one cell per byte, row by row from the top left: 0 for
	// background, else 1 + the ridge orientation in degrees [0, 180),
	// counter-clockwise from the x axis as the minutiae angles.
	Dir []uint8
	// Period, when not nil, holds one cell per byte as Dir: the mean ridge
	// period of the cell in 1/16 pixel at 500 dpi (a length of 1/16 of
	// 50.8 µm, whatever the template's resolution), 0 where unknown.
	Period []uint8
}

// flowBlocks is the cell side of a Flow in extraction blocks (16 px at
// 500 dpi).
const flowBlocks = 2

// newFlow condenses the block orientation field (doubled-angle vectors
// cos2, sin2 in image coordinates, y down, and the foreground fg, bw × bh
// blocks of blockSize pixels at 500 dpi; scale is 500 dpi over the
// image's) into a Flow of flowBlocks × flowBlocks cells. A cell is
// foreground when most of its blocks are.
func newFlow(bw, bh int, cos2, sin2 []float32, fg []bool, scale float64) *Flow {
	return newFlowPeriod(bw, bh, cos2, sin2, fg, nil, scale)
}

// newFlowPeriod is newFlow that also condenses the block ridge period
// (pixels at 500 dpi; nil for none) into Flow.Period.
func newFlowPeriod(bw, bh int, cos2, sin2 []float32, fg []bool, period []float32, scale float64) *Flow {
	if bw <= 0 || bh <= 0 || len(cos2) < bw*bh || len(sin2) < bw*bh || len(fg) < bw*bh || !(scale > 0) {
		return nil
	}
	w, h := (bw+flowBlocks-1)/flowBlocks, (bh+flowBlocks-1)/flowBlocks
	f := &Flow{Width: w, Height: h, Cell: flowBlocks * blockSize / scale, Dir: make([]uint8, w*h)}
	if len(period) >= bw*bh {
		f.Period = make([]uint8, w*h)
	}
	for cy := 0; cy < h; cy++ {
		for cx := 0; cx < w; cx++ {
			var c, s, per float64
			n, in := 0, 0
			for by := cy * flowBlocks; by < min(bh, (cy+1)*flowBlocks); by++ {
				for bx := cx * flowBlocks; bx < min(bw, (cx+1)*flowBlocks); bx++ {
					k := by*bw + bx
					n++
					if fg[k] {
						in++
						c += float64(cos2[k])
						s += float64(sin2[k])
						if f.Period != nil {
							per += float64(period[k])
						}
					}
				}
			}
			if 2*in <= n || c == 0 && s == 0 {
				continue
			}
			// y down -> counter-clockwise on screen: θ -> π - θ
			th := math.Pi - 0.5*math.Atan2(s, c)
			d := int(math.Round(th*180/math.Pi)) % 180
			if d < 0 {
				d += 180
			}
			f.Dir[cy*w+cx] = uint8(1 + d)
			if f.Period != nil {
				f.Period[cy*w+cx] = uint8(min(255, max(0, math.Round(16*per/float64(in)))))
			}
		}
	}
	return f
}

// valid reports whether f is usable (dimensions consistent, sane cell
// size); a Flow from outside is checked before use.
func (f *Flow) valid() bool {
	return f != nil && f.Width > 0 && f.Height > 0 && f.Width <= 512 && f.Height <= 512 &&
		len(f.Dir) == f.Width*f.Height && f.Cell >= 2 && f.Cell <= 64 &&
		(f.Period == nil || len(f.Period) == len(f.Dir))
}

// wipe overwrites the field.
func (f *Flow) wipe() {
	if f == nil {
		return
	}
	clear(f.Dir)
	f.Dir = f.Dir[:0]
	clear(f.Period)
	f.Period = nil
	f.Width, f.Height = 0, 0
}

// pflow is a Flow prepared for matching: cells in the Prepared frame (500
// dpi, y up), orientation in units of 1° (0..179), 255 for background.
type pflow struct {
	w, h int
	cell float32 // cell side at 500 dpi
	inv  float32
	dir  []uint8
	// lper is the ridge period of the cells as 100·ln(p/4 px) at 500 dpi
	// (0..254), flowNone where unknown; nil when the Flow has none
	lper []uint8
	nfg  int // foreground cells
}

const flowNone = 255

func preparePflow(f *Flow, s float64) *pflow {
	if !f.valid() {
		return nil
	}
	q := &pflow{w: f.Width, h: f.Height, cell: float32(f.Cell * s), dir: make([]uint8, len(f.Dir))}
	q.inv = 1 / q.cell
	for i, v := range f.Dir {
		if v == 0 || v > 180 {
			q.dir[i] = flowNone
			continue
		}
		q.dir[i] = v - 1
		q.nfg++
	}
	if q.nfg == 0 {
		return nil
	}
	if f.Period != nil {
		q.lper = make([]uint8, len(f.Period))
		for i, v := range f.Period {
			q.lper[i] = flowNone
			if v == 0 || q.dir[i] == flowNone {
				continue
			}
			l := math.Round(100 * math.Log(float64(v)/16/4))
			if l >= 0 && l < flowNone {
				q.lper[i] = uint8(l)
			}
		}
	}
	return q
}

// periodClose is the largest difference of the ridge periods of two
// cells, in units of lper (100·ln), that counts as agreement (about 8 %).
var periodClose = 8

// periodShift lets the period comparison find the common scale of the two
// impressions within ±periodShift lper units (about ±4 %): the agreement
// is counted around the shift with the most agreeing cells. A resolution
// stated a few percent off (another sensor, a mis-calibrated one) then
// costs little, while different fingers whose ridge spacing differs by
// more still disagree. Measured with one side's resolution misstated by
// +3/+6/−5 %, mean extended EER 2.41/2.75/3.12 % without the shift,
// 2.23/2.50/2.46 % with it (1.83 → 1.80 % at the right resolution).
var periodShift = 4

const histHalf = 32

// cos2Tab[d] is cos(2·d°), d < 540.
var cos2Tab = func() (t [540]float32) {
	for i := range t {
		t[i] = float32(math.Cos(2 * float64(i) * math.Pi / 180))
	}
	return
}()

// flowAgreement compares the orientation fields of p and c under r (c onto
// p): the mean of cos 2Δ over the probe cells that fall on the
// candidate's foreground, and how many cells that is; when both fields
// carry ridge periods, also the fraction of those cells whose periods
// agree within periodClose, after the best common scale within
// ±periodShift (pcells is 0 when they do not).
func (p *Prepared) flowAgreement(c *Prepared, r rigid) (agree float64, cells int, pclose float64, pcells int) {
	a, b := p.flow, c.flow
	if a == nil || b == nil {
		return 0, 0, 0, 0
	}
	withPer := a.lper != nil && b.lper != nil
	rot := int(math.Round(float64(r.rot) * 180 / math.Pi))
	rot %= 180
	if rot < 0 {
		rot += 180
	}
	// probe cell centre (i+½, j+½)·cell, y up, mapped into c's frame in
	// units of its cells (row index growing downwards): affine in i and j
	sc := a.cell * b.inv
	// inverse(x, y) = (cos·(x−tx) + sin·(y−ty), −sin·(x−tx) + cos·(y−ty))
	ux, uy := r.cos*sc, r.sin*sc  // d(u)/di, d(−v)/di
	vx, vy := -r.sin*sc, r.cos*sc // d(u)/dj, d(−v)/dj
	x0, y0 := 0.5*a.cell-r.tx, -0.5*a.cell-r.ty
	u00 := (r.cos*x0 + r.sin*y0) * b.inv
	w00 := -(-r.sin*x0 + r.cos*y0) * b.inv
	var sum float32
	n, np, nclose := 0, 0, 0
	var hist [2*histHalf + 1]int32
	tab := cos2Tab[rot+180-179:]
	// every other cell, checkerboard: neighbouring cells of a smoothed
	// field carry little new information
	for j := 0; j < a.h; j++ {
		i0 := j & flowSkip
		u := u00 + float32(j)*vx + float32(i0)*ux
		w := w00 + float32(j)*vy + float32(i0)*uy
		row := a.dir[j*a.w : (j+1)*a.w]
		for i := i0; i < len(row); i += flowSkip + 1 {
			pd := row[i]
			cu, cw := u, w
			u += ux * (flowSkip + 1)
			w += uy * (flowSkip + 1)
			if pd == flowNone || cu < 0 || cw < 0 {
				continue
			}
			ci, cj := int(cu), int(cw)
			if ci >= b.w || cj >= b.h {
				continue
			}
			d := b.dir[cj*b.w+ci]
			if d == flowNone {
				continue
			}
			// candidate orientation in the probe's frame minus the probe's
			sum += tab[int(d)-int(pd)+179]
			n++
			if withPer {
				k := cj*b.w + ci
				pl, cl := a.lper[j*a.w+i], b.lper[k]
				if pl != flowNone && cl != flowNone {
					np++
					dd := int(pl) - int(cl)
					if dd <= periodClose && dd >= -periodClose {
						nclose++
					}
					if periodShift > 0 && dd >= -histHalf && dd <= histHalf {
						hist[dd+histHalf]++
					}
				}
			}
		}
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	if periodShift > 0 && np > 0 {
		// the best common scale within ±periodShift: the window of
		// ±periodClose with most differences
		for sh := -periodShift; sh <= periodShift; sh++ {
			m := 0
			for d := sh - periodClose; d <= sh+periodClose; d++ {
				if d >= -histHalf && d <= histHalf {
					m += int(hist[d+histHalf])
				}
			}
			nclose = max(nclose, m)
		}
	}
	if np > 0 {
		pclose, pcells = float64(nclose)/float64(np), np*(flowSkip+1)
	}
	return float64(sum) / float64(n), n * (flowSkip + 1), pclose, pcells
}

// flowSkip is 1 to compare every other cell, 0 for all.
const flowSkip = 1

// The fused score adds fuseW·√n·(a − fuseA0) to the minutiae score for
// the orientation agreement a over n common cells: impressions of one
// finger agree to about 0.98 (cos 2Δ), different fingers aligned by
// their best minutiae to about 0.5 (0.85–0.93 for the worst); more common
// area is more evidence either way.
var (
	fuseFlow         = true
	fuseA0   float64 = 0.8
	fuseW    float64 = 0.3
)

// The ridge periods add fusePW·√n·(c − fusePC0) for the fraction c of the
// n common cells whose periods agree within periodClose: impressions of
// one finger agree in about 0.9 of the cells, the best-aligned different
// fingers in 0.3–0.65 (their ridge spacing differs even where their
// orientation fields agree).
var (
	fusePeriod         = true
	fusePC0    float64 = 0.8
	fusePW     float64 = 0.4
)

// fusesWith reports whether comparisons of p and c carry the flow term.
func (p *Prepared) fusesWith(c *Prepared) bool {
	return fuseFlow && p.flow != nil && c.flow != nil
}

// fusesPeriod reports whether comparisons of p and c also carry the
// ridge-period term.
func (p *Prepared) fusesPeriod(c *Prepared) bool {
	return fusePeriod && p.fusesWith(c) && p.flow.lper != nil && c.flow.lper != nil
}

// fused combines the minutiae score v under alignment r with the
// agreement of the orientation fields (and of the ridge periods, when both
// carry them) over the common area. When even full
// agreement cannot lift v above best, it returns v without comparing.
func (p *Prepared) fused(c *Prepared, v float64, r rigid, best float64) float64 {
	if !p.fusesWith(c) {
		return v
	}
	perW := 0.0
	if p.fusesPeriod(c) {
		perW = fusePW
	}
	if v+math.Sqrt(float64(p.flow.nfg))*(fuseW*(1-fuseA0)+perW*(1-fusePC0)) <= best {
		return v
	}
	a, n, pc, pn := p.flowAgreement(c, r)
	return v + fuseW*math.Sqrt(float64(n))*(a-fuseA0) + perW*math.Sqrt(float64(pn))*(pc-fusePC0)
}
