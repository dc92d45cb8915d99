package st7789_test

import (
	"fmt"
	"image"
	"image/color"
	"log"
	"time"

	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/spi/spitest"

	"github.com/regterm/regterm/drivers/display/st7789"
)

func Example() {
	// On a terminal, board opens the port and pins by name (spireg.Open,
	// gpioreg.ByName); here periph's recorders stand in for them.
	port := &spitest.Record{}
	dc, rst, bl := &gpiotest.Pin{N: "GPIO25"}, &gpiotest.Pin{N: "GPIO27"}, &gpiotest.Pin{N: "GPIO18"}
	o := st7789.DefaultOpts
	o.Rotation = 90
	o.Sleep = func(time.Duration) {} // do not wait in the example
	d, err := st7789.New(port, dc, rst, bl, &o)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Halt()
	// Paint a 20x10 red box: only those 200 pixels are sent.
	if err := d.Draw(image.Rect(10, 10, 30, 20), image.NewUniform(color.RGBA{255, 0, 0, 255}), image.Point{}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(d, d.Bounds().Size())
	// Output: ST7789{320x240, rot 90, record} (320,240)
}
