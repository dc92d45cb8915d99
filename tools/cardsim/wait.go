package cardsim

import (
	"context"
	"fmt"

	"github.com/regterm/regterm/drivers/smartcard/pcsc"
)

// WaitState waits until pcscd shows reader's card present and powered
// (present) or absent (!present).
func WaitState(ctx context.Context, opts *pcsc.Opts, reader string, present bool) error {
	c, err := pcsc.New(ctx, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WaitChange(ctx, func(st []pcsc.ReaderState) bool {
		for _, s := range st {
			if s.Name == reader {
				if present {
					return s.Ready()
				}
				return !s.Present()
			}
		}
		return false
	})
	return err
}

// InsertWait removes any card from v and waits until pcscd has noticed
// (vpcd accepts a new card only once it has seen the old one go), then
// inserts card and waits until pcscd has powered it.
func InsertWait(ctx context.Context, opts *pcsc.Opts, reader string, v *VICC, card *Card) error {
	v.Remove()
	if err := WaitState(ctx, opts, reader, false); err != nil {
		return fmt.Errorf("cardsim: reader %q not empty: %w", reader, err)
	}
	if err := v.Insert(ctx, card); err != nil {
		return err
	}
	if err := WaitState(ctx, opts, reader, true); err != nil {
		return fmt.Errorf("cardsim: card inserted in %q not seen by pcscd: %w", reader, err)
	}
	return nil
}

// RemoveWait removes the card from v and waits until pcscd has noticed.
func RemoveWait(ctx context.Context, opts *pcsc.Opts, reader string, v *VICC) error {
	v.Remove()
	return WaitState(ctx, opts, reader, false)
}
