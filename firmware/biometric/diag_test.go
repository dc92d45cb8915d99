package biometric

import (
	"image"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
)

func TestDiag(t *testing.T) {
	if os.Getenv("FPDIAG") == "" {
		t.Skip()
	}
	s := loadTuneSet(t, os.Getenv("FPDIAG"), 500)
	g, i := s.scores()
	sort.Float64s(g)
	sort.Float64s(i)
	q := func(v []float64, p float64) float64 { return v[int(p*float64(len(v)-1))] }
	t.Logf("gen p10 %.2f p25 %.2f p50 %.2f; imp p50 %.2f p99 %.2f p999 %.2f max %.2f", q(g, .1), q(g, .25), q(g, .5), q(i, .5), q(i, .99), q(i, .999), i[len(i)-1])
	var n []int
	for _, tp := range s.tpl {
		n = append(n, len(tp.Minutiae))
	}
	t.Log(n)
}

func TestDiagCounts(t *testing.T) {
	p := os.Getenv("FPDIAG1")
	if p == "" {
		t.Skip()
	}
	f, _ := os.Open(p)
	img, _, _ := image.Decode(f)
	g := img.(*image.Gray)
	a := analyse(g, 500)
	n := normalize(a.gray, 7)
	estimatePeriod(n, a.f)
	e, mask := enhance(n, a.f)
	k := newSkel(e.w, e.h)
	for y := 0; y < e.h; y++ {
		for x := 0; x < e.w; x++ {
			if mask[y*e.w+x] && e.v[y*e.w+x] > 0 {
				k.b[k.idx(x, y)] = 1
			}
		}
	}
	k.thin()
	hist := map[[2]int]int{}
	for y := 0; y < k.h; y++ {
		for x := 0; x < k.w; x++ {
			i := k.idx(x, y)
			if k.b[i] != 0 {
				c := k.code(i)
				hist[[2]int{popc(c), int(crossLUT[c])}]++
			}
		}
	}
	t.Log(hist)
	var per []float32
	for i, v := range a.f.fg {
		if v {
			per = append(per, a.f.period[i])
		}
	}
	sort.Slice(per, func(i, j int) bool { return per[i] < per[j] })
	t.Log("period p10/50/90", per[len(per)/10], per[len(per)/2], per[len(per)*9/10])
}

func TestDiagPairs(t *testing.T) {
	if os.Getenv("FPDIAG2") == "" {
		t.Skip()
	}
	dpi := 500
	if strings.Contains(os.Getenv("FPDIAG2"), "db2") {
		dpi = 569
	}
	s := loadTuneSet(t, os.Getenv("FPDIAG2"), dpi)
	type res struct {
		i, j      int
		score     float64
		m, po, co int
		np, nc    int
	}
	var gen, imp []res
	prep := make([]*Prepared, len(s.tpl))
	for i, tp := range s.tpl {
		prep[i] = Prepare(tp)
	}
	for i := range prep {
		for j := i + 1; j < len(prep); j++ {
			var bm, bpo, bco int
			var best float64
			diagHook = func(m int, po, co float64) {
				v := float64(m*m) / math.Sqrt(math.Max(po, minOv)*math.Max(co, minOv))
				if v > best {
					best, bm, bpo, bco = v, m, int(po), int(co)
				}
			}
			sc := prep[i].matchRaw(prep[j])
			r := res{i, j, sc, bm, bpo, bco, prep[i].Len(), prep[j].Len()}
			if s.finger[i] == s.finger[j] {
				gen = append(gen, r)
			} else {
				imp = append(imp, r)
			}
		}
	}
	diagHook = nil
	sort.Slice(gen, func(a, b int) bool { return gen[a].score < gen[b].score })
	sort.Slice(imp, func(a, b int) bool { return imp[a].score > imp[b].score })
	for _, r := range gen[:20] {
		t.Logf("gen %2d-%2d %.2f m=%d po=%d co=%d np=%d nc=%d", r.i, r.j, r.score, r.m, r.po, r.co, r.np, r.nc)
	}
	for _, r := range imp[:10] {
		t.Logf("imp %2d-%2d %.2f m=%d po=%d co=%d np=%d nc=%d", r.i, r.j, r.score, r.m, r.po, r.co, r.np, r.nc)
	}
}

func TestDiagCyl(t *testing.T) {
	if os.Getenv("FPDIAG2") == "" {
		t.Skip()
	}
	s := loadTuneSet(t, os.Getenv("FPDIAG2"), 500)
	var tot, ok int
	var nv float64
	for _, tp := range s.tpl {
		p := Prepare(tp)
		for _, c := range p.cyl {
			tot++
			if c.ok {
				ok++
			}
			nv += float64(c.nv)
		}
	}
	t.Logf("cylinders %d ok %d mean valid cells %.1f of %d", tot, ok, nv/float64(tot), mccDisc)
}
