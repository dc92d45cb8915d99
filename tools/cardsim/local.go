package cardsim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/thaiid"
)

// LocalSlot is an in-process card reader slot: a thaiid.Source whose cards
// answer APDUs directly, without pcscd. The sim board uses it when pcscd and
// vpcd are not available.
type LocalSlot struct {
	mu      sync.Mutex
	card    *Card
	changed chan struct{}
}

var _ thaiid.Source = (*LocalSlot)(nil)

// NewLocalSlot returns an empty slot.
func NewLocalSlot() *LocalSlot { return &LocalSlot{changed: make(chan struct{})} }

// Insert puts card in the slot (nil removes).
func (l *LocalSlot) Insert(card *Card) {
	if card != nil {
		card.Reset()
	}
	l.mu.Lock()
	l.card = card
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// Remove pulls the card out.
func (l *LocalSlot) Remove() { l.Insert(nil) }

func (l *LocalSlot) current() (*Card, chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.card != nil && l.card.Removed() {
		l.card = nil
	}
	return l.card, l.changed
}

// WaitPresence implements thaiid.Source.
func (l *LocalSlot) WaitPresence(ctx context.Context, last bool) (bool, error) {
	for {
		c, ch := l.current()
		if (c != nil) != last {
			return c != nil, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return last, ctx.Err()
		case <-time.After(100 * time.Millisecond): // a RemoveAfter fault pulls the card without an event
		}
	}
}

// Open implements thaiid.Source.
func (l *LocalSlot) Open(ctx context.Context) (thaiid.Session, error) {
	c, _ := l.current()
	if c == nil {
		return nil, fmt.Errorf("cardsim: open: %w", smartcard.ErrNoCard)
	}
	return &localSession{slot: l, card: c}, nil
}

func (l *LocalSlot) String() string { return "in-process card slot" }

// Close implements thaiid.Source.
func (l *LocalSlot) Close() error { return nil }

type localSession struct {
	slot *LocalSlot
	card *Card
}

func (s *localSession) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, _ := s.slot.current()
	if c != s.card {
		return nil, fmt.Errorf("cardsim: transmit: %w", smartcard.ErrCardRemoved)
	}
	r, ok := s.card.Process(cmd)
	if !ok {
		return nil, fmt.Errorf("cardsim: transmit: %w", smartcard.ErrCardRemoved)
	}
	return r, nil
}

func (s *localSession) ATR() []byte { return s.card.ATR() }

func (s *localSession) Removed(ctx context.Context, wait time.Duration) bool {
	c, _ := s.slot.current()
	return c != s.card
}

func (s *localSession) Close(ctx context.Context) error { return nil }
