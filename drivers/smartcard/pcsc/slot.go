package pcsc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Slot is one reader seen through pcscd, with two connections: one waits
// for reader events while the other talks to the card. It is what
// thaiid.NewReader reads cards from.
type Slot struct {
	opts   Opts
	reader string

	mu     sync.Mutex
	events *Client
	cards  *Client
}

// NewSlot connects to pcscd and picks reader: the reader of that name, else
// the first whose name starts with it (pcscd appends slot numbers, e.g.
// "ACS ACR39U ICC Reader 00 00"); empty: the first reader listed. It fails
// with an error wrapping ErrNoService when pcscd is not running, and
// ErrNoReadersAvailable or ErrUnknownReader when the reader is not there.
func NewSlot(ctx context.Context, opts *Opts, reader string) (*Slot, error) {
	if opts == nil {
		opts = &DefaultOpts
	}
	s := &Slot{opts: *opts}
	ev, err := New(ctx, opts)
	if err != nil {
		return nil, err
	}
	s.opts.Socket = ev.Socket()
	s.events = ev
	names, err := ev.Readers(ctx)
	if err != nil {
		ev.Close()
		return nil, err
	}
	found := ""
	for _, n := range names {
		if n == reader {
			found = n
			break
		}
	}
	for _, n := range names {
		if found == "" && strings.HasPrefix(n, reader) {
			found = n
		}
	}
	if found == "" {
		ev.Close()
		return nil, fmt.Errorf("pcsc: reader %q: %w (pcscd lists %q)", reader, ErrUnknownReader, names)
	}
	s.reader = found
	return s, nil
}

// Reader returns the reader's name.
func (s *Slot) Reader() string { return s.reader }

func (s *Slot) String() string { return fmt.Sprintf("%q via pcscd at %s", s.reader, s.opts.Socket) }

// state returns the reader's slot in states.
func (s *Slot) state(states []ReaderState) (ReaderState, bool) {
	for _, st := range states {
		if st.Name == s.reader {
			return st, true
		}
	}
	return ReaderState{}, false
}

// WaitPresence blocks until the card presence differs from last. A card
// counts as present once pcscd has powered it (its ATR is known).
//
// When the connection to pcscd was lost (pcscd restarted), the next call
// reconnects.
func (s *Slot) WaitPresence(ctx context.Context, last bool) (bool, error) {
	ev, err := s.eventsClient(ctx)
	if err != nil {
		return last, err
	}
	var gone bool
	states, err := ev.WaitChange(ctx, func(st []ReaderState) bool {
		r, ok := s.state(st)
		if !ok {
			gone = true
			return true
		}
		return r.Ready() != last && (r.Ready() || !r.Present())
	})
	if err != nil {
		return last, err
	}
	if gone {
		return false, fmt.Errorf("pcsc: reader %q: %w", s.reader, ErrReaderUnavailable)
	}
	r, _ := s.state(states)
	return r.Ready(), nil
}

// eventsClient returns the event connection, reconnecting a lost one.
func (s *Slot) eventsClient(ctx context.Context) (*Client, error) {
	s.mu.Lock()
	ev := s.events
	s.mu.Unlock()
	if ev.Err() == nil {
		return ev, nil
	}
	nc, err := New(ctx, &s.opts)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.events != ev {
		// Another caller reconnected first.
		nc.Close()
		return s.events, nil
	}
	s.events = nc
	ev.Close()
	return nc, nil
}

// Present reports whether a powered card is in the reader now. It uses the
// card connection, so it does not wait for a WaitPresence in progress.
func (s *Slot) Present(ctx context.Context) (bool, error) {
	c, err := s.cardsClient(ctx)
	if err != nil {
		return false, err
	}
	st, err := c.ReaderStates(ctx)
	if err != nil {
		if c.Err() != nil {
			s.dropCards(c)
		}
		return false, err
	}
	r, ok := s.state(st)
	if !ok {
		return false, fmt.Errorf("pcsc: reader %q: %w", s.reader, ErrReaderUnavailable)
	}
	return r.Ready(), nil
}

func (s *Slot) cardsClient(ctx context.Context) (*Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cards == nil {
		c, err := New(ctx, &s.opts)
		if err != nil {
			return nil, err
		}
		s.cards = c
	}
	return s.cards, nil
}

// Session is an open connection to the card, inside a transaction.
type Session struct {
	slot *Slot
	card *Card
	atr  []byte
}

// Open connects to the card (shared, T=0 or T=1) and begins a transaction.
func (s *Slot) Open(ctx context.Context) (*Session, error) {
	c, err := s.cardsClient(ctx)
	if err != nil {
		return nil, err
	}
	card, err := c.Connect(ctx, s.reader, ShareShared, ProtocolAny)
	if err != nil {
		if c.Err() != nil {
			s.dropCards(c)
		}
		return nil, err
	}
	if err := card.BeginTransaction(ctx); err != nil {
		card.Disconnect(ctx, LeaveCard)
		return nil, err
	}
	st, err := card.Status(ctx)
	if err != nil {
		card.EndTransaction(ctx, LeaveCard)
		card.Disconnect(ctx, LeaveCard)
		return nil, err
	}
	return &Session{slot: s, card: card, atr: st.ATR}, nil
}

func (s *Slot) dropCards(c *Client) {
	s.mu.Lock()
	if s.cards == c {
		s.cards = nil
	}
	s.mu.Unlock()
	c.Close()
}

// ATR returns the card's answer to reset.
func (x *Session) ATR() []byte { return append([]byte(nil), x.atr...) }

// Protocol returns the active protocol.
func (x *Session) Protocol() Protocol { return x.card.Protocol }

// Transmit sends one APDU.
func (x *Session) Transmit(ctx context.Context, cmd []byte) ([]byte, error) {
	r, err := x.card.Transmit(ctx, cmd)
	if err != nil && x.card.c.Err() != nil {
		// A lost connection: pcscd releases its handles when it closes.
		x.slot.dropCards(x.card.c)
	}
	return r, err
}

// Removed reports whether the card has left the reader, giving pcscd up to
// wait to notice (its presence poll runs every 400 ms).
func (x *Session) Removed(ctx context.Context, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	for {
		st, err := x.card.Status(ctx)
		if err != nil && (IsRemoved(err) || errors.Is(err, ErrReaderUnavailable)) {
			return true
		}
		if err == nil && st.State&StatePresent == 0 {
			return true
		}
		if err != nil && x.card.c.Err() != nil {
			// The connection is gone: ask over a new one.
			x.slot.dropCards(x.card.c)
			if present, err := x.slot.Present(ctx); err == nil && !present {
				return true
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Close ends the transaction and disconnects, leaving the card powered. A
// failure drops the connection, so pcscd releases the handle and its lock.
func (x *Session) Close(ctx context.Context) error {
	defer func() {
		if x.card.c.Err() != nil {
			x.slot.dropCards(x.card.c)
		}
	}()
	err := x.card.EndTransaction(ctx, LeaveCard)
	if err2 := x.card.Disconnect(ctx, LeaveCard); err == nil {
		err = err2
	}
	if IsRemoved(err) {
		return nil
	}
	return err
}

// Close closes both connections to pcscd.
func (s *Slot) Close() error {
	s.mu.Lock()
	c, ev := s.cards, s.events
	s.cards = nil
	s.mu.Unlock()
	err := ev.Close()
	if c != nil {
		if err2 := c.Close(); err == nil {
			err = err2
		}
	}
	return err
}
