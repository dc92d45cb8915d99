package iso19794_test

import (
	"fmt"
	"math"

	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/iso19794"
)

func Example() {
	t := &biometric.Template{Width: 256, Height: 288, DPI: 500, Quality: 70, Minutiae: []biometric.Minutia{
		{X: 120, Y: 80, Angle: math.Pi / 2, Kind: biometric.KindEnding, Quality: 60},
		{X: 40, Y: 200, Angle: math.Pi, Kind: biometric.KindBifurcation, Quality: 80},
	}}
	b, err := iso19794.EncodeTemplate(t, iso19794.ISO2005, &iso19794.Opts{Position: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := iso19794.Decode(b)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v, %d bytes, %d px/cm, finger %d\n", r.Format, len(b), r.XRes, r.Views[0].Position)
	for _, m := range r.Views[0].Minutiae {
		fmt.Printf("type %d at (%d,%d) angle %d/256 turn\n", m.Type, m.X, m.Y, m.Angle)
	}
	// Output:
	// ISO/IEC 19794-2:2005, 42 bytes, 197 px/cm, finger 2
	// type 1 at (120,80) angle 64/256 turn
	// type 2 at (40,200) angle 128/256 turn
}
