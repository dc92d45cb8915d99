package virtual_test

import (
	"fmt"
	"image"
	"image/color"
	"log"
	"os"
	"path/filepath"

	"github.com/regterm/regterm/drivers/display"
	"github.com/regterm/regterm/drivers/display/virtual"
)

func Example() {
	dir, err := os.MkdirTemp("", "frames")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	d, err := virtual.New(image.Pt(240, 320), &virtual.Opts{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Halt()
	// Two rectangles, one frame.
	d.Draw(image.Rect(0, 0, 240, 24), image.NewUniform(color.RGBA{0, 60, 120, 255}), image.Point{})
	d.Draw(image.Rect(20, 100, 220, 120), image.NewUniform(color.White), image.Point{})
	if err := display.Flush(d); err != nil {
		log.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	fmt.Println(len(files), filepath.Base(files[0]), d.Stats().Pixels)
	// Output: 1 frame-000001.png 9760
}
