package sensorsim_test

import (
	"context"
	"fmt"
	"image"
	"log"
	"log/slog"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/tools/sensorsim"
)

func Example() {
	finger := image.NewGray(image.Rect(0, 0, 300, 400))
	for i := range finger.Pix {
		finger.Pix[i] = byte(i % 251)
	}
	sim := sensorsim.New(sensorsim.Config{Model: sensorsim.R307, Images: []*image.Gray{finger}, AutoFinger: true})
	p, err := sensorsim.ServePTY(sim)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := zfm.DefaultOpts
	opts.Log = slog.New(slog.DiscardHandler)
	dev, err := zfm.Open(ctx, p.Path(), zfm.DefaultBaud, nil, &opts)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Halt()
	img, err := dev.Capture(ctx)
	if err != nil {
		log.Fatal(err)
	}
	want := sensorsim.Quantize(finger, img.Rect.Size())
	fmt.Println(img.Rect.Size(), string(img.Pix) == string(want.Pix))
	// Output: (256,288) true
}
