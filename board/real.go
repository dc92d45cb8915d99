package board

import (
	"context"
	"fmt"
	"image"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/i2c/i2creg"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"

	"github.com/regterm/regterm/drivers/display/st7789"
	"github.com/regterm/regterm/drivers/fingerprint/zfm"
	"github.com/regterm/regterm/drivers/hwkey/atecc608"
	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/drivers/hwkey/tpm2"
	"github.com/regterm/regterm/drivers/input"
	"github.com/regterm/regterm/drivers/input/gpiokeys"
	"github.com/regterm/regterm/drivers/smartcard/pcsc"
	"github.com/regterm/regterm/drivers/smartcard/thaiid"
)

// openReal opens the real devices a profile names, each with its driver.
// The first device that fails stops it; what was opened is closed again.
func openReal(ctx context.Context, p *Profile, env *Env) (d *Devices, err error) {
	if _, err := host.Init(); err != nil {
		return nil, fmt.Errorf("board: %s: periph host: %w", p.Name, err)
	}
	dev := &Devices{}
	defer func() {
		if err != nil {
			dev.Close() // what was opened before the failure
		}
	}()
	d = dev
	for _, s := range []struct {
		name string
		open func(context.Context, *Profile, *Env, *Devices) error
	}{
		{"key", openRealKey},
		{"sensor", openRealSensor},
		{"card", openRealCard},
		{"display", openRealDisplay},
		{"inputs", openRealInputs},
	} {
		if err := s.open(ctx, p, env, d); err != nil {
			return nil, fmt.Errorf("board: %s: %s: %w", p.Name, s.name, err)
		}
	}
	return d, nil
}

func pinOut(name string) (gpio.PinOut, error) {
	if name == "" {
		return nil, nil
	}
	if p := gpioreg.ByName(name); p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("no GPIO %q", name)
}

func openRealSensor(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	reset, err := pinOut(p.Sensor.ResetPin)
	if err != nil {
		return err
	}
	o := zfm.DefaultOpts
	o.Address, o.Password, o.Baud = p.Sensor.Address, p.Sensor.Password, p.Sensor.Baud
	if p.Sensor.PacketSize != 0 {
		o.PacketSize = p.Sensor.PacketSize
	}
	o.Size, o.DPI = image.Pt(p.Sensor.Width, p.Sensor.Height), p.Sensor.DPI
	o.Log = env.Log.With("device", "sensor")
	dev, err := zfm.Open(ctx, p.Sensor.Port, p.Sensor.Baud, reset, &o)
	if err != nil {
		return err
	}
	d.Sensor = dev
	d.OnClose(dev.Halt)
	return nil
}

func openRealCard(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	src, err := thaiid.OpenPCSC(ctx, &pcsc.Opts{Socket: p.Card.Socket}, p.Card.Reader)
	if err != nil {
		return err
	}
	r := thaiid.NewReader(src, &thaiid.Opts{Log: env.Log.With("device", "card")})
	d.Reader = r
	d.OnClose(r.Close)
	return nil
}

func openRealDisplay(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	c := p.Display
	port, err := spireg.Open(c.SPIPort)
	if err != nil {
		return fmt.Errorf("SPI %q: %w", c.SPIPort, err)
	}
	dc, err := pinOut(c.DC)
	if err == nil && dc == nil {
		err = fmt.Errorf("no DC pin configured")
	}
	var rst, bl gpio.PinOut
	if err == nil {
		rst, err = pinOut(c.Reset)
	}
	if err == nil {
		bl, err = pinOut(c.Backlight)
	}
	if err != nil {
		port.Close()
		return err
	}
	o := st7789.DefaultOpts
	if c.Width > 0 && c.Height > 0 {
		o.Width, o.Height = c.Width, c.Height
	}
	if c.ClockHz > 0 {
		o.Clock = physic.Frequency(c.ClockHz) * physic.Hertz
	}
	o.Rotation, o.Invert = c.Rotation, c.Invert
	dev, err := st7789.New(port, dc, rst, bl, &o)
	if err != nil {
		port.Close()
		return err
	}
	d.Display = dev
	d.OnClose(func() error { err := dev.Halt(); port.Close(); return err })
	return nil
}

func openRealKey(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	k := p.Key
	switch k.Backend {
	case "tpm2":
		key, err := tpm2.Open(ctx, k.TPM, &tpm2.Opts{Handle: k.Handle})
		if err != nil {
			return err
		}
		d.Signer = key
	case "atecc608":
		bus, err := i2creg.Open(k.I2CBus)
		if err != nil {
			return fmt.Errorf("I2C %q: %w", k.I2CBus, err)
		}
		key, err := atecc608.New(ctx, bus, &atecc608.Opts{Addr: k.I2CAddr, Slot: k.Slot})
		if err != nil {
			bus.Close()
			return err
		}
		d.Signer = key
		d.OnClose(bus.Close)
	case "soft":
		key, err := soft.Open(k.SoftPath, &soft.Opts{Production: env.Production})
		if err != nil {
			return err
		}
		env.Log.Warn("development soft key: records are not signed by hardware", "path", k.SoftPath)
		d.Signer = key
	default:
		return fmt.Errorf("unknown key backend %q", k.Backend)
	}
	d.OnClose(d.Signer.Close)
	return nil
}

func openRealInputs(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	pins := map[input.Button]gpio.PinIn{}
	for b, name := range map[input.Button]string{input.Confirm: p.Inputs.Confirm, input.Cancel: p.Inputs.Cancel} {
		if name == "" {
			continue
		}
		pin := gpioreg.ByName(name)
		if pin == nil {
			return fmt.Errorf("no GPIO %q for %v", name, b)
		}
		pins[b] = pin
	}
	if len(pins) == 0 {
		return nil // a board driven only through the local API
	}
	keys, err := gpiokeys.New(pins, nil)
	if err != nil {
		return err
	}
	d.Buttons = keys
	d.OnClose(keys.Halt)
	return nil
}
