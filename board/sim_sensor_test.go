//go:build !release

package board

import (
	"bytes"
	"context"
	"errors"
	"image"
	"log/slog"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint"
	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/tools/sensorsim"
)

// TestSimSensor: the sim board's sensor is the zfm driver on a pty to
// sensorsim; placed fingers are captured, quantised to 4 bits.
func TestSimSensor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	env := &Env{StateDir: t.TempDir(), Log: slog.New(slog.DiscardHandler), Fast: true}
	p, _ := Defaults("sim")
	// A finger of another size than the frame: the simulator crops it.
	finger := &SimFinger{Image: image.NewGray(image.Rect(0, 0, 300, 300)), DPI: 500}
	for i := range finger.Image.Pix {
		finger.Image.Pix[i] = byte(i%300*5 + i/300*3)
	}
	d := &Devices{Sim: &Sim{}}
	if err := openSimSensor(ctx, &p, env, d); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	dev, ok := d.Sensor.(*zfm.Dev)
	if !ok {
		t.Fatalf("Sensor is %T, want *zfm.Dev", d.Sensor)
	}
	if s := dev.Stats(); s.Baud != p.Sensor.Baud || s.PacketSize != p.Sensor.PacketSize {
		t.Errorf("negotiated %d baud, %d-byte packets; want the profile's %d, %d", s.Baud, s.PacketSize, p.Sensor.Baud, p.Sensor.PacketSize)
	}
	if err := d.Sim.PlaceFinger(ctx, finger); err != nil {
		t.Fatal(err)
	}
	img, err := d.Sensor.Capture(ctx)
	if err != nil {
		t.Fatalf("Capture: %v", err)
	}
	want := sensorsim.Quantize(finger.Image, d.Sensor.Info().Size)
	if !bytes.Equal(img.Pix, want.Pix) {
		t.Errorf("captured image differs from the placed finger after quantisation")
	}
	if err := d.Sim.LiftFinger(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := d.Sensor.Capture(short); !errors.Is(err, fingerprint.ErrNoFinger) {
		t.Errorf("Capture after lifting: got %v, want ErrNoFinger", err)
	}
	if err := d.Sensor.Health(ctx); err != nil {
		t.Errorf("Health: %v", err)
	}
	if err := d.Sensor.Reset(ctx); err != nil {
		t.Errorf("Reset (power cycle through the simulated supply pin): %v", err)
	}
}
