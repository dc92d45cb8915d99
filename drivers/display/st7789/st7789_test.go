package st7789

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spitest"
)

// bench is a panel on periph's spitest recorder with gpiotest pins. Every
// SPI transaction is logged with the level the DC pin had, and every pin
// change and sleep in between, so the tests see the wire as the panel does.
type bench struct {
	rec   *spitest.Record
	dc    *gpiotest.Pin
	rst   *logPin
	bl    *logPin
	log   []string
	sizes []int // length of each data transaction
	max   int   // MaxTxSize the connection reports; 0: no conn.Limits
	clock physic.Frequency
	mode  spi.Mode
	fail  error // returned by Tx when set
}

type logPin struct {
	*gpiotest.Pin
	b *bench
}

func (p *logPin) Out(l gpio.Level) error {
	p.b.log = append(p.b.log, fmt.Sprintf("%s=%s", p.N, l))
	return p.Pin.Out(l)
}

// port is the spi.Port the driver sees: spitest.Record underneath.
type port struct{ b *bench }

func (p port) String() string { return "SPI-test" }
func (p port) Connect(f physic.Frequency, m spi.Mode, bits int) (spi.Conn, error) {
	c, err := p.b.rec.Connect(f, m, bits)
	if err != nil {
		return nil, err
	}
	p.b.clock, p.b.mode = f, m
	if p.b.max > 0 {
		return limitedConn{dcConn{c, p.b}}, nil
	}
	return dcConn{c, p.b}, nil
}

type dcConn struct {
	spi.Conn
	b *bench
}

func (c dcConn) Tx(w, r []byte) error {
	if c.b.fail != nil {
		return c.b.fail
	}
	if c.b.dc.Read() == gpio.Low {
		c.b.log = append(c.b.log, "C "+hexs(w))
	} else {
		c.b.log = append(c.b.log, "D "+hexs(w))
		c.b.sizes = append(c.b.sizes, len(w))
	}
	return c.Conn.Tx(w, r)
}

type limitedConn struct{ dcConn }

func (c limitedConn) MaxTxSize() int { return c.b.max }

var _ conn.Limits = limitedConn{}

// hexs prints short transactions in hex and long uniform ones as a count.
func hexs(b []byte) string {
	if len(b) > 8 && bytes.Count(b, b[:2]) == len(b)/2 {
		return fmt.Sprintf("%d×[% x]", len(b)/2, b[:2])
	}
	return fmt.Sprintf("% x", b)
}

func newBench(max int) *bench {
	b := &bench{rec: &spitest.Record{}, dc: &gpiotest.Pin{N: "DC"}, max: max}
	b.rst = &logPin{&gpiotest.Pin{N: "RST"}, b}
	b.bl = &logPin{&gpiotest.Pin{N: "BL"}, b}
	return b
}

func (b *bench) opts(o Opts) *Opts {
	o.Sleep = func(d time.Duration) { b.log = append(b.log, "sleep "+d.String()) }
	return &o
}

func (b *bench) open(t *testing.T, o Opts) *Dev {
	t.Helper()
	d, err := New(port{b}, b.dc, b.rst, b.bl, b.opts(o))
	if err != nil {
		t.Fatal(err)
	}
	// The recorder saw exactly what the DC-aware log saw.
	var logged, recorded int
	for _, op := range b.rec.Ops {
		recorded += len(op.W)
	}
	for _, s := range b.log {
		if strings.HasPrefix(s, "C ") {
			logged++
		}
	}
	for _, n := range b.sizes {
		logged += n
	}
	if logged != recorded {
		t.Fatalf("recorder saw %d bytes, log %d", recorded, logged)
	}
	b.log, b.sizes = nil, nil
	return d
}

func diff(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		mark := "  "
		if g != w {
			mark = "!="
		}
		t.Logf("%3d %s got %-28q want %q", i, mark, g, w)
	}
	t.Fatal("wire sequence differs")
}

// TestInit pins the power-on sequence of the ST7789VW datasheet: hardware
// reset (RESX low ≥10 µs, 120 ms to recover), SLPOUT and its 120 ms,
// COLMOD 55h (16 bit/pixel), MADCTL, INVON, NORON, the frame memory
// cleared through a full window, DISPON, then the backlight.
func TestInit(t *testing.T) {
	b := newBench(0)
	o := DefaultOpts
	o.Sleep = func(d time.Duration) { b.log = append(b.log, "sleep "+d.String()) }
	if _, err := New(port{b}, b.dc, b.rst, b.bl, &o); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"BL=Low",
		"RST=High", "sleep 20µs", "RST=Low", "sleep 20µs", "RST=High", "sleep 120ms",
		"C 11", "sleep 120ms",
		"C 3a", "D 55",
		"C 36", "D 00",
		"C 21",
		"C 13", "sleep 10ms",
		"C 2a", "D 00 00 00 ef", // columns 0..239
		"C 2b", "D 00 00 01 3f", // rows 0..319
		"C 2c",
	}
	// 240*320*2 = 153600 bytes of black in 4096-byte transactions (no
	// conn.Limits on this port): 37 full and one of 2048.
	for i := 0; i < 37; i++ {
		want = append(want, "D 2048×[00 00]")
	}
	want = append(want, "D 1024×[00 00]", "C 29", "sleep 10ms", "BL=High")
	diff(t, b.log, want)
	if b.clock != 40*physic.MegaHertz || b.mode != spi.Mode0 {
		t.Errorf("connected at %s %s, want 40MHz Mode0", b.clock, b.mode)
	}
}

func TestInitSoftwareReset(t *testing.T) {
	b := newBench(0)
	o := Opts{Width: 240, Height: 240, Clock: 62500 * physic.KiloHertz, Mode: spi.Mode3, MaxTxSize: 1 << 20}
	if _, err := New(port{b}, b.dc, nil, gpio.INVALID, b.opts(o)); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"C 01", "sleep 120ms",
		"C 11", "sleep 120ms",
		"C 3a", "D 55",
		"C 36", "D 00",
		"C 20", // no inversion asked for
		"C 13", "sleep 10ms",
		"C 2a", "D 00 00 00 ef",
		"C 2b", "D 00 00 00 ef",
		"C 2c", "D 57600×[00 00]", // one transaction: the option allows 1 MiB
		"C 29", "sleep 10ms",
	}
	diff(t, b.log, want)
	if b.clock != 62500*physic.KiloHertz || b.mode != spi.Mode3 {
		t.Errorf("connected at %s %s, want 62.5MHz Mode3", b.clock, b.mode)
	}
}

// TestWindowWrite pins a rectangle write: CASET and RASET with the
// inclusive end addresses, RAMWR, then RGB565 big-endian pixels row by row.
func TestWindowWrite(t *testing.T) {
	b := newBench(0)
	d := b.open(t, DefaultOpts)
	src := image.NewRGBA(image.Rect(0, 0, 4, 4))
	src.Set(1, 1, color.RGBA{255, 0, 0, 255})
	src.Set(2, 1, color.RGBA{0, 255, 0, 255})
	src.Set(1, 2, color.RGBA{0, 0, 255, 255})
	src.Set(2, 2, color.RGBA{255, 255, 255, 255})
	if err := d.Draw(image.Rect(300, 258, 302, 260), src, image.Pt(1, 1)); err != nil {
		// off the panel in x: clipped to nothing
		t.Fatal(err)
	}
	if len(b.log) != 0 {
		t.Fatalf("a rectangle off the panel sent %q", b.log)
	}
	if err := d.Draw(image.Rect(200, 258, 202, 260), src, image.Pt(1, 1)); err != nil {
		t.Fatal(err)
	}
	diff(t, b.log, []string{
		"C 2a", "D 00 c8 00 c9", // x 200..201
		"C 2b", "D 01 02 01 03", // y 258..259
		"C 2c",
		"D f8 00 07 e0 00 1f ff ff", // red green / blue white
	})
}

// TestWindowClip clips to the panel and moves the source point with it.
func TestWindowClip(t *testing.T) {
	b := newBench(0)
	d := b.open(t, DefaultOpts)
	src := image.NewRGBA(image.Rect(0, 0, 3, 1))
	src.Set(0, 0, color.RGBA{255, 0, 0, 255})
	src.Set(1, 0, color.RGBA{0, 255, 0, 255})
	src.Set(2, 0, color.RGBA{0, 0, 255, 255})
	if err := d.Draw(image.Rect(-1, 319, 2, 322), src, image.Point{}); err != nil {
		t.Fatal(err)
	}
	diff(t, b.log, []string{
		"C 2a", "D 00 00 00 01",
		"C 2b", "D 01 3f 01 3f",
		"C 2c",
		"D 07 e0 00 1f",
	})
}

// TestChunking splits pixel data to the connection's MaxTxSize, rounded
// down to whole pixels.
func TestChunking(t *testing.T) {
	for _, tc := range []struct {
		name      string
		portMax   int
		optMax    int
		w, h      int
		wantSizes []int
	}{
		{"port 64", 64, 0, 20, 5, []int{64, 64, 64, 8}},
		{"port 65 odd", 65, 0, 20, 5, []int{64, 64, 64, 8}},
		{"exact", 100, 0, 10, 5, []int{100}},
		{"option beats port", 64, 150, 20, 5, []int{150, 50}},
		{"no limits", 0, 0, 240, 20, []int{4096, 4096, 1408}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(tc.portMax)
			o := DefaultOpts
			o.MaxTxSize = tc.optMax
			d := b.open(t, o)
			src := image.NewRGBA(image.Rect(0, 0, tc.w, tc.h))
			for i := range src.Pix {
				src.Pix[i] = byte(i)
			}
			if err := d.Draw(src.Bounds(), src, image.Point{}); err != nil {
				t.Fatal(err)
			}
			got := b.sizes[2:] // after the CASET and RASET parameters
			if fmt.Sprint(got) != fmt.Sprint(tc.wantSizes) {
				t.Errorf("data transactions %v, want %v", got, tc.wantSizes)
			}
			// The bytes are the pixels in order, whatever the chunking.
			var all []byte
			for _, op := range b.rec.Ops[len(b.rec.Ops)-len(got):] {
				all = append(all, op.W...)
			}
			for i := 0; i < tc.w*tc.h; i++ {
				p := src.Pix[i*4 : i*4+3]
				v := uint16(p[0]>>3)<<11 | uint16(p[1]>>2)<<5 | uint16(p[2]>>3)
				if all[2*i] != byte(v>>8) || all[2*i+1] != byte(v) {
					t.Fatalf("pixel %d: got %02x%02x, want %04x", i, all[2*i], all[2*i+1], v)
				}
			}
		})
	}
}

// TestRotation pins MADCTL and the window addresses of the rectangle
// (10,20)-(30,25) for each rotation of both panel sizes. The 240x240
// panel sits in rows 0..239 of the memory, so the rotations that mirror
// rows (MY) address from row 80.
func TestRotation(t *testing.T) {
	for _, tc := range []struct {
		w, h, rot    int
		madctl       string
		bounds       image.Point
		caset, raset string
	}{
		{240, 320, 0, "00", image.Pt(240, 320), "00 0a 00 1d", "00 14 00 18"},
		{240, 320, 90, "60", image.Pt(320, 240), "00 0a 00 1d", "00 14 00 18"},
		{240, 320, 180, "c0", image.Pt(240, 320), "00 0a 00 1d", "00 14 00 18"},
		{240, 320, 270, "a0", image.Pt(320, 240), "00 0a 00 1d", "00 14 00 18"},
		{240, 240, 0, "00", image.Pt(240, 240), "00 0a 00 1d", "00 14 00 18"},
		{240, 240, 90, "60", image.Pt(240, 240), "00 0a 00 1d", "00 14 00 18"},
		{240, 240, 180, "c0", image.Pt(240, 240), "00 0a 00 1d", "00 64 00 68"},
		{240, 240, 270, "a0", image.Pt(240, 240), "00 5a 00 6d", "00 14 00 18"},
	} {
		t.Run(fmt.Sprintf("%dx%d/%d", tc.w, tc.h, tc.rot), func(t *testing.T) {
			b := newBench(0)
			o := DefaultOpts
			o.Width, o.Height, o.Rotation = tc.w, tc.h, tc.rot
			o.Sleep = func(time.Duration) {}
			d, err := New(port{b}, b.dc, b.rst, b.bl, &o)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(b.log[7:9], " "); got != "C 36 D "+tc.madctl {
				t.Errorf("MADCTL: got %q, want %q", got, "C 36 D "+tc.madctl)
			}
			if got := d.Bounds().Size(); got != tc.bounds {
				t.Errorf("Bounds: got %v, want %v", got, tc.bounds)
			}
			b.log = nil
			if err := d.Draw(image.Rect(10, 20, 30, 25), image.NewUniform(color.White), image.Point{}); err != nil {
				t.Fatal(err)
			}
			diff(t, b.log, []string{"C 2a", "D " + tc.caset, "C 2b", "D " + tc.raset, "C 2c", "D 100×[ff ff]"})
		})
	}
}

func TestBGR(t *testing.T) {
	b := newBench(0)
	o := DefaultOpts
	o.BGR, o.Rotation = true, 90
	o.Sleep = func(time.Duration) {}
	if _, err := New(port{b}, b.dc, b.rst, b.bl, &o); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.log[7:9], " "); got != "C 36 D 68" {
		t.Errorf("MADCTL: got %q, want MX|MV|BGR 68", got)
	}
}

func TestBacklightSleepHalt(t *testing.T) {
	b := newBench(0)
	o := DefaultOpts
	o.BacklightFreq = 2 * physic.KiloHertz
	d := b.open(t, o)
	for _, tc := range []struct {
		level uint8
		want  gpio.Level
		duty  gpio.Duty
	}{{0, gpio.Low, 0}, {255, gpio.High, 0}, {128, gpio.High, gpio.Duty(int64(128) * int64(gpio.DutyMax) / 255)}} {
		b.bl.D = 0
		if err := d.Backlight(tc.level); err != nil {
			t.Fatal(err)
		}
		if tc.duty != 0 {
			if b.bl.D != tc.duty || b.bl.F != 2*physic.KiloHertz {
				t.Errorf("level %d: PWM %s at %s, want %s at 2kHz", tc.level, b.bl.D, b.bl.F, tc.duty)
			}
		} else if b.bl.Read() != tc.want {
			t.Errorf("level %d: pin %s, want %s", tc.level, b.bl.Read(), tc.want)
		}
	}
	b.log = nil
	if err := d.Sleep(true); err != nil {
		t.Fatal(err)
	}
	if err := d.Sleep(false); err != nil {
		t.Fatal(err)
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	diff(t, b.log, []string{
		"C 10", "sleep 120ms", "C 11", "sleep 120ms",
		"BL=Low", "C 28", "C 10",
	})
	if err := d.Draw(d.Bounds(), image.NewUniform(color.White), image.Point{}); !errors.Is(err, ErrHalted) {
		t.Errorf("Draw after Halt: got %v, want ErrHalted", err)
	}
	if err := d.Backlight(255); !errors.Is(err, ErrHalted) {
		t.Errorf("Backlight after Halt: got %v, want ErrHalted", err)
	}
}

func TestBadOpts(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*Opts)
	}{
		{"rotation", func(o *Opts) { o.Rotation = 45 }},
		{"too wide", func(o *Opts) { o.Width = 241 }},
		{"offset", func(o *Opts) { o.Height, o.YOffset = 240, 81 }},
		{"negative offset", func(o *Opts) { o.XOffset = -1 }},
		{"no size", func(o *Opts) { o.Width = 0 }},
		{"clock", func(o *Opts) { o.Clock = 0 }},
		{"max tx", func(o *Opts) { o.MaxTxSize = 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBench(0)
			o := DefaultOpts
			tc.mod(&o)
			_, err := New(port{b}, b.dc, b.rst, b.bl, b.opts(o))
			if !errors.Is(err, ErrBadOpts) {
				t.Fatalf("got %v, want ErrBadOpts", err)
			}
			if len(b.log) != 0 || b.rec.Initialized {
				t.Errorf("bad options touched the hardware: %q", b.log)
			}
		})
	}
	b := newBench(0)
	if _, err := New(port{b}, nil, b.rst, b.bl, b.opts(DefaultOpts)); !errors.Is(err, ErrBadOpts) {
		t.Errorf("no DC pin: got %v, want ErrBadOpts", err)
	}
}

func TestPortError(t *testing.T) {
	b := newBench(0)
	errBus := errors.New("bus on fire")
	b.fail = errBus
	_, err := New(port{b}, b.dc, b.rst, b.bl, b.opts(DefaultOpts))
	if !errors.Is(err, errBus) {
		t.Fatalf("got %v, want the port's error wrapped", err)
	}
	if !strings.HasPrefix(err.Error(), "st7789: init: command 0x11") {
		t.Errorf("error %q does not say where it failed", err)
	}
}

// TestRGB565 checks the colour model against hand-computed values.
func TestRGB565(t *testing.T) {
	for _, tc := range []struct {
		c    color.Color
		want RGB565
	}{
		{color.RGBA{255, 0, 0, 255}, 0xF800},
		{color.RGBA{0, 255, 0, 255}, 0x07E0},
		{color.RGBA{0, 0, 255, 255}, 0x001F},
		{color.RGBA{0x12, 0x34, 0x56, 255}, 0x11AA},
		{color.Gray{0x80}, 0x8410},
	} {
		if got := RGB565Model.Convert(tc.c).(RGB565); got != tc.want {
			t.Errorf("%v: got %#04x, want %#04x", tc.c, uint16(got), uint16(tc.want))
		}
	}
	if r, g, b, a := RGB565(0xFFFF).RGBA(); r != 0xFFFF || g != 0xFFFF || b != 0xFFFF || a != 0xFFFF {
		t.Errorf("white expands to %x %x %x %x", r, g, b, a)
	}
}

// TestGenericSource draws a source type without a fast path (paletted).
func TestGenericSource(t *testing.T) {
	b := newBench(0)
	d := b.open(t, DefaultOpts)
	src := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{color.Black, color.RGBA{0, 0, 255, 255}})
	src.SetColorIndex(1, 0, 1)
	if err := d.Draw(image.Rect(0, 0, 2, 1), src, image.Point{}); err != nil {
		t.Fatal(err)
	}
	if got := b.log[len(b.log)-1]; got != "D 00 00 00 1f" {
		t.Errorf("got %q, want black then blue", got)
	}
}

// FuzzDraw draws arbitrary rectangles from arbitrary source bounds: it must
// never panic, and it must send exactly the clipped area's pixels.
func FuzzDraw(f *testing.F) {
	f.Add(0, 0, 240, 320, 0, 0, 0, 0, 240, 320)
	f.Add(-5, -5, 10, 10, 3, 3, 2, 2, 5, 5)
	f.Add(100, 100, 50, 50, 0, 0, 0, 0, 10, 10)
	f.Fuzz(func(t *testing.T, x0, y0, x1, y1, spx, spy, sx0, sy0, sx1, sy1 int) {
		lim := func(v int) int { return max(-1000, min(1000, v)) }
		b := newBench(0)
		d := b.open(t, DefaultOpts)
		src := image.NewRGBA(image.Rect(lim(sx0), lim(sy0), lim(sx1), lim(sy1)))
		dst := image.Rect(lim(x0), lim(y0), lim(x1), lim(y1))
		sp := image.Pt(lim(spx), lim(spy))
		if err := d.Draw(dst, src, sp); err != nil {
			t.Fatal(err)
		}
		r := dst.Intersect(d.Bounds())
		sr := image.Rectangle{sp.Add(r.Min.Sub(dst.Min)), sp.Add(r.Max.Sub(dst.Min))}.Intersect(src.Bounds())
		want := 0
		if !r.Empty() && !sr.Empty() {
			want = sr.Dx() * sr.Dy() * 2
		}
		got := 0
		for i, n := range b.sizes {
			if i >= 2 {
				got += n
			}
		}
		if got != want {
			t.Fatalf("sent %d pixel bytes, want %d", got, want)
		}
	})
}

// BenchmarkFullFrame converts and sends one full 240x320 frame.
func BenchmarkFullFrame(b *testing.B) {
	p := spitest.NewRecordRaw(io.Discard)
	o := DefaultOpts
	o.Sleep = func(time.Duration) {}
	d, err := New(p, &gpiotest.Pin{N: "DC"}, &gpiotest.Pin{N: "RST"}, nil, &o)
	if err != nil {
		b.Fatal(err)
	}
	src := image.NewRGBA(d.Bounds())
	for i := range src.Pix {
		src.Pix[i] = byte(i * 7)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(src.Pix) / 2))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := d.Draw(d.Bounds(), src, image.Point{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}

// TestDrawNoAllocs: converting to RGB565 allocates nothing per pixel, or
// at all, for RGBA, uniform and (after the first) other sources.
func TestDrawNoAllocs(t *testing.T) {
	p := spitest.NewRecordRaw(io.Discard)
	o := DefaultOpts
	o.Sleep = func(time.Duration) {}
	d, err := New(p, &gpiotest.Pin{N: "DC"}, &gpiotest.Pin{N: "RST"}, nil, &o)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(d.Bounds())
	gray := image.NewGray(d.Bounds())
	uni := image.NewUniform(color.RGBA{1, 2, 3, 255})
	for _, src := range []image.Image{rgba, gray, uni} {
		d.Draw(d.Bounds(), src, image.Point{}) // the scratch image, once
		if n := testing.AllocsPerRun(5, func() {
			if err := d.Draw(d.Bounds(), src, image.Point{}); err != nil {
				t.Fatal(err)
			}
		}); n > 1 {
			t.Errorf("%T: %.0f allocations per frame", src, n)
		}
	}
}
