//go:build !release

package board

// The sim board's card reader: the real stack whenever it can run. The
// thaiid reader talks to a real pcscd (our pure-Go pcsc client) whose vpcd
// virtual reader holds a cardsim card, with pcscd and vpcd in private mount
// and network namespaces (root only) so a system pcscd is never disturbed.
// Otherwise the same thaiid reader reads a cardsim card in process, at the
// APDU level. The log says which.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/pcsc"
	"github.com/regterm/regterm/drivers/smartcard/thaiid"
	"github.com/regterm/regterm/tools/cardsim"
)

// simCardDelay slows each APDU of the simulated card unless env.Fast, so a
// read takes about as long as a real card's (~1 s).
const simCardDelay = 15 * time.Millisecond

func openSimCard(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	log := env.Log.With("device", "card")
	faults := cardsim.Faults{}
	if !env.Fast {
		faults.Delay = simCardDelay
	}
	toCard := func(c *SimCard) (*cardsim.Card, error) {
		content := c.Card
		if len(content.Photo) == 0 {
			content.Photo = cardsim.PlaceholderPhoto(content.CitizenID)
		}
		atr := c.ATR
		if len(atr) == 0 {
			atr = cardsim.DefaultATR
		}
		return cardsim.New(&content, atr, faults)
	}
	readerOpts := &thaiid.Opts{Log: log}

	stack, err := cardsim.StartStack(ctx, cardsim.StackOpts{})
	if err == nil {
		popts := &pcsc.Opts{Socket: stack.Socket, Timeout: 10 * time.Second}
		reader := stack.Slots[0].Reader
		src, err := thaiid.OpenPCSC(ctx, popts, reader)
		if err != nil {
			stack.Close()
			return fmt.Errorf("pcscd in private namespaces: %w", err)
		}
		vicc := cardsim.NewVICC(stack.Slots[0].Addr, stack.Dial)
		d.Reader = thaiid.NewReader(src, readerOpts)
		d.Sim.insertCard = func(ctx context.Context, c *SimCard) error {
			card, err := toCard(c)
			if err != nil {
				return err
			}
			return cardsim.InsertWait(ctx, popts, reader, vicc, card)
		}
		d.Sim.removeCard = func(ctx context.Context) error {
			return cardsim.RemoveWait(ctx, popts, reader, vicc)
		}
		d.OnClose(func() error {
			vicc.Remove()
			err := d.Reader.Close()
			return errors.Join(err, stack.Close())
		})
		log.Info("card reader: real pcscd + vpcd with cardsim in private namespaces", "reader", reader, "pcscd_pid", stack.PID())
		return nil
	}

	slot := cardsim.NewLocalSlot()
	d.Reader = thaiid.NewReader(slot, readerOpts)
	d.Sim.insertCard = func(ctx context.Context, c *SimCard) error {
		card, err := toCard(c)
		if err != nil {
			return err
		}
		slot.Insert(card)
		return nil
	}
	d.Sim.removeCard = func(ctx context.Context) error { slot.Remove(); return nil }
	d.OnClose(d.Reader.Close)
	log.Info("card reader: in-process APDU-level card transport (pcscd + vpcd not usable here)", "reason", err.Error())
	return nil
}

var _ smartcard.Reader = (*thaiid.Reader)(nil)
