package biometric

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// Matching: every minutia carries a Minutia Cylinder-Code (mcc.go), a
// rotation- and translation-invariant description of its neighbourhood.
// The cylinders of probe and candidate are compared all against all; the
// best-matching minutia pairs serve as roots of an alignment (the rotation
// and translation that brings the root pair together), under which all
// minutiae are paired, the transform refitted by least squares on the
// pairs, and the pairing repeated with a distortion margin. The score
// weighs the pairs by their cylinder similarity and normalises by the
// minutiae in the area the two impressions have in common.

// Matcher parameters (pixels at 500 dpi, radians).
var (
	roots               = 8   // alignments tried per comparison
	rootUnique          = 4   // roots are drawn from this many times as many best pairs, one per minutia
	refineRoots         = 4   // of them, refined and scored
	refineFrac          = 0.7 // and only those with this fraction of the most pairs
	directDist  float32 = 20  // pairing distance under the root's alignment
	pairDist    float32 = 10  // pairing distance under the refitted alignment
	pairAngle   float32 = 0.5
	keepDist    float32 = 10
	minOv               = 10.0 // floor of the common-area minutiae count
	lamW                = 0.5  // weight of the cylinder similarity in a pair's contribution
	maxMinutiae         = 255
	dirGate             = math.Pi / 2 // largest direction difference of comparable cylinders
)

const (
	maxRoots = 32
	gridCell = 8 // probe grid cell
)

type pmin struct {
	x, y float32 // 500 dpi, y up
	a    float32 // radians, counter-clockwise
	kind Kind
	idx  uint8 // in gridMin: the index in min
	q    uint8 // quality 0..100
}

// Prepared is a template made ready for fast matching: minutiae at 500
// dpi, their cylinders and the convex hull. A Prepared is immutable after
// Prepare and safe for concurrent use.
type Prepared struct {
	min  []pmin
	cyl  []cylinder
	hull []pt   // convex hull of the minutiae (grown by hullMargin), counter-clockwise
	area *area  // the hull as a raster
	flow *pflow // nil when the template has none

	gridOnce  sync.Once
	gx, gy    float32 // grid origin
	gw, gh    int
	gridStart []uint32
	gridMin   []pmin // the lists of the cells, in cell order
}

// Prepare converts t for matching. A nil or empty template prepares to an
// empty one that matches nothing.
func Prepare(t *Template) *Prepared {
	p := &Prepared{}
	if t == nil {
		return p
	}
	s := 1.0
	if t.DPI > 0 {
		s = float64(internalDPI) / float64(t.DPI)
	}
	ms := t.Minutiae
	if len(ms) > maxMinutiae {
		// keep the best: the cost of a comparison grows with the square
		// of the count
		ms = slices.Clone(ms)
		slices.SortStableFunc(ms, func(a, b Minutia) int { return cmp.Compare(b.Quality, a.Quality) })
		ms = ms[:maxMinutiae]
	}
	p.min = make([]pmin, 0, len(ms))
	// a record whose minutiae all have quality 0 did not report it (ANSI
	// 378): count them as clear
	unrated := !slices.ContainsFunc(ms, func(m Minutia) bool { return m.Quality != 0 })
	for _, m := range ms {
		a := math.Mod(m.Angle, 2*math.Pi)
		if a < 0 || math.IsNaN(a) {
			a = 0
		}
		p.min = append(p.min, pmin{
			x: float32(float64(m.X) * s), y: float32(-float64(m.Y) * s),
			a: float32(a), kind: m.Kind, q: min(m.Quality, 100),
		})
		if unrated {
			p.min[len(p.min)-1].q = 100
		}
	}
	slices.SortStableFunc(p.min, func(a, b pmin) int { return cmp.Compare(a.a, b.a) })
	pts := make([]pt, len(p.min))
	for i, m := range p.min {
		pts[i] = pt{m.x, m.y}
	}
	p.hull = convexHull(pts)
	p.area = rasterHull(p.hull)
	p.buildCylinders()
	p.flow = preparePflow(t.Flow, s)
	return p
}

// Len is the number of minutiae.
func (p *Prepared) Len() int { return len(p.min) }

// Size is the memory held by p in bytes (the probe grid, built on first
// use as a probe, excluded).
func (p *Prepared) Size() int {
	n := 160 + len(p.min)*16 + len(p.cyl)*cylinderSize + len(p.hull)*8
	if p.area != nil {
		n += 32 + 8*len(p.area.bits)
	}
	if p.flow != nil {
		n += 72 + len(p.flow.dir) + len(p.flow.lper)
	}
	return n
}

// buildGrid lists for every gridCell square the minutiae within pairing
// distance of any point of it, so that pairing looks at one list.
func (p *Prepared) buildGrid() {
	if len(p.min) == 0 {
		return
	}
	reach := max(directDist, pairDist) + gridCell*math.Sqrt2/2
	x0, y0, x1, y1 := p.min[0].x, p.min[0].y, p.min[0].x, p.min[0].y
	for _, m := range p.min {
		x0, y0 = min(x0, m.x), min(y0, m.y)
		x1, y1 = max(x1, m.x), max(y1, m.y)
	}
	x0, y0 = x0-reach, y0-reach
	p.gx, p.gy = x0, y0
	p.gw = int((x1+reach-x0)/gridCell) + 1
	p.gh = int((y1+reach-y0)/gridCell) + 1
	p.gridStart = make([]uint32, p.gw*p.gh+1)
	each := func(m pmin, f func(c int)) {
		i0, i1 := int((m.x-reach-x0)/gridCell), int((m.x+reach-x0)/gridCell)
		j0, j1 := int((m.y-reach-y0)/gridCell), int((m.y+reach-y0)/gridCell)
		for j := max(j0, 0); j <= min(j1, p.gh-1); j++ {
			for i := max(i0, 0); i <= min(i1, p.gw-1); i++ {
				cx := x0 + (float32(i)+0.5)*gridCell
				cy := y0 + (float32(j)+0.5)*gridCell
				if (cx-m.x)*(cx-m.x)+(cy-m.y)*(cy-m.y) <= reach*reach {
					f(j*p.gw + i)
				}
			}
		}
	}
	for _, m := range p.min {
		each(m, func(c int) { p.gridStart[c+1]++ })
	}
	for i := 1; i < len(p.gridStart); i++ {
		p.gridStart[i] += p.gridStart[i-1]
	}
	p.gridMin = make([]pmin, p.gridStart[len(p.gridStart)-1])
	fill := slices.Clone(p.gridStart)
	for i, m := range p.min {
		m.idx = uint8(i)
		each(m, func(c int) {
			p.gridMin[fill[c]] = m
			fill[c]++
		})
	}
}

type scratch struct {
	lam    []float32
	pm, cm []int16
	seen   []int16
	cost   []float32
	prop   []int16
	bestPM []int16
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

// Match compares the probe p against candidate c and returns the
// calibrated similarity score (see ThresholdForFMR).
func (p *Prepared) Match(c *Prepared) float64 {
	raw := p.matchRaw(c)
	switch {
	case p.fusesPeriod(c):
		return calibrateWith(calibPeriod, raw)
	case p.fusesWith(c):
		return calibrateWith(calibFlow, raw)
	}
	return calibrate(raw)
}

func (p *Prepared) matchRaw(c *Prepared) float64 {
	np, nc := len(p.min), len(c.min)
	if np < 3 || nc < 3 {
		return noMatch
	}
	p.gridOnce.Do(p.buildGrid)
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if cap(s.lam) < np*nc {
		s.lam = make([]float32, np*nc)
	}
	lam := s.lam[:np*nc]
	var top [maxRoots]int32
	var topV [maxRoots]float32
	nr := min(roots, maxRoots)
	nk := nr
	if rootUnique > 1 {
		nk = min(nr*rootUnique, maxRoots)
	}
	// minutiae are sorted by direction (Prepare): the candidates within
	// the direction gate of a probe minutia are one circular run
	gate := float32(dirGate)
	for i := 0; i < np; i++ {
		row := lam[i*nc : (i+1)*nc]
		clear(row)
		if !p.cyl[i].ok {
			continue
		}
		// the window [a - gate, a + gate] as up to two runs of c.min
		a := p.min[i].a
		lo, hi := a-gate, a+gate
		var runs [2][2]int
		switch {
		case lo < 0:
			runs = [2][2]int{{c.angleAbove(lo + twoPi32), nc}, {0, c.angleAfter(hi)}}
		case hi >= twoPi32:
			runs = [2][2]int{{c.angleAbove(lo), nc}, {0, c.angleAfter(hi - twoPi32)}}
		default:
			runs = [2][2]int{{c.angleAbove(lo), c.angleAfter(hi)}, {0, 0}}
		}
		pc := &p.cyl[i]
		for _, run := range runs {
			for j := run[0]; j < run[1]; j++ {
				cc := &c.cyl[j]
				if !cc.ok {
					continue
				}
				v := cylSim(pc, cc)
				row[j] = v
				if v <= topV[nk-1] {
					continue
				}
				k := nk - 1
				for k > 0 && topV[k-1] < v {
					topV[k], top[k] = topV[k-1], top[k-1]
					k--
				}
				topV[k], top[k] = v, int32(i*nc+j)
			}
		}
	}
	if cap(s.pm) < np {
		s.pm = make([]int16, np)
	}
	if cap(s.cm) < nc {
		s.cm = make([]int16, nc)
	}
	pm, cm := s.pm[:np], s.cm[:nc]
	// every root is aligned and paired; the alignments with the most
	// pairs are refined and scored
	var cand [maxRoots]int
	var candM [maxRoots]int
	nCand := 0
	// roots already paired by an earlier alignment give the same one again
	var seen [maxRoots][]int16
	if len(s.seen) < nr*np {
		s.seen = make([]int16, nr*np)
	}
	if nk > nr {
		// distinct roots: each minutia roots at most one alignment
		var usedP, usedC [maxRoots]int32
		n := 0
	sel:
		for k := 0; k < nk && topV[k] > 0 && n < nr; k++ {
			ip, ic := top[k]/int32(nc), top[k]%int32(nc)
			for q := 0; q < n; q++ {
				if usedP[q] == ip || usedC[q] == ic {
					continue sel
				}
			}
			usedP[n], usedC[n] = ip, ic
			top[n], topV[n] = top[k], topV[k]
			n++
		}
		for k := n; k < nk; k++ {
			topV[k] = 0
		}
	}
	for r := 0; r < nr && topV[r] > 0; r++ {
		root := int(top[r])
		rp, rc := root/nc, root%nc
		dup := false
		for k := 0; k < nCand && !dup; k++ {
			dup = seen[k][rp] == int16(rc)
		}
		if dup {
			continue
		}
		m := p.rootPairs(c, rp, rc, pm, cm, s)
		if m < 3 {
			continue
		}
		seen[nCand] = s.seen[nCand*np : (nCand+1)*np]
		copy(seen[nCand], pm)
		cand[nCand], candM[nCand] = nCand, m
		nCand++
	}
	// the refineRoots alignments with most pairs, best first
	for a := 1; a < nCand; a++ {
		for b := a; b > 0 && candM[b] > candM[b-1]; b-- {
			candM[b], candM[b-1] = candM[b-1], candM[b]
			cand[b], cand[b-1] = cand[b-1], cand[b]
		}
	}
	restore := func(k int) {
		copy(pm, seen[k])
		for j := range cm {
			cm[j] = -1
		}
		for i, j := range pm {
			if j >= 0 {
				cm[j] = int16(i)
			}
		}
	}
	// the fused score of an alignment may be negative: the ridge flow and
	// periods of the common area disagree more than its minutiae agree.
	// Such comparisons keep their order (calibrated to S between 0 and
	// the S of a zero raw score) instead of all tying at 0.
	best, bestRoot, bestM := noMatch, -1, 0
	bonus := 0.0 // the flow term of the best alignment
	var bestR rigid
	if cap(s.bestPM) < np {
		s.bestPM = make([]int16, np)
	}
	bestPM := s.bestPM[:np]
	for q := 0; q < min(nCand, refineRoots); q++ {
		if float64(candM[q]) < refineFrac*float64(candM[0]) {
			break
		}
		restore(cand[q])
		if v, r, m := p.refine(c, pm, cm, s); v > 0 {
			if f := p.fused(c, v, r, best); f > best {
				best, bestRoot, bestR, bestM = f, cand[q], r, m
				bonus = f - v
				copy(bestPM, pm)
			}
		}
	}
	if bestRoot >= 0 && localPairs && bestM >= 4 {
		// the best alignment again, with the distortion-tolerant pairing
		copy(pm, bestPM)
		for j := range cm {
			cm[j] = -1
		}
		for i, j := range pm {
			if j >= 0 {
				cm[j] = int16(i)
			}
		}
		p.pairLocal(c, bestR, pm, cm, s)
		if v := p.score(c, bestR, pm, cm, s); v > 0 {
			best = max(best, v+bonus)
		}
	}
	if partsHook != nil {
		var fa, pc float64
		var fn, pn int
		if bestRoot >= 0 {
			fa, fn, pc, pn = p.flowAgreement(c, bestR)
		}
		partsHook([6]float64{best, pc, fa, float64(fn), 0, float64(pn)})
	}
	return best
}

var partsHook func(v [6]float64)

// noMatch is the raw score of a comparison without any alignment of three
// or more pairs; it calibrates to 0.
var noMatch = math.Inf(-1)

// Match returns the calibrated similarity of templates a and b (see
// ThresholdForFMR): 0 for no similarity, higher is more similar. For
// many comparisons against the same probe, Prepare it once and use
// Prepared.Match or a Gallery.
func Match(a, b *Template) float64 {
	return Prepare(a).Match(Prepare(b))
}

// angleAbove is the index of the first minutia (by direction) at or above
// a, angleAfter that of the first one above a.
func (p *Prepared) angleAbove(a float32) int {
	i, _ := slices.BinarySearchFunc(p.min, a, func(m pmin, a float32) int { return cmp.Compare(m.a, a) })
	return i
}

func (p *Prepared) angleAfter(a float32) int {
	i, _ := slices.BinarySearchFunc(p.min, a, func(m pmin, a float32) int {
		if m.a <= a {
			return -1
		}
		return 1
	})
	return i
}
