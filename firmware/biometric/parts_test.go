package biometric

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/regterm/regterm/internal/testpeer"
)

// TestParts prints the extended EER of the score's parts and of fusions
// of them on every FVC set (FPPARTS=1): a tuning aid. The scores are
// taken without the period term, whose fusion is then swept at the best
// alignment (FPCLOSE sets periodClose).
func TestParts(t *testing.T) {
	if os.Getenv("FPPARTS") == "" {
		t.Skip("FPPARTS=1 to run")
	}
	matcherEnv()
	if v := os.Getenv("FPCLOSE"); v != "" {
		periodClose, _ = strconv.Atoi(v)
	}
	defer func(v bool) { fusePeriod = v }(fusePeriod)
	fusePeriod = false
	extractorEnv()
	root := testpeer.Data(t, "fingerprints")
	type sc = [6]float64
	var sets [][2][]sc
	for _, db := range []string{"fvc2002_db1_b", "fvc2002_db2_b", "fvc2002_db3_b", "fvc2002_db4_b"} {
		dpi := 500
		if db == "fvc2002_db2_b" {
			dpi = 569
		}
		ts := loadTuneSet(t, filepath.Join(root, db), dpi)
		prep := make([]*Prepared, len(ts.tpl))
		for i, tp := range ts.tpl {
			prep[i] = Prepare(tp)
		}
		var gen, imp []sc
		var cur sc
		partsHook = func(v [6]float64) { cur = v }
		for i := range prep {
			for j := i + 1; j < len(prep); j++ {
				cur = sc{}
				prep[i].matchRaw(prep[j])
				if ts.finger[i] == ts.finger[j] {
					gen = append(gen, cur)
				} else {
					imp = append(imp, cur)
				}
			}
		}
		partsHook = nil
		sets = append(sets, [2][]sc{gen, imp})
	}
	for k, s := range sets {
		for g := 0; g < 2; g++ {
			var a, n []float64
			for _, v := range s[g] {
				a = append(a, v[2])
				n = append(n, v[3])
			}
			sort.Float64s(a)
			sort.Float64s(n)
			q := func(x []float64, f float64) float64 { return x[int(f*float64(len(x)-1))] }
			t.Logf("set %d %s: agree p5 %.2f p50 %.2f p95 %.2f; cells p5 %.0f p50 %.0f p95 %.0f", k+1, []string{"gen", "imp"}[g],
				q(a, .05), q(a, .5), q(a, .95), q(n, .05), q(n, .5), q(n, .95))
		}
	}
	eval := func(label string, f func(v sc) float64) {
		var line []string
		var sum float64
		for k, s := range sets {
			var g, i []float64
			for _, v := range s[0] {
				g = append(g, f(v))
			}
			for _, v := range s[1] {
				i = append(i, f(v))
			}
			e := tuneEER(g, i)
			sum += e
			line = append(line, itoa(k+1)+"="+ftoa(100*e))
		}
		t.Logf("%-24s %s mean=%s", label, strings.Join(line, " "), ftoa(100*sum/4))
	}
	for k, s := range sets {
		for g := 0; g < 2; g++ {
			var c []float64
			for _, v := range s[g] {
				c = append(c, v[1])
			}
			sort.Float64s(c)
			q := func(x []float64, f float64) float64 { return x[int(f*float64(len(x)-1))] }
			t.Logf("set %d %s: periods agree p5 %.2f p50 %.2f p95 %.2f", k+1, []string{"gen", "imp"}[g],
				q(c, .05), q(c, .5), q(c, .95))
		}
	}
	eval("period agreement", func(v sc) float64 { return v[1] })
	for _, c0 := range []float64{0.7, 0.8, 0.9} {
		for _, w := range []float64{0.2, 0.3, 0.4, 0.6} {
			eval("+w*sqrt(n)*(c-c0) c0="+ftoa(c0)+" w="+ftoa(w), func(v sc) float64 { return v[0] + w*math.Sqrt(v[5])*(v[1]-c0) })
		}
	}
	eval("minutiae+orientation", func(v sc) float64 { return v[0] })
	eval("flow", func(v sc) float64 { return v[2] })
}

// TestPartsWorst lists the weakest genuine and strongest impostor pairs of
// the set in FPWORST with the parts of their scores.
func TestPartsWorst(t *testing.T) {
	dir := os.Getenv("FPWORST")
	if dir == "" {
		t.Skip("FPWORST=dir to run")
	}
	dpi := 500
	if strings.Contains(dir, "db2") {
		dpi = 569
	}
	matcherEnv()
	extractorEnv()
	ts := loadTuneSet(t, dir, dpi)
	prep := make([]*Prepared, len(ts.tpl))
	for i, tp := range ts.tpl {
		prep[i] = Prepare(tp)
	}
	type res struct {
		i, j int
		s    float64
		v    [6]float64
	}
	var gen, imp []res
	var cur [6]float64
	partsHook = func(v [6]float64) { cur = v }
	for i := range prep {
		for j := i + 1; j < len(prep); j++ {
			cur = [6]float64{}
			s := prep[i].matchRaw(prep[j])
			r := res{i, j, s, cur}
			if ts.finger[i] == ts.finger[j] {
				gen = append(gen, r)
			} else {
				imp = append(imp, r)
			}
		}
	}
	partsHook = nil
	sort.Slice(gen, func(a, b int) bool { return gen[a].s < gen[b].s })
	sort.Slice(imp, func(a, b int) bool { return imp[a].s > imp[b].s })
	name := func(i int) string { return itoa(ts.finger[i]) + "_" + itoa(i%8+1) }
	for _, r := range gen[:15] {
		t.Logf("gen %s-%s %.2f parts %.2f", name(r.i), name(r.j), r.s, r.v)
	}
	for _, r := range imp[:8] {
		t.Logf("imp %s-%s %.2f parts %.2f", name(r.i), name(r.j), r.s, r.v)
	}
}
