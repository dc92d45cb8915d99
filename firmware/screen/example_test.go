package screen_test

import (
	"fmt"
	"image"
	"log"
	"time"

	"github.com/regterm/regterm/drivers/display/virtual"
	"github.com/regterm/regterm/firmware/enroll"
	"github.com/regterm/regterm/firmware/screen"
)

func Example() {
	d, err := virtual.New(image.Pt(240, 320), nil)
	if err != nil {
		log.Fatal(err)
	}
	r, err := screen.New(d, nil)
	if err != nil {
		log.Fatal(err)
	}
	s := enroll.Screen{ID: enroll.ScreenQR, QRToken: "RT1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEXWK G2EP4J0BGJLFX", Remaining: 90 * time.Second}
	if err := r.Show(s); err != nil {
		log.Fatal(err)
	}
	full := d.Stats().Pixels
	s.Remaining -= time.Second // one countdown tick
	if err := r.Show(s); err != nil {
		log.Fatal(err)
	}
	tick := d.Stats().Pixels - full
	fmt.Println(full, tick < full/20, d.Stats().Frames)
	// Output: 76800 true 2
}
