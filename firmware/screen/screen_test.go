package screen

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/display/virtual"
	"github.com/regterm/regterm/firmware/enroll"
	"github.com/regterm/regterm/internal/testpeer"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/ (review them in the diff)")

// needFonts makes tests that draw Thai require the Debian fonts.
func needFonts(t testing.TB) {
	t.Helper()
	for _, f := range []string{DefaultFontPath, DefaultBoldFontPath, DefaultLatinPath, DefaultLatinBoldPath} {
		testpeer.File(t, f)
	}
}

const base45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// token is a deterministic stand-in for a QR token: a scheme prefix and
// n base45 characters.
func token(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 45))
	b := []byte("RT1:")
	for i := 0; i < n; i++ {
		b = append(b, base45[rng.IntN(len(base45))])
	}
	return string(b)
}

type screenCase struct {
	name string
	s    enroll.Screen
}

func cases() []screenCase {
	bar := enroll.Screen{Officer: "OF-1042", QueueDepth: 3, Online: true}
	with := func(s enroll.Screen) enroll.Screen {
		s.Officer, s.QueueDepth, s.Online = bar.Officer, bar.QueueDepth, bar.Online
		return s
	}
	cs := []screenCase{
		{"login", enroll.Screen{ID: enroll.ScreenLogin}},
		{"ready", with(enroll.Screen{ID: enroll.ScreenReady})},
		{"reading-card", with(enroll.Screen{ID: enroll.ScreenReadingCard, Progress: 45})},
		{"consent", with(enroll.Screen{ID: enroll.ScreenConsent, NoticeVersion: "v3"})},
		{"place-finger", with(enroll.Screen{ID: enroll.ScreenPlaceFinger, Attempt: 1, MaxAttempts: 3, Quality: -1})},
		{"place-finger-poor", with(enroll.Screen{ID: enroll.ScreenPlaceFinger, Attempt: 2, MaxAttempts: 3, Quality: 28})},
		{"place-finger-fair", with(enroll.Screen{ID: enroll.ScreenPlaceFinger, Attempt: 2, MaxAttempts: 3, Quality: 52})},
		{"place-finger-good", with(enroll.Screen{ID: enroll.ScreenPlaceFinger, Attempt: 3, MaxAttempts: 3, Quality: 82})},
		{"matching", with(enroll.Screen{ID: enroll.ScreenMatching})},
		{"signing", with(enroll.Screen{ID: enroll.ScreenSigning})},
		{"qr", with(enroll.Screen{ID: enroll.ScreenQR, QRToken: token(1, 200), Remaining: 87 * time.Second})},
		{"qr-ending", with(enroll.Screen{ID: enroll.ScreenQR, QRToken: token(1, 200), Remaining: 4500 * time.Millisecond})},
		{"done", with(enroll.Screen{ID: enroll.ScreenDone})},
		{"outbox-full", enroll.Screen{ID: enroll.ScreenOutboxFull, Officer: "OF-1042", QueueDepth: 10000}},
		{"remove-card", with(enroll.Screen{ID: enroll.ScreenRemoveCard})},
		{"error-unknown", with(enroll.Screen{ID: enroll.ScreenError, Code: "E999"})},
	}
	var codes []string
	for c := range errorTexts {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		cs = append(cs, screenCase{"error-" + c, with(enroll.Screen{ID: enroll.ScreenError, Code: c})})
	}
	return cs
}

func newRenderer(t testing.TB) (*Renderer, *virtual.Dev) {
	t.Helper()
	d, err := virtual.New(image.Pt(240, 320), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r, d
}

// TestGolden renders every screen and compares it with testdata/<name>.png.
// Rasterising is floating point, so a few pixels may differ slightly across
// architectures: the comparison allows 0.1% of the pixels to differ by more
// than 8 levels in a channel, and none by more than that elsewhere.
func TestGolden(t *testing.T) {
	needFonts(t)
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			r, d := newRenderer(t)
			if err := r.Show(tc.s); err != nil {
				t.Fatal(err)
			}
			if len(r.overflow) > 0 {
				t.Errorf("texts too wide for their box: %q", r.overflow)
			}
			got := r.Frame()
			if !bytes.Equal(got.Pix, d.Frame().Pix) {
				t.Fatal("the display does not show the renderer's frame")
			}
			path := filepath.Join("testdata", tc.name+".png")
			if *update {
				writePNG(t, path, got)
				return
			}
			want := readPNG(t, path)
			if n := differing(got, want); n > len(got.Pix)/4/1000 {
				out := filepath.Join(t.TempDir(), tc.name+".png")
				writePNG(t, out, got)
				t.Errorf("%d pixels differ from %s (got: %s); run `go test ./firmware/screen -run TestGolden -update` and review the diff if the change is intended", n, path, out)
			}
		})
	}
}

// TestGoldenCovers checks there is a golden frame for every screen ID and
// every error code, so a new screen cannot go undrawn.
func TestGoldenCovers(t *testing.T) {
	seen := map[enroll.ScreenID]bool{}
	for _, c := range cases() {
		seen[c.s.ID] = true
	}
	for id := range screenTexts {
		if !seen[id] {
			t.Errorf("no golden case for screen %s", id)
		}
	}
	for id := enroll.ScreenID(0); id.String() != "screen?"; id++ {
		if _, ok := screenTexts[id]; !ok {
			t.Errorf("screen %s has no layout", id)
		}
	}
	for _, code := range []string{enroll.CodeCardRead, enroll.CodeCardInvalid, enroll.CodeCardExpired,
		enroll.CodeCardRemoved, enroll.CodeNoReference, enroll.CodeSensor, enroll.CodeCaptureFailed,
		enroll.CodeNoMatch, enroll.CodeSign, enroll.CodeQueue, enroll.CodeOutboxFull, enroll.CodeTimeout,
		enroll.CodeCancelled, enroll.CodeRefused, enroll.CodeQRExpired} {
		et, ok := errorTexts[code]
		if !ok || et.what.th == "" || et.what.en == "" || et.action.th == "" || et.action.en == "" {
			t.Errorf("error %s lacks a Thai and English message and action", code)
		}
	}
}

func differing(a *image.RGBA, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return len(a.Pix) / 4
	}
	n := 0
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		for x := a.Rect.Min.X; x < a.Rect.Max.X; x++ {
			c := a.RGBAAt(x, y)
			w := color.RGBAModel.Convert(b.At(x, y)).(color.RGBA)
			if absd(c.R, w.R) > 8 || absd(c.G, w.G) > 8 || absd(c.B, w.B) > 8 {
				n++
			}
		}
	}
	return n
}

func absd(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readPNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
