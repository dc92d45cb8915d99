package iso19794

import (
	"fmt"
	"math"
	"sort"

	"github.com/regterm/regterm/firmware/biometric"
)

// Opts are the record fields a biometric.Template does not carry.
type Opts struct {
	Position   uint8 // finger position code, 0 unknown
	Impression uint8 // impression type, 0 live-scan plain
	// EquipmentID is the 12-bit capture device type ID.
	EquipmentID uint16
	// ProductOwner and ProductType are the CBEFF product identifier
	// written into ANSI records.
	ProductOwner, ProductType uint16
	// KeepBest, when a template has more than 255 minutiae (the records'
	// limit), keeps the 255 of highest quality (ties: the earlier one) in
	// their original order instead of failing with ErrInvalid.
	KeepBest bool
	// OmitFlow leaves the template's orientation field (biometric.Flow,
	// written as a FlowArea extended data area) out of the record.
	OmitFlow bool
}

// DPIToPPCM converts dots per inch to the records' pixels per centimetre.
func DPIToPPCM(dpi int) uint16 { return uint16(math.Round(float64(dpi) / 2.54)) }

// PPCMToDPI converts pixels per centimetre to dots per inch.
func PPCMToDPI(ppcm uint16) int { return int(math.Round(float64(ppcm) * 2.54)) }

// AngleToRadians converts a record angle in format f to radians in [0, 2π).
func AngleToRadians(a uint8, f Format) float64 {
	if f == ANSI2004 {
		return float64(a) * 2 * math.Pi / 180
	}
	return float64(a) * 2 * math.Pi / 256
}

// RadiansToAngle converts an angle in radians (any value) to the nearest
// record angle in format f.
func RadiansToAngle(rad float64, f Format) uint8 {
	steps := 256.0
	if f == ANSI2004 {
		steps = 180
	}
	t := math.Mod(rad/(2*math.Pi), 1)
	if t < 0 {
		t++
	}
	a := int(math.Round(t*steps)) % int(steps)
	return uint8(a)
}

// Template returns view i of r as a biometric.Template. The template's
// DPI comes from the x resolution; when the y resolution differs, y
// coordinates, the height and the angles are rescaled to square pixels.
// A FlowArea at the start of the view's extended data becomes the
// template's Flow (a malformed one is ErrFormat).
func (r *Record) Template(i int) (*biometric.Template, error) {
	if i < 0 || i >= len(r.Views) {
		return nil, fmt.Errorf("%w: view %d of %d", ErrNoView, i, len(r.Views))
	}
	if r.XRes == 0 || r.YRes == 0 {
		return nil, fmt.Errorf("%w: zero resolution", ErrFormat)
	}
	sy := float64(r.XRes) / float64(r.YRes) // y pixels -> x-resolution pixels
	v := r.Views[i]
	t := &biometric.Template{
		Width:    int(r.Width),
		Height:   int(math.Round(float64(r.Height) * sy)),
		DPI:      PPCMToDPI(r.XRes),
		Quality:  v.Quality,
		Minutiae: make([]biometric.Minutia, len(v.Minutiae)),
	}
	for j, m := range v.Minutiae {
		a := AngleToRadians(m.Angle, r.Format)
		y := int(m.Y)
		if r.XRes != r.YRes {
			y = int(math.Round(float64(m.Y) * sy))
			a = math.Atan2(math.Sin(a)*sy, math.Cos(a))
			if a < 0 {
				a += 2 * math.Pi
			}
		}
		t.Minutiae[j] = biometric.Minutia{
			X:       int(m.X),
			Y:       y,
			Angle:   a,
			Kind:    biometric.Kind(m.Type),
			Quality: m.Quality,
		}
	}
	f, err := parseFlow(v.Extended)
	if err != nil {
		return nil, fmt.Errorf("%w: view %d", err, i)
	}
	if r.XRes == r.YRes { // a flow of non-square pixels is left out
		t.Flow = f
	}
	return t, nil
}

// FromTemplate makes a one-view record of format f from t. o may be nil.
func FromTemplate(t *biometric.Template, f Format, o *Opts) (*Record, error) {
	if o == nil {
		o = &Opts{}
	}
	switch {
	case f != ISO2005 && f != ANSI2004:
		return nil, fmt.Errorf("%w: unknown format %v", ErrInvalid, f)
	case t.Width < 0 || t.Width > 0xFFFF || t.Height < 0 || t.Height > 0xFFFF:
		return nil, fmt.Errorf("%w: image size %dx%d", ErrInvalid, t.Width, t.Height)
	case t.DPI <= 0 || DPIToPPCM(t.DPI) == 0 || t.DPI > 0xFFFF*2:
		return nil, fmt.Errorf("%w: resolution %d dpi", ErrInvalid, t.DPI)
	case t.Quality > 100:
		return nil, fmt.Errorf("%w: quality %d > 100", ErrInvalid, t.Quality)
	case len(t.Minutiae) > 255 && !o.KeepBest:
		return nil, fmt.Errorf("%w: %d minutiae > 255", ErrInvalid, len(t.Minutiae))
	case o.Impression > 0x0F || o.EquipmentID > 0x0FFF:
		return nil, fmt.Errorf("%w: impression %d / equipment %#x out of range", ErrInvalid, o.Impression, o.EquipmentID)
	}
	ppcm := DPIToPPCM(t.DPI)
	r := &Record{
		Format:      f,
		EquipmentID: o.EquipmentID,
		Width:       uint16(t.Width),
		Height:      uint16(t.Height),
		XRes:        ppcm,
		YRes:        ppcm,
	}
	if f == ANSI2004 {
		r.ProductOwner, r.ProductType = o.ProductOwner, o.ProductType
	}
	ms := t.Minutiae
	if len(ms) > 255 {
		ms = best(ms, 255)
	}
	v := View{Position: o.Position, Impression: o.Impression, Quality: t.Quality, Minutiae: make([]Minutia, len(ms))}
	for i, m := range ms {
		switch {
		case m.X < 0 || m.X > maxCoord || m.Y < 0 || m.Y > maxCoord:
			return nil, fmt.Errorf("%w: minutia %d at (%d,%d) beyond 14 bits", ErrInvalid, i, m.X, m.Y)
		case m.Kind > biometric.KindBifurcation:
			return nil, fmt.Errorf("%w: minutia %d: kind %d", ErrInvalid, i, m.Kind)
		case m.Quality > 100:
			return nil, fmt.Errorf("%w: minutia %d: quality %d > 100", ErrInvalid, i, m.Quality)
		case math.IsNaN(m.Angle) || math.IsInf(m.Angle, 0):
			return nil, fmt.Errorf("%w: minutia %d: angle %v", ErrInvalid, i, m.Angle)
		}
		v.Minutiae[i] = Minutia{
			Type:    uint8(m.Kind),
			X:       uint16(m.X),
			Y:       uint16(m.Y),
			Angle:   RadiansToAngle(m.Angle, f),
			Quality: m.Quality,
		}
	}
	if t.Flow != nil && !o.OmitFlow {
		ext, err := appendFlow(nil, t.Flow)
		if err != nil {
			return nil, err
		}
		v.Extended = ext
	}
	r.Views = []View{v}
	return r, nil
}

// best returns the n minutiae of ms of highest quality, in their order.
func best(ms []biometric.Minutia, n int) []biometric.Minutia {
	idx := make([]int, len(ms))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return ms[idx[a]].Quality > ms[idx[b]].Quality })
	keep := idx[:n]
	sort.Ints(keep)
	out := make([]biometric.Minutia, n)
	for i, j := range keep {
		out[i] = ms[j]
	}
	return out
}

// EncodeTemplate encodes t as a one-view record of format f.
func EncodeTemplate(t *biometric.Template, f Format, o *Opts) ([]byte, error) {
	r, err := FromTemplate(t, f, o)
	if err != nil {
		return nil, err
	}
	return r.Encode()
}

// DecodeTemplate decodes an ISO or ANSI record (see Decode) and returns
// its first finger view as a template.
func DecodeTemplate(b []byte) (*biometric.Template, error) {
	r, err := Decode(b)
	if err != nil {
		return nil, err
	}
	return r.Template(0)
}
