package screen

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"log/slog"
	"sync"

	"github.com/go-text/typesetting/shaping"

	"github.com/regterm/regterm/drivers/display"
	"github.com/regterm/regterm/firmware/enroll"
)

var (
	// ErrSize is returned by New for a display too small for the layouts.
	ErrSize = errors.New("screen: display too small")
	// ErrFont is returned by New for a font file that was asked for and
	// cannot be read or parsed.
	ErrFont = errors.New("screen: font")
	// ErrQR is returned by Show when the QR token cannot be drawn legibly.
	ErrQR = errors.New("screen: QR code")
	// ErrScreen is returned by Show for a screen ID it has no layout for.
	ErrScreen = errors.New("screen: unknown screen")
)

// Opts configures the renderer.
type Opts struct {
	// Size is the panel size; default the display's bounds. The layouts
	// are designed for 240x320 portrait and scale to other sizes.
	Size image.Point
	// FontPath is the Thai font (TTF/OTF); default DefaultFontPath. When
	// the default (empty or named) is missing the renderer draws the
	// English lines only and logs it; any other path must exist.
	FontPath string
	// BoldFontPath is the Thai bold font; default DefaultBoldFontPath
	// with the default FontPath, else FontPath; FontPath when missing.
	BoldFontPath string
	// LatinFontPath and LatinBoldFontPath are the Latin fonts; default
	// Noto Sans, or the embedded Go fonts when that is missing.
	LatinFontPath, LatinBoldFontPath string
	// QRMinModule is the smallest QR module in pixels the renderer aims
	// for; error correction is lowered before modules get smaller.
	// Default 3 (0.7 mm on a 2.8" 240x320 panel).
	QRMinModule int
	// Log receives the font fallback notice; default slog.Default().
	Log *slog.Logger
}

// Renderer draws screens onto a display, sending only what changed.
type Renderer struct {
	mu    sync.Mutex
	d     display.Display
	opts  Opts
	fs    *faces
	sh    shaping.HarfbuzzShaper
	gc    glyphs
	lines map[lineKey]*line
	qr    struct {
		token string
		side  int
		plan  *qrPlan
	}
	front, back *image.RGBA
	shown       bool
	scale       float64
	origin      image.Point

	overflow []string // texts too wide for their box even when shrunk (tests)
}

type lineKey struct {
	s    string
	size int
	bold bool
}

// New returns a renderer for d.
func New(d display.Display, o *Opts) (*Renderer, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	b := d.Bounds()
	if opts.Size == (image.Point{}) {
		opts.Size = b.Size()
	}
	if opts.Size.X < 120 || opts.Size.Y < 160 || opts.Size.X > b.Dx() || opts.Size.Y > b.Dy() {
		return nil, fmt.Errorf("%w: %v on a %v display (want at least 120x160)", ErrSize, opts.Size, b.Size())
	}
	// The default paths, named or not, fall back when the file is missing.
	thaiDefault := opts.FontPath == "" || opts.FontPath == DefaultFontPath || opts.FontPath == defaultFont
	latinDefault := opts.LatinFontPath == "" || opts.LatinFontPath == DefaultLatinPath || opts.LatinFontPath == defaultLatinFont
	if opts.FontPath == "" {
		opts.FontPath = defaultFont
	}
	if opts.BoldFontPath == "" {
		opts.BoldFontPath = opts.FontPath
		if thaiDefault {
			opts.BoldFontPath = defaultBoldFont
		}
	}
	if opts.LatinFontPath == "" {
		opts.LatinFontPath = defaultLatinFont
	}
	if opts.LatinBoldFontPath == "" {
		opts.LatinBoldFontPath = opts.LatinFontPath
		if latinDefault {
			opts.LatinBoldFontPath = defaultLatinBoldFont
		}
	}
	if opts.QRMinModule <= 0 {
		opts.QRMinModule = 3
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	fs, err := loadFaces(&opts, thaiDefault, latinDefault)
	if err != nil {
		return nil, err
	}
	if fs.thai == nil {
		opts.Log.Warn("screen: Thai font missing: Thai text unavailable, showing English only",
			"font", opts.FontPath, "fix", "apt-get install fonts-noto-core")
	}
	if fs.embeddedLatin {
		opts.Log.Info("screen: Noto Sans missing: using the embedded Go font for Latin text", "font", opts.LatinFontPath)
	}
	r := &Renderer{d: d, opts: opts, fs: fs, lines: map[lineKey]*line{}}
	rect := image.Rectangle{b.Min, b.Min.Add(opts.Size)}
	r.front, r.back = image.NewRGBA(rect), image.NewRGBA(rect)
	r.scale = min(float64(opts.Size.X)/designW, float64(opts.Size.Y)/designH)
	r.origin = rect.Min.Add(image.Pt(
		(opts.Size.X-int(designW*r.scale))/2, (opts.Size.Y-int(designH*r.scale))/2))
	return r, nil
}

// ThaiAvailable reports whether the Thai font was loaded.
func (r *Renderer) ThaiAvailable() bool { return r.fs.thai != nil }

// Frame returns a copy of the last frame shown.
func (r *Renderer) Frame() *image.RGBA {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := image.NewRGBA(r.front.Bounds())
	copy(c.Pix, r.front.Pix)
	return c
}

// Show draws s, sends the rectangles that differ from the frame shown
// before (everything the first time) and flushes the display.
func (r *Renderer) Show(s enroll.Screen) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := screenTexts[s.ID]; !ok {
		return fmt.Errorf("%w: %d", ErrScreen, int(s.ID))
	}
	if err := r.compose(s); err != nil {
		return err
	}
	var rects []image.Rectangle
	if r.shown {
		rects = changed(r.front, r.back)
	} else {
		rects = []image.Rectangle{r.back.Bounds()}
	}
	for _, rc := range rects {
		if err := r.d.Draw(rc, r.back, rc.Min); err != nil {
			// The panel is in an unknown state: send everything next time.
			r.shown = false
			return fmt.Errorf("screen: show %s: %w", s.ID, err)
		}
	}
	if err := display.Flush(r.d); err != nil {
		return fmt.Errorf("screen: show %s: %w", s.ID, err)
	}
	r.front, r.back = r.back, r.front
	r.shown = true
	return nil
}

// Invalidate makes the next Show send the whole frame, after the panel
// was reset or woken.
func (r *Renderer) Invalidate() {
	r.mu.Lock()
	r.shown = false
	r.mu.Unlock()
}

// Colours.
var (
	colBG      = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	colText    = color.RGBA{0x1A, 0x1A, 0x1A, 0xFF}
	colSubtle  = color.RGBA{0x5F, 0x63, 0x68, 0xFF}
	colBar     = color.RGBA{0x0B, 0x3D, 0x91, 0xFF}
	colBarText = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	colAccent  = color.RGBA{0x15, 0x65, 0xC0, 0xFF}
	colTrack   = color.RGBA{0xE3, 0xE6, 0xEA, 0xFF}
	colGood    = color.RGBA{0x2E, 0x7D, 0x32, 0xFF}
	colFair    = color.RGBA{0xE6, 0x9B, 0x00, 0xFF}
	colBad     = color.RGBA{0xC6, 0x28, 0x28, 0xFF}
	colOffline = color.RGBA{0x9E, 0x9E, 0x9E, 0xFF}
	colErrBG   = color.RGBA{0xFD, 0xEC, 0xEA, 0xFF}
)
