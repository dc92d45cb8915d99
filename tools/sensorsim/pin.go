package sensorsim

import (
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// PowerPin is a GPIO (periph's gpiotest.Pin, which records the level)
// wired to the simulated module's supply: High powers it, Low cuts it.
// Hand it to zfm.New as the reset pin.
type PowerPin struct {
	gpiotest.Pin
	sim *Sim
	// Cycles counts power cuts.
	Cycles int
}

// NewPowerPin returns the supply pin of s.
func NewPowerPin(s *Sim) *PowerPin {
	return &PowerPin{Pin: gpiotest.Pin{N: "SENSOR_PWR", Num: 0, L: gpio.High}, sim: s}
}

// Out sets the level and switches the module's power.
func (p *PowerPin) Out(l gpio.Level) error {
	if err := p.Pin.Out(l); err != nil {
		return err
	}
	p.Lock()
	if l == gpio.Low {
		p.Cycles++
	}
	p.Unlock()
	p.sim.SetPower(l == gpio.High)
	return nil
}

var _ gpio.PinOut = (*PowerPin)(nil)

// CutCount returns how many times the power was cut.
func (p *PowerPin) CutCount() int {
	p.Lock()
	defer p.Unlock()
	return p.Cycles
}
