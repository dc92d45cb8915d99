package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/draw"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/regterm/regterm/firmware/biometric"
	_ "golang.org/x/image/tiff"
)

// ErrFormat is returned for an image file that cannot be decoded.
var ErrFormat = errors.New("fpeval: unsupported or corrupt image")

// maxPixels bounds decoded images (a 4000x4000 slap scan).
const maxPixels = 16 << 20

// loadImage reads a TIFF, PNG or PGM file as 8-bit gray.
func loadImage(path string) (*image.Gray, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, err := decodeImage(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

func decodeImage(b []byte) (*image.Gray, error) {
	if len(b) >= 2 && b[0] == 'P' && (b[1] == '5' || b[1] == '2') {
		return decodePGM(b)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("%w: %dx%d", ErrFormat, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if g, ok := img.(*image.Gray); ok {
		return g, nil
	}
	g := image.NewGray(image.Rect(0, 0, img.Bounds().Dx(), img.Bounds().Dy()))
	draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
	return g, nil
}

// decodePGM reads binary (P5) and ASCII (P2) portable graymaps with
// maxval ≤ 65535, scaled to 8 bits.
func decodePGM(b []byte) (*image.Gray, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	magic := make([]byte, 2)
	if _, err := io.ReadFull(r, magic); err != nil {
		return nil, fmt.Errorf("%w: pgm: %v", ErrFormat, err)
	}
	var vals [3]int
	for i := range vals {
		tok, err := pgmToken(r)
		if err != nil {
			return nil, fmt.Errorf("%w: pgm header: %v", ErrFormat, err)
		}
		v, err := strconv.Atoi(tok)
		if err != nil || v <= 0 || v > 65535 {
			return nil, fmt.Errorf("%w: pgm header value %q", ErrFormat, tok)
		}
		vals[i] = v
	}
	w, h, maxv := vals[0], vals[1], vals[2]
	if w*h > maxPixels {
		return nil, fmt.Errorf("%w: pgm %dx%d too large", ErrFormat, w, h)
	}
	g := image.NewGray(image.Rect(0, 0, w, h))
	if magic[1] == '2' {
		for i := range g.Pix {
			tok, err := pgmToken(r)
			if err != nil {
				return nil, fmt.Errorf("%w: pgm pixels: %v", ErrFormat, err)
			}
			v, err := strconv.Atoi(tok)
			if err != nil || v < 0 || v > maxv {
				return nil, fmt.Errorf("%w: pgm pixel %q", ErrFormat, tok)
			}
			g.Pix[i] = uint8(v * 255 / maxv)
		}
		return g, nil
	}
	// exactly one whitespace byte after maxval was consumed by pgmToken
	bpp := 1
	if maxv > 255 {
		bpp = 2
	}
	raw := make([]byte, w*h*bpp)
	if _, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("%w: pgm pixels: %v", ErrFormat, err)
	}
	for i := range g.Pix {
		v := int(raw[i])
		if bpp == 2 {
			v = int(raw[2*i])<<8 | int(raw[2*i+1])
		}
		if v > maxv {
			v = maxv
		}
		g.Pix[i] = uint8(v * 255 / maxv)
	}
	return g, nil
}

// pgmToken reads one whitespace-delimited token, skipping # comments, and
// consumes the single whitespace byte after it.
func pgmToken(r *bufio.Reader) (string, error) {
	var sb strings.Builder
	for {
		c, err := r.ReadByte()
		if err != nil {
			if sb.Len() > 0 && err == io.EOF {
				return sb.String(), nil
			}
			return "", err
		}
		switch {
		case c == '#' && sb.Len() == 0:
			for c != '\n' {
				if c, err = r.ReadByte(); err != nil {
					return "", err
				}
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if sb.Len() > 0 {
				return sb.String(), nil
			}
		default:
			if sb.Len() > 16 {
				return "", errors.New("token too long")
			}
			sb.WriteByte(c)
		}
	}
}

// sensor describes an emulated capture module.
type sensor struct {
	name string
	w, h int // frame at 500 dpi
	bits uint
}

var sensors = map[string]sensor{
	"r307": {"r307", 256, 288, 4},
	"r503": {"r503", 192, 192, 4},
}

// resample scales img by 500/dpi with bilinear interpolation.
func resample(img *image.Gray, dpi int) *image.Gray {
	if dpi == 500 {
		return img
	}
	b := img.Bounds()
	s := 500 / float64(dpi)
	w, h := int(float64(b.Dx())*s+0.5), int(float64(b.Dy())*s+0.5)
	out := image.NewGray(image.Rect(0, 0, w, h))
	at := func(x, y int) float64 {
		x = min(max(x, 0), b.Dx()-1)
		y = min(max(y, 0), b.Dy()-1)
		return float64(img.GrayAt(b.Min.X+x, b.Min.Y+y).Y)
	}
	for y := 0; y < h; y++ {
		fy := (float64(y)+0.5)/s - 0.5
		y0 := int(fy)
		if fy < 0 {
			y0 = -1
		}
		ay := fy - float64(y0)
		for x := 0; x < w; x++ {
			fx := (float64(x)+0.5)/s - 0.5
			x0 := int(fx)
			if fx < 0 {
				x0 = -1
			}
			ax := fx - float64(x0)
			v := (at(x0, y0)*(1-ax)+at(x0+1, y0)*ax)*(1-ay) + (at(x0, y0+1)*(1-ax)+at(x0+1, y0+1)*ax)*ay
			out.Pix[y*out.Stride+x] = uint8(v + 0.5)
		}
	}
	return out
}

// emulate turns an image into what the sensor module would deliver: 500
// dpi, a window of the module's frame size centred on the foreground
// (padded with the image's background), gray quantised to the module's bit depth.
func (s sensor) emulate(img *image.Gray, dpi int) *image.Gray {
	g := resample(img, dpi)
	b := g.Bounds()
	cx, cy := b.Dx()/2, b.Dy()/2
	if f, err := biometric.ExtractFeatures(g, 500); f != nil && (err == nil || errors.Is(err, biometric.ErrNoMinutiae)) {
		var sx, sy, n int
		m := f.Mask
		for by := 0; by < m.Height; by++ {
			for bx := 0; bx < m.Width; bx++ {
				if m.Fg[by*m.Width+bx] {
					sx += bx*m.BlockSize + m.BlockSize/2
					sy += by*m.BlockSize + m.BlockSize/2
					n++
				}
			}
		}
		if n > 0 {
			cx, cy = sx/n, sy/n
		}
	}
	out := image.NewGray(image.Rect(0, 0, s.w, s.h))
	x0, y0 := cx-s.w/2, cy-s.h/2
	bg := background(g)
	shift := 8 - s.bits
	levels := (1 << s.bits) - 1
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			v := bg
			if sx, sy := x0+x, y0+y; sx >= 0 && sy >= 0 && sx < b.Dx() && sy < b.Dy() {
				v = g.Pix[sy*g.Stride+sx]
			}
			q := int(v) >> shift
			out.Pix[y*out.Stride+x] = uint8(q * 255 / levels)
		}
	}
	return out
}

// background is the median of the image's outermost pixels: what the
// sensor shows where no finger touches it, used to pad the window.
func background(g *image.Gray) uint8 {
	var h [256]int
	n := 0
	b := g.Bounds()
	for x := 0; x < b.Dx(); x++ {
		h[g.Pix[x]]++
		h[g.Pix[(b.Dy()-1)*g.Stride+x]]++
		n += 2
	}
	for y := 0; y < b.Dy(); y++ {
		h[g.Pix[y*g.Stride]]++
		h[g.Pix[y*g.Stride+b.Dx()-1]]++
		n += 2
	}
	c := 0
	for v := range h {
		if c += h[v]; 2*c >= n {
			return uint8(v)
		}
	}
	return 255
}

// fvcImage is one file of an FVC-layout folder.
type fvcImage struct {
	path               string
	finger, impression int
}

// listFVC finds <finger>_<impression>.<tif|png|pgm> files in dir.
func listFVC(dir string) ([]fvcImage, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []fvcImage
	for _, e := range ents {
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if ext != ".tif" && ext != ".tiff" && ext != ".png" && ext != ".pgm" {
			continue
		}
		base := strings.TrimSuffix(name, filepath.Ext(name))
		a, b, ok := strings.Cut(base, "_")
		if !ok {
			continue
		}
		f, err1 := strconv.Atoi(a)
		i, err2 := strconv.Atoi(b)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, fvcImage{filepath.Join(dir, name), f, i})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("fpeval: no <finger>_<impression>.<tif|png|pgm> images in %s", dir)
	}
	return out, nil
}
