package fpsynth_test

import (
	"fmt"

	"github.com/regterm/regterm/tools/fpsynth"
)

func Example() {
	f, err := fpsynth.NewFinger(42, &fpsynth.Opts{Class: fpsynth.ClassWhorl})
	if err != nil {
		fmt.Println(err)
		return
	}
	enrolled := f.Impression(1) // e.g. the card's reference
	live := f.Impression(2)     // what the sensor sees
	fmt.Println(f.Class, len(f.Cores), "cores", len(f.Deltas), "deltas")
	fmt.Println(enrolled.Bounds().Size(), live.Bounds().Size())
	// Output:
	// whorl 2 cores 2 deltas
	// (256,288) (256,288)
}
