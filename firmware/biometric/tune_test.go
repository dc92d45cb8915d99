package biometric

import (
	"errors"
	"fmt"
	"github.com/regterm/regterm/internal/testpeer"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var symmetric = os.Getenv("FPSYM") != ""

var rateStats func(genuine bool, rate float64)

type tuneSet struct {
	name   string
	dpi    int
	finger []int
	tpl    []*Template
	img    []*image.Gray
	// other, when set, holds the candidates' templates (the same images
	// extracted otherwise, e.g. at a mis-stated resolution)
	other []*Template
	// fvcImp holds, after scores, the impostor scores of the FVC protocol
	// (first impressions of different fingers, 45 on a B set)
	fvcImp []float64
}

// misScale re-extracts every image as if scanned at dpi·f into ts.other:
// comparisons then pair a template at the right resolution with one whose
// stated resolution is off by the factor f (two sensors, one
// mis-calibrated).
func (ts *tuneSet) misScale(f float64) {
	ts.other = make([]*Template, len(ts.img))
	for i, g := range ts.img {
		tp, err := Extract(g, int(math.Round(float64(ts.dpi)*f)))
		if err != nil {
			tp = &Template{}
		}
		ts.other[i] = tp
	}
}

// jitter re-extracts every image cropped by a few pixels at the top left
// (pass j > 0; a different offset per image), which moves the block grid:
// the EER averaged over such passes is far less noisy than one pass.
func (ts *tuneSet) jitter(j int) {
	for i, g := range ts.img {
		if j == 0 {
			tp, err := Extract(g, ts.dpi)
			if err != nil {
				tp = &Template{}
			}
			ts.tpl[i] = tp
			continue
		}
		dx, dy := 1+(i*3+j*5)%7, 1+(i*5+j*2+j*j)%7
		sub := g.SubImage(image.Rect(g.Rect.Min.X+dx, g.Rect.Min.Y+dy, g.Rect.Max.X, g.Rect.Max.Y)).(*image.Gray)
		tp, err := Extract(sub, ts.dpi)
		if err != nil {
			tp = &Template{}
		}
		ts.tpl[i] = tp
	}
}

func loadTuneSet(t *testing.T, dir string, dpi int) *tuneSet {
	files, _ := filepath.Glob(filepath.Join(dir, "*.tif"))
	sort.Strings(files)
	ts := &tuneSet{name: filepath.Base(dir), dpi: dpi}
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		g := img.(*image.Gray)
		if os.Getenv("FPR307") != "" {
			g = emulateR307(g, dpi)
		}
		tp, err := Extract(g, dpi)
		if err != nil {
			tp = &Template{}
		}
		base := filepath.Base(f)
		fi := 0
		for _, c := range base[:strings.IndexByte(base, '_')] {
			fi = fi*10 + int(c-'0')
		}
		ts.finger = append(ts.finger, fi)
		ts.tpl = append(ts.tpl, tp)
		ts.img = append(ts.img, g)
	}
	return ts
}

func (ts *tuneSet) scores() (gen, imp []float64) {
	prep := make([]*Prepared, len(ts.tpl))
	for i, t := range ts.tpl {
		prep[i] = Prepare(t)
	}
	cand := prep
	if ts.other != nil {
		cand = make([]*Prepared, len(ts.other))
		for i, t := range ts.other {
			cand[i] = Prepare(t)
		}
	}
	var best, rate float64
	if rateStats != nil {
		diagHook = func(m int, po, co float64) {
			v := float64(m*m) / math.Sqrt(math.Max(po, minOv)*math.Max(co, minOv))
			if v > best {
				best, rate = v, float64(m)/math.Sqrt(math.Max(po, 1)*math.Max(co, 1))
			}
		}
		defer func() { diagHook = nil }()
	}
	ts.fvcImp = ts.fvcImp[:0]
	for i := range prep {
		for j := i + 1; j < len(prep); j++ {
			best, rate = 0, 0
			s := prep[i].matchRaw(cand[j])
			if rateStats != nil {
				rateStats(ts.finger[i] == ts.finger[j], rate)
			}
			if symmetric {
				s = (s + prep[j].matchRaw(cand[i])) / 2
			}
			if ts.finger[i] == ts.finger[j] {
				gen = append(gen, s)
			} else {
				imp = append(imp, s)
				if i%8 == 0 && j%8 == 0 {
					ts.fvcImp = append(ts.fvcImp, s)
				}
			}
		}
	}
	return
}

func tuneEER(gen, imp []float64) float64 {
	// threshold sweep
	all := append(append([]float64(nil), gen...), imp...)
	sort.Float64s(all)
	best := 1.0
	for _, th := range all {
		var fm, fn float64
		for _, s := range imp {
			if s >= th {
				fm++
			}
		}
		for _, s := range gen {
			if s < th {
				fn++
			}
		}
		fm /= float64(len(imp))
		fn /= float64(len(gen))
		e := fm
		if fn > e {
			e = fn
		}
		if e < best {
			best = e
		}
	}
	return best
}

// TestTune prints the extended-impostor EER of every FVC set (FPTUNE=1).
func TestTune(t *testing.T) {
	if os.Getenv("FPTUNE") == "" {
		t.Skip("FPTUNE=1 to run")
	}
	extractorEnv()
	matcherEnv()
	root := testpeer.Data(t, "fingerprints")
	var sets []*tuneSet
	for _, db := range []string{"fvc2002_db1_b", "fvc2002_db2_b", "fvc2002_db3_b", "fvc2002_db4_b"} {
		dpi := 500
		if db == "fvc2002_db2_b" {
			dpi = 569
		}
		sets = append(sets, loadTuneSet(t, filepath.Join(root, db), dpi))
	}
	jitters := 1
	if v := os.Getenv("FPJITTER"); v != "" {
		fmt.Sscan(v, &jitters)
	}
	if v := os.Getenv("FPXSCALE"); v != "" {
		var f float64
		fmt.Sscan(v, &f)
		for _, s := range sets {
			s.misScale(f)
		}
	}
	run := func(label string) {
		var line []string
		var sum float64
		for _, s := range sets {
			var gr, ir, gn, in float64
			if os.Getenv("FPRATE") != "" {
				rateStats = func(g bool, r float64) {
					if g {
						gr, gn = gr+r, gn+1
					} else {
						ir, in = ir+r, in+1
					}
				}
			}
			var e, ef float64
			for j := 0; j < jitters; j++ {
				if jitters > 1 {
					s.jitter(j)
				}
				g, i := s.scores()
				ej := tuneEER(g, i)
				e += ej / float64(jitters)
				ef += tuneEER(g, s.fvcImp) / float64(jitters)
				if os.Getenv("FPJITTERV") != "" {
					t.Logf("%s jitter %d: %.2f", s.name, j, 100*ej)
				}
			}
			rateStats = nil
			if gn > 0 {
				line = append(line, sprintf("rate(g=%.3f i=%.3f)", gr/gn, ir/in))
			}
			sum += e
			line = append(line, s.name[8:]+"="+ftoa(100*e))
			if os.Getenv("FPFVC") != "" {
				line = append(line, "(fvc "+ftoa(100*ef)+")")
			}
		}
		t.Logf("%-30s %s  mean=%s", label, strings.Join(line, " "), ftoa(100*sum/4))
	}
	run("base")
	if os.Getenv("FPTUNE") == "grid" {
		for _, v := range []float64{6, 14} {
			minOv = v
			run("minOv=" + ftoa(v))
		}
		minOv = 10
		for _, v := range []float64{0.25, 0.75} {
			lamW = v
			run("lamW=" + ftoa(v))
		}
		lamW = 0.5
		for _, v := range []float32{0.4, 0.65} {
			pairAngle = v
			run("pairAngle=" + ftoa(float64(v)))
		}
		pairAngle = 0.5
		for _, v := range []float32{0.003, 0.05} {
			mccMuPsi = v
			run("mu=" + ftoa(float64(v)))
		}
		mccMuPsi = mccMuPsiD
	}
}

func ftoa(v float64) string {
	return strings.TrimRight(strings.TrimRight(sprintf("%.2f", v), "0"), ".")
}

func itoa(v int) string { return sprintf("%d", v) }

var sprintf = fmt.Sprintf

// TestCalibrate prints the raw-score calibration tables from the extended
// impostor scores of all four FVC2002 sets (FPCALIB=1): calibPeriod for
// templates that both carry a Flow with ridge periods, calibFlow for
// Flows without, calib for minutiae alone.
func TestCalibrate(t *testing.T) {
	if os.Getenv("FPCALIB") == "" {
		t.Skip("FPCALIB=1 to run")
	}
	matcherEnv()
	root := testpeer.Data(t, "fingerprints")
	var sets []*tuneSet
	for _, db := range []string{"fvc2002_db1_b", "fvc2002_db2_b", "fvc2002_db3_b", "fvc2002_db4_b"} {
		dpi := 500
		if db == "fvc2002_db2_b" {
			dpi = 569
		}
		sets = append(sets, loadTuneSet(t, filepath.Join(root, db), dpi))
	}
	defer func(v, w bool) { fuseFlow, fusePeriod = v, w }(fuseFlow, fusePeriod)
	for _, tab := range []struct {
		name         string
		flow, period bool
	}{{"calibPeriod", true, true}, {"calibFlow", true, false}, {"calib", false, false}} {
		fuseFlow, fusePeriod = tab.flow, tab.period
		var imp, gen []float64
		for _, s := range sets {
			g, i := s.scores()
			imp = append(imp, i...)
			gen = append(gen, g...)
		}
		t.Logf("%s: %s", tab.name, calibTable(tab.name, imp, gen))
	}
}

func calibTable(name string, imp, gen []float64) string {
	sort.Sort(sort.Reverse(sort.Float64Slice(imp)))
	n := float64(len(imp))
	// the table starts at the lowest finite impostor score (or 0), S 0
	lo := 0.0
	for _, v := range imp {
		if !math.IsInf(v, -1) {
			lo = min(lo, v)
		}
	}
	out := fmt.Sprintf("var %s = [][2]float64{\n\t{%.4f, 0},\n", name, lo)
	prev := lo
	var steps []float64
	for s := 0.5; s < 2.5; s += 0.5 {
		steps = append(steps, s)
	}
	for s := 2.5; s <= 30; s += 2.5 {
		steps = append(steps, s)
	}
	for _, s := range steps {
		fmr := math.Pow(10, -s/10)
		k := int(fmr*n+0.5) - 1
		if k < 0 {
			break
		}
		if !(imp[k] > prev) {
			continue // tied with the point below (or no alignment at all)
		}
		out += fmt.Sprintf("\t{%.4f, %.1f},\n", imp[k], s)
		prev = imp[k]
	}
	// S = 40 from a line fit of S against raw over the top 12
	var mx, my float64
	for k := 0; k < 12; k++ {
		mx += imp[k] / 12
		my += -10 * math.Log10(float64(k+1)/n) / 12
	}
	var sxy, sxx float64
	for k := 0; k < 12; k++ {
		sxy += (imp[k] - mx) * (-10*math.Log10(float64(k+1)/n) - my)
		sxx += (imp[k] - mx) * (imp[k] - mx)
	}
	b := sxy / sxx
	out += fmt.Sprintf("\t{%.4f, 40.0},\n}", (40-(my-b*mx))/b)
	sort.Float64s(gen)
	return fmt.Sprintf("%d impostor scores, top %.3f\n%s\ngenuine raw p1 %.3f p5 %.3f p50 %.3f", len(imp), imp[:12], out,
		gen[len(gen)/100], gen[len(gen)/20], gen[len(gen)/2])
}

// matcherEnv sets matcher parameters from FPROOTS and FPFUSE (tuning).
func matcherEnv() {
	if v := os.Getenv("FPROOTS"); v != "" {
		fmt.Sscanf(v, "%d,%d", &roots, &refineRoots)
	}
	if v := os.Getenv("FPLOCAL"); v != "" {
		fmt.Sscanf(v, "%g,%g,%g", &localDist, &localReach, &pairAngle)
	}
	if v := os.Getenv("FPQUAL"); v != "" {
		fmt.Sscan(v, &qualW)
	}
	if v := os.Getenv("FPDIST"); v != "" {
		fmt.Sscanf(v, "%g,%g,%g", &directDist, &pairDist, &keepDist)
	}
	if v := os.Getenv("FPUNIQ"); v != "" {
		fmt.Sscan(v, &rootUnique)
	}
	if v := os.Getenv("FPFRAC"); v != "" {
		fmt.Sscan(v, &refineFrac)
	}
	if v := os.Getenv("FPGATE"); v != "" {
		fmt.Sscan(v, &dirGate)
	}
	if v := os.Getenv("FPLAM"); v != "" {
		fmt.Sscanf(v, "%g,%g", &lamW, &lamExp)
	}
	if v := os.Getenv("FPFUSE"); v != "" {
		var on int
		fmt.Sscanf(v, "%d,%g,%g", &on, &fuseA0, &fuseW)
		fuseFlow = on != 0
	}
	if v := os.Getenv("FPPER"); v != "" {
		var on int
		fmt.Sscanf(v, "%d,%g,%g,%d,%d", &on, &fusePC0, &fusePW, &periodClose, &periodShift)
		fusePeriod = on != 0
	}
}

// extractorEnv sets extractor parameters from FP* variables (tuning).
func extractorEnv() {
	if v := os.Getenv("FPORI"); v != "" {
		fmt.Sscanf(v, "%g,%d,%d", &orientSigma, &orientPasses, &normRadius)
	}
	if v := os.Getenv("FPMAXM"); v != "" {
		fmt.Sscan(v, &maxMinutiae)
	}
	if v := os.Getenv("FPFILT"); v != "" {
		fmt.Sscanf(v, "%d,%d,%d,%g,%g", &filtFragment, &filtSpur, &filtBridge, &filtGap, &filtCluster)
	}
	if v := os.Getenv("FPENH"); v != "" {
		fmt.Sscanf(v, "%g,%g,%d", &alongSigma, &acrossSigma, &alongR)
	}
	if v := os.Getenv("FPCAP"); v != "" {
		fmt.Sscan(v, &maxMinutia)
	}
	if v := os.Getenv("FPLONG"); v != "" {
		fmt.Sscanf(v, "%g,%d,%g,%g", &longSigma, &longR, &longCoh, &longTurn)
	}
	if v := os.Getenv("FPTRACE"); v != "" {
		fmt.Sscanf(v, "%d,%g", &traceLength, &snapTol)
	}
	if v := os.Getenv("FPHP"); v != "" {
		var g int
		fmt.Sscanf(v, "%d,%d", &hpRadius, &g)
		hpGrad = g == 1
	}
	if v := os.Getenv("FPCONTRAST"); v != "" {
		fmt.Sscan(v, &contrastFrac)
	}
	if v := os.Getenv("FPFINE"); v != "" {
		fmt.Sscanf(v, "%g,%g,%g", &fineSigma, &consLo, &consHi)
	}
	if v := os.Getenv("FPPSTRICT"); v != "" {
		var on int
		fmt.Sscanf(v, "%d,%g", &on, &periodTol)
		periodStrict = on == 1
	}
	if v := os.Getenv("FPSUBPIX"); v != "" {
		periodSubpixel = v == "1"
	}
	if v := os.Getenv("FPPRIOR"); v != "" {
		fmt.Sscanf(v, "%g,%d", &periodPrior, &periodR)
	}
	if v := os.Getenv("FPROOTS"); v != "" {
		fmt.Sscan(v, &roots)
	}
	if v := os.Getenv("FPBORDER"); v != "" {
		fmt.Sscanf(v, "%d,%d,%d", &borderBlocks, &borderBif, &borderRay)
	}
}

// emulateR307 is fpeval's -sensor r307 for tuning (FPR307=1): a 256 × 288
// window at 500 dpi (scaled to the image's dpi) centred on the
// foreground, padded with the background, gray quantised to 4 bits.
func emulateR307(g *image.Gray, dpi int) *image.Gray {
	b := g.Bounds()
	cx, cy := b.Dx()/2, b.Dy()/2
	if os.Getenv("FPR307FIX") != "" {
		// centre the window with the regterm-fp-2 segmentation
		defer func(v int) { hpRadius = v }(hpRadius)
		hpRadius = 0
	}
	if f, err := ExtractFeatures(g, dpi); f != nil && (err == nil || errors.Is(err, ErrNoMinutiae)) {
		var sx, sy, n float64
		m := f.Mask
		bs := float64(blockSize) * float64(dpi) / internalDPI
		for by := 0; by < m.Height; by++ {
			for bx := 0; bx < m.Width; bx++ {
				if m.Fg[by*m.Width+bx] {
					sx += (float64(bx) + 0.5) * bs
					sy += (float64(by) + 0.5) * bs
					n++
				}
			}
		}
		if n > 0 {
			cx, cy = int(sx/n), int(sy/n)
		}
	}
	w, h := 256*dpi/internalDPI, 288*dpi/internalDPI
	var hist [256]int
	for x := 0; x < b.Dx(); x++ {
		hist[g.GrayAt(b.Min.X+x, b.Min.Y).Y]++
		hist[g.GrayAt(b.Min.X+x, b.Max.Y-1).Y]++
	}
	for y := 0; y < b.Dy(); y++ {
		hist[g.GrayAt(b.Min.X, b.Min.Y+y).Y]++
		hist[g.GrayAt(b.Max.X-1, b.Min.Y+y).Y]++
	}
	bg, c := uint8(255), 0
	for v := range hist {
		if c += hist[v]; 2*c >= 2*(b.Dx()+b.Dy()) {
			bg = uint8(v)
			break
		}
	}
	out := image.NewGray(image.Rect(0, 0, w, h))
	x0, y0 := cx-w/2, cy-h/2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := bg
			if sx, sy := x0+x, y0+y; sx >= 0 && sy >= 0 && sx < b.Dx() && sy < b.Dy() {
				v = g.GrayAt(b.Min.X+sx, b.Min.Y+sy).Y
			}
			out.Pix[y*out.Stride+x] = uint8(int(v>>4) * 255 / 15)
		}
	}
	return out
}
