package screen

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/spi/spitest"

	"github.com/regterm/regterm/drivers/display/st7789"
	"github.com/regterm/regterm/drivers/display/virtual"
	"github.com/regterm/regterm/firmware/enroll"
)

// TestChanged checks the dirty rectangles against random edits: copying
// just those rectangles from the new frame onto the old one must give the
// new frame, and they must cover little more than what changed.
func TestChanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		a := image.NewRGBA(image.Rect(0, 0, 240, 320))
		for j := range a.Pix {
			a.Pix[j] = byte(j / 977)
		}
		b := image.NewRGBA(a.Rect)
		copy(b.Pix, a.Pix)
		edits := rng.IntN(5)
		changedPx := 0
		for e := 0; e < edits; e++ {
			x, y := rng.IntN(240), rng.IntN(320)
			r := image.Rect(x, y, x+1+rng.IntN(30), y+1+rng.IntN(30)).Intersect(b.Rect)
			changedPx += r.Dx() * r.Dy()
			for yy := r.Min.Y; yy < r.Max.Y; yy++ {
				for xx := r.Min.X; xx < r.Max.X; xx++ {
					b.SetRGBA(xx, yy, color.RGBA{byte(rng.IntN(256)), 1, 2, 255})
				}
			}
		}
		rects := changed(a, b)
		sent := 0
		for _, r := range rects {
			for y := r.Min.Y; y < r.Max.Y; y++ {
				copy(a.Pix[a.PixOffset(r.Min.X, y):a.PixOffset(r.Max.X, y)], b.Pix[b.PixOffset(r.Min.X, y):b.PixOffset(r.Max.X, y)])
			}
			sent += r.Dx() * r.Dy()
		}
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Fatalf("case %d: the rectangles %v miss changed pixels", i, rects)
		}
		if edits == 0 && len(rects) != 0 {
			t.Fatalf("case %d: no change, rectangles %v", i, rects)
		}
		if sent > 4*changedPx+4096 && len(rects) > 0 && rects[0] != a.Rect {
			t.Errorf("case %d: sent %d pixels for %d changed", i, sent, changedPx)
		}
	}
}

// TestPartialRedraw shows a countdown and a card-read progress: each
// update sends a small part of the frame, and the panel ends up showing
// exactly what a full redraw of the new state shows.
func TestPartialRedraw(t *testing.T) {
	needFonts(t)
	tok := token(3, 200)
	for _, tc := range []struct {
		name     string
		from, to enroll.Screen
		maxFrac  float64
	}{
		{"countdown", enroll.Screen{ID: enroll.ScreenQR, QRToken: tok, Remaining: 87 * time.Second},
			enroll.Screen{ID: enroll.ScreenQR, QRToken: tok, Remaining: 86 * time.Second}, 0.10},
		{"countdown 100 to 99", enroll.Screen{ID: enroll.ScreenQR, QRToken: tok, Remaining: 100 * time.Second},
			enroll.Screen{ID: enroll.ScreenQR, QRToken: tok, Remaining: 99 * time.Second}, 0.10},
		{"progress", enroll.Screen{ID: enroll.ScreenReadingCard, Progress: 45},
			enroll.Screen{ID: enroll.ScreenReadingCard, Progress: 50}, 0.10},
		{"quality", enroll.Screen{ID: enroll.ScreenPlaceFinger, Attempt: 1, MaxAttempts: 3, Quality: 30},
			enroll.Screen{ID: enroll.ScreenPlaceFinger, Attempt: 2, MaxAttempts: 3, Quality: 35}, 0.25},
		{"status bar", enroll.Screen{ID: enroll.ScreenReady, QueueDepth: 3, Online: true},
			enroll.Screen{ID: enroll.ScreenReady, QueueDepth: 4, Online: false}, 0.10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, d := newRenderer(t)
			if err := r.Show(tc.from); err != nil {
				t.Fatal(err)
			}
			before := d.Stats()
			if err := r.Show(tc.to); err != nil {
				t.Fatal(err)
			}
			after := d.Stats()
			frac := float64(after.Pixels-before.Pixels) / float64(240*320)
			if frac == 0 || frac > tc.maxFrac {
				t.Errorf("update sent %.3f of the frame, want 0 < x ≤ %.2f", frac, tc.maxFrac)
			}
			if after.Frames != before.Frames+1 {
				t.Errorf("update made %d frames, want 1", after.Frames-before.Frames)
			}
			fresh, fd := newRenderer(t)
			if err := fresh.Show(tc.to); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(d.Frame().Pix, fd.Frame().Pix) {
				t.Error("the panel after the partial update differs from a full redraw")
			}
			// The same screen again sends nothing and makes no frame.
			if err := r.Show(tc.to); err != nil {
				t.Fatal(err)
			}
			if again := d.Stats(); again != after {
				t.Errorf("showing the same screen again drew %+v", again)
			}
		})
	}
}

// failing fails every Draw after the first n.
type failing struct {
	*virtual.Dev
	n int
}

var errPanel = errors.New("panel unplugged")

func (f *failing) Draw(r image.Rectangle, src image.Image, sp image.Point) error {
	if f.n == 0 {
		return errPanel
	}
	f.n--
	return f.Dev.Draw(r, src, sp)
}

// TestShowErrorRedrawsAll: after a failed Draw the next Show sends the
// whole frame, the panel's state being unknown.
func TestShowErrorRedrawsAll(t *testing.T) {
	needFonts(t)
	v, _ := virtual.New(image.Pt(240, 320), nil)
	f := &failing{Dev: v, n: 1}
	r, err := New(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Show(enroll.Screen{ID: enroll.ScreenReady}); err != nil {
		t.Fatal(err)
	}
	if err := r.Show(enroll.Screen{ID: enroll.ScreenDone}); !errors.Is(err, errPanel) {
		t.Fatalf("got %v, want the panel's error", err)
	}
	f.n = 100
	before := v.Stats().Pixels
	if err := r.Show(enroll.Screen{ID: enroll.ScreenDone}); err != nil {
		t.Fatal(err)
	}
	if got := v.Stats().Pixels - before; got != 240*320 {
		t.Errorf("after the error Show sent %d pixels, want the whole frame", got)
	}
}

func TestUnknownScreen(t *testing.T) {
	r, d := newRenderer(t)
	if err := r.Show(enroll.Screen{ID: 99}); !errors.Is(err, ErrScreen) {
		t.Errorf("got %v, want ErrScreen", err)
	}
	if d.Stats().Draws != 0 {
		t.Error("an unknown screen drew")
	}
}

// TestFallbackFont: without the Thai font the renderer still draws every
// screen, in English, and says so in the log.
func TestFallbackFont(t *testing.T) {
	defer func(a, b, c, d string) {
		defaultFont, defaultBoldFont, defaultLatinFont, defaultLatinBoldFont = a, b, c, d
	}(defaultFont, defaultBoldFont, defaultLatinFont, defaultLatinBoldFont)
	dir := t.TempDir()
	defaultFont, defaultBoldFont = dir+"/none.ttf", dir+"/none-bold.ttf"
	defaultLatinFont, defaultLatinBoldFont = dir+"/none-latin.ttf", dir+"/none-latin-bold.ttf"
	var logs bytes.Buffer
	d, _ := virtual.New(image.Pt(240, 320), nil)
	r, err := New(d, &Opts{Log: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if r.ThaiAvailable() {
		t.Fatal("Thai available without the font")
	}
	if !strings.Contains(logs.String(), "Thai text unavailable") {
		t.Errorf("no log about the missing font: %q", logs.String())
	}
	for _, c := range cases() {
		if err := r.Show(c.s); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
	}
	// The English title of the last screen is drawn: dark pixels under
	// the status bar.
	f := r.Frame()
	dark := 0
	for y := 26; y < 90; y++ {
		for x := 0; x < 240; x++ {
			if c := f.RGBAAt(x, y); c.G < 128 {
				dark++
			}
		}
	}
	if dark < 50 {
		t.Errorf("only %d dark pixels where the title is", dark)
	}
	// A font that was asked for must exist.
	if _, err := New(d, &Opts{FontPath: dir + "/asked.ttf"}); !errors.Is(err, ErrFont) {
		t.Errorf("missing FontPath: got %v, want ErrFont", err)
	}
	if err := writeJunk(dir + "/junk.ttf"); err != nil {
		t.Fatal(err)
	}
	if _, err := New(d, &Opts{FontPath: dir + "/junk.ttf"}); !errors.Is(err, ErrFont) {
		t.Errorf("junk FontPath: got %v, want ErrFont", err)
	}
}

func writeJunk(path string) error {
	return os.WriteFile(path, []byte("not a font at all, definitely not"), 0o644)
}

func TestStripThai(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Officer", "Officer"},
		{"ครั้งที่ 1 จาก 3 · Attempt 1 of 3", "Attempt 1 of 3"},
		{"กรุณาวางนิ้ว", ""},
	} {
		if got := stripThai(tc.in); got != tc.want {
			t.Errorf("stripThai(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSize(t *testing.T) {
	d, _ := virtual.New(image.Pt(100, 100), nil)
	if _, err := New(d, nil); !errors.Is(err, ErrSize) {
		t.Errorf("100x100: got %v, want ErrSize", err)
	}
	big, _ := virtual.New(image.Pt(240, 320), nil)
	if _, err := New(big, &Opts{Size: image.Pt(480, 640)}); !errors.Is(err, ErrSize) {
		t.Errorf("size larger than the display: got %v, want ErrSize", err)
	}
}

// FuzzShow draws screens with arbitrary fields: it must never panic, and
// must either draw or return an error.
func FuzzShow(f *testing.F) {
	f.Add(int(enroll.ScreenError), "E203", "OF-1", "v3", "RT1:ABC", 50, 1, 3, 40, int64(5e9), 3)
	f.Add(int(enroll.ScreenQR), "", "\x00\xff\u0e01", "", "", -5, -1, 0, -1, int64(-1), -1)
	f.Add(int(enroll.ScreenPlaceFinger), "", strings.Repeat("x", 200), "", "", 500, 50, 2, 1000, int64(1e15), 1<<30)
	f.Fuzz(func(t *testing.T, id int, code, officer, notice, tok string, progress, attempt, maxAttempts, quality int, remaining int64, queue int) {
		r, _ := newRenderer(t)
		s := enroll.Screen{ID: enroll.ScreenID(id), Code: code, Officer: officer, NoticeVersion: notice, QRToken: tok,
			Progress: progress, Attempt: attempt, MaxAttempts: maxAttempts, Quality: quality,
			Remaining: time.Duration(remaining), QueueDepth: queue}
		_ = r.Show(s)
	})
}

// counter counts the bytes that go over the bus.
type counter struct{ n int }

func (c *counter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }

func benchPanel(b *testing.B) (*st7789.Dev, *counter) {
	c := &counter{}
	o := st7789.DefaultOpts
	o.Sleep = func(time.Duration) {}
	d, err := st7789.New(spitest.NewRecordRaw(c), &gpiotest.Pin{N: "DC"}, &gpiotest.Pin{N: "RST"}, nil, &o)
	if err != nil {
		b.Fatal(err)
	}
	return d, c
}

// BenchmarkFullFrame renders one whole screen and sends it, converted to
// RGB565, to an ST7789 on a recorder.
func BenchmarkFullFrame(b *testing.B) {
	needFonts(b)
	d, _ := benchPanel(b)
	r, err := New(d, nil)
	if err != nil {
		b.Fatal(err)
	}
	s := enroll.Screen{ID: enroll.ScreenQR, QRToken: token(1, 200), Remaining: 87 * time.Second, Officer: "OF-1042", Online: true}
	if err := r.Show(s); err != nil { // warm the glyph and QR caches
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.Invalidate()
		if err := r.Show(s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/frame")
}

// BenchmarkCountdownTick shows the QR countdown ticking down one second at
// a time and reports the bytes sent per tick against a full frame
// (tick-frac; the goal is ≤ 0.10).
func BenchmarkCountdownTick(b *testing.B) {
	needFonts(b)
	d, c := benchPanel(b)
	r, err := New(d, nil)
	if err != nil {
		b.Fatal(err)
	}
	s := enroll.Screen{ID: enroll.ScreenQR, QRToken: token(1, 200), Remaining: 120 * time.Second, Officer: "OF-1042", Online: true}
	c.n = 0
	if err := r.Show(s); err != nil {
		b.Fatal(err)
	}
	full := c.n
	c.n = 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Remaining = time.Duration(119-i%119) * time.Second
		if err := r.Show(s); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	frac := float64(c.n) / float64(b.N) / float64(full)
	b.ReportMetric(frac, "tick-frac")
	b.ReportMetric(float64(c.n)/float64(b.N), "bytes/tick")
	b.ReportMetric(float64(full), "bytes/frame")
	if frac > 0.10 {
		b.Errorf("tick-frac %.3f above the 0.10 goal", frac)
	}
}
