//go:build !release

package board

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/regterm/regterm/drivers/input"
)

// Sim is the simulated world around a "sim" board: the demo's citizen,
// officer and fingers, and the hands that insert cards, place fingers and
// press buttons. Each simulated device registers its controls here.
type Sim struct {
	World *World

	insertCard  func(ctx context.Context, c *SimCard) error
	removeCard  func(ctx context.Context) error
	placeFinger func(ctx context.Context, f *SimFinger) error
	liftFinger  func(ctx context.Context) error
	buttons     *simButtons
}

// InsertCard puts card c into the simulated reader.
func (s *Sim) InsertCard(ctx context.Context, c *SimCard) error { return s.insertCard(ctx, c) }

// RemoveCard pulls the card out of the simulated reader.
func (s *Sim) RemoveCard(ctx context.Context) error { return s.removeCard(ctx) }

// PlaceFinger puts finger impression f on the simulated sensor.
func (s *Sim) PlaceFinger(ctx context.Context, f *SimFinger) error { return s.placeFinger(ctx, f) }

// LiftFinger lifts the finger off the simulated sensor.
func (s *Sim) LiftFinger(ctx context.Context) error { return s.liftFinger(ctx) }

// Press presses a simulated button.
func (s *Sim) Press(ctx context.Context, b input.Button) error { return s.buttons.press(ctx, b) }

func init() {
	register("sim", Profile{
		Sensor:  SensorConfig{Baud: 115200, Address: 0xFFFFFFFF, PacketSize: 256, Width: 256, Height: 288, DPI: 500},
		Display: DisplayConfig{Width: 240, Height: 320},
		Key:     KeyConfig{Backend: "tpm2", Handle: 0x81000001},
	}, openSim)
}

func openSim(ctx context.Context, p *Profile, env *Env) (d *Devices, err error) {
	if env.StateDir == "" {
		return nil, fmt.Errorf("board: sim: no state directory")
	}
	if err := os.MkdirAll(filepath.Join(env.StateDir, "sim"), 0o700); err != nil {
		return nil, fmt.Errorf("board: sim: %w", err)
	}
	w, err := newWorld(env)
	if err != nil {
		return nil, fmt.Errorf("board: sim: world: %w", err)
	}
	dev := &Devices{Sim: &Sim{World: w}}
	defer func() {
		if err != nil {
			dev.Close() // what was opened before the failure
		}
	}()
	d = dev
	d.Sim.buttons = newSimButtons()
	d.Buttons = d.Sim.buttons
	steps := []struct {
		name string
		open func(context.Context, *Profile, *Env, *Devices) error
	}{
		{"sensor", openSimSensor},
		{"card", openSimCard},
		{"display", openSimDisplay},
		{"key", openSimKey},
		{"registry", openSimRegistry}, // after key: it certifies the terminal key
	}
	for _, s := range steps {
		if err := s.open(ctx, p, env, d); err != nil {
			return nil, fmt.Errorf("board: sim: %s: %w", s.name, err)
		}
	}
	return d, nil
}

type simButtons struct{ ch chan input.Button }

func newSimButtons() *simButtons { return &simButtons{ch: make(chan input.Button, 8)} }

func (b *simButtons) press(ctx context.Context, k input.Button) error {
	select {
	case b.ch <- k:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *simButtons) Next(ctx context.Context) (input.Button, error) {
	select {
	case k := <-b.ch:
		return k, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (b *simButtons) Halt() error { return nil }
