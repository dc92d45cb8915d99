package biometric

// PLACEHOLDER until the biometrics issue lands: the owner of this package
// replaces this file with real extraction, matching and quality.

import (
	"image"
	"math"
)

// AlgorithmVersion names the extractor+matcher build; it goes into records.
const AlgorithmVersion = "placeholder-0"

// Extract finds minutiae in img, scanned at dpi.
func Extract(img *image.Gray, dpi int) (*Template, error) {
	b := img.Bounds()
	t := &Template{Width: b.Dx(), Height: b.Dy(), DPI: dpi}
	// crude: dark-pixel grid cells become points
	for y := b.Min.Y; y+16 <= b.Max.Y; y += 16 {
		for x := b.Min.X; x+16 <= b.Max.X; x += 16 {
			if img.GrayAt(x+8, y+8).Y < 100 {
				t.Minutiae = append(t.Minutiae, Minutia{X: x - b.Min.X, Y: y - b.Min.Y, Kind: KindEnding, Quality: 50})
			}
		}
	}
	if len(t.Minutiae) < 3 {
		return nil, ErrNoMinutiae
	}
	t.Quality = Quality(img)
	return t, nil
}

// Match returns a similarity score of a and b.
func Match(a, b *Template) float64 {
	set := map[[2]int]bool{}
	for _, m := range b.Minutiae {
		set[[2]int{m.X, m.Y}] = true
	}
	n := 0
	for _, m := range a.Minutiae {
		if set[[2]int{m.X, m.Y}] {
			n++
		}
	}
	return 100 * float64(n) / math.Max(1, float64(len(a.Minutiae)))
}

// Quality is a 0..100 image quality score.
func Quality(img *image.Gray) uint8 { return 60 }
