package st7789

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"sync"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"github.com/regterm/regterm/drivers/display"
)

// Commands of the ST7789 (datasheet section 9.1).
const (
	cmdSWRESET = 0x01
	cmdSLPIN   = 0x10
	cmdSLPOUT  = 0x11
	cmdNORON   = 0x13
	cmdINVOFF  = 0x20
	cmdINVON   = 0x21
	cmdDISPOFF = 0x28
	cmdDISPON  = 0x29
	cmdCASET   = 0x2A
	cmdRASET   = 0x2B
	cmdRAMWR   = 0x2C
	cmdMADCTL  = 0x36
	cmdCOLMOD  = 0x3A
)

// MADCTL bits (datasheet 9.1.28).
const (
	madctlMY  = 0x80 // row address order (mirror rows)
	madctlMX  = 0x40 // column address order (mirror columns)
	madctlMV  = 0x20 // row/column exchange
	madctlBGR = 0x08 // BGR colour filter order
)

// colmod16 is COLMOD 55h: 65K RGB interface, 16 bit/pixel.
const colmod16 = 0x55

// The controller's frame memory.
const (
	memWidth  = 240
	memHeight = 320
)

// Delays from the datasheet.
const (
	resetPulse   = 20 * time.Microsecond  // TRW ≥ 10 µs
	resetRecover = 120 * time.Millisecond // TRT, reset during sleep out
	sleepDelay   = 120 * time.Millisecond // SLPOUT/SLPIN to the next sleep command
	modeDelay    = 10 * time.Millisecond  // after NORON / DISPON
)

// defaultMaxTx is the transaction size used when the SPI connection does
// not report one (conn.Limits): Linux spidev's default bufsiz.
const defaultMaxTx = 4096

var (
	// ErrBadOpts is returned by New for options it cannot use.
	ErrBadOpts = errors.New("st7789: invalid options")
	// ErrHalted is returned by every method after Halt.
	ErrHalted = errors.New("st7789: halted")
)

// Opts configures the panel.
type Opts struct {
	// Width and Height are the panel's visible size in its native portrait
	// orientation: 240x320 or 240x240 (any size up to 240x320 works).
	Width, Height int
	// XOffset and YOffset are where the visible area starts in the 240x320
	// frame memory in the native orientation; mirrored rotations use the
	// offset from the far edge. 0,0 for 240x320 and for 240x240 modules.
	XOffset, YOffset int
	// Rotation is 0, 90, 180 or 270 degrees clockwise.
	Rotation int
	// Invert turns on display inversion (INVON): IPS panels need it.
	Invert bool
	// BGR selects BGR colour order for panels wired that way.
	BGR bool
	// Clock is the SPI clock; the ST7789 write cycle allows 62.5 MHz.
	Clock physic.Frequency
	// Mode is the SPI mode: Mode0, or Mode3 for modules without CS.
	Mode spi.Mode
	// MaxTxSize overrides the transaction size reported by the port
	// (conn.Limits); 0 uses the port's, or 4096 when it has none.
	MaxTxSize int
	// BacklightFreq is the PWM frequency for levels between 0 and 255
	// (0: the pin driver's default).
	BacklightFreq physic.Frequency
	// Sleep waits; nil is time.Sleep. Tests inject a recorder.
	Sleep func(time.Duration)
}

// DefaultOpts is a 240x320 IPS panel at 40 MHz.
var DefaultOpts = Opts{
	Width:  240,
	Height: 320,
	Invert: true,
	Clock:  40 * physic.MegaHertz,
	Mode:   spi.Mode0,
}

// Dev is an ST7789 panel.
type Dev struct {
	mu      sync.Mutex
	c       spi.Conn
	dc      gpio.PinOut
	rst     gpio.PinOut
	bl      gpio.PinOut
	opts    Opts
	name    string
	madctl  byte
	xoff    int // CASET offset in the rotated orientation
	yoff    int // RASET offset
	bounds  image.Rectangle
	maxTx   int
	buf     []byte      // pixel transfer buffer, maxTx bytes
	cmdBuf  [5]byte     // command parameters
	scratch *image.RGBA // for sources without a fast path
	halted  bool
}

// New connects to the panel on port, resets it through rst (nil or
// gpio.INVALID: software reset), initialises it and clears its memory,
// then switches the backlight bl (nil: none) on. dc is required.
func New(port spi.Port, dc, rst, bl gpio.PinOut, o *Opts) (*Dev, error) {
	if o == nil {
		o = &DefaultOpts
	}
	opts := *o
	if err := check(&opts); err != nil {
		return nil, err
	}
	if dc == nil || dc == gpio.INVALID {
		return nil, fmt.Errorf("%w: no DC pin", ErrBadOpts)
	}
	if rst == gpio.INVALID {
		rst = nil
	}
	if bl == gpio.INVALID {
		bl = nil
	}
	c, err := port.Connect(opts.Clock, opts.Mode, 8)
	if err != nil {
		return nil, fmt.Errorf("st7789: connect: %w", err)
	}
	d := &Dev{c: c, dc: dc, rst: rst, bl: bl, opts: opts}
	d.maxTx = opts.MaxTxSize
	if d.maxTx == 0 {
		d.maxTx = defaultMaxTx
		if l, ok := c.(conn.Limits); ok && l.MaxTxSize() > 0 {
			d.maxTx = l.MaxTxSize()
		}
	}
	d.maxTx &^= 1 // whole pixels per transaction
	d.buf = make([]byte, d.maxTx)
	d.setRotation()
	d.name = fmt.Sprintf("ST7789{%dx%d, rot %d, %s}", d.bounds.Dx(), d.bounds.Dy(), opts.Rotation, port)
	if err := d.init(); err != nil {
		return nil, fmt.Errorf("st7789: init: %w", err)
	}
	return d, nil
}

func check(o *Opts) error {
	if o.Width <= 0 || o.Height <= 0 || o.Width+o.XOffset > memWidth || o.Height+o.YOffset > memHeight ||
		o.XOffset < 0 || o.YOffset < 0 {
		return fmt.Errorf("%w: panel %dx%d at %d,%d does not fit the 240x320 frame memory",
			ErrBadOpts, o.Width, o.Height, o.XOffset, o.YOffset)
	}
	switch o.Rotation {
	case 0, 90, 180, 270:
	default:
		return fmt.Errorf("%w: rotation %d (want 0, 90, 180 or 270)", ErrBadOpts, o.Rotation)
	}
	if o.Clock <= 0 || o.Clock > 100*physic.MegaHertz {
		return fmt.Errorf("%w: clock %s", ErrBadOpts, o.Clock)
	}
	if o.MaxTxSize < 0 || o.MaxTxSize == 1 {
		return fmt.Errorf("%w: max transaction size %d", ErrBadOpts, o.MaxTxSize)
	}
	if o.Sleep == nil {
		o.Sleep = time.Sleep
	}
	return nil
}

// setRotation computes MADCTL, the logical size and the window offsets.
// MX mirrors the frame memory's columns and MY its rows; with MV the
// logical x runs along the memory rows.
func (d *Dev) setRotation() {
	o := &d.opts
	var m byte
	switch o.Rotation {
	case 90:
		m = madctlMX | madctlMV
	case 180:
		m = madctlMX | madctlMY
	case 270:
		m = madctlMY | madctlMV
	}
	col, row := o.XOffset, o.YOffset
	if m&madctlMX != 0 {
		col = memWidth - o.Width - o.XOffset
	}
	if m&madctlMY != 0 {
		row = memHeight - o.Height - o.YOffset
	}
	if m&madctlMV != 0 {
		d.xoff, d.yoff = row, col
		d.bounds = image.Rect(0, 0, o.Height, o.Width)
	} else {
		d.xoff, d.yoff = col, row
		d.bounds = image.Rect(0, 0, o.Width, o.Height)
	}
	if o.BGR {
		m |= madctlBGR
	}
	d.madctl = m
}

func (d *Dev) init() error {
	if d.bl != nil {
		if err := d.bl.Out(gpio.Low); err != nil {
			return fmt.Errorf("backlight: %w", err)
		}
	}
	if d.rst != nil {
		for _, s := range []struct {
			l gpio.Level
			t time.Duration
		}{{gpio.High, resetPulse}, {gpio.Low, resetPulse}, {gpio.High, resetRecover}} {
			if err := d.rst.Out(s.l); err != nil {
				return fmt.Errorf("reset: %w", err)
			}
			d.opts.Sleep(s.t)
		}
	} else {
		if err := d.command(cmdSWRESET); err != nil {
			return err
		}
		d.opts.Sleep(resetRecover)
	}
	if err := d.command(cmdSLPOUT); err != nil {
		return err
	}
	d.opts.Sleep(sleepDelay)
	if err := d.command(cmdCOLMOD, colmod16); err != nil {
		return err
	}
	if err := d.command(cmdMADCTL, d.madctl); err != nil {
		return err
	}
	inv := byte(cmdINVOFF)
	if d.opts.Invert {
		inv = cmdINVON
	}
	if err := d.command(inv); err != nil {
		return err
	}
	if err := d.command(cmdNORON); err != nil {
		return err
	}
	d.opts.Sleep(modeDelay)
	if err := d.draw(d.bounds, image.NewUniform(color.Black), image.Point{}); err != nil {
		return err
	}
	if err := d.command(cmdDISPON); err != nil {
		return err
	}
	d.opts.Sleep(modeDelay)
	if d.bl != nil {
		if err := d.bl.Out(gpio.High); err != nil {
			return fmt.Errorf("backlight: %w", err)
		}
	}
	return nil
}

// command sends cmd with DC low, then its parameters with DC high.
func (d *Dev) command(cmd byte, params ...byte) error {
	if err := d.dc.Out(gpio.Low); err != nil {
		return fmt.Errorf("dc: %w", err)
	}
	d.cmdBuf[0] = cmd
	if err := d.c.Tx(d.cmdBuf[:1], nil); err != nil {
		return fmt.Errorf("command %#02x: %w", cmd, err)
	}
	if len(params) == 0 {
		return nil
	}
	if err := d.dc.Out(gpio.High); err != nil {
		return fmt.Errorf("dc: %w", err)
	}
	n := copy(d.cmdBuf[:], params)
	if err := d.c.Tx(d.cmdBuf[:n], nil); err != nil {
		return fmt.Errorf("command %#02x data: %w", cmd, err)
	}
	return nil
}

// window sets the CASET/RASET address window to r (logical coordinates)
// and starts RAMWR; the pixel data follows with DC high.
func (d *Dev) window(r image.Rectangle) error {
	x0, x1 := uint16(r.Min.X+d.xoff), uint16(r.Max.X-1+d.xoff)
	y0, y1 := uint16(r.Min.Y+d.yoff), uint16(r.Max.Y-1+d.yoff)
	if err := d.command(cmdCASET, byte(x0>>8), byte(x0), byte(x1>>8), byte(x1)); err != nil {
		return err
	}
	if err := d.command(cmdRASET, byte(y0>>8), byte(y0), byte(y1>>8), byte(y1)); err != nil {
		return err
	}
	if err := d.command(cmdRAMWR); err != nil {
		return err
	}
	if err := d.dc.Out(gpio.High); err != nil {
		return fmt.Errorf("dc: %w", err)
	}
	return nil
}

// ColorModel implements display.Display: RGB565 is what reaches the panel.
func (d *Dev) ColorModel() color.Model { return RGB565Model }

// Bounds implements display.Display: the size in the configured rotation.
func (d *Dev) Bounds() image.Rectangle { return d.bounds }

// Draw implements display.Display: it sends the pixels of dstRect (clipped
// to the panel) from src at sp, in transactions of at most the port's
// maximum size.
func (d *Dev) Draw(dstRect image.Rectangle, src image.Image, sp image.Point) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	// Clip, moving sp with the top-left corner.
	r := dstRect.Intersect(d.bounds)
	sp = sp.Add(r.Min.Sub(dstRect.Min))
	// Clip to the source too.
	sr := image.Rectangle{sp, sp.Add(r.Size())}.Intersect(src.Bounds())
	r = image.Rectangle{r.Min.Add(sr.Min.Sub(sp)), r.Min.Add(sr.Min.Sub(sp)).Add(sr.Size())}
	sp = sr.Min
	if r.Empty() {
		return nil
	}
	if err := d.draw(r, src, sp); err != nil {
		return fmt.Errorf("st7789: draw %v: %w", r, err)
	}
	return nil
}

// draw sends the already clipped rectangle r.
func (d *Dev) draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if err := d.window(r); err != nil {
		return err
	}
	switch s := src.(type) {
	case *image.Uniform:
		return d.sendUniform(r.Dx()*r.Dy(), s.C)
	case *image.RGBA:
		return d.sendRGBA(s, image.Rectangle{sp, sp.Add(r.Size())})
	}
	// Other sources are drawn into a scratch RGBA image first, so that no
	// pixel goes through an interface value.
	if d.scratch == nil {
		d.scratch = image.NewRGBA(image.Rect(0, 0, memHeight, memHeight))
	}
	sr := image.Rect(0, 0, r.Dx(), r.Dy())
	draw.Draw(d.scratch, sr, src, sp, draw.Src)
	return d.sendRGBA(d.scratch, sr)
}

func (d *Dev) sendUniform(n int, c color.Color) error {
	p := RGB565Model.Convert(c).(RGB565)
	hi, lo := byte(p>>8), byte(p)
	for i := 0; i < len(d.buf); i += 2 {
		d.buf[i], d.buf[i+1] = hi, lo
	}
	for n > 0 {
		k := min(n*2, len(d.buf))
		if err := d.c.Tx(d.buf[:k], nil); err != nil {
			return err
		}
		n -= k / 2
	}
	return nil
}

// sendRGBA converts sr of img row by row into the transfer buffer and sends
// it whenever it is full.
func (d *Dev) sendRGBA(img *image.RGBA, sr image.Rectangle) error {
	n := 0
	for y := sr.Min.Y; y < sr.Max.Y; y++ {
		row := img.Pix[img.PixOffset(sr.Min.X, y) : img.PixOffset(sr.Max.X-1, y)+4]
		for i := 0; i < len(row); i += 4 {
			v := uint16(row[i]&0xF8)<<8 | uint16(row[i+1]&0xFC)<<3 | uint16(row[i+2])>>3
			d.buf[n], d.buf[n+1] = byte(v>>8), byte(v)
			n += 2
			if n == len(d.buf) {
				if err := d.c.Tx(d.buf[:n], nil); err != nil {
					return err
				}
				n = 0
			}
		}
	}
	if n > 0 {
		return d.c.Tx(d.buf[:n], nil)
	}
	return nil
}

// Backlight implements display.Display: 0 is off, 255 fully on, and the
// levels between use PWM on the backlight pin.
func (d *Dev) Backlight(level uint8) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	if d.bl == nil {
		return nil
	}
	var err error
	switch level {
	case 0:
		err = d.bl.Out(gpio.Low)
	case 255:
		err = d.bl.Out(gpio.High)
	default:
		err = d.bl.PWM(gpio.Duty(int64(level)*int64(gpio.DutyMax)/255), d.opts.BacklightFreq)
	}
	if err != nil {
		return fmt.Errorf("st7789: backlight %d: %w", level, err)
	}
	return nil
}

// Sleep implements display.Display: SLPIN (true) or SLPOUT (false), each
// followed by the 120 ms the datasheet requires before the next sleep
// command.
func (d *Dev) Sleep(on bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	cmd := byte(cmdSLPOUT)
	if on {
		cmd = cmdSLPIN
	}
	if err := d.command(cmd); err != nil {
		return fmt.Errorf("st7789: sleep %t: %w", on, err)
	}
	d.opts.Sleep(sleepDelay)
	return nil
}

// String implements conn.Resource.
func (d *Dev) String() string { return d.name }

// Halt implements conn.Resource: backlight off, display off, sleep in.
// The Dev cannot be used afterwards.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return nil
	}
	d.halted = true
	var errs []error
	if d.bl != nil {
		if err := d.bl.Out(gpio.Low); err != nil {
			errs = append(errs, fmt.Errorf("backlight: %w", err))
		}
	}
	if err := d.command(cmdDISPOFF); err != nil {
		errs = append(errs, err)
	}
	if err := d.command(cmdSLPIN); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("st7789: halt: %w", err)
	}
	return nil
}

var _ display.Display = (*Dev)(nil)
