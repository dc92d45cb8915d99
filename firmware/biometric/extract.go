package biometric

import (
	"errors"
	"fmt"
	"image"
	"math"
	"sort"
)

// AlgorithmVersion names the extractor+matcher build; it goes into binding
// records. Change it whenever extraction or scoring changes behaviour.
const AlgorithmVersion = "regterm-fp-3"

// Errors returned by Extract.
var (
	// ErrImage is returned for an image that cannot be a fingerprint
	// (empty, too small, too large, or a resolution out of range).
	ErrImage = errors.New("biometric: unusable image")
	// ErrNoFinger is returned when no fingerprint area is found.
	ErrNoFinger = errors.New("biometric: no finger in image")
)

// Image limits accepted by Extract.
const (
	MinDPI  = 250
	MaxDPI  = 1000
	minSide = 64   // pixels at 500 dpi
	maxSide = 2048 // pixels at 500 dpi
)

// maxMinutia is the most minutiae a template keeps (the best quality).
var maxMinutia = 120

// Mask is the foreground (fingerprint area) of an image, in blocks.
type Mask struct {
	BlockSize     int // block side in original image pixels (approximately)
	Width, Height int // in blocks
	Fg            []bool
}

// Features is the full result of an extraction: the template plus the
// intermediate results the enrollment flow and the tools may use.
type Features struct {
	Template *Template
	Mask     Mask
	// Quality is the image quality 0..100, as Quality returns.
	Quality uint8
}

// Extract finds minutiae in img, scanned at dpi (450–600 dpi are expected;
// the image is resampled to 500 dpi internally). The template's
// coordinates are pixels of img at dpi.
func Extract(img *image.Gray, dpi int) (*Template, error) {
	f, err := ExtractFeatures(img, dpi)
	if err != nil {
		return nil, err
	}
	return f.Template, nil
}

// ExtractFeatures is Extract that also returns the foreground mask and the
// image quality.
func ExtractFeatures(img *image.Gray, dpi int) (*Features, error) {
	if img == nil {
		return nil, fmt.Errorf("biometric: extract: %w: nil image", ErrImage)
	}
	if dpi < MinDPI || dpi > MaxDPI {
		return nil, fmt.Errorf("biometric: extract: %w: %d dpi outside %d..%d", ErrImage, dpi, MinDPI, MaxDPI)
	}
	b := img.Bounds()
	s := float64(internalDPI) / float64(dpi)
	if float64(b.Dx())*s < minSide || float64(b.Dy())*s < minSide ||
		float64(b.Dx())*s > maxSide || float64(b.Dy())*s > maxSide {
		return nil, fmt.Errorf("biometric: extract: %w: %dx%d pixels", ErrImage, b.Dx(), b.Dy())
	}
	if img.Stride < b.Dx() || len(img.Pix) < (b.Dy()-1)*img.Stride+b.Dx() {
		return nil, fmt.Errorf("biometric: extract: %w: short pixel buffer", ErrImage)
	}
	st := analyse(img, dpi)
	if st.fgBlocks < 16 {
		return nil, fmt.Errorf("biometric: extract: %w", ErrNoFinger)
	}
	if c := st.meanCoherence(); c < minMeanCoherence {
		return nil, fmt.Errorf("biometric: extract: %w: no ridge flow (coherence %.2f)", ErrNoFinger, c)
	}
	n := normalize(st.gray, normRadius)
	estimatePeriod(n, st.f)
	e, _ := enhance(n, st.f)
	k := newSkel(e.w, e.h)
	for y := 0; y < e.h; y++ {
		for x := 0; x < e.w; x++ {
			i := y*e.w + x
			if st.f.fgAt(x, y) && e.v[i] > 0 {
				k.b[k.idx(x, y)] = 1
			}
		}
	}
	k.thin()
	st.f.clarity = ridgeClarity(n, e, st.f)
	raw := findMinutiae(k, st.f, st.bd)
	if debugHook != nil {
		debugHook(st, e, k, raw)
	}
	if len(raw) > maxMinutia {
		sort.SliceStable(raw, func(i, j int) bool { return raw[i].quality > raw[j].quality })
		raw = raw[:maxMinutia]
	}
	t := &Template{Width: b.Dx(), Height: b.Dy(), DPI: dpi}
	t.Flow = newFlowPeriod(st.f.bw, st.f.bh, st.f.cos2, st.f.sin2, st.f.fg, st.f.period, st.scale)
	for _, m := range raw {
		x := int(math.Round(m.x / st.scale))
		y := int(math.Round(m.y / st.scale))
		a := math.Mod(2*math.Pi-m.angle, 2*math.Pi) // y down -> counter-clockwise
		if a >= 2*math.Pi || a < 0 {
			a = 0
		}
		t.Minutiae = append(t.Minutiae, Minutia{
			X: clamp(x, 0, b.Dx()-1), Y: clamp(y, 0, b.Dy()-1),
			Angle: a, Kind: m.kind, Quality: uint8(m.quality),
		})
	}
	q := st.quality(len(raw))
	t.Quality = q
	ft := &Features{Template: t, Quality: q, Mask: Mask{
		BlockSize: int(math.Round(blockSize / st.scale)),
		Width:     st.f.bw, Height: st.f.bh, Fg: st.f.fg,
	}}
	if len(t.Minutiae) < 3 {
		return ft, fmt.Errorf("biometric: extract: %w: %d found", ErrNoMinutiae, len(t.Minutiae))
	}
	return ft, nil
}

// debugHook, set by tests, sees the intermediate results.
var debugHook func(a *analysis, enhanced *plane, skeleton *skel, ms []rawMinutia)

// analysis is the shared first stage of Extract and Quality.
type analysis struct {
	gray     *plane
	scale    float64
	f        *field
	bd       []uint8
	fgBlocks int
}

func analyse(img *image.Gray, dpi int) *analysis {
	g, s := loadGray(img, dpi)
	sm := boxBlur(g, 1)
	f := estimateField(sm)
	a := &analysis{gray: g, scale: s, f: f}
	a.bd = f.borderDistance()
	for _, v := range f.fg {
		if v {
			a.fgBlocks++
		}
	}
	return a
}

// borderBlocks is how many blocks from the foreground border minutiae
// must be: ridges end where the print does.
var borderBlocks = 2

// minMeanCoherence is the mean orientation coherence of the foreground
// below which an image holds no ridges (white noise has about 0.1, a poor
// print 0.35).
const minMeanCoherence = 0.2

func (a *analysis) meanCoherence() float64 {
	var s float64
	n := 0
	for i, v := range a.f.fg {
		if v {
			s += float64(a.f.coh[i])
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return s / float64(n)
}

// quality combines foreground area, orientation coherence and contrast;
// minutiae < 0 means unknown.
func (a *analysis) quality(minutiae int) uint8 {
	f := a.f
	var coh, con float64
	n := 0
	for i, v := range f.fg {
		if v {
			coh += float64(f.coh[i])
			con += math.Min(1, float64(f.contrast[i])/40)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	coh /= float64(n)
	con /= float64(n)
	// area: a 500 dpi 12 mm x 12 mm patch (~ 140x140 px) counts as full
	area := math.Min(1, float64(n)*blockSize*blockSize/(140*140))
	q := 100 * math.Pow(area, 0.7) * math.Min(1, coh/0.6) * (0.5 + 0.5*con)
	if minutiae >= 0 {
		q *= math.Min(1, 0.4+float64(minutiae)/25)
	}
	return uint8(math.Max(0, math.Min(100, math.Round(q))))
}

// Quality is a 0..100 image quality score (orientation coherence, ridge
// contrast and foreground area), cheap enough to gate every capture; dpi
// is taken as 500. Extract's Template.Quality also weighs the minutiae count.
func Quality(img *image.Gray) uint8 {
	return QualityDPI(img, internalDPI)
}

// QualityDPI is Quality for an image scanned at dpi.
func QualityDPI(img *image.Gray, dpi int) uint8 {
	if img == nil || dpi < MinDPI || dpi > MaxDPI {
		return 0
	}
	b := img.Bounds()
	s := float64(internalDPI) / float64(dpi)
	if float64(b.Dx())*s < 16 || float64(b.Dy())*s < 16 || float64(b.Dx())*s > maxSide || float64(b.Dy())*s > maxSide ||
		img.Stride < b.Dx() || len(img.Pix) < (b.Dy()-1)*img.Stride+b.Dx() {
		return 0
	}
	return analyse(img, dpi).quality(-1)
}
