package main

import (
	"errors"
	"image"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/regterm/regterm/firmware/biometric"
)

// evalOpts configures one evaluation.
type evalOpts struct {
	dpi       int
	sensor    *sensor
	bootstrap int // resamples for confidence intervals; 0 = none
	seed      uint64
}

// report is what an evaluation measures. Rates are fractions.
type report struct {
	DB                string      `json:"db"`
	Images            int         `json:"images"`
	Sensor            string      `json:"sensor,omitempty"`
	EER               float64     `json:"eer"` // FVC protocol
	EERExtended       float64     `json:"eer_extended"`
	FNMRAt1e2         float64     `json:"fnmr_at_fmr_1e-2"` // extended impostors
	FNMRAt1e3         float64     `json:"fnmr_at_fmr_1e-3"`
	FNMRAtZero        float64     `json:"fnmr_at_fmr_0"`
	EERCI             *[2]float64 `json:"eer_extended_ci95,omitempty"`
	FNMR1e2CI         *[2]float64 `json:"fnmr_at_fmr_1e-2_ci95,omitempty"`
	FNMR1e3CI         *[2]float64 `json:"fnmr_at_fmr_1e-3_ci95,omitempty"`
	Genuine           int         `json:"genuine_pairs"`
	Impostor          int         `json:"impostor_pairs"`
	ImpostorExt       int         `json:"impostor_pairs_extended"`
	ExtractMSMedian   float64     `json:"extract_ms_median"`
	ComparesPerS      float64     `json:"compares_per_s"`
	FailuresToExtract int         `json:"failures_to_extract"`
	MinutiaeMedian    int         `json:"minutiae_median"`
	GenuineScores     dist        `json:"genuine_scores"`
	ImpostorScores    dist        `json:"impostor_scores"`

	genuine, impostor, impostorExt []float64
}

// dist summarises a score distribution.
type dist struct {
	Min, P5, Median, P95, Max float64
	Mean                      float64
}

func summarise(s []float64) dist {
	if len(s) == 0 {
		return dist{}
	}
	v := append([]float64(nil), s...)
	sort.Float64s(v)
	q := func(p float64) float64 { return v[int(p*float64(len(v)-1)+0.5)] }
	var m float64
	for _, x := range v {
		m += x
	}
	return dist{v[0], q(0.05), q(0.5), q(0.95), v[len(v)-1], m / float64(len(v))}
}

// evaluate runs the FVC protocol over the images.
func evaluate(imgs []fvcImage, o evalOpts) (*report, error) {
	sort.Slice(imgs, func(i, j int) bool {
		if imgs[i].finger != imgs[j].finger {
			return imgs[i].finger < imgs[j].finger
		}
		return imgs[i].impression < imgs[j].impression
	})
	r := &report{Images: len(imgs)}
	prep := make([]*biometric.Prepared, len(imgs))
	var times []float64
	var counts []int
	for i, im := range imgs {
		g, err := loadImage(im.path)
		if err != nil {
			return nil, err
		}
		dpi := o.dpi
		if o.sensor != nil {
			g = o.sensor.emulate(g, dpi)
			dpi = 500
		}
		t0 := cpuTime()
		t, err := biometric.Extract(g, dpi)
		times = append(times, float64((cpuTime()-t0).Microseconds())/1000)
		if err != nil {
			if !errors.Is(err, biometric.ErrNoMinutiae) && !errors.Is(err, biometric.ErrNoFinger) {
				return nil, err
			}
			r.FailuresToExtract++
			t = &biometric.Template{}
		}
		counts = append(counts, len(t.Minutiae))
		prep[i] = biometric.Prepare(t)
	}
	sort.Float64s(times)
	r.ExtractMSMedian = times[len(times)/2]
	sort.Ints(counts)
	r.MinutiaeMedian = counts[len(counts)/2]
	t0 := cpuTime()
	n := 0
	for i := range imgs {
		for j := i + 1; j < len(imgs); j++ {
			s := prep[i].Match(prep[j])
			n++
			a, b := imgs[i], imgs[j]
			switch {
			case a.finger == b.finger:
				r.genuine = append(r.genuine, s)
			default:
				r.impostorExt = append(r.impostorExt, s)
				if a.impression == minImpression(imgs, a.finger) && b.impression == minImpression(imgs, b.finger) {
					r.impostor = append(r.impostor, s)
				}
			}
		}
	}
	if el := (cpuTime() - t0).Seconds(); el > 0 {
		r.ComparesPerS = float64(n) / el
	}
	r.Genuine, r.Impostor, r.ImpostorExt = len(r.genuine), len(r.impostor), len(r.impostorExt)
	r.EER = eer(r.genuine, r.impostor)
	r.EERExtended = eer(r.genuine, r.impostorExt)
	r.FNMRAt1e2 = fnmrAt(r.genuine, r.impostorExt, 1e-2)
	r.FNMRAt1e3 = fnmrAt(r.genuine, r.impostorExt, 1e-3)
	r.FNMRAtZero = fnmrAt(r.genuine, r.impostorExt, 0)
	r.GenuineScores = summarise(r.genuine)
	r.ImpostorScores = summarise(r.impostorExt)
	if o.bootstrap > 0 {
		rng := rand.New(rand.NewPCG(o.seed, 5))
		var e, f2, f3 []float64
		g := make([]float64, len(r.genuine))
		im := make([]float64, len(r.impostorExt))
		for k := 0; k < o.bootstrap; k++ {
			for i := range g {
				g[i] = r.genuine[rng.IntN(len(r.genuine))]
			}
			for i := range im {
				im[i] = r.impostorExt[rng.IntN(len(r.impostorExt))]
			}
			e = append(e, eer(g, im))
			f2 = append(f2, fnmrAt(g, im, 1e-2))
			f3 = append(f3, fnmrAt(g, im, 1e-3))
		}
		r.EERCI, r.FNMR1e2CI, r.FNMR1e3CI = ci(e), ci(f2), ci(f3)
	}
	return r, nil
}

func minImpression(imgs []fvcImage, finger int) int {
	m := math.MaxInt
	for _, im := range imgs {
		if im.finger == finger && im.impression < m {
			m = im.impression
		}
	}
	return m
}

func ci(v []float64) *[2]float64 {
	sort.Float64s(v)
	lo := v[int(0.025*float64(len(v)-1)+0.5)]
	hi := v[int(0.975*float64(len(v)-1)+0.5)]
	return &[2]float64{lo, hi}
}

// rates returns FMR (impostor ≥ t) and FNMR (genuine < t).
func rates(gen, imp []float64, t float64) (fmr, fnmr float64) {
	for _, s := range imp {
		if s >= t {
			fmr++
		}
	}
	for _, s := range gen {
		if s < t {
			fnmr++
		}
	}
	return fmr / float64(max(1, len(imp))), fnmr / float64(max(1, len(gen)))
}

// thresholds returns the distinct scores, ascending, plus +Inf.
func thresholds(gen, imp []float64) []float64 {
	all := append(append([]float64(nil), gen...), imp...)
	sort.Float64s(all)
	var ts []float64
	for i, v := range all {
		if i == 0 || v != all[i-1] {
			ts = append(ts, v)
		}
	}
	return append(ts, math.Inf(1))
}

// eer is the equal error rate, interpolated between the two operating
// points nearest to FMR = FNMR (as in FVC).
func eer(gen, imp []float64) float64 {
	if len(gen) == 0 || len(imp) == 0 {
		return math.NaN()
	}
	ts := thresholds(gen, imp)
	pf, pn := rates(gen, imp, ts[0])
	for _, t := range ts[1:] {
		f, n := rates(gen, imp, t)
		if n >= f {
			// crossing between (pf, pn) and (f, n)
			d0 := pf - pn
			d1 := f - n
			if d0 == d1 {
				return (f + n) / 2
			}
			a := d0 / (d0 - d1)
			return (pf + a*(f-pf) + pn + a*(n-pn)) / 2
		}
		pf, pn = f, n
	}
	return (pf + pn) / 2
}

// fnmrAt is the FNMR at the lowest threshold whose FMR ≤ target.
func fnmrAt(gen, imp []float64, target float64) float64 {
	for _, t := range thresholds(gen, imp) {
		f, n := rates(gen, imp, t)
		if f <= target {
			return n
		}
	}
	return 1
}

// detPoints returns the DET curve as (FMR, FNMR) pairs.
func detPoints(gen, imp []float64) [][2]float64 {
	var pts [][2]float64
	for _, t := range thresholds(gen, imp) {
		f, n := rates(gen, imp, t)
		pts = append(pts, [2]float64{f, n})
	}
	return pts
}

// extractFile extracts the template of an image file.
func extractFile(path string, dpi int, s *sensor) (*biometric.Template, error) {
	g, err := loadImage(path)
	if err != nil {
		return nil, err
	}
	var img *image.Gray = g
	if s != nil {
		img = s.emulate(g, dpi)
		dpi = 500
	}
	return biometric.Extract(img, dpi)
}
