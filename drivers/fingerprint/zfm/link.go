package zfm

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"time"
)

// open brings the link up: finds the rate, verifies the password,
// negotiates baud and packet size, reads the module's description.
func (d *Dev) open(ctx context.Context) error {
	if err := d.connect(ctx, d.probeOrder()); err != nil {
		return err
	}
	if err := d.negotiateBaud(ctx); err != nil {
		return err
	}
	if err := d.negotiatePacket(ctx); err != nil {
		return err
	}
	d.readProdInfo(ctx)
	d.log.Info("zfm: module ready", "model", d.info.Model, "baud", d.baud, "packet", d.packet,
		"width", d.info.Size.X, "height", d.info.Size.Y)
	return nil
}

// probeOrder lists the rates to try: the current one, the preferred one,
// the factory default, then (ScanBauds) every other.
func (d *Dev) probeOrder() []int {
	order := []int{d.baud}
	if _, ok := d.port.(BaudPort); !ok {
		return order
	}
	add := func(r int) {
		if r > 0 && !slices.Contains(order, r) {
			order = append(order, r)
		}
	}
	add(d.opts.Baud)
	add(DefaultBaud)
	if d.opts.ScanBauds {
		for _, r := range Bauds {
			add(r)
		}
	}
	return order
}

func (d *Dev) setBaud(rate int) error {
	bp, ok := d.port.(BaudPort)
	if !ok {
		return nil
	}
	if err := bp.SetBaud(rate); err != nil {
		return fmt.Errorf("zfm: set port to %d baud: %w", rate, err)
	}
	d.baud = rate
	d.parser.Reset()
	return nil
}

// connect finds the rate the module answers at among rates and verifies
// the password there. VfyPwd is the probe: every EF01 module implements
// it, and a wrong-password answer still proves the link.
func (d *Dev) connect(ctx context.Context, rates []int) error {
	for _, r := range rates {
		if err := d.setBaud(r); err != nil {
			return err
		}
		err := d.probe(ctx)
		if err == nil {
			d.silent = 0
			return nil
		}
		var st Status
		if errors.As(err, &st) {
			return fmt.Errorf("zfm: VfyPwd at %d baud: %w", r, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d.log.Debug("zfm: no answer", "baud", r, "err", err)
	}
	return fmt.Errorf("%w (tried %v)", ErrNoBaud, rates)
}

// probe sends VfyPwd twice at most (a module just out of reset may miss
// the first).
func (d *Dev) probe(ctx context.Context) error {
	pw := d.opts.Password
	params := []byte{byte(pw >> 24), byte(pw >> 16), byte(pw >> 8), byte(pw)}
	var err error
	for i := 0; i < 2; i++ {
		_, err = d.once(ctx, InsVfyPwd, params, 0, d.opts.Latency)
		if err == nil || !retriable(err) {
			return err
		}
	}
	return err
}

// negotiateBaud moves the module to the highest rate it accepts up to
// Opts.Baud. The module stores the rate and applies it after a reset, so
// every change is followed by SoftRst and a probe of both rates.
func (d *Dev) negotiateBaud(ctx context.Context) error {
	if _, ok := d.port.(BaudPort); !ok || d.opts.Baud == 0 || d.baud == d.opts.Baud {
		return nil
	}
	var cands []int
	if d.baud < d.opts.Baud {
		for _, r := range Bauds {
			if r > d.baud && r <= d.opts.Baud {
				cands = append(cands, r)
			}
		}
	} else {
		cands = []int{d.opts.Baud}
	}
	for _, c := range cands {
		if c%9600 != 0 || c/9600 < 1 || c/9600 > 12 {
			return fmt.Errorf("zfm: baud %d: %w (9600*N, N=1..12)", c, ErrArgument)
		}
		_, err := d.call(ctx, "SetSysPara baud", InsSetSysPara, []byte{ParamBaud, byte(c / 9600)}, 0, d.opts.CaptureLatency)
		var st Status
		if errors.As(err, &st) {
			d.log.Info("zfm: module refuses baud", "baud", c, "status", byte(st))
			continue
		}
		if err != nil {
			// Unanswered: find the module again, at either rate, and stay.
			d.log.Warn("zfm: baud change unanswered", "baud", c, "err", err)
			return d.connect(ctx, []int{d.baud, c})
		}
		old := d.baud
		if _, err := d.once(ctx, InsSoftRst, nil, 0, d.opts.Latency); err != nil {
			// A module that switched at once cannot hear the reset at the
			// old rate; probing finds it.
			d.log.Debug("zfm: SoftRst after baud change", "err", err)
		}
		d.stats.Resets++
		if err := d.setBaud(c); err != nil {
			return err
		}
		d.waitPowerUp(ctx)
		if err := d.connect(ctx, []int{c, old}); err != nil {
			if d.reset == nil {
				return err
			}
			if err := d.powerCycle(ctx); err != nil {
				return err
			}
		}
		if d.baud == c {
			d.log.Info("zfm: baud switched", "from", old, "to", c)
			return nil
		}
		d.log.Warn("zfm: module accepted a baud change but still answers at the old rate", "wanted", c, "baud", d.baud)
		return nil
	}
	return nil
}

// packetCodes maps packet sizes to their SetSysPara / ReadSysPara code.
var packetCodes = map[int]byte{32: 0, 64: 1, 128: 2, 256: 3}

// negotiatePacket sets the largest data packet the module accepts up to
// Opts.PacketSize and adopts what the module then reports.
func (d *Dev) negotiatePacket(ctx context.Context) error {
	sp, err := d.readSysPara(ctx)
	if err != nil {
		return err
	}
	d.packet = sp.PacketSize
	want := d.opts.PacketSize
	for s := want; s >= 32 && s != d.packet; s /= 2 {
		if s < d.packet && want > d.packet {
			break // the current size is the best the module accepts
		}
		_, err := d.call(ctx, "SetSysPara packet size", InsSetSysPara, []byte{ParamPacketSize, packetCodes[s]}, 0, d.opts.CaptureLatency)
		var st Status
		if errors.As(err, &st) {
			d.log.Info("zfm: module refuses packet size", "size", s, "status", byte(st))
			if want < d.packet {
				break
			}
			continue
		}
		if err != nil {
			return err
		}
		sp, err := d.readSysPara(ctx)
		if err != nil {
			return err
		}
		if sp.PacketSize != s {
			d.log.Warn("zfm: module accepted a packet size but reports another", "set", s, "reported", sp.PacketSize)
		}
		d.packet = sp.PacketSize
		break
	}
	return nil
}

// readProdInfo asks the module for its description; modules without
// ReadProdInfo keep the configured one.
func (d *Dev) readProdInfo(ctx context.Context) {
	data, err := d.once(ctx, InsReadProdInfo, nil, prodInfoLen, d.opts.Latency)
	if err != nil {
		d.log.Info("zfm: no product information, using the configured geometry", "err", err)
		var to *rxTimeout
		if errors.As(err, &to) {
			d.drainQuiet(ctx, 20*time.Millisecond, d.opts.Latency)
		}
		return
	}
	pi, err := parseProdInfo(data)
	if err != nil {
		d.log.Warn("zfm: bad product information, using the configured geometry", "err", err)
		return
	}
	d.prod = &pi
	d.info.Model = pi.Model
	d.info.Serial = pi.Serial
	d.info.Size = image.Pt(pi.Width, pi.Height)
}
