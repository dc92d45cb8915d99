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
	if bw <= 0 || bh <= 0 || len(cos2) < bw*bh || len(sin2) < bw*bh || len(fg) < bw*bh || !(scale > 0) {
		return nil
	}
	w, h := (bw+flowBlocks-1)/flowBlocks, (bh+flowBlocks-1)/flowBlocks
	f := &Flow{Width: w, Height: h, Cell: flowBlocks * blockSize / scale, Dir: make([]uint8, w*h)}
	for cy := 0; cy < h; cy++ {
		for cx := 0; cx < w; cx++ {
			var c, s float64
			n, in := 0, 0
			for by := cy * flowBlocks; by < min(bh, (cy+1)*flowBlocks); by++ {
				for bx := cx * flowBlocks; bx < min(bw, (cx+1)*flowBlocks); bx++ {
					k := by*bw + bx
					n++
					if fg[k] {
						in++
						c += float64(cos2[k])
						s += float64(sin2[k])
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
		}
	}
	return f
}

// valid reports whether f is usable (dimensions consistent, sane cell
// size); a Flow from outside is checked before use.
func (f *Flow) valid() bool {
	return f != nil && f.Width > 0 && f.Height > 0 && f.Width <= 512 && f.Height <= 512 &&
		len(f.Dir) == f.Width*f.Height && f.Cell >= 2 && f.Cell <= 64
}

// wipe overwrites the field.
func (f *Flow) wipe() {
	if f == nil {
		return
	}
	clear(f.Dir)
	f.Dir = f.Dir[:0]
	f.Width, f.Height = 0, 0
}

// pflow is a Flow prepared for matching: cells in the Prepared frame (500
// dpi, y up), orientation in units of 1° (0..179), 255 for background.
type pflow struct {
	w, h int
	cell float32 // cell side at 500 dpi
	inv  float32
	dir  []uint8
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
	return q
}

// cos2Tab[d] is cos(2·d°), d < 540.
var cos2Tab = func() (t [540]float32) {
	for i := range t {
		t[i] = float32(math.Cos(2 * float64(i) * math.Pi / 180))
	}
	return
}()

// flowAgreement compares the orientation fields of p and c under r (c onto
// p): the mean of cos 2Δ over the probe cells that fall on the
// candidate's foreground, and how many cells that is.
func (p *Prepared) flowAgreement(c *Prepared, r rigid) (agree float64, cells int) {
	a, b := p.flow, c.flow
	if a == nil || b == nil {
		return 0, 0
	}
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
	n := 0
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
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float64(sum) / float64(n), n * (flowSkip + 1)
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

// fusesWith reports whether comparisons of p and c carry the flow term.
func (p *Prepared) fusesWith(c *Prepared) bool {
	return fuseFlow && p.flow != nil && c.flow != nil
}

// fused combines the minutiae score v under alignment r with the
// agreement of the orientation fields over the common area. When even full
// agreement cannot lift v above best, it returns v without comparing.
func (p *Prepared) fused(c *Prepared, v float64, r rigid, best float64) float64 {
	if !p.fusesWith(c) {
		return v
	}
	if v+fuseW*math.Sqrt(float64(p.flow.nfg))*(1-fuseA0) <= best {
		return v
	}
	a, n := p.flowAgreement(c, r)
	return v + fuseW*math.Sqrt(float64(n))*(a-fuseA0)
}
