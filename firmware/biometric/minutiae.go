package biometric

import "math"

// minutia in internal coordinates (500 dpi, y down, angle atan2(dy, dx)).
type rawMinutia struct {
	x, y    float64
	angle   float64
	kind    Kind
	quality float64
	px      int // skeleton index of the minutia pixel
	branch  []int
	gone    bool
}

type tracer struct {
	k     *skel
	stamp []int32
	cur   int32
	mid   []int32 // minutia id+1 at skeleton index
}

// trace walks the skeleton from start through first for at most maxLen
// pixels. It returns the last pixel reached, the number of steps, and the
// id of the minutia it ran into (-1 if none; it stops at a ridge end or a
// junction that is not a minutia too).
func (t *tracer) trace(start, first, self, maxLen int) (last, steps, hit int) {
	k := t.k
	t.cur++
	t.stamp[start] = t.cur
	cur := first
	for steps = 1; ; steps++ {
		t.stamp[cur] = t.cur
		if m := t.mid[cur]; m != 0 && int(m-1) != self {
			return cur, steps, int(m - 1)
		}
		if steps >= maxLen {
			return cur, steps, -1
		}
		next, nc := -1, 0
		for d := 0; d < 8; d++ {
			q := cur + nbDY[d]*k.s + nbDX[d]
			if k.b[q] == 0 || t.stamp[q] == t.cur {
				continue
			}
			if nc == 0 || (d%2 == 0 && next != -1 && !isFour(cur, next, k.s)) {
				next = q
			}
			nc++
		}
		if nc == 0 {
			return cur, steps, -1
		}
		if nc > 1 {
			// several unvisited neighbours: a junction unless they touch
			if !touching(k, cur, t) {
				return cur, steps, -1
			}
		}
		// mark the other neighbours visited so we don't step back into them
		for d := 0; d < 8; d++ {
			q := cur + nbDY[d]*k.s + nbDX[d]
			if k.b[q] != 0 && q != next && t.stamp[q] != t.cur && t.mid[q] == 0 {
				t.stamp[q] = t.cur
			}
		}
		cur = next
	}
}

func isFour(a, b, s int) bool { d := b - a; return d == 1 || d == -1 || d == s || d == -s }

// touching reports whether the unvisited skeleton neighbours of cur form
// one 8-connected group.
func touching(k *skel, cur int, t *tracer) bool {
	c := 0
	for d := 0; d < 8; d++ {
		q := cur + nbDY[d]*k.s + nbDX[d]
		if k.b[q] != 0 && t.stamp[q] != t.cur {
			c |= 1 << d
		}
	}
	return simpleLUT[c] || popc(c) <= 1
}

func popc(c int) int {
	n := 0
	for c != 0 {
		n += c & 1
		c >>= 1
	}
	return n
}

func angDiff(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 2*math.Pi)
	if d > math.Pi {
		d = 2*math.Pi - d
	}
	return d
}

// False-minutiae filter limits, pixels at 500 dpi.
var (
	filtFragment         = 12 // two ridge ends joined by a shorter ridge
	filtSpur             = 6  // an end joined to a junction by a shorter ridge
	filtBridge           = 6  // two junctions joined by a shorter ridge
	filtGap      float64 = 12 // two ridge ends facing each other across a shorter gap
	filtCluster  float64 = 3  // any two minutiae closer
)

// traceLength is how far (pixels) a minutia direction is traced along its
// ridge; snapTol is the largest difference from the orientation field
// that is snapped to it.
var (
	borderBif           = 2 // blocks from the border a bifurcation must be
	borderRay           = 0 // an ending whose open end faces the border this close (px) is dropped
	traceLength         = 16
	snapTol     float64 = 0.6
)

// findMinutiae detects and filters minutiae on the skeleton.
func findMinutiae(k *skel, f *field, bd []uint8) []rawMinutia {
	t := &tracer{k: k, stamp: make([]int32, len(k.b)), mid: make([]int32, len(k.b))}
	var ms []rawMinutia
	for y := 0; y < k.h; y++ {
		i := k.idx(0, y)
		for x := 0; x < k.w; x, i = x+1, i+1 {
			if k.b[i] == 0 {
				continue
			}
			bi := (y/blockSize)*f.bw + x/blockSize
			if bd[bi] == 0 {
				continue
			}
			c := k.code(i)
			n := popc(c)
			switch {
			case n == 1:
				ms = append(ms, rawMinutia{x: float64(x), y: float64(y), kind: KindEnding, px: i})
				t.mid[i] = int32(len(ms))
			case n >= 3 && crossLUT[c] >= 3:
				// merge with an adjacent junction pixel
				merged := false
				for d := 0; d < 8; d++ {
					q := i + nbDY[d]*k.s + nbDX[d]
					if m := t.mid[q]; m != 0 && ms[m-1].kind == KindBifurcation {
						t.mid[i] = m
						merged = true
						break
					}
				}
				if !merged {
					ms = append(ms, rawMinutia{x: float64(x), y: float64(y), kind: KindBifurcation, px: i})
					t.mid[i] = int32(len(ms))
				}
			}
		}
	}
	traceLen := traceLength
	type link struct{ steps, hit int }
	links := make([][]link, len(ms))
	for id := range ms {
		m := &ms[id]
		if m.kind == KindEnding {
			var first int
			for d := 0; d < 8; d++ {
				if q := m.px + nbDY[d]*k.s + nbDX[d]; k.b[q] != 0 {
					first = q
				}
			}
			last, steps, hit := t.trace(m.px, first, id, traceLen)
			links[id] = append(links[id], link{steps, hit})
			lx, ly := float64((last%k.s)-1), float64((last/k.s)-1)
			m.angle = math.Atan2(ly-m.y, lx-m.x)
			continue
		}
		// bifurcation: branches leave the junction cluster
		var starts []int
		cluster := []int{m.px}
		for d := 0; d < 8; d++ {
			if q := m.px + nbDY[d]*k.s + nbDX[d]; t.mid[q] == int32(id+1) {
				cluster = append(cluster, q)
			}
		}
		seen := map[int]bool{}
		for _, c := range cluster {
			seen[c] = true
		}
		for _, c := range cluster {
			for d := 0; d < 8; d += 2 { // 4-neighbours first
				if q := c + nbDY[d]*k.s + nbDX[d]; k.b[q] != 0 && !seen[q] {
					seen[q] = true
					starts = append(starts, q)
				}
			}
			for d := 1; d < 8; d += 2 {
				q := c + nbDY[d]*k.s + nbDX[d]
				if k.b[q] == 0 || seen[q] {
					continue
				}
				// a diagonal neighbour touching a 4-neighbour start is the same branch
				dup := false
				for _, s := range starts {
					if dd := q - s; dd == 1 || dd == -1 || dd == k.s || dd == -k.s {
						dup = true
					}
				}
				seen[q] = true
				if !dup {
					starts = append(starts, q)
				}
			}
		}
		if len(starts) != 3 {
			m.gone = true
			continue
		}
		var dirs [3]float64
		for b, s := range starts {
			last, steps, hit := t.trace(m.px, s, id, traceLen)
			links[id] = append(links[id], link{steps, hit})
			lx, ly := float64((last%k.s)-1), float64((last/k.s)-1)
			dirs[b] = math.Atan2(ly-m.y, lx-m.x)
		}
		stem, best := 0, -1.0
		for b := 0; b < 3; b++ {
			d := math.Min(angDiff(dirs[b], dirs[(b+1)%3]), angDiff(dirs[b], dirs[(b+2)%3]))
			if d > best {
				stem, best = b, d
			}
		}
		m.angle = dirs[stem] + math.Pi
	}
	// Structural filters.
	for id := range ms {
		m := &ms[id]
		if m.gone {
			continue
		}
		for _, l := range links[id] {
			if l.hit < 0 {
				if m.kind == KindEnding && l.steps < 6 {
					m.gone = true // isolated dot
				}
				continue
			}
			o := &ms[l.hit]
			switch {
			case m.kind == KindEnding && o.kind == KindEnding && l.steps < filtFragment:
				m.gone, o.gone = true, true // short ridge fragment
			case m.kind != o.kind && l.steps < filtSpur:
				m.gone, o.gone = true, true // spur
			case m.kind == KindBifurcation && o.kind == KindBifurcation && l.steps < filtBridge:
				m.gone, o.gone = true, true // bridge or hole
			}
		}
	}
	// Broken ridges: two endings facing each other across a short gap.
	for i := range ms {
		a := &ms[i]
		if a.kind != KindEnding {
			continue
		}
		for j := i + 1; j < len(ms); j++ {
			b := &ms[j]
			if b.kind != KindEnding {
				continue
			}
			dx, dy := b.x-a.x, b.y-a.y
			d := math.Hypot(dx, dy)
			if d > filtGap || d < 1 {
				continue
			}
			if angDiff(a.angle, b.angle+math.Pi) > 0.7 {
				continue
			}
			// b lies beyond a's open end (a.angle points into a's ridge)
			if angDiff(math.Atan2(dy, dx), a.angle+math.Pi) < 0.8 {
				a.gone, b.gone = true, true
			}
		}
	}
	// Clusters: any two surviving minutiae too close.
	for i := range ms {
		for j := i + 1; j < len(ms); j++ {
			if ms[i].gone && ms[j].gone {
				continue
			}
			if math.Hypot(ms[i].x-ms[j].x, ms[i].y-ms[j].y) < filtCluster {
				ms[i].gone, ms[j].gone = true, true
			}
		}
	}
	out := ms[:0]
	for _, m := range ms {
		if m.gone {
			continue
		}
		bi := (int(m.y)/blockSize)*f.bw + int(m.x)/blockSize
		need := borderBlocks
		if m.kind == KindBifurcation {
			need = borderBif
		}
		if int(bd[bi]) < need {
			continue
		}
		if m.kind == KindEnding && borderRay > 0 && facesBorder(f, m.x, m.y, m.angle+math.Pi, borderRay) {
			continue
		}
		// snap the direction to the smoothed orientation field
		th := f.orientationAt(m.x+0.5, m.y+0.5)
		for _, c := range [2]float64{th, th + math.Pi} {
			if angDiff(c, m.angle) < snapTol {
				m.angle = c
				break
			}
		}
		m.angle = math.Mod(m.angle+4*math.Pi, 2*math.Pi)
		m.quality = minutiaQuality(f, bi, bd[bi])
		out = append(out, m)
	}
	return out
}

// facesBorder reports whether the ray from (x, y) in direction a leaves
// the foreground within n pixels: a ridge that ends there ends where the
// print (or the image) does.
func facesBorder(f *field, x, y, a float64, n int) bool {
	dx, dy := math.Cos(a), math.Sin(a)
	for r := 2; r <= n; r += 2 {
		if !f.fgAt(int(math.Floor(x+float64(r)*dx+0.5)), int(math.Floor(y+float64(r)*dy+0.5))) {
			return true
		}
	}
	return false
}

// minutiaQuality is 1..100 from the block's orientation coherence (full
// from 0.7) and ridge clarity (0 at 0.3, full from 0.9: a minutia where
// the enhanced ridges explain the image badly, in dots, smudges or
// scratches, is less likely real), lowered next to the border.
func minutiaQuality(f *field, bi int, bd uint8) float64 {
	q := math.Min(1, float64(f.coh[bi])/0.7)
	if f.clarity != nil {
		q *= math.Max(0, math.Min(1, (float64(f.clarity[bi])-0.3)/0.6))
	}
	q = math.Sqrt(q)
	if bd < 3 {
		q *= 0.8
	}
	return math.Min(100, math.Max(1, math.Round(100*q)))
}
