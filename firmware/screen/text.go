package screen

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	fs2 "io/fs"
	"math"
	"os"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// Default font files, from Debian's fonts-noto-core.
const (
	DefaultFontPath      = "/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf"
	DefaultBoldFontPath  = "/usr/share/fonts/truetype/noto/NotoSansThai-Bold.ttf"
	DefaultLatinPath     = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
	DefaultLatinBoldPath = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"
)

// faces are the fonts of the renderer: Thai (nil when the font is missing)
// and Latin, each regular and bold.
type faces struct {
	thai, thaiBold   *font.Face
	latin, latinBold *font.Face
	embeddedLatin    bool
}

func loadFace(path string) (*font.Face, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := font.ParseTTF(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func embedded(ttf []byte) *font.Face {
	f, err := font.ParseTTF(bytes.NewReader(ttf))
	if err != nil {
		panic("screen: embedded Go font does not parse: " + err.Error()) // cannot happen
	}
	return f
}

// The default paths, variables for the tests.
var (
	defaultFont          = DefaultFontPath
	defaultBoldFont      = DefaultBoldFontPath
	defaultLatinFont     = DefaultLatinPath
	defaultLatinBoldFont = DefaultLatinBoldPath
)

// loadFaces loads the fonts of o. A missing default font is not an error
// (the Thai lines are left out, Latin falls back to the embedded Go font);
// a font that was asked for and cannot be loaded is.
func loadFaces(o *Opts, thaiDefault, latinDefault bool) (*faces, error) {
	fs := &faces{}
	var err error
	if fs.thai, err = loadFace(o.FontPath); err != nil {
		if !thaiDefault || !errors.Is(err, fs2.ErrNotExist) {
			return nil, fmt.Errorf("%w: Thai font: %w", ErrFont, err)
		}
		fs.thai = nil
	}
	if fs.thai != nil {
		if fs.thaiBold, err = loadFace(o.BoldFontPath); err != nil {
			fs.thaiBold = fs.thai
		}
	}
	if fs.latin, err = loadFace(o.LatinFontPath); err != nil {
		if !latinDefault || !errors.Is(err, fs2.ErrNotExist) {
			return nil, fmt.Errorf("%w: Latin font: %w", ErrFont, err)
		}
		fs.latin, fs.latinBold, fs.embeddedLatin = embedded(goregular.TTF), embedded(gobold.TTF), true
	} else if fs.latinBold, err = loadFace(o.LatinBoldFontPath); err != nil {
		fs.latinBold = fs.latin
	}
	return fs, nil
}

// isThai reports whether r is in the Thai block.
func isThai(r rune) bool { return r >= 0x0E00 && r <= 0x0E7F }

// glyph is one positioned glyph of a shaped line, in pixels (26.6) from
// the line's origin on the baseline, y down.
type glyph struct {
	face *font.Face
	id   font.GID
	x, y fixed.Int26_6
}

// line is a shaped line of text at one size.
type line struct {
	glyphs          []glyph
	width           fixed.Int26_6
	ascent, descent fixed.Int26_6 // descent positive, below the baseline
}

// run is a stretch of text in one face and script.
type run struct {
	face       *font.Face
	script     language.Script
	lang       language.Language
	start, end int
}

// runs splits text into Thai and Latin runs; spaces and punctuation stay
// in the run they are in. Without a Thai face there are only Latin runs.
func (fs *faces) runs(text []rune, bold bool) []run {
	thai, latin := fs.thai, fs.latin
	if bold {
		thai, latin = fs.thaiBold, fs.latinBold
	}
	var rs []run
	for i, r := range text {
		t := thai != nil && isThai(r)
		neutral := r == ' ' || r == '.' || r == ',' || r == '-' || r == '/' || r == ':'
		if len(rs) > 0 && (neutral || (rs[len(rs)-1].script == language.Thai) == t) {
			rs[len(rs)-1].end = i + 1
			continue
		}
		if t {
			rs = append(rs, run{thai, language.Thai, language.NewLanguage("th"), i, i + 1})
		} else {
			rs = append(rs, run{latin, language.Latin, language.NewLanguage("en"), i, i + 1})
		}
	}
	return rs
}

// shape shapes text at size pixels, with HarfBuzz's algorithm as ported
// by go-text: Thai vowels above and below and tone marks are placed by the
// font's GPOS/GSUB tables (mark-to-base, mark-to-mark, the small and narrow
// variants).
func (fs *faces) shape(sh *shaping.HarfbuzzShaper, s string, size int, bold bool) *line {
	text := []rune(s)
	l := &line{}
	var x fixed.Int26_6
	for _, r := range fs.runs(text, bold) {
		out := sh.Shape(shaping.Input{
			Text: text, RunStart: r.start, RunEnd: r.end,
			Direction: di.DirectionLTR, Face: r.face, Size: fixed.I(size),
			Script: r.script, Language: r.lang,
		})
		for _, g := range out.Glyphs {
			l.glyphs = append(l.glyphs, glyph{face: r.face, id: g.GlyphID, x: x + g.XOffset, y: -g.YOffset})
			x += g.XAdvance
		}
		l.ascent = max(l.ascent, out.LineBounds.Ascent)
		l.descent = max(l.descent, -out.LineBounds.Descent)
	}
	l.width = x
	return l
}

// glyphKey identifies a rasterised glyph: face, glyph, size and the
// quarter-pixel horizontal phase.
type glyphKey struct {
	face  *font.Face
	id    font.GID
	size  int
	phase int
}

// mask is a rasterised glyph: coverage and its offset from the pixel the
// pen is on.
type mask struct {
	img *image.Alpha
	off image.Point
}

// glyphs caches rasterised glyphs.
type glyphs struct {
	m   map[glyphKey]*mask
	ras vector.Rasterizer
}

func (gc *glyphs) get(k glyphKey) *mask {
	if m, ok := gc.m[k]; ok {
		return m
	}
	if gc.m == nil || len(gc.m) > 4096 {
		gc.m = map[glyphKey]*mask{}
	}
	m := gc.rasterise(k)
	gc.m[k] = m
	return m
}

func (gc *glyphs) rasterise(k glyphKey) *mask {
	o, ok := k.face.GlyphDataOutline(k.id)
	if !ok || len(o.Segments) == 0 {
		return nil
	}
	scale := float32(k.size) / float32(k.face.Upem())
	dx := float32(k.phase) / 4
	minX, minY := float32(math.MaxFloat32), float32(math.MaxFloat32)
	maxX, maxY := float32(-math.MaxFloat32), float32(-math.MaxFloat32)
	for _, s := range o.Segments {
		for _, p := range s.ArgsSlice() {
			x, y := p.X*scale+dx, -p.Y*scale
			minX, maxX = min(minX, x), max(maxX, x)
			minY, maxY = min(minY, y), max(maxY, y)
		}
	}
	x0, y0 := int(math.Floor(float64(minX))), int(math.Floor(float64(minY)))
	x1, y1 := int(math.Ceil(float64(maxX))), int(math.Ceil(float64(maxY)))
	w, h := x1-x0, y1-y0
	if w <= 0 || h <= 0 || w > 2048 || h > 2048 {
		return nil
	}
	gc.ras.Reset(w, h)
	fx, fy := float32(x0), float32(y0)
	pt := func(p font.SegmentPoint) (float32, float32) { return p.X*scale + dx - fx, -p.Y*scale - fy }
	for _, s := range o.Segments {
		a := s.Args
		switch s.Op {
		case 0: // move to
			x, y := pt(a[0])
			gc.ras.MoveTo(x, y)
		case 1: // line to
			x, y := pt(a[0])
			gc.ras.LineTo(x, y)
		case 2: // quad to
			bx, by := pt(a[0])
			cx, cy := pt(a[1])
			gc.ras.QuadTo(bx, by, cx, cy)
		case 3: // cube to
			bx, by := pt(a[0])
			cx, cy := pt(a[1])
			ex, ey := pt(a[2])
			gc.ras.CubeTo(bx, by, cx, cy, ex, ey)
		}
	}
	gc.ras.ClosePath()
	img := image.NewAlpha(image.Rect(0, 0, w, h))
	gc.ras.Draw(img, img.Bounds(), image.Opaque, image.Point{})
	return &mask{img: img, off: image.Pt(x0, y0)}
}

// drawLine draws l with its origin (left end of the baseline) at x, y.
func (gc *glyphs) drawLine(dst draw.Image, l *line, size int, x fixed.Int26_6, y int, c color.Color) {
	src := image.NewUniform(c)
	for _, g := range l.glyphs {
		gx := x + g.x
		px := gx.Floor()
		phase := int((gx - fixed.I(px)) >> 4) // 0..3 quarter pixels
		m := gc.get(glyphKey{g.face, g.id, size, phase})
		if m == nil {
			continue
		}
		py := y + g.y.Round()
		r := m.img.Bounds().Add(image.Pt(px, py).Add(m.off))
		draw.DrawMask(dst, r, src, image.Point{}, m.img, image.Point{}, draw.Over)
	}
}
