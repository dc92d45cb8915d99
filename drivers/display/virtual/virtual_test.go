package virtual

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func pngs(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.png"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPNGPerFrame(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "frames")
	d, err := New(image.Pt(10, 8), &Opts{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(image.Rect(0, 0, 2, 2), image.NewUniform(red), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Draw(image.Rect(8, 6, 12, 10), image.NewUniform(blue), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if got := pngs(t, dir); len(got) != 0 {
		t.Fatalf("frames before Flush: %q", got)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil { // nothing new: no frame
		t.Fatal(err)
	}
	if got := pngs(t, dir); len(got) != 1 || filepath.Base(got[0]) != "frame-000001.png" {
		t.Fatalf("frames: got %q, want frame-000001.png only", got)
	}
	img := readPNG(t, filepath.Join(dir, "frame-000001.png"))
	for _, tc := range []struct {
		p    image.Point
		want color.RGBA
	}{{image.Pt(1, 1), red}, {image.Pt(9, 7), blue}, {image.Pt(5, 5), color.RGBA{0, 0, 0, 255}}} {
		if got := color.RGBAModel.Convert(img.At(tc.p.X, tc.p.Y)); got != tc.want {
			t.Errorf("pixel %v: got %v, want %v", tc.p, got, tc.want)
		}
	}
	// A pending frame is written at Halt.
	if err := d.Draw(image.Rect(0, 0, 1, 1), image.NewUniform(green), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	if got := pngs(t, dir); len(got) != 2 {
		t.Fatalf("frames after Halt: %q, want 2", got)
	}
	if got := d.Stats(); got != (Stats{Frames: 2, Draws: 3, Pixels: 4 + 4 + 1}) {
		t.Errorf("stats: got %+v", got)
	}
	if err := d.Draw(d.Bounds(), image.NewUniform(red), image.Point{}); !errors.Is(err, ErrHalted) {
		t.Errorf("Draw after Halt: got %v, want ErrHalted", err)
	}
}

func TestDrawSourcePoint(t *testing.T) {
	d, err := New(image.Pt(4, 4), nil)
	if err != nil {
		t.Fatal(err)
	}
	src := image.NewRGBA(image.Rect(10, 10, 14, 14))
	src.Set(12, 13, white)
	if err := d.Draw(image.Rect(-1, 0, 3, 4), src, image.Pt(10, 10)); err != nil {
		t.Fatal(err)
	}
	// src (12,13) lands at dst (-1+2, 0+3) = (1,3).
	if got := d.Frame().RGBAAt(1, 3); got != white {
		t.Errorf("got %v at (1,3), want white", got)
	}
	if got := d.Frame().RGBAAt(2, 3); got == white {
		t.Errorf("white at (2,3): source point not honoured")
	}
}

// TestTerminal pins the half-block rendering: SGR 38;2 for the upper pixel,
// 48;2 for the lower, colours repeated only when they change, and only the
// changed text rows rewritten.
func TestTerminal(t *testing.T) {
	var out bytes.Buffer
	d, err := New(image.Pt(2, 4), &Opts{Term: &out, Columns: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := image.NewRGBA(image.Rect(0, 0, 2, 4))
	f.Set(0, 0, red)
	f.Set(1, 0, blue)
	f.Set(0, 1, green)
	f.Set(1, 1, white)
	for x := 0; x < 2; x++ {
		f.Set(x, 2, white)
		f.Set(x, 3, white)
	}
	if err := d.Draw(f.Bounds(), f, image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "\x1b[2J\x1b[?25l" +
		"\x1b[1;1H\x1b[38;2;255;0;0m\x1b[48;2;0;255;0m▀\x1b[38;2;0;0;255m\x1b[48;2;255;255;255m▀\x1b[0m" +
		"\x1b[2;1H\x1b[38;2;255;255;255m\x1b[48;2;255;255;255m▀▀\x1b[0m" +
		"\x1b[3;1H"
	if got := out.String(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	// Only the second row changes.
	out.Reset()
	if err := d.Draw(image.Rect(1, 3, 2, 4), image.NewUniform(red), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	want = "\x1b[2;1H\x1b[38;2;255;255;255m\x1b[48;2;255;255;255m▀\x1b[48;2;255;0;0m▀\x1b[0m\x1b[3;1H"
	if got := out.String(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	// Redrawing the same pixels writes nothing.
	out.Reset()
	if err := d.Draw(image.Rect(1, 3, 2, 4), image.NewUniform(red), image.Point{}); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 {
		t.Errorf("unchanged frame wrote %q", out.String())
	}
	out.Reset()
	if err := d.Halt(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "\x1b[0m\x1b[?25h" {
		t.Errorf("Halt wrote %q, want the terminal restored", got)
	}
}

// TestTerminalScale averages 3x3 blocks and dims with the backlight.
func TestTerminalScale(t *testing.T) {
	var out bytes.Buffer
	d, err := New(image.Pt(6, 6), &Opts{Term: &out, Columns: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := image.NewRGBA(image.Rect(0, 0, 6, 6))
	for i := 0; i < 9; i += 2 { // 5 of the 9 pixels of the top-left block white
		f.Set(i%3, i/3, white)
	}
	d.Draw(f.Bounds(), f, image.Point{})
	d.Backlight(128)
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	// 5 white of 9 at backlight 128: 255*5*128/(9*255) = 71.
	if !bytes.Contains(out.Bytes(), []byte("\x1b[1;1H\x1b[38;2;71;71;71m\x1b[48;2;0;0;0m▀\x1b[38;2;0;0;0m▀")) {
		t.Errorf("got %q", out.String())
	}
}

func TestBadOpts(t *testing.T) {
	for _, tc := range []struct {
		size image.Point
		o    *Opts
	}{
		{image.Pt(0, 10), nil},
		{image.Pt(10, 5000), nil},
		{image.Pt(10, 10), &Opts{Columns: -1}},
	} {
		if _, err := New(tc.size, tc.o); !errors.Is(err, ErrBadOpts) {
			t.Errorf("New(%v, %+v): got %v, want ErrBadOpts", tc.size, tc.o, err)
		}
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := New(image.Pt(10, 10), &Opts{Dir: filepath.Join(f, "sub")}); err == nil {
		t.Error("New with an unusable folder: no error")
	}
}
