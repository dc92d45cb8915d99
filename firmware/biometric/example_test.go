package biometric_test

import (
	"fmt"
	"image"
	"math"

	"github.com/regterm/regterm/firmware/biometric"
)

// synthPrint draws a synthetic fingertip: ridges 9 px apart with phase
// vortices (each one a minutia), shifted by dx pixels.
func synthPrint(dx float64) *image.Gray {
	var vortices [][2]float64
	for i := 0; i < 20; i++ { // scattered over the fingertip
		vortices = append(vortices, [2]float64{80 + float64(i*37%140), 70 + float64(i*53%220)})
	}
	img := image.NewGray(image.Rect(0, 0, 300, 360))
	for y := 0; y < 360; y++ {
		for x := 0; x < 300; x++ {
			fx, fy := float64(x)-dx, float64(y)
			ex, ey := (fx-150)/135, (fy-180)/170
			v := 255.0
			if ex*ex+ey*ey < 1 {
				ph := 2 * math.Pi * math.Hypot(fx-150, fy-600) / 9
				for i, p := range vortices {
					ph += float64(1-2*(i%2)) * math.Atan2(fy-p[1], fx-p[0])
				}
				v = 140 - 90*math.Cos(ph)
			}
			img.Pix[y*img.Stride+x] = uint8(v)
		}
	}
	return img
}

func Example() {
	enrolled, err := biometric.Extract(synthPrint(0), 500)
	if err != nil {
		fmt.Println(err)
		return
	}
	live, err := biometric.Extract(synthPrint(12), 500)
	if err != nil {
		fmt.Println(err)
		return
	}
	score := biometric.Match(enrolled, live)
	fmt.Println("match at FMR 0.1%:", score >= biometric.ThresholdForFMR(1e-3))
	// Output: match at FMR 0.1%: true
}
