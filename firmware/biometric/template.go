package biometric

import "errors"

// ErrNoMinutiae is returned when an image yields too few minutiae to match.
var ErrNoMinutiae = errors.New("biometric: too few minutiae")

// Kind is a minutia type.
type Kind uint8

// Minutia kinds, numbered as in ISO/IEC 19794-2.
const (
	KindOther       Kind = 0
	KindEnding      Kind = 1
	KindBifurcation Kind = 2
)

// Minutia is one ridge ending or bifurcation. X and Y are pixels at the
// template's DPI, origin top-left; Angle is radians counter-clockwise from
// the x axis in [0, 2π); Quality is 0..100.
type Minutia struct {
	X, Y    int
	Angle   float64
	Kind    Kind
	Quality uint8
}

// Template is a set of minutiae extracted from one impression.
type Template struct {
	Width, Height int // image size in pixels
	DPI           int
	Quality       uint8 // overall image quality 0..100
	Minutiae      []Minutia
	// Flow is the coarse ridge orientation field, filled by Extract; nil
	// for a template read from a record (matched by minutiae alone).
	Flow *Flow
}

// Wipe overwrites the template's minutiae in place (biometric data is held
// for one enrollment only).
func (t *Template) Wipe() {
	for i := range t.Minutiae {
		t.Minutiae[i] = Minutia{}
	}
	t.Minutiae = t.Minutiae[:0]
	t.Flow.wipe()
	t.Flow = nil
}
