package sensorsim

import (
	"fmt"
	"image"
	"image/draw"
	_ "image/gif"  // decoders for LoadImages
	_ "image/jpeg" // decoders for LoadImages
	_ "image/png"  // decoders for LoadImages
	"os"
	"path/filepath"
	"sort"
	"strings"

	_ "golang.org/x/image/bmp"  // decoders for LoadImages
	_ "golang.org/x/image/tiff" // FVC images are TIFF
)

// Frame centre-crops or pads img (white) to size and quantises it to 4
// bits: the nibbles the module sends, two pixels a byte, left pixel in the
// high nibble.
func Frame(img *image.Gray, size image.Point) []byte {
	out := make([]byte, size.X*size.Y/2)
	b := img.Bounds()
	ox := b.Min.X + (b.Dx()-size.X)/2
	oy := b.Min.Y + (b.Dy()-size.Y)/2
	px := func(x, y int) byte {
		p := image.Pt(ox+x, oy+y)
		if !p.In(b) {
			return 0xF
		}
		return img.Pix[img.PixOffset(p.X, p.Y)] >> 4
	}
	i := 0
	for y := 0; y < size.Y; y++ {
		for x := 0; x < size.X; x += 2 {
			out[i] = px(x, y)<<4 | px(x+1, y)
			i++
		}
	}
	return out
}

// Quantize returns the 8-bit image a driver decodes from what the
// simulator serves for img: Frame's nibbles expanded as n*17.
func Quantize(img *image.Gray, size image.Point) *image.Gray {
	f := Frame(img, size)
	out := image.NewGray(image.Rect(0, 0, size.X, size.Y))
	for i, b := range f {
		out.Pix[2*i] = (b >> 4) * 17
		out.Pix[2*i+1] = (b & 0xF) * 17
	}
	return out
}

// ToGray converts any image to 8-bit grayscale.
func ToGray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	g := image.NewGray(img.Bounds())
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Src)
	return g
}

// LoadImages reads every PNG, JPEG, GIF, BMP and TIFF image in dir (sorted
// by name) as 8-bit grayscale.
func LoadImages(dir string) ([]*image.Gray, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sensorsim: images: %w", err)
	}
	var names []string
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff":
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []*image.Gray
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("sensorsim: images: %w", err)
		}
		img, _, err := image.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("sensorsim: images: %s: %w", n, err)
		}
		out = append(out, ToGray(img))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("sensorsim: images: no image in %s", dir)
	}
	return out, nil
}
