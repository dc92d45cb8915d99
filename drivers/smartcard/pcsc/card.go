package pcsc

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Card is a connection to the card in one reader (SCardConnect's handle).
type Card struct {
	c      *Client
	handle int32
	// Protocol is the active protocol pcscd negotiated with the card, read
	// from CONNECT's dwActiveProtocol; Transmit uses it.
	Protocol Protocol
	Reader   string
}

// Connect connects to the card in reader. prefer is a set of acceptable
// protocols (ProtocolAny for T=0 or T=1). With no card in the reader it
// returns an error wrapping ErrNoSmartcard.
func (c *Client) Connect(ctx context.Context, reader string, share ShareMode, prefer Protocol) (*Card, error) {
	if len(reader) >= MaxReaderName {
		return nil, fmt.Errorf("pcsc: connect %q: %w: reader name too long", reader, ErrInvalidValue)
	}
	b, err := c.call(ctx, "connect", cmdConnect, encodeConnect(c.context, reader, share, prefer), nil, connectSize)
	if err != nil {
		return nil, err
	}
	r, err := decodeConnect(b)
	if err != nil {
		return nil, err
	}
	if err := rvErr(r.rv); err != nil {
		return nil, fmt.Errorf("pcsc: connect %q: %w", reader, err)
	}
	return &Card{c: c, handle: r.hCard, Protocol: r.active, Reader: reader}, nil
}

func (k *Card) String() string { return fmt.Sprintf("card in %q (%s)", k.Reader, k.Protocol) }

// Transmit sends a command APDU with the card's active protocol and returns
// the response APDU.
func (k *Card) Transmit(ctx context.Context, command []byte) ([]byte, error) {
	if len(command) > maxBufferExtended {
		return nil, fmt.Errorf("pcsc: transmit: %w: APDU of %d bytes", ErrInsufficientBuffer, len(command))
	}
	req := words(uint32(k.handle), uint32(k.Protocol), pciLength, uint32(len(command)),
		uint32(ProtocolAny), pciLength, maxBufferExtended, 0)
	c := k.c
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.roundTripLocked(ctx, "transmit", cmdTransmit, req, command, transmitSize)
	if err != nil {
		return nil, err
	}
	if rv := word(b, 7); rv != 0 {
		return nil, fmt.Errorf("pcsc: transmit: %w", Error(rv))
	}
	n := word(b, 6)
	if n > maxBufferExtended {
		c.conn.Close()
		c.err = ErrProtocol
		return nil, fmt.Errorf("%w: response of %d bytes", ErrProtocol, n)
	}
	return c.readLocked(ctx, "transmit", int(n))
}

// Status is the state of a connected card.
type Status struct {
	Reader       string
	State        uint32
	EventCounter uint32
	Protocol     Protocol
	ATR          []byte
}

// Status checks the card is still there (SCardStatus) and returns its state.
// A card that was removed gives an error wrapping ErrRemovedCard; one that
// was reset, ErrResetCard (call Reconnect).
func (k *Card) Status(ctx context.Context) (Status, error) {
	b, err := k.c.call(ctx, "status", cmdStatus, words(uint32(k.handle), 0), nil, statusSize)
	if err != nil {
		return Status{}, err
	}
	if rv := word(b, 1); rv != 0 && Error(rv) != ErrInsufficientBuffer {
		return Status{}, fmt.Errorf("pcsc: status: %w", Error(rv))
	}
	states, err := k.c.ReaderStates(ctx)
	if err != nil {
		return Status{}, err
	}
	for _, s := range states {
		if s.Name == k.Reader {
			return Status{Reader: s.Name, State: s.State, EventCounter: s.EventCounter, Protocol: s.Protocol, ATR: s.ATR}, nil
		}
	}
	return Status{}, fmt.Errorf("pcsc: status: %w", ErrReaderUnavailable)
}

// Disconnect releases the card handle.
func (k *Card) Disconnect(ctx context.Context, d Disposition) error {
	b, err := k.c.call(ctx, "disconnect", cmdDisconnect, words(uint32(k.handle), uint32(d), 0), nil, disconnectSize)
	if err != nil {
		return err
	}
	if rv := word(b, 2); rv != 0 {
		return fmt.Errorf("pcsc: disconnect: %w", Error(rv))
	}
	return nil
}

// lockPoll is PCSCLITE_LOCK_POLL_RATE: how often a transaction retries
// while another application holds the card.
const lockPoll = 100 * time.Millisecond

// BeginTransaction locks the card for this handle, waiting (until ctx is
// done) while another application holds it.
func (k *Card) BeginTransaction(ctx context.Context) error {
	for {
		b, err := k.c.call(ctx, "begin transaction", cmdBeginTransaction, words(uint32(k.handle), 0), nil, beginSize)
		if err != nil {
			return err
		}
		rv := word(b, 1)
		if Error(rv) != ErrSharingViolation {
			if rv != 0 {
				return fmt.Errorf("pcsc: begin transaction: %w", Error(rv))
			}
			return nil
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("pcsc: begin transaction: %w: %w", ErrSharingViolation, ctx.Err())
		case <-t.C:
		}
	}
}

// EndTransaction unlocks the card.
func (k *Card) EndTransaction(ctx context.Context, d Disposition) error {
	b, err := k.c.call(ctx, "end transaction", cmdEndTransaction, words(uint32(k.handle), uint32(d), 0), nil, endSize)
	if err != nil {
		return err
	}
	if rv := word(b, 2); rv != 0 {
		return fmt.Errorf("pcsc: end transaction: %w", Error(rv))
	}
	return nil
}

// Reconnect re-establishes the connection after the card was reset (by this
// or another application), with init as the action on the card, and updates
// Protocol.
func (k *Card) Reconnect(ctx context.Context, share ShareMode, prefer Protocol, init Disposition) error {
	b, err := k.c.call(ctx, "reconnect", cmdReconnect, words(uint32(k.handle), uint32(share), uint32(prefer), uint32(init), uint32(k.Protocol), 0), nil, reconnectSize)
	if err != nil {
		return err
	}
	if rv := word(b, 5); rv != 0 {
		return fmt.Errorf("pcsc: reconnect: %w", Error(rv))
	}
	k.Protocol = Protocol(word(b, 4))
	return nil
}

// IsRemoved reports whether err means the card left the reader.
func IsRemoved(err error) bool {
	return errors.Is(err, ErrRemovedCard) || errors.Is(err, ErrNoSmartcard)
}
