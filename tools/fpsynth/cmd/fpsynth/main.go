// Command fpsynth writes synthetic fingerprint impressions.
//
//	fpsynth -o DIR [-fingers 10] [-impressions 8] [-seed 1] [-class random]
//	        [-width 256] [-height 288] [-dpi 500] [-variation 1] [-format png|pgm] [-master]
//
// The files are named in the FVC layout <finger>_<impression>.<ext>,
// fingers numbered from 101, so tools/fpeval reads the folder directly.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/regterm/regterm/tools/fpsynth"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "fpsynth:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("fpsynth", flag.ContinueOnError)
	out := fs.String("o", "", "output folder (created)")
	fingers := fs.Int("fingers", 10, "number of fingers")
	imps := fs.Int("impressions", 8, "impressions per finger")
	seed := fs.Uint64("seed", 1, "seed of the first finger (finger i uses seed+i)")
	class := fs.String("class", "random", "pattern class: random, arch, tented-arch, left-loop, right-loop, whorl")
	width := fs.Int("width", fpsynth.DefaultOpts.Width, "impression width in pixels")
	height := fs.Int("height", fpsynth.DefaultOpts.Height, "impression height in pixels")
	dpi := fs.Int("dpi", fpsynth.DefaultOpts.DPI, "resolution in dots per inch")
	format := fs.String("format", "png", "image format: png or pgm")
	variation := fs.Float64("variation", 1, "impression variation (1 live-scan default, 2 hard)")
	master := fs.Bool("master", false, "also write each master ridge pattern as <finger>_master.png")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("need -o DIR")
	}
	if *format != "png" && *format != "pgm" {
		return fmt.Errorf("unknown format %q", *format)
	}
	c, err := fpsynth.ParseClass(*class)
	if err != nil {
		return err
	}
	if *fingers < 1 || *imps < 1 || *fingers > 10000 || *imps > 1000 {
		return fmt.Errorf("-fingers 1..10000, -impressions 1..1000")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	o := &fpsynth.Opts{Width: *width, Height: *height, DPI: *dpi, Class: c, Variation: *variation}
	for i := 0; i < *fingers; i++ {
		f, err := fpsynth.NewFinger(*seed+uint64(i), o)
		if err != nil {
			return err
		}
		slog.Info("finger", "n", 101+i, "seed", f.Seed, "class", f.Class, "cores", len(f.Cores), "deltas", len(f.Deltas))
		if *master {
			if err := write(filepath.Join(*out, fmt.Sprintf("%d_master.png", 101+i)), f.Master(), "png"); err != nil {
				return err
			}
		}
		for j := 0; j < *imps; j++ {
			img := f.Impression(uint64(j + 1))
			name := filepath.Join(*out, fmt.Sprintf("%d_%d.%s", 101+i, j+1, *format))
			if err := write(name, img, *format); err != nil {
				return err
			}
		}
	}
	return nil
}

func write(name string, img *image.Gray, format string) error {
	fh, err := os.Create(name)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(fh)
	if format == "pgm" {
		b := img.Bounds()
		fmt.Fprintf(w, "P5\n%d %d\n255\n", b.Dx(), b.Dy())
		for y := 0; y < b.Dy(); y++ {
			w.Write(img.Pix[y*img.Stride : y*img.Stride+b.Dx()])
		}
	} else if err := png.Encode(w, img); err != nil {
		fh.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		fh.Close()
		return err
	}
	return fh.Close()
}
