package atecc608_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"fmt"
	"log"
	"time"

	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/host/v3"

	"github.com/regterm/regterm/drivers/hwkey/atecc608"
)

func Example() {
	// On a terminal, board/ opens the bus; here periph's registry does.
	if _, err := host.Init(); err != nil {
		log.Fatal(err)
	}
	bus, err := i2creg.Open("")
	if err != nil {
		log.Fatal(err)
	}
	defer bus.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := atecc608.New(ctx, bus, &atecc608.Opts{Addr: 0x60, Slot: 0})
	if err != nil {
		log.Fatal(err)
	}
	defer d.Halt()
	fmt.Println(d)
	dg := sha256.Sum256([]byte("hello"))
	if _, err := d.Sign(nil, dg[:], crypto.SHA256); err != nil {
		log.Fatal(err)
	}
}
