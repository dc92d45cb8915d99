package biometric

import (
	"encoding/binary"
	"image"
	"math"
	"testing"
)

// FuzzExtract feeds arbitrary pixels (the sensor's image upload is outside
// input) through extraction and quality: no panic, and every template
// returned is within the image and the documented ranges.
func FuzzExtract(f *testing.F) {
	f.Add(uint8(100), uint8(100), uint16(500), []byte{0, 255, 0, 255})
	f.Add(uint8(200), uint8(150), uint16(569), []byte("ridges and valleys"))
	f.Add(uint8(64), uint8(64), uint16(250), []byte{128})
	f.Fuzz(func(t *testing.T, w, h uint8, dpi uint16, pix []byte) {
		W, H := int(w)+16, int(h)+16
		img := image.NewGray(image.Rect(0, 0, W, H))
		if len(pix) > 0 {
			for i := range img.Pix {
				// a pattern from the fuzz bytes, so that it has structure
				img.Pix[i] = pix[(i/W*3+i%W)%len(pix)]
			}
		}
		Quality(img)
		tp, err := Extract(img, int(dpi))
		if err != nil {
			return
		}
		for _, m := range tp.Minutiae {
			if m.X < 0 || m.Y < 0 || m.X >= W || m.Y >= H || !(m.Angle >= 0 && m.Angle < 2*math.Pi) || m.Quality > 100 {
				t.Fatalf("minutia out of range: %+v in %dx%d", m, W, H)
			}
		}
		if s := Match(tp, tp); math.IsNaN(s) || s < 0 {
			t.Fatalf("self score %v", s)
		}
	})
}

// FuzzMatch builds templates from arbitrary bytes (a template read from a
// card or the registry is outside input even after its signature checked
// out) and matches them: no panic, scores finite and non-negative.
func FuzzMatch(f *testing.F) {
	f.Add([]byte{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120}, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint16(500))
	f.Add([]byte{}, []byte{255, 255, 255, 255, 255, 255}, uint16(0))
	f.Fuzz(func(t *testing.T, a, b []byte, dpi uint16) {
		ta, tb := bytesTemplate(a, int(dpi)), bytesTemplate(b, 500)
		for _, s := range []float64{Match(ta, tb), Match(tb, ta), Match(ta, ta)} {
			if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
				t.Fatalf("score %v", s)
			}
		}
		var g Gallery
		g.Add("a", ta)
		g.Identify(Prepare(tb), 0)
	})
}

func bytesTemplate(b []byte, dpi int) *Template {
	t := &Template{DPI: dpi, Width: 500, Height: 500}
	for len(b) >= 6 {
		x := int(int16(binary.BigEndian.Uint16(b)))
		y := int(int16(binary.BigEndian.Uint16(b[2:])))
		a := float64(b[4]) * 2 * math.Pi / 256
		if b[5]&1 == 1 {
			a = float64(int8(b[5])) * 1e6 // out-of-range angles too
		}
		t.Minutiae = append(t.Minutiae, Minutia{X: x, Y: y, Angle: a, Kind: Kind(b[5] % 3)})
		b = b[6:]
	}
	return t
}
