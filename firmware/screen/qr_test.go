package screen

import (
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/regterm/regterm/firmware/enroll"
)

// decode reads the QR code from a whole frame with gozxing, an
// independent decoder (a port of ZXing).
func decode(t *testing.T, img image.Image) (string, string) {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("gozxing cannot read the QR code: %v", err)
	}
	level, _ := res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return res.GetText(), level
}

// TestQRDecodes renders the QR screen for tokens of the lengths the design
// expects (150..250 base45 characters, and around them), decodes the
// frame and gets the token back. It also checks the choice of error
// correction: the most that fits at 3 px per module.
func TestQRDecodes(t *testing.T) {
	needFonts(t)
	for _, tc := range []struct {
		n         int
		wantLevel string
	}{
		{40, "H"}, {120, "H"}, {150, "H"}, {200, "Q"}, {250, "Q"}, {300, "M"}, {400, "L"},
	} {
		t.Run(fmt.Sprint(tc.n), func(t *testing.T) {
			r, d := newRenderer(t)
			tok := token(uint64(tc.n), tc.n)
			if err := r.Show(enroll.Screen{ID: enroll.ScreenQR, QRToken: tok, Remaining: time.Minute}); err != nil {
				t.Fatal(err)
			}
			got, level := decode(t, d.Frame())
			if got != tok {
				t.Fatalf("decoded %q, want %q", got, tok)
			}
			if level != tc.wantLevel || r.qr.plan.level != tc.wantLevel {
				t.Errorf("error correction %s (plan %s), want %s", level, r.qr.plan.level, tc.wantLevel)
			}
			p := r.qr.plan
			if p.px < 3 && tc.n <= 300 {
				t.Errorf("module %d px, want at least 3", p.px)
			}
			t.Logf("%d chars: version %d level %s, %d px/module, %d px with quiet zone", tc.n, p.version, p.level, p.px, p.side())
		})
	}
}

// TestQRQuietZone checks the four light modules around the symbol are
// light on the panel, and that nothing else is drawn over them.
func TestQRQuietZone(t *testing.T) {
	needFonts(t)
	r, _ := newRenderer(t)
	if err := r.Show(enroll.Screen{ID: enroll.ScreenQR, QRToken: token(7, 200), Remaining: time.Minute}); err != nil {
		t.Fatal(err)
	}
	f, p := r.Frame(), r.qr.plan
	area := r.rect(0, 78, designW, 288)
	s := p.side()
	sym := image.Rect(0, 0, s, s).Add(area.Min).Add(image.Pt((area.Dx()-s)/2, (area.Dy()-s)/2))
	inner := sym.Inset(quietZone * p.px)
	dark := 0
	for y := sym.Min.Y; y < sym.Max.Y; y++ {
		for x := sym.Min.X; x < sym.Max.X; x++ {
			c := f.RGBAAt(x, y)
			if !(image.Pt(x, y).In(inner)) && (c.R != 0xFF || c.G != 0xFF || c.B != 0xFF) {
				t.Fatalf("quiet zone pixel (%d,%d) is %v", x, y, c)
			}
			if image.Pt(x, y).In(inner) && c.R == 0 {
				dark++
			}
		}
	}
	if dark == 0 {
		t.Fatal("no symbol inside the quiet zone")
	}
}

func TestQRErrors(t *testing.T) {
	needFonts(t)
	for _, tc := range []struct {
		name, tok string
	}{
		{"empty", ""},
		{"too long for the panel", strings.Repeat("A", 1500)},
		{"too long for QR", strings.Repeat("A", 5000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, d := newRenderer(t)
			before := d.Stats()
			err := r.Show(enroll.Screen{ID: enroll.ScreenQR, QRToken: tc.tok})
			if !errors.Is(err, ErrQR) {
				t.Fatalf("got %v, want ErrQR", err)
			}
			if d.Stats() != before {
				t.Error("a failed Show drew on the display")
			}
		})
	}
}
