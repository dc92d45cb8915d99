//go:build !release

package board

// The sim board's fingerprint sensor: the real zfm driver talking to the
// sensorsim module simulator on a pseudo-terminal, the same way it talks
// to an R307 on a UART. The simulated module's supply is a GPIO
// (sensorsim.PowerPin) so the driver's power-cycle recovery works too.

import (
	"context"
	"fmt"
	"image"
	"time"

	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/tools/sensorsim"
)

func openSimSensor(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	size := image.Pt(p.Sensor.Width, p.Sensor.Height)
	model := sensorsim.R307
	switch {
	case size == sensorsim.R503.Size:
		model = sensorsim.R503
	case size.X > 0 && size.Y > 0:
		model.Size = size
	}
	sim := sensorsim.New(sensorsim.Config{
		Model:        model,
		Address:      p.Sensor.Address,
		Password:     p.Sensor.Password,
		Baud:         zfm.DefaultBaud, // a module fresh from the factory
		PacketSize:   128,
		Paced:        !env.Fast,
		PowerUpDelay: 50 * time.Millisecond,
		Log:          env.Log.With("device", "sensorsim"),
	})
	pty, err := sensorsim.ServePTY(sim)
	if err != nil {
		return err
	}
	port, err := zfm.OpenPort(pty.Path(), zfm.DefaultBaud)
	if err != nil {
		pty.Close()
		return err
	}
	opts := zfm.DefaultOpts
	opts.Address = p.Sensor.Address
	opts.Password = p.Sensor.Password
	opts.Baud = p.Sensor.Baud
	if p.Sensor.PacketSize != 0 {
		opts.PacketSize = p.Sensor.PacketSize
	}
	if size.X > 0 && size.Y > 0 {
		opts.Size = size
	}
	if p.Sensor.DPI != 0 {
		opts.DPI = p.Sensor.DPI
	}
	opts.Model = model.Name
	opts.Log = env.Log.With("device", "sensor")
	dev, err := zfm.New(ctx, port, sensorsim.NewPowerPin(sim), &opts)
	if err != nil {
		port.Close()
		pty.Close()
		return fmt.Errorf("sensor on %s: %w", pty.Path(), err)
	}
	d.Sensor = dev
	d.Sim.placeFinger = func(ctx context.Context, f *SimFinger) error {
		if f == nil || f.Image == nil {
			sim.LiftFinger()
			return nil
		}
		sim.PlaceFinger(f.Image)
		return nil
	}
	d.Sim.liftFinger = func(ctx context.Context) error {
		sim.LiftFinger()
		return nil
	}
	d.OnClose(func() error {
		err := dev.Halt()
		pty.Close()
		return err
	})
	return nil
}
