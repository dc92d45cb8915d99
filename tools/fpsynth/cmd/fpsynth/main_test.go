package main

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-o", dir, "-fingers", "2", "-impressions", "2", "-seed", "5", "-class", "whorl", "-width", "96", "-height", "112"}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"101_1.png", "101_2.png", "102_1.png", "102_2.png"} {
		fh, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if b := img.Bounds(); b.Dx() != 96 || b.Dy() != 112 {
			t.Errorf("%s: %v", n, b)
		}
	}
	if err := run([]string{"-o", dir, "-fingers", "1", "-impressions", "1", "-format", "pgm", "-width", "64", "-height", "80"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "101_1.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "P5\n64 80\n255\n"; string(b[:len(want)]) != want || len(b) != len(want)+64*80 {
		t.Errorf("pgm header %q, %d bytes", b[:15], len(b))
	}
	for _, args := range [][]string{{}, {"-o", dir, "-class", "spiral"}, {"-o", dir, "-format", "bmp"}, {"-o", dir, "-fingers", "0"}} {
		if err := run(args); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
