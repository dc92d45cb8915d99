package biometric

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"

	_ "golang.org/x/image/tiff"
)

// TestDebugDump writes overlays of the extraction stages for the images
// named in FPDEBUG (comma separated paths) to FPDEBUG_OUT (default /tmp).
func TestDebugDump(t *testing.T) {
	list := os.Getenv("FPDEBUG")
	if list == "" {
		t.Skip("set FPDEBUG=image.tif[,…] to dump extraction stages")
	}
	extractorEnv()
	out := os.Getenv("FPDEBUG_OUT")
	if out == "" {
		out = os.TempDir()
	}
	for _, path := range filepath.SplitList(list) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		g := image.NewGray(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				g.Set(x, y, img.At(x, y))
			}
		}
		debugHook = func(a *analysis, e *plane, k *skel, ms []rawMinutia) {
			w, h := e.w, e.h
			o := image.NewRGBA(image.Rect(0, 0, 2*w, h))
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					v := uint8(a.gray.v[y*w+x])
					if !a.f.fgAt(x, y) {
						v = v/2 + 128
					}
					o.Set(x, y, color.RGBA{v, v, v, 255})
					ev := e.v[y*w+x]
					c := uint8(255)
					if ev > 0 {
						c = 170
					}
					if k.b[k.idx(x, y)] != 0 {
						c = 0
					}
					o.Set(w+x, y, color.RGBA{c, c, c, 255})
				}
			}
			for _, m := range ms {
				col := color.RGBA{255, 0, 0, 255}
				if m.kind == KindBifurcation {
					col = color.RGBA{0, 0, 255, 255}
				}
				for _, ox := range []int{0, w} {
					for d := -2; d <= 2; d++ {
						o.Set(ox+int(m.x)+d, int(m.y)-2, col)
						o.Set(ox+int(m.x)+d, int(m.y)+2, col)
						o.Set(ox+int(m.x)-2, int(m.y)+d, col)
						o.Set(ox+int(m.x)+2, int(m.y)+d, col)
					}
					for r := 3.0; r < 12; r++ {
						o.Set(ox+int(m.x+r*math.Cos(m.angle)), int(m.y+r*math.Sin(m.angle)), col)
					}
				}
			}
			name := filepath.Join(out, fmt.Sprintf("fpdebug_%s_%s.png", filepath.Base(filepath.Dir(path)), filepath.Base(path)))
			wf, _ := os.Create(name)
			var img image.Image = o
			if c := os.Getenv("FPDEBUG_CROP"); c != "" {
				var x0, y0, x1, y1 int
				fmt.Sscanf(c, "%d,%d,%d,%d", &x0, &y0, &x1, &y1)
				z := image.NewRGBA(image.Rect(0, 0, 2*3*(x1-x0), 3*(y1-y0)))
				for y := 0; y < 3*(y1-y0); y++ {
					for x := 0; x < 3*(x1-x0); x++ {
						z.Set(x, y, o.At(x0+x/3, y0+y/3))
						z.Set(3*(x1-x0)+x, y, o.At(w+x0+x/3, y0+y/3))
					}
				}
				img = z
			}
			png.Encode(wf, img)
			wf.Close()
			var cl []float64
			for i, v := range a.f.fg {
				if v && a.f.clarity != nil {
					cl = append(cl, float64(a.f.clarity[i]))
				}
			}
			sort.Float64s(cl)
			if len(cl) > 0 {
				q := func(f float64) float64 { return cl[int(f*float64(len(cl)-1))] }
				t.Logf("%s: ridge clarity p10 %.2f p50 %.2f p90 %.2f", path, q(0.1), q(0.5), q(0.9))
			}
			t.Logf("%s: %d minutiae -> %s", path, len(ms), name)
		}
		dpi := 500
		if v := os.Getenv("FPDEBUG_DPI"); v != "" {
			fmt.Sscan(v, &dpi)
		}
		_, err = Extract(g, dpi)
		debugHook = nil
		if err != nil {
			t.Log(err)
		}
	}
}
