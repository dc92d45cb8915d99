package biometric

import (
	"math"
	"sort"
)

type pt struct{ x, y float32 }

// convexHull returns the hull of pts counter-clockwise (Andrew's monotone
// chain), grown by hullMargin pixels away from its centroid.
func convexHull(pts []pt) []pt {
	if len(pts) < 3 {
		return nil
	}
	p := append([]pt(nil), pts...)
	sort.Slice(p, func(i, j int) bool {
		if p[i].x != p[j].x {
			return p[i].x < p[j].x
		}
		return p[i].y < p[j].y
	})
	cross := func(o, a, b pt) float32 { return (a.x-o.x)*(b.y-o.y) - (a.y-o.y)*(b.x-o.x) }
	h := make([]pt, 0, 2*len(p))
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lo := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		q := p[i]
		for len(h) >= lo && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	h = h[:len(h)-1]
	var cx, cy float32
	for _, q := range h {
		cx += q.x
		cy += q.y
	}
	cx /= float32(len(h))
	cy /= float32(len(h))
	for i, q := range h {
		dx, dy := q.x-cx, q.y-cy
		d := float32(math.Sqrt(float64(dx*dx + dy*dy)))
		if d > 0 {
			h[i] = pt{q.x + dx/d*hullMargin, q.y + dy/d*hullMargin}
		}
	}
	return h
}

const hullMargin = 12

func inHull(h []pt, x, y float32) bool {
	if len(h) < 3 {
		return true
	}
	for i := range h {
		a, b := h[i], h[(i+1)%len(h)]
		if (b.x-a.x)*(y-a.y)-(b.y-a.y)*(x-a.x) < 0 {
			return false
		}
	}
	return true
}

// rigid is a rotation+translation mapping candidate coordinates onto the
// probe's.
type rigid struct {
	cos, sin, tx, ty float32
	rot              float32
}

func (r rigid) apply(x, y float32) (float32, float32) {
	return r.cos*x - r.sin*y + r.tx, r.sin*x + r.cos*y + r.ty
}

// inverse maps probe coordinates into the candidate's.
func (r rigid) inverse(x, y float32) (float32, float32) {
	x, y = x-r.tx, y-r.ty
	return r.cos*x + r.sin*y, -r.sin*x + r.cos*y
}

var diagHook func(m, npo, nco int)

type cpair struct {
	p, c uint8
	cost float32
}

var (
	pairDist  float32 = 14
	pairAngle float32 = 0.5
	minOv             = 10.0
	keepDist  float32 = 14
	lamW              = 0.5
	lamMin            = 0.0
	typeW             = 1.0
)

// consolidate fits a rigid transform to the pairing found by growth, pairs
// all minutiae again under it, and scores the pairing against the number
// of minutiae in the common area.
func (p *Prepared) consolidate(c *Prepared, pm, cm []int16, s *scratch) float64 {
	// least-squares rotation and translation from the current pairs
	var pcx, pcy, ccx, ccy, n float64
	for i, j := range pm {
		if j < 0 {
			continue
		}
		pcx += float64(p.min[i].x)
		pcy += float64(p.min[i].y)
		ccx += float64(c.min[j].x)
		ccy += float64(c.min[j].y)
		n++
	}
	pcx, pcy, ccx, ccy = pcx/n, pcy/n, ccx/n, ccy/n
	var sxx, sxy float64
	for i, j := range pm {
		if j < 0 {
			continue
		}
		ax, ay := float64(c.min[j].x)-ccx, float64(c.min[j].y)-ccy
		bx, by := float64(p.min[i].x)-pcx, float64(p.min[i].y)-pcy
		sxx += ax*bx + ay*by
		sxy += ax*by - ay*bx
	}
	th := math.Atan2(sxy, sxx)
	cs, sn := math.Cos(th), math.Sin(th)
	r := rigid{cos: float32(cs), sin: float32(sn), rot: float32(th)}
	r.tx = float32(pcx - (cs*ccx - sn*ccy))
	r.ty = float32(pcy - (sn*ccx + cs*ccy))

	// keep the grown pairs that the global transform roughly agrees with
	// (skin distortion moves minutiae far from the root), then pair the
	// rest under the transform
	m := 0
	var cost float64
	for i, j := range pm {
		if j < 0 {
			continue
		}
		cx, cy := r.apply(c.min[j].x, c.min[j].y)
		dx, dy := p.min[i].x-cx, p.min[i].y-cy
		if dx*dx+dy*dy > keepDist*keepDist || angDiff(float64(p.min[i].a), float64(c.min[j].a)+th) > 0.7 {
			cm[j] = -1
			pm[i] = -1
			continue
		}
		m++
	}
	cands := s.cands[:0]
	for j := range c.min {
		if cm[j] >= 0 {
			continue
		}
		cx, cy := r.apply(c.min[j].x, c.min[j].y)
		ca := float64(c.min[j].a) + th
		for i := range p.min {
			if pm[i] >= 0 {
				continue
			}
			dx, dy := p.min[i].x-cx, p.min[i].y-cy
			if dx > pairDist || dx < -pairDist || dy > pairDist || dy < -pairDist {
				continue
			}
			d := float32(math.Sqrt(float64(dx*dx + dy*dy)))
			if d > pairDist {
				continue
			}
			da := float32(angDiff(float64(p.min[i].a), ca))
			if da > pairAngle {
				continue
			}
			cands = append(cands, cpair{uint8(i), uint8(j), d/pairDist + da/pairAngle})
		}
	}
	sort.Slice(cands, func(a, b int) bool { return cands[a].cost < cands[b].cost })
	for _, q := range cands {
		if pm[q.p] >= 0 || cm[q.c] >= 0 {
			continue
		}
		pm[q.p], cm[q.c] = int16(q.c), int16(q.p)
		m++
		cost += float64(q.cost)
	}
	s.cands = cands
	if m < 3 {
		return 0
	}
	// minutiae in the common area
	npo, nco := 0, 0
	for i := range p.min {
		x, y := r.inverse(p.min[i].x, p.min[i].y)
		if pm[i] >= 0 || inHull(c.hull, x, y) {
			npo++
		}
	}
	for j := range c.min {
		x, y := r.apply(c.min[j].x, c.min[j].y)
		if cm[j] >= 0 || inHull(p.hull, x, y) {
			nco++
		}
	}
	if diagHook != nil {
		diagHook(m, npo, nco)
	}
	fm := float64(m)
	if scoreMode == 1 {
		fm = 0
		nc := len(c.min)
		cnt := 0
		for i, j := range pm {
			if j >= 0 {
				if l := float64(s.lam[i*nc+int(j)]); l >= lamMin {
					w := 1.0
					if p.min[i].kind != c.min[j].kind {
						w = typeW
					}
					fm += l * w
					cnt++
				}
			}
		}
		fm = fm*lamW + float64(cnt)*(1-lamW)
	}
	den := math.Sqrt(math.Max(float64(npo), minOv) * math.Max(float64(nco), minOv))
	return fm * fm / den
}

// lss is MCC's local similarity sort: the mean of the n_P best local
// similarities.
func lss(lam []float32, np, nc int) float64 {
	n := min(np, nc)
	z := 1 / (1 + math.Exp(-0.4*(float64(n)-20)))
	npk := 4 + int(math.Round(z*8))
	top := make([]float32, 0, npk+1)
	for _, v := range lam {
		if v <= 0 || (len(top) == npk && v <= top[npk-1]) {
			continue
		}
		k := sort.Search(len(top), func(i int) bool { return top[i] < v })
		top = append(top, 0)
		copy(top[k+1:], top[k:])
		top[k] = v
		if len(top) > npk {
			top = top[:npk]
		}
	}
	var sum float64
	for _, v := range top {
		sum += float64(v)
	}
	return 10 * sum / float64(npk)
}
