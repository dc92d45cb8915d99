//go:build !release

package board

// PLACEHOLDER until the card issue lands: an in-process simulated reader.
// The owner replaces it with pcsc + thaiid against pcscd + vpcd + cardsim
// (and an APDU-level in-process card when those are not installed).

import (
	"context"
	"sync"

	"github.com/regterm/regterm/drivers/smartcard"
)

type inprocReader struct {
	mu      sync.Mutex
	card    *SimCard
	changed chan struct{}
}

func openSimCard(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	r := &inprocReader{changed: make(chan struct{})}
	d.Reader = r
	d.Sim.insertCard = func(ctx context.Context, c *SimCard) error { r.set(c); return nil }
	d.Sim.removeCard = func(ctx context.Context) error { r.set(nil); return nil }
	d.OnClose(r.Close)
	return nil
}

func (r *inprocReader) set(c *SimCard) {
	r.mu.Lock()
	r.card = c
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

func (r *inprocReader) WaitPresence(ctx context.Context, last bool) (bool, error) {
	for {
		r.mu.Lock()
		present, ch := r.card != nil, r.changed
		r.mu.Unlock()
		if present != last {
			return present, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return last, ctx.Err()
		}
	}
}

func (r *inprocReader) Read(ctx context.Context) (*smartcard.IDCard, error) {
	r.mu.Lock()
	c := r.card
	r.mu.Unlock()
	if c == nil {
		return nil, smartcard.ErrNoCard
	}
	card := c.Card
	card.ATR = append([]byte(nil), c.ATR...)
	return &card, nil
}

func (r *inprocReader) String() string { return "in-process simulated card reader" }
func (r *inprocReader) Close() error   { return nil }
