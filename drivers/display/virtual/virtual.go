package virtual

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/regterm/regterm/drivers/display"
)

var (
	// ErrBadOpts is returned by New for options it cannot use.
	ErrBadOpts = errors.New("virtual: invalid options")
	// ErrHalted is returned by every method after Halt.
	ErrHalted = errors.New("virtual: halted")
)

// Opts configures the virtual display.
type Opts struct {
	// Dir, when set, receives one PNG per frame: frame-000001.png, ...
	// It is created if needed.
	Dir string
	// Term, when set, receives each frame rendered with half blocks.
	Term io.Writer
	// Columns is the width of the terminal rendering in characters; the
	// frame is scaled down by a whole factor to fit. Default 60.
	Columns int
}

// Stats counts what was drawn, for tests and benchmarks of partial updates.
type Stats struct {
	Frames int // frames flushed
	Draws  int // Draw calls that changed something
	Pixels int // pixels drawn (after clipping)
}

// Dev is a virtual display.
type Dev struct {
	mu        sync.Mutex
	opts      Opts
	frame     *image.RGBA
	dirty     bool
	stats     Stats
	backlight uint8
	asleep    bool
	halted    bool
	// terminal state
	scale   int
	lines   [][]byte // last rendered line per text row
	started bool
	tbuf    bytes.Buffer
}

// New returns a virtual display of the given size, black, backlight on.
func New(size image.Point, o *Opts) (*Dev, error) {
	var opts Opts
	if o != nil {
		opts = *o
	}
	if size.X <= 0 || size.Y <= 0 || size.X > 4096 || size.Y > 4096 {
		return nil, fmt.Errorf("%w: size %v", ErrBadOpts, size)
	}
	if opts.Columns == 0 {
		opts.Columns = 60
	}
	if opts.Columns < 0 {
		return nil, fmt.Errorf("%w: columns %d", ErrBadOpts, opts.Columns)
	}
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("virtual: new: %w", err)
		}
	}
	d := &Dev{opts: opts, frame: image.NewRGBA(image.Rectangle{Max: size}), backlight: 255}
	draw.Draw(d.frame, d.frame.Bounds(), image.NewUniform(color.Black), image.Point{}, draw.Src)
	d.scale = (size.X + opts.Columns - 1) / opts.Columns
	return d, nil
}

// ColorModel implements display.Display.
func (d *Dev) ColorModel() color.Model { return color.RGBAModel }

// Bounds implements display.Display.
func (d *Dev) Bounds() image.Rectangle { return d.frame.Bounds() }

// Draw implements display.Display: it updates dstRect of the frame. The
// frame is written out at the next Flush.
func (d *Dev) Draw(dstRect image.Rectangle, src image.Image, sp image.Point) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	r := dstRect.Intersect(d.frame.Bounds())
	sp = sp.Add(r.Min.Sub(dstRect.Min))
	sr := image.Rectangle{sp, sp.Add(r.Size())}.Intersect(src.Bounds())
	r = image.Rectangle{r.Min.Add(sr.Min.Sub(sp)), r.Min.Add(sr.Min.Sub(sp)).Add(sr.Size())}
	if r.Empty() {
		return nil
	}
	draw.Draw(d.frame, r, src, sr.Min, draw.Src)
	d.dirty = true
	d.stats.Draws++
	d.stats.Pixels += r.Dx() * r.Dy()
	return nil
}

// Flush implements display.Flusher: when something was drawn since the
// last Flush, it writes the frame as the next PNG and to the terminal.
func (d *Dev) Flush() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	return d.flush()
}

func (d *Dev) flush() error {
	if !d.dirty {
		return nil
	}
	d.dirty = false
	d.stats.Frames++
	if d.opts.Dir != "" {
		if err := d.writePNG(); err != nil {
			return fmt.Errorf("virtual: flush: %w", err)
		}
	}
	if d.opts.Term != nil {
		if err := d.render(); err != nil {
			return fmt.Errorf("virtual: flush: terminal: %w", err)
		}
	}
	return nil
}

// writePNG writes the frame to a temporary file and renames it into place,
// so a viewer never sees half a frame.
func (d *Dev) writePNG() error {
	name := filepath.Join(d.opts.Dir, fmt.Sprintf("frame-%06d.png", d.stats.Frames))
	f, err := os.CreateTemp(d.opts.Dir, ".frame-*.png")
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = png.Encode(w, d.frame)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// render draws the frame scaled down by d.scale, two pixel rows per text
// row, rewriting only the text rows that changed since the last frame.
func (d *Dev) render() error {
	b := d.frame.Bounds()
	s := d.scale
	cols := (b.Dx() + s - 1) / s
	rows := (b.Dy() + 2*s - 1) / (2 * s)
	if d.lines == nil {
		d.lines = make([][]byte, rows)
	}
	d.tbuf.Reset()
	if !d.started {
		d.tbuf.WriteString("\x1b[2J\x1b[?25l") // clear, hide the cursor
		d.started = true
	}
	var line []byte
	for row := 0; row < rows; row++ {
		line = line[:0]
		var lastFg, lastBg color.RGBA
		for col := 0; col < cols; col++ {
			fg := d.average(col*s, 2*row*s, s)
			bg := d.average(col*s, (2*row+1)*s, s)
			if col == 0 || fg != lastFg {
				line = sgr(line, 38, fg)
			}
			if col == 0 || bg != lastBg {
				line = sgr(line, 48, bg)
			}
			lastFg, lastBg = fg, bg
			line = append(line, "▀"...)
		}
		line = append(line, "\x1b[0m"...)
		if bytes.Equal(line, d.lines[row]) {
			continue
		}
		d.lines[row] = append(d.lines[row][:0], line...)
		d.tbuf.WriteString("\x1b[" + strconv.Itoa(row+1) + ";1H")
		d.tbuf.Write(line)
	}
	if d.tbuf.Len() == 0 {
		return nil
	}
	d.tbuf.WriteString("\x1b[" + strconv.Itoa(rows+1) + ";1H")
	_, err := d.opts.Term.Write(d.tbuf.Bytes())
	return err
}

func sgr(b []byte, code int, c color.RGBA) []byte {
	b = append(b, "\x1b["...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ";2;"...)
	b = strconv.AppendInt(b, int64(c.R), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(c.G), 10)
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(c.B), 10)
	return append(b, 'm')
}

// average is the mean colour of the s×s block at x, y (clipped; black
// below the frame), dimmed by the backlight.
func (d *Dev) average(x, y, s int) color.RGBA {
	r := image.Rect(x, y, x+s, y+s).Intersect(d.frame.Bounds())
	if r.Empty() || d.asleep {
		return color.RGBA{A: 255}
	}
	var sr, sg, sb, n int
	for yy := r.Min.Y; yy < r.Max.Y; yy++ {
		p := d.frame.Pix[d.frame.PixOffset(r.Min.X, yy):]
		for xx := 0; xx < r.Dx(); xx++ {
			sr += int(p[4*xx])
			sg += int(p[4*xx+1])
			sb += int(p[4*xx+2])
			n++
		}
	}
	bl := int(d.backlight)
	return color.RGBA{uint8(sr * bl / n / 255), uint8(sg * bl / n / 255), uint8(sb * bl / n / 255), 255}
}

// Frame returns a copy of the current frame.
func (d *Dev) Frame() *image.RGBA {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := image.NewRGBA(d.frame.Bounds())
	copy(c.Pix, d.frame.Pix)
	return c
}

// Stats returns what was drawn so far.
func (d *Dev) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// Backlight implements display.Display; the terminal rendering dims with it.
func (d *Dev) Backlight(level uint8) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	d.backlight = level
	return nil
}

// Sleep implements display.Display; a sleeping panel renders black.
func (d *Dev) Sleep(on bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	d.asleep = on
	return nil
}

// String implements display.Display.
func (d *Dev) String() string {
	s := fmt.Sprintf("virtual{%dx%d", d.frame.Bounds().Dx(), d.frame.Bounds().Dy())
	if d.opts.Dir != "" {
		s += " png:" + d.opts.Dir
	}
	if d.opts.Term != nil {
		s += " term"
	}
	return s + "}"
}

// Halt implements display.Display: it flushes a pending frame and restores
// the terminal (colours, cursor).
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return nil
	}
	err := d.flush()
	d.halted = true
	if d.opts.Term != nil && d.started {
		if _, werr := io.WriteString(d.opts.Term, "\x1b[0m\x1b[?25h"); err == nil && werr != nil {
			err = fmt.Errorf("virtual: halt: %w", werr)
		}
	}
	return err
}

var (
	_ display.Display = (*Dev)(nil)
	_ display.Flusher = (*Dev)(nil)
)
