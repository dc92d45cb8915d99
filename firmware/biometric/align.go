package biometric

import (
	"cmp"
	"math"
	"slices"
)

type pt struct{ x, y float32 }

const hullMargin = 12

// convexHull returns the hull of pts counter-clockwise (Andrew's monotone
// chain), grown by hullMargin pixels away from its centroid.
func convexHull(pts []pt) []pt {
	if len(pts) < 3 {
		return nil
	}
	p := slices.Clone(pts)
	slices.SortFunc(p, func(a, b pt) int {
		if c := cmp.Compare(a.x, b.x); c != 0 {
			return c
		}
		return cmp.Compare(a.y, b.y)
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
	if len(h) < 3 {
		return nil
	}
	return growHull(h, hullMargin)
}

// growHull moves hull vertices by d away from the centroid.
func growHull(h []pt, d float32) []pt {
	if len(h) == 0 {
		return h
	}
	var cx, cy float32
	for _, q := range h {
		cx += q.x
		cy += q.y
	}
	cx /= float32(len(h))
	cy /= float32(len(h))
	out := make([]pt, len(h))
	for i, q := range h {
		dx, dy := q.x-cx, q.y-cy
		l := float32(math.Sqrt(float64(dx*dx + dy*dy)))
		out[i] = q
		if l > 0 {
			out[i] = pt{q.x + dx/l*d, q.y + dy/l*d}
		}
	}
	return out
}

// inHull reports whether (x, y) lies inside the counter-clockwise convex
// polygon h (true for a degenerate hull: nothing is known of the area).
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

func resetPairs(pm, cm []int16) {
	for i := range pm {
		pm[i] = -1
	}
	for i := range cm {
		cm[i] = -1
	}
}

// rootPairs aligns c onto p by the root pair (rp, rc) and pairs under
// that transform; it returns the number of pairs.
func (p *Prepared) rootPairs(c *Prepared, rp, rc int, pm, cm []int16, s *scratch) int {
	th := float64(p.min[rp].a - c.min[rc].a)
	r := rigid{cos: float32(math.Cos(th)), sin: float32(math.Sin(th)), rot: float32(th)}
	cx, cy := c.min[rc].x, c.min[rc].y
	r.tx = p.min[rp].x - (r.cos*cx - r.sin*cy)
	r.ty = p.min[rp].y - (r.sin*cx + r.cos*cy)
	resetPairs(pm, cm)
	return p.pairUnder(c, r, pm, cm, s, directDist)
}

// refine refits the alignment on the pairs pm (cm its inverse), pairs
// again under the refitted transform and scores; it returns the score, the
// transform and the number of pairs.
func (p *Prepared) refine(c *Prepared, pm, cm []int16, s *scratch) (float64, rigid, int) {
	r := fitRigid(p, c, pm)
	// keep the pairs the refitted transform agrees with, pair the rest
	for i, j := range pm {
		if j < 0 {
			continue
		}
		x, y := r.apply(c.min[j].x, c.min[j].y)
		dx, dy := p.min[i].x-x, p.min[i].y-y
		if dx*dx+dy*dy > keepDist*keepDist || adiff32(p.min[i].a, wrap32(c.min[j].a+r.rot)) > pairAngle {
			cm[j], pm[i] = -1, -1
		}
	}
	m := p.pairUnder(c, r, pm, cm, s, pairDist)
	if m < 3 {
		return 0, r, m
	}
	return p.score(c, r, pm, cm, s), r, m
}

// fitRigid is the least-squares rotation and translation taking the
// paired minutiae of c onto those of p.
func fitRigid(p, c *Prepared, pm []int16) rigid {
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
	return r
}

// pairUnder pairs the unpaired minutiae of c, mapped by r, with unpaired
// minutiae of p within dist pixels and pairAngle radians: every
// candidate minutia proposes its cheapest probe minutia, every probe
// minutia keeps its cheapest proposal. It returns the number of pairs in
// pm afterwards.
func (p *Prepared) pairUnder(c *Prepared, r rigid, pm, cm []int16, s *scratch, dist float32) int {
	if cap(s.cost) < len(p.min) {
		s.cost = make([]float32, len(p.min))
		s.prop = make([]int16, len(p.min))
	}
	cost, prop := s.cost[:len(p.min)], s.prop[:len(p.min)]
	for i := range prop {
		prop[i] = -1
	}
	const inv = 1.0 / gridCell
	gs, gm := p.gridStart, p.gridMin
	gw, gh := p.gw, p.gh
	if dist > max(directDist, pairDist) {
		return 0 // the lists do not reach that far
	}
	d2max := dist * dist
	invD2, invA := 1/d2max, 1/pairAngle
	for j := range c.min {
		if cm[j] >= 0 {
			continue
		}
		cj := &c.min[j]
		x, y := r.apply(cj.x, cj.y)
		fx := (x - p.gx) * inv
		fy := (y - p.gy) * inv
		if fx < 0 || fy < 0 || fx >= float32(gw) || fy >= float32(gh) {
			continue
		}
		ca := wrap32(cj.a + r.rot)
		cell := int(fy)*gw + int(fx)
		bi, bc := -1, float32(math.MaxFloat32)
		list := gm[gs[cell]:gs[cell+1]]
		for k := range list {
			q := &list[k]
			dx, dy := q.x-x, q.y-y
			d2 := dx*dx + dy*dy
			if d2 > d2max {
				continue
			}
			da := adiff32(q.a, ca)
			if da > pairAngle || pm[q.idx] >= 0 {
				continue
			}
			if k := d2*invD2 + da*invA; k < bc {
				bi, bc = int(q.idx), k
			}
		}
		if bi >= 0 && (prop[bi] < 0 || bc < cost[bi]) {
			prop[bi], cost[bi] = int16(j), bc
		}
	}
	m := 0
	for i := range pm {
		if pm[i] < 0 && prop[i] >= 0 {
			pm[i] = prop[i]
			cm[prop[i]] = int16(i)
		}
		if pm[i] >= 0 {
			m++
		}
	}
	return m
}

// score weighs the pairs by their cylinder similarity and normalises by
// the minutiae of each template inside the other's area.
func (p *Prepared) score(c *Prepared, r rigid, pm, cm []int16, s *scratch) float64 {
	nc := len(c.min)
	var fm, sl float64
	m := 0
	for i, j := range pm {
		if j >= 0 {
			l := float64(s.lam[i*nc+int(j)])
			fm += lamW*l + (1 - lamW)
			sl += l
			m++
		}
	}
	// minutiae of each template inside the other's area; an unpaired one
	// counts by its quality (clear areas rarely hide a missed pair)
	var npo, nco float64
	for i := range p.min {
		if pm[i] >= 0 {
			npo++
			continue
		}
		x, y := r.inverse(p.min[i].x, p.min[i].y)
		if c.area.in(x, y) {
			npo += max(0, 1-qualW*(1-float64(p.min[i].q)/100))
		}
	}
	for j := range c.min {
		if cm[j] >= 0 {
			nco++
			continue
		}
		x, y := r.apply(c.min[j].x, c.min[j].y)
		if p.area.in(x, y) {
			nco += max(0, 1-qualW*(1-float64(c.min[j].q)/100))
		}
	}
	if diagHook != nil {
		diagHook(m, npo, nco)
	}
	// normalised by the minutiae each impression has in the common area
	// (other means were measured worse: docs/biometrics.md)
	den := math.Sqrt(math.Max(float64(npo), minOv) * math.Max(float64(nco), minOv))
	// times the mean cylinder similarity of the pairs: chance pairs of two
	// unrelated prints are many where minutiae are dense, but their
	// neighbourhoods rarely agree
	v := fm * fm / den
	switch {
	case m == 0:
		return 0
	case lamExp == 1:
		v *= sl / float64(m)
	case lamExp != 0:
		v *= math.Pow(sl/float64(m), lamExp)
	}
	return v
}

// lamExp is the exponent of the mean cylinder similarity in the score.
var lamExp = 1.0

var diagHook func(m int, npo, nco float64)

// qualW sets how an unpaired minutia in the common area counts by its
// quality q: max(0, 1 − qualW·(1 − q/100)), so with 2 one of quality 50 or
// less does not count and one of 100 counts fully. Minutiae in unclear
// areas are often false, and a false minutia has no partner to miss.
var qualW = 2.0

const twoPi32 = float32(2 * math.Pi)

// wrap32 brings a into [0, 2π) for |a| < 4π.
func wrap32(a float32) float32 {
	if a < 0 {
		a += twoPi32
		if a < 0 {
			a += twoPi32
		}
	} else if a >= twoPi32 {
		a -= twoPi32
		if a >= twoPi32 {
			a -= twoPi32
		}
	}
	return a
}

// adiff32 is the absolute angle between a and b, both in [0, 2π).
func adiff32(a, b float32) float32 {
	d := a - b
	if d < 0 {
		d = -d
	}
	if d > math.Pi {
		d = twoPi32 - d
	}
	return d
}

var (
	localPairs         = true
	localDist  float32 = 10
	localReach float32 = 60
)

// pairLocal pairs the minutiae left over after the rigid alignment where
// skin distortion moved them: the displacement of a leftover candidate
// minutia is predicted from the residuals of its nearest paired
// neighbours, and it pairs with an unpaired probe minutia close to the
// prediction. Chance pairings of two unrelated prints have no such
// locally consistent displacement.
func (p *Prepared) pairLocal(c *Prepared, r rigid, pm, cm []int16, s *scratch) {
	type res struct{ x, y, dx, dy float32 }
	var paired [maxMinutiaePairs]res
	n := 0
	for i, j := range pm {
		if j < 0 || n == len(paired) {
			continue
		}
		x, y := r.apply(c.min[j].x, c.min[j].y)
		paired[n] = res{x, y, p.min[i].x - x, p.min[i].y - y}
		n++
	}
	for j := range c.min {
		if cm[j] >= 0 {
			continue
		}
		x, y := r.apply(c.min[j].x, c.min[j].y)
		// inverse-distance weighted residual of the three nearest pairs
		var best [3]int
		var bd [3]float32
		for k := range bd {
			bd[k], best[k] = math.MaxFloat32, -1
		}
		for k := 0; k < n; k++ {
			d := (paired[k].x-x)*(paired[k].x-x) + (paired[k].y-y)*(paired[k].y-y)
			for q := 0; q < 3; q++ {
				if d < bd[q] {
					copy(bd[q+1:], bd[q:2])
					copy(best[q+1:], best[q:2])
					bd[q], best[q] = d, k
					break
				}
			}
		}
		if best[2] < 0 || bd[0] > localReach*localReach {
			continue
		}
		var sx, sy, sw float32
		for q := 0; q < 3; q++ {
			w := 1 / (float32(math.Sqrt(float64(bd[q]))) + 10)
			sx += w * paired[best[q]].dx
			sy += w * paired[best[q]].dy
			sw += w
		}
		px, py := x+sx/sw, y+sy/sw
		ca := wrap32(c.min[j].a + r.rot)
		bi, bc := -1, float32(math.MaxFloat32)
		for i := range p.min {
			if pm[i] >= 0 {
				continue
			}
			dx, dy := p.min[i].x-px, p.min[i].y-py
			d2 := dx*dx + dy*dy
			if d2 > localDist*localDist {
				continue
			}
			if da := adiff32(p.min[i].a, ca); da <= pairAngle && d2 < bc {
				bi, bc = i, d2
			}
		}
		if bi >= 0 {
			pm[bi], cm[j] = int16(j), int16(bi)
		}
	}
}

const maxMinutiaePairs = 255

// area is a raster of a hull: one bit per areaCell square, set when the
// square's centre lies inside. Testing a point is a lookup instead of a
// walk round the polygon.
type area struct {
	x0, y0 float32
	w, h   int
	bits   []uint64
}

const areaCell = 8

func rasterHull(h []pt) *area {
	if len(h) < 3 {
		return nil
	}
	x0, y0, x1, y1 := h[0].x, h[0].y, h[0].x, h[0].y
	for _, q := range h {
		x0, y0 = min(x0, q.x), min(y0, q.y)
		x1, y1 = max(x1, q.x), max(y1, q.y)
	}
	a := &area{x0: x0, y0: y0, w: int((x1-x0)/areaCell) + 1, h: int((y1-y0)/areaCell) + 1}
	if a.w*a.h > 1<<16 {
		return nil
	}
	a.bits = make([]uint64, (a.w*a.h+63)/64)
	for j := 0; j < a.h; j++ {
		for i := 0; i < a.w; i++ {
			if inHull(h, x0+(float32(i)+0.5)*areaCell, y0+(float32(j)+0.5)*areaCell) {
				k := j*a.w + i
				a.bits[k/64] |= 1 << (k % 64)
			}
		}
	}
	return a
}

// in reports whether (x, y) lies in the area (true for a nil area: nothing
// is known of it).
func (a *area) in(x, y float32) bool {
	if a == nil {
		return true
	}
	fx, fy := (x-a.x0)/areaCell, (y-a.y0)/areaCell
	if fx < 0 || fy < 0 {
		return false
	}
	i, j := int(fx), int(fy)
	if i >= a.w || j >= a.h {
		return false
	}
	k := j*a.w + i
	return a.bits[k/64]&(1<<(k%64)) != 0
}
