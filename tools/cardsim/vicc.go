package cardsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// vpcd control messages.
const (
	ctrlOff   = 0
	ctrlOn    = 1
	ctrlReset = 2
	ctrlATR   = 4
)

// DefaultVPCDAddr is vpcd's first slot on the local host.
const DefaultVPCDAddr = "127.0.0.1:35963"

// ErrNotInserted is returned by Remove when no card is in the reader.
var ErrNotInserted = errors.New("cardsim: no card inserted")

// Dialer opens the TCP connection to vpcd (net.Dialer.DialContext, or one
// that dials inside another network namespace).
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// VICC is the virtual card's side of a vpcd slot: Insert connects a Card to
// vpcd, Remove disconnects it.
type VICC struct {
	Addr string
	Dial Dialer

	mu   sync.Mutex
	conn net.Conn
	card *Card
	done chan struct{}
	err  error
}

// NewVICC returns a VICC for vpcd at addr (DefaultVPCDAddr when empty).
func NewVICC(addr string, dial Dialer) *VICC {
	if addr == "" {
		addr = DefaultVPCDAddr
	}
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	return &VICC{Addr: addr, Dial: dial}
}

// Insert connects card to vpcd (removing any card already inserted). pcscd
// notices the card at its next presence poll (every 400 ms or so).
func (v *VICC) Insert(ctx context.Context, card *Card) error {
	v.Remove()
	conn, err := v.Dial(ctx, "tcp", v.Addr)
	if err != nil {
		return fmt.Errorf("cardsim: insert: connect to vpcd at %s: %w", v.Addr, err)
	}
	tuneConn(conn)
	card.Reset()
	v.mu.Lock()
	v.conn, v.card, v.done, v.err = conn, card, make(chan struct{}), nil
	done := v.done
	v.mu.Unlock()
	go v.serve(conn, card, done)
	return nil
}

// Remove pulls the card out (closes the connection to vpcd).
func (v *VICC) Remove() error {
	v.mu.Lock()
	conn, done := v.conn, v.done
	v.conn, v.card = nil, nil
	v.mu.Unlock()
	if conn == nil {
		return ErrNotInserted
	}
	conn.Close()
	<-done
	return nil
}

// Inserted reports whether a card is connected (a RemoveAfter fault or vpcd
// closing the connection counts as removed).
func (v *VICC) Inserted() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.conn == nil {
		return false
	}
	select {
	case <-v.done:
		return false
	default:
		return true
	}
}

// Err returns why the last connection ended, if not by Remove.
func (v *VICC) Err() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

func (v *VICC) serve(conn net.Conn, card *Card, done chan struct{}) {
	defer close(done)
	defer conn.Close()
	err := Serve(conn, card)
	if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
		v.mu.Lock()
		v.err = err
		v.mu.Unlock()
	}
}

// Serve answers vpcd's messages on rw with card until the connection closes
// or the card's RemoveAfter fault pulls it.
func Serve(rw io.ReadWriter, card *Card) error {
	var hdr [2]byte
	buf := make([]byte, 0, 512)
	out := make([]byte, 0, 512)
	for {
		if _, err := io.ReadFull(rw, hdr[:]); err != nil {
			return err
		}
		quickAck(rw)
		n := int(binary.BigEndian.Uint16(hdr[:]))
		if n > cap(buf) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(rw, buf); err != nil {
			return err
		}
		var resp []byte
		if n == 1 {
			switch buf[0] {
			case ctrlOff, ctrlOn, ctrlReset:
				card.Reset()
				continue
			case ctrlATR:
				if card.Removed() {
					return errRemoved
				}
				resp = card.ATR()
			default:
				return fmt.Errorf("cardsim: unknown vpcd control byte %02X", buf[0])
			}
		} else {
			r, ok := card.Process(buf)
			if !ok {
				return errRemoved
			}
			resp = r
		}
		out = out[:0]
		out = binary.BigEndian.AppendUint16(out, uint16(len(resp)))
		out = append(out, resp...)
		if _, err := rw.Write(out); err != nil {
			return err
		}
	}
}

var errRemoved = errors.New("cardsim: card removed by fault")

// tuneConn turns off Nagle (Go's default, made explicit) and asks for quick
// ACKs, so that each small APDU goes out at once.
func tuneConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		tc.SetKeepAlive(true)
		tc.SetKeepAlivePeriod(30 * time.Second)
	}
	quickAck(c)
}
