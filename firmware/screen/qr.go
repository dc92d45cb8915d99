package screen

import (
	"fmt"
	"image"

	qrcode "github.com/skip2/go-qrcode"
)

// quietZone is the light margin ISO/IEC 18004 requires around the symbol,
// in modules.
const quietZone = 4

// qrLevels are tried from the most error correction down.
var qrLevels = []struct {
	level qrcode.RecoveryLevel
	name  string
}{
	{qrcode.Highest, "H"}, {qrcode.High, "Q"}, {qrcode.Medium, "M"}, {qrcode.Low, "L"},
}

// qrPlan is a QR symbol fitted to an area of the panel.
type qrPlan struct {
	modules [][]bool // with the quiet zone
	level   string   // L, M, Q or H
	version int
	px      int // pixels per module
}

// side is the symbol's size in pixels, quiet zone included.
func (p *qrPlan) side() int { return len(p.modules) * p.px }

// planQR encodes token with the most error correction that still fits
// area (a square side in pixels) at minPx pixels per module or more, then
// takes the largest whole module size that fits. Base45 tokens are in the
// QR alphanumeric set, which the encoder selects by itself.
func planQR(token string, side, minPx int) (*qrPlan, error) {
	if token == "" {
		return nil, fmt.Errorf("%w: empty token", ErrQR)
	}
	var last *qrPlan
	for _, l := range qrLevels {
		q, err := qrcode.New(token, l.level)
		if err != nil {
			continue // too long for this level
		}
		q.DisableBorder = true
		bm := q.Bitmap()
		n := len(bm) + 2*quietZone
		modules := make([][]bool, n)
		for y := range modules {
			modules[y] = make([]bool, n)
			if y >= quietZone && y < n-quietZone {
				copy(modules[y][quietZone:], bm[y-quietZone])
			}
		}
		last = &qrPlan{modules: modules, level: l.name, version: q.VersionNumber, px: side / n}
		if last.px >= minPx {
			return last, nil
		}
	}
	if last == nil {
		return nil, fmt.Errorf("%w: token of %d characters does not fit any QR version", ErrQR, len(token))
	}
	if last.px < 2 {
		return nil, fmt.Errorf("%w: version %d needs %d px, the area is %d", ErrQR, last.version, len(last.modules)*2, side)
	}
	return last, nil // below minPx: level L at the largest size there is
}

// draw paints the symbol, quiet zone included, centred in r.
func (p *qrPlan) draw(dst *image.RGBA, r image.Rectangle) {
	s := p.side()
	x0 := r.Min.X + (r.Dx()-s)/2
	y0 := r.Min.Y + (r.Dy()-s)/2
	for my, row := range p.modules {
		for mx, dark := range row {
			v := byte(0xFF)
			if dark {
				v = 0
			}
			for y := y0 + my*p.px; y < y0+(my+1)*p.px; y++ {
				off := dst.PixOffset(x0+mx*p.px, y)
				for i := 0; i < p.px; i++ {
					px := dst.Pix[off+4*i : off+4*i+4]
					px[0], px[1], px[2], px[3] = v, v, v, 0xFF
				}
			}
		}
	}
}
