package biometric

import (
	"math"
	"sort"
	"sync"
)

// Matching follows the edge-pair approach of SourceAFIS: every minutia is
// linked to its nearest neighbours by edges described by their length and
// the two minutia directions relative to the edge, all invariant to
// rotation and translation. Edges of the probe are hashed; the candidate's
// edges that hit the hash vote for minutia pairs; from the best-supported
// pairs the pairing is grown breadth-first along compatible edges, which
// tolerates skin distortion because only local geometry is compared.

var (
	edgesPerMinutia = 12
	angleTol        = 14 // in angleSteps
	rotationTol     = 0.55
	roots           = 6
	scoreMode       = 1
)

const (
	maxRoots   = 32
	maxEdgeLen = 250 // pixels at 500 dpi
	angleSteps = 256 // quantisation of angles in edges
	lenBin     = 8
	nLenBins   = maxEdgeLen/lenBin + 2
	angBins    = 16
	nBins      = nLenBins * angBins * angBins
)

type pmin struct {
	x, y float32 // 500 dpi, y up
	a    float32 // radians, counter-clockwise
	kind Kind
}

// edge from minutia i (implicit) to minutia j.
type edge struct {
	j      uint8
	l      uint8 // length, pixels
	ai, aj uint8 // directions of i and j relative to the edge, angleSteps
}

// Prepared is a template made ready for fast matching. A Prepared is
// immutable and safe for concurrent use.
type Prepared struct {
	min     []pmin
	edgeOff []uint16
	edges   []edge

	hull []pt // convex hull of the minutiae, counter-clockwise
	cyl  []cylinder

	hashOnce sync.Once
	hashOff  []uint32
	hashE    []uint16 // indexes into edges
	edgeFrom []uint8
}

func quantAngle(a float64) uint8 {
	v := int(math.Round(a/(2*math.Pi)*angleSteps)) % angleSteps
	if v < 0 {
		v += angleSteps
	}
	return uint8(v)
}

func adiff8(a, b uint8) int {
	d := int(a) - int(b)
	if d < 0 {
		d = -d
	}
	if d > angleSteps/2 {
		d = angleSteps - d
	}
	return d
}

func lenTol(l int) int { return 4 + l/12 }

// Prepare converts t for matching. A nil or empty template prepares to an
// empty one that matches nothing.
func Prepare(t *Template) *Prepared {
	p := &Prepared{}
	if t == nil {
		p.edgeOff = []uint16{0}
		return p
	}
	s := 1.0
	if t.DPI > 0 {
		s = float64(internalDPI) / float64(t.DPI)
	}
	ms := t.Minutiae
	if len(ms) > 255 {
		ms = ms[:255]
	}
	for _, m := range ms {
		p.min = append(p.min, pmin{
			x: float32(float64(m.X) * s), y: float32(-float64(m.Y) * s),
			a: float32(math.Mod(m.Angle, 2*math.Pi)), kind: m.Kind,
		})
	}
	n := len(p.min)
	p.edgeOff = make([]uint16, 1, n+1)
	type nb struct {
		j int
		d float32
	}
	var cand []nb
	for i := 0; i < n; i++ {
		cand = cand[:0]
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			dx, dy := p.min[j].x-p.min[i].x, p.min[j].y-p.min[i].y
			d := float32(math.Sqrt(float64(dx*dx + dy*dy)))
			if d >= 4 && d < maxEdgeLen {
				cand = append(cand, nb{j, d})
			}
		}
		sort.Slice(cand, func(a, b int) bool { return cand[a].d < cand[b].d })
		if len(cand) > edgesPerMinutia {
			cand = cand[:edgesPerMinutia]
		}
		for _, c := range cand {
			mi, mj := p.min[i], p.min[c.j]
			ea := math.Atan2(float64(mj.y-mi.y), float64(mj.x-mi.x))
			p.edges = append(p.edges, edge{
				j:  uint8(c.j),
				l:  uint8(math.Round(float64(c.d))),
				ai: quantAngle(float64(mi.a) - ea),
				aj: quantAngle(float64(mj.a) - ea),
			})
		}
		p.edgeOff = append(p.edgeOff, uint16(len(p.edges)))
	}
	pts := make([]pt, n)
	for i, m := range p.min {
		pts[i] = pt{m.x, m.y}
	}
	p.hull = convexHull(pts)
	p.buildCylinders()
	return p
}

// Len is the number of minutiae.
func (p *Prepared) Len() int { return len(p.min) }

// Size is the approximate memory held by p in bytes, the hash table of a
// probe excluded.
func (p *Prepared) Size() int {
	return 96 + len(p.min)*16 + len(p.edgeOff)*2 + len(p.edges)*4
}

func binOf(l, a, b int) int { return (l*angBins+a)*angBins + b }

// buildHash indexes the edges by quantised (length, ai, aj), each edge in
// every bin its tolerance box touches, so a lookup is one bin.
func (p *Prepared) buildHash() {
	counts := make([]uint32, nBins+1)
	visit := func(fn func(bin int, e int)) {
		for i := 0; i < len(p.min); i++ {
			for e := int(p.edgeOff[i]); e < int(p.edgeOff[i+1]); e++ {
				ed := p.edges[e]
				l := int(ed.l)
				t := lenTol(l)
				l0, l1 := max(0, l-t)/lenBin, min(maxEdgeLen+lenBin, l+t)/lenBin
				a0 := (int(ed.ai) - angleTol + angleSteps) % angleSteps * angBins / angleSteps
				a1 := (int(ed.ai) + angleTol) % angleSteps * angBins / angleSteps
				b0 := (int(ed.aj) - angleTol + angleSteps) % angleSteps * angBins / angleSteps
				b1 := (int(ed.aj) + angleTol) % angleSteps * angBins / angleSteps
				for lb := l0; lb <= l1; lb++ {
					for a := a0; ; a = (a + 1) % angBins {
						for b := b0; ; b = (b + 1) % angBins {
							fn(binOf(lb, a, b), e)
							if b == b1 {
								break
							}
						}
						if a == a1 {
							break
						}
					}
				}
			}
		}
	}
	visit(func(bin, e int) { counts[bin+1]++ })
	for i := 1; i <= nBins; i++ {
		counts[i] += counts[i-1]
	}
	p.hashE = make([]uint16, counts[nBins])
	fill := append([]uint32(nil), counts[:nBins]...)
	visit(func(bin, e int) { p.hashE[fill[bin]] = uint16(e); fill[bin]++ })
	p.hashOff = counts
	p.edgeFrom = make([]uint8, len(p.edges))
	for i := 0; i < len(p.min); i++ {
		for e := int(p.edgeOff[i]); e < int(p.edgeOff[i+1]); e++ {
			p.edgeFrom[e] = uint8(i)
		}
	}
}

type scratch struct {
	lam    []float32
	cands  []cpair
	votes  []uint16
	pm, cm []int16
	heap   pairHeap
	order  []int32
}

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

type qpair struct {
	p, c uint8
	err  float32
}

type pairHeap []qpair

func (h *pairHeap) push(q qpair) {
	*h = append(*h, q)
	a := *h
	i := len(a) - 1
	for i > 0 {
		par := (i - 1) / 2
		if a[par].err <= a[i].err {
			break
		}
		a[par], a[i] = a[i], a[par]
		i = par
	}
}

func (h *pairHeap) pop() qpair {
	a := *h
	top := a[0]
	n := len(a) - 1
	a[0] = a[n]
	a = a[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && a[r].err < a[l].err {
			l = r
		}
		if a[i].err <= a[l].err {
			break
		}
		a[i], a[l] = a[l], a[i]
		i = l
	}
	*h = a
	return top
}

// compatible compares a probe edge and a candidate edge; ok and the
// normalised error.
func compatible(pe, ce edge) (float32, bool) {
	dl := int(pe.l) - int(ce.l)
	if dl < 0 {
		dl = -dl
	}
	t := lenTol(int(pe.l))
	if dl > t {
		return 0, false
	}
	da := adiff8(pe.ai, ce.ai)
	db := adiff8(pe.aj, ce.aj)
	if da > angleTol || db > angleTol {
		return 0, false
	}
	return float32(dl)/float32(t) + float32(da+db)/float32(angleTol), true
}

// Match compares the probe p against candidate c and returns the
// calibrated similarity score (see ThresholdForFMR).
func (p *Prepared) Match(c *Prepared) float64 {
	return calibrate(p.matchRaw(c))
}

func (p *Prepared) matchRaw(c *Prepared) float64 {
	np, nc := len(p.min), len(c.min)
	if np < 2 || nc < 2 {
		return 0
	}
	p.hashOnce.Do(p.buildHash)
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	if cap(s.votes) < np*nc {
		s.votes = make([]uint16, np*nc)
	}
	votes := s.votes[:np*nc]
	clear(votes)
	for ci := 0; ci < nc; ci++ {
		for e := int(c.edgeOff[ci]); e < int(c.edgeOff[ci+1]); e++ {
			ce := c.edges[e]
			bin := binOf(int(ce.l)/lenBin, int(ce.ai)*angBins/angleSteps, int(ce.aj)*angBins/angleSteps)
			for _, pe := range p.hashE[p.hashOff[bin]:p.hashOff[bin+1]] {
				if _, ok := compatible(p.edges[pe], ce); !ok {
					continue
				}
				pi := int(p.edgeFrom[pe])
				pj := int(p.edges[pe].j)
				votes[pi*nc+ci]++
				votes[pj*nc+int(ce.j)]++
			}
		}
	}
	if cap(s.lam) < np*nc {
		s.lam = make([]float32, np*nc)
	}
	lam := s.lam[:np*nc]
	for i := 0; i < np; i++ {
		for j := 0; j < nc; j++ {
			k := i*nc + j
			lam[k] = 0
			if !p.cyl[i].ok || !c.cyl[j].ok || angDiff(float64(p.min[i].a), float64(c.min[j].a)) > math.Pi/2 {
				continue
			}
			lam[k] = cylSim(&p.cyl[i], &c.cyl[j])
		}
	}
	if scoreMode == 2 {
		return lss(lam, np, nc)
	}
	// top roots
	var top [maxRoots]int32
	var topV [maxRoots]float32
	for i := range votes {
		v := float32(votes[i])
		if scoreMode == 1 {
			v = lam[i]
		}
		if v <= topV[roots-1] {
			continue
		}
		k := roots - 1
		for k > 0 && topV[k-1] < v {
			topV[k], top[k] = topV[k-1], top[k-1]
			k--
		}
		topV[k], top[k] = v, int32(i)
	}
	if cap(s.pm) < np {
		s.pm = make([]int16, np)
	}
	if cap(s.cm) < nc {
		s.cm = make([]int16, nc)
	}
	pm, cm := s.pm[:np], s.cm[:nc]
	best := 0.0
	for r := 0; r < roots && topV[r] > 0; r++ {
		root := int(top[r])
		v := p.grow(c, root/nc, root%nc, pm, cm, s)
		if v > best {
			best = v
		}
	}
	return best
}

// grow pairs minutiae breadth-first from the root pair (rp, rc) and
// returns the raw score of the pairing.
func (p *Prepared) grow(c *Prepared, rp, rc int, pm, cm []int16, s *scratch) float64 {
	for i := range pm {
		pm[i] = -1
	}
	for i := range cm {
		cm[i] = -1
	}
	rot := float64(p.min[rp].a - c.min[rc].a)
	h := s.heap[:0]
	h.push(qpair{uint8(rp), uint8(rc), 0})
	paired := 0
	support := 0
	var errSum float64
	for len(h) > 0 {
		q := h.pop()
		if pm[q.p] >= 0 || cm[q.c] >= 0 {
			continue
		}
		pm[q.p] = int16(q.c)
		cm[q.c] = int16(q.p)
		paired++
		errSum += float64(q.err)
		for pe := int(p.edgeOff[q.p]); pe < int(p.edgeOff[q.p+1]); pe++ {
			ped := p.edges[pe]
			for ce := int(c.edgeOff[q.c]); ce < int(c.edgeOff[q.c+1]); ce++ {
				ced := c.edges[ce]
				e, ok := compatible(ped, ced)
				if !ok {
					continue
				}
				pj, cj := int(ped.j), int(ced.j)
				if pm[pj] == int16(cj) {
					support++
					continue
				}
				if pm[pj] >= 0 || cm[cj] >= 0 {
					continue
				}
				if angDiff(float64(p.min[pj].a-c.min[cj].a), rot) > rotationTol {
					continue
				}
				h.push(qpair{uint8(pj), uint8(cj), e})
			}
		}
	}
	s.heap = h
	if paired < 3 {
		return 0
	}
	return p.consolidate(c, pm, cm, s)
}

// Match returns the calibrated similarity of templates a and b (see
// ThresholdForFMR): 0 for no similarity, higher is more similar.
func Match(a, b *Template) float64 {
	return Prepare(a).Match(Prepare(b))
}
