package apdu

import (
	"context"
	"errors"
	"fmt"
)

// Errors.
var (
	// ErrShortResponse means a response APDU had fewer than the two status
	// bytes.
	ErrShortResponse = errors.New("apdu: response shorter than 2 bytes")
	// ErrInvalidCommand means a command APDU could not be encoded or parsed.
	ErrInvalidCommand = errors.New("apdu: invalid command APDU")
	// ErrTooManyResponses means the card kept answering 61xx or 6Cxx beyond
	// any reasonable response size.
	ErrTooManyResponses = errors.New("apdu: too many chained responses")
)

// Command is a short command APDU.
type Command struct {
	CLA, INS, P1, P2 byte
	// Data is the command data field (Lc = len(Data), at most 255 bytes).
	Data []byte
	// Ne is the maximum number of response bytes expected: 0 means no Le
	// field, 1..256 is encoded as one Le byte (256 as 00).
	Ne int
}

// Bytes encodes c.
func (c Command) Bytes() ([]byte, error) {
	if len(c.Data) > 255 {
		return nil, fmt.Errorf("%w: data field of %d bytes (max 255)", ErrInvalidCommand, len(c.Data))
	}
	if c.Ne < 0 || c.Ne > 256 {
		return nil, fmt.Errorf("%w: Ne %d out of 0..256", ErrInvalidCommand, c.Ne)
	}
	b := make([]byte, 0, 4+1+len(c.Data)+1)
	b = append(b, c.CLA, c.INS, c.P1, c.P2)
	if len(c.Data) > 0 {
		b = append(b, byte(len(c.Data)))
		b = append(b, c.Data...)
	}
	if c.Ne > 0 {
		b = append(b, byte(c.Ne)) // 256 encodes as 0x00
	}
	return b, nil
}

// String formats c as hex, e.g. "00 A4 04 00 08 A0 00 ...".
func (c Command) String() string {
	b, err := c.Bytes()
	if err != nil {
		return fmt.Sprintf("invalid APDU (%v)", err)
	}
	return hexString(b)
}

// ParseCommand decodes a short command APDU (cases 1 to 4 of ISO/IEC
// 7816-3 12.1.2). A 5-byte APDU is case 2 (Le only). Extended-length APDUs
// are rejected.
func ParseCommand(b []byte) (Command, error) {
	if len(b) < 4 {
		return Command{}, fmt.Errorf("%w: %d bytes, need at least 4", ErrInvalidCommand, len(b))
	}
	c := Command{CLA: b[0], INS: b[1], P1: b[2], P2: b[3]}
	body := b[4:]
	switch {
	case len(body) == 0: // case 1
	case len(body) == 1: // case 2: Le
		c.Ne = decodeLe(body[0])
	default:
		lc := int(body[0])
		if lc == 0 {
			return Command{}, fmt.Errorf("%w: Lc 00 (extended length not supported)", ErrInvalidCommand)
		}
		switch len(body) {
		case 1 + lc: // case 3
			c.Data = append([]byte(nil), body[1:]...)
		case 1 + lc + 1: // case 4
			c.Data = append([]byte(nil), body[1:1+lc]...)
			c.Ne = decodeLe(body[1+lc])
		default:
			return Command{}, fmt.Errorf("%w: Lc %d does not match %d body bytes", ErrInvalidCommand, lc, len(body))
		}
	}
	return c, nil
}

func decodeLe(b byte) int {
	if b == 0 {
		return 256
	}
	return int(b)
}

// Response is a response APDU.
type Response struct {
	Data []byte
	SW   uint16 // SW1<<8 | SW2
}

// SW1 returns the first status byte.
func (r Response) SW1() byte { return byte(r.SW >> 8) }

// SW2 returns the second status byte.
func (r Response) SW2() byte { return byte(r.SW) }

// Bytes encodes r (data then SW1 SW2).
func (r Response) Bytes() []byte {
	b := make([]byte, 0, len(r.Data)+2)
	b = append(b, r.Data...)
	return append(b, r.SW1(), r.SW2())
}

// Err returns nil for 9000 and a *StatusError for any other status.
func (r Response) Err() error {
	if r.SW == SWOK {
		return nil
	}
	return &StatusError{SW: r.SW}
}

// ParseResponse decodes a response APDU. A response shorter than 2 bytes
// returns ErrShortResponse. The data is copied.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: got %d", ErrShortResponse, len(b))
	}
	n := len(b) - 2
	return Response{Data: append([]byte(nil), b[:n]...), SW: uint16(b[n])<<8 | uint16(b[n+1])}, nil
}

// Transmitter sends one command APDU to a card and returns the raw response
// APDU. pcsc.Card implements it.
type Transmitter interface {
	Transmit(ctx context.Context, command []byte) ([]byte, error)
}

// Channel runs command/response pairs over a Transmitter, following 61xx
// with GET RESPONSE and resending on 6Cxx.
type Channel struct {
	T Transmitter
	// GetResponseCLA and GetResponseP2 are the class byte and P2 of the GET
	// RESPONSE command (00 C0 00 P2 Le). Thai ID cards whose ATR starts
	// 3B 67 need P2 = 01.
	GetResponseCLA, GetResponseP2 byte
	// Count counts the APDUs transmitted.
	Count int
}

// maxChain bounds the 61xx/6Cxx loop: 64 KiB of response is far more than any
// file this package reads.
const maxChain = 256

// Do transmits cmd and returns the complete response. The returned error is
// a *StatusError when the final status is not 9000 (the response is then
// still returned), or the transport's error.
func (ch *Channel) Do(ctx context.Context, cmd Command) (Response, error) {
	var data []byte
	for i := 0; i < maxChain; i++ {
		raw, err := cmd.Bytes()
		if err != nil {
			return Response{}, err
		}
		ch.Count++
		b, err := ch.T.Transmit(ctx, raw)
		if err != nil {
			return Response{}, err
		}
		r, err := ParseResponse(b)
		if err != nil {
			return Response{}, err
		}
		data = append(data, r.Data...)
		switch r.SW1() {
		case 0x61:
			// More data: fetch it with GET RESPONSE (Le = SW2, 00 = 256).
			cmd = Command{CLA: ch.GetResponseCLA, INS: 0xC0, P1: 0x00, P2: ch.GetResponseP2, Ne: decodeLe(r.SW2())}
			continue
		case 0x6C:
			// Wrong Le: resend the same command with Le = SW2.
			if len(r.Data) > 0 {
				data = data[:len(data)-len(r.Data)]
			}
			cmd.Ne = decodeLe(r.SW2())
			continue
		}
		r.Data = data
		return r, r.Err()
	}
	return Response{}, ErrTooManyResponses
}

func hexString(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, len(b)*3)
	for i, v := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, digits[v>>4], digits[v&0xF])
	}
	return string(out)
}
