package zfm_test

import (
	"context"
	"fmt"
	"image/png"
	"log"
	"os"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
)

func Example() {
	port, err := zfm.OpenPort("/dev/ttyAMA0", zfm.DefaultBaud)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dev, err := zfm.New(ctx, port, nil, &zfm.DefaultOpts)
	if err != nil {
		log.Fatal(err)
	}
	defer dev.Halt()
	fmt.Println(dev)
	img, err := dev.Capture(ctx) // waits for a finger
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.Create("finger.png")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
}
