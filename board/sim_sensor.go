//go:build !release

package board

// PLACEHOLDER until the sensor issue lands: an in-process simulated sensor.
// The owner replaces it with the zfm driver talking to sensorsim on a pty.

import (
	"context"
	"fmt"
	"image"
	"sync"

	"github.com/regterm/regterm/drivers/fingerprint"
)

type inprocSensor struct {
	mu     sync.Mutex
	finger *SimFinger
	placed chan struct{}
	size   image.Point
}

func openSimSensor(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	s := &inprocSensor{placed: make(chan struct{}, 1), size: image.Pt(p.Sensor.Width, p.Sensor.Height)}
	d.Sensor = s
	d.Sim.placeFinger = func(ctx context.Context, f *SimFinger) error {
		s.mu.Lock()
		s.finger = f
		s.mu.Unlock()
		select {
		case s.placed <- struct{}{}:
		default:
		}
		return nil
	}
	d.Sim.liftFinger = func(ctx context.Context) error {
		s.mu.Lock()
		s.finger = nil
		s.mu.Unlock()
		return nil
	}
	d.OnClose(s.Halt)
	return nil
}

func (s *inprocSensor) Info() fingerprint.Info {
	return fingerprint.Info{Model: "in-process simulation", Size: s.size, Depth: 8, DPI: 500}
}

func (s *inprocSensor) Capture(ctx context.Context) (*image.Gray, error) {
	for {
		s.mu.Lock()
		f := s.finger
		s.mu.Unlock()
		if f != nil {
			img := image.NewGray(f.Image.Bounds())
			copy(img.Pix, f.Image.Pix)
			return img, nil
		}
		select {
		case <-s.placed:
		case <-ctx.Done():
			return nil, fmt.Errorf("simsensor: capture: %w", fingerprint.ErrNoFinger)
		}
	}
}

func (s *inprocSensor) SetLED(ctx context.Context, l fingerprint.LED) error { return nil }
func (s *inprocSensor) Health(ctx context.Context) error                    { return nil }
func (s *inprocSensor) Reset(ctx context.Context) error                     { return nil }
func (s *inprocSensor) String() string                                      { return "in-process simulated sensor" }
func (s *inprocSensor) Halt() error                                         { return nil }
