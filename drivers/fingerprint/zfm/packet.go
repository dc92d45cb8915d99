package zfm

import (
	"encoding/binary"
	"fmt"
)

// Packet identifiers (PID).
const (
	PIDCommand byte = 0x01 // command packet, host to module
	PIDData    byte = 0x02 // data packet, more follow
	PIDAck     byte = 0x07 // acknowledge packet, module to host
	PIDEndData byte = 0x08 // last data packet
)

// Framing constants.
const (
	// Header is the first two bytes of every packet.
	Header uint16 = 0xEF01
	// DefaultAddress is the factory module address.
	DefaultAddress uint32 = 0xFFFFFFFF
	// Overhead is the number of bytes a packet adds to its payload:
	// header (2), address (4), PID (1), length (2) and checksum (2).
	Overhead = 11
	// MaxPayload is the largest payload a packet carries (LEN = 258).
	MaxPayload = 256
	// maxLen is the largest LEN field accepted.
	maxLen = MaxPayload + 2
)

// Instruction codes (the first payload byte of a command packet).
const (
	InsGenImg         byte = 0x01
	InsImg2Tz         byte = 0x02
	InsMatch          byte = 0x03
	InsSearch         byte = 0x04
	InsRegModel       byte = 0x05
	InsStore          byte = 0x06
	InsLoadChar       byte = 0x07
	InsUpChar         byte = 0x08
	InsDownChar       byte = 0x09
	InsUpImage        byte = 0x0A
	InsDownImage      byte = 0x0B
	InsDeletChar      byte = 0x0C
	InsEmpty          byte = 0x0D
	InsSetSysPara     byte = 0x0E
	InsReadSysPara    byte = 0x0F
	InsVfyPwd         byte = 0x13
	InsGetRandomCode  byte = 0x14
	InsTempleteNum    byte = 0x1D
	InsReadIndexTable byte = 0x1F
	InsAuraLedConfig  byte = 0x35
	InsCheckSensor    byte = 0x36
	InsReadProdInfo   byte = 0x3C
	InsSoftRst        byte = 0x3D
	InsHandShake      byte = 0x40
)

// PowerUpByte is what a module sends once it is ready after power-on or a
// soft reset.
const PowerUpByte byte = 0x55

// SetSysPara parameter numbers.
const (
	ParamBaud       byte = 4 // N: baud = 9600*N, 1..12
	ParamSecurity   byte = 5 // 1..5
	ParamPacketSize byte = 6 // 0=32, 1=64, 2=128, 3=256 bytes
)

// Packet is one EF01 frame.
type Packet struct {
	Addr    uint32
	PID     byte
	Payload []byte
}

// WireLen is the number of bytes the packet occupies on the wire.
func (p Packet) WireLen() int { return Overhead + len(p.Payload) }

func (p Packet) String() string {
	return fmt.Sprintf("zfm packet addr=%08x pid=%02x len=%d", p.Addr, p.PID, len(p.Payload))
}

// Checksum is the 16-bit sum of the PID, the two length bytes and the
// payload.
func Checksum(pid byte, payload []byte) uint16 {
	n := len(payload) + 2
	s := uint16(pid) + uint16(n>>8) + uint16(n&0xFF)
	for _, b := range payload {
		s += uint16(b)
	}
	return s
}

// AppendPacket appends the encoding of a packet to dst. The payload must be
// at most MaxPayload bytes.
func AppendPacket(dst []byte, addr uint32, pid byte, payload []byte) []byte {
	if len(payload) > MaxPayload {
		panic("zfm: payload too long") // programming error, never outside input
	}
	dst = binary.BigEndian.AppendUint16(dst, Header)
	dst = binary.BigEndian.AppendUint32(dst, addr)
	dst = append(dst, pid)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(payload)+2))
	dst = append(dst, payload...)
	return binary.BigEndian.AppendUint16(dst, Checksum(pid, payload))
}

// Command returns the encoding of the command packet for instruction ins
// with its parameters.
func Command(addr uint32, ins byte, params ...byte) []byte {
	payload := append([]byte{ins}, params...)
	return AppendPacket(make([]byte, 0, Overhead+len(payload)), addr, PIDCommand, payload)
}

// Parser finds packets in a byte stream. It resynchronises on EF 01 after
// garbage and after a frame that fails its checks: a corrupted frame is
// reported once (ErrChecksum, ErrFrame) and scanning resumes at the byte
// after its header, so a good frame inside or right after garbage is found.
// Bytes that are not part of any frame (power-up 0x55, line noise) are
// counted in Skipped.
type Parser struct {
	buf     []byte
	off     int
	Skipped int // bytes discarded outside frames
}

// Feed appends received bytes.
func (p *Parser) Feed(b []byte) {
	if p.off > 0 && p.off >= len(p.buf)/2 {
		n := copy(p.buf, p.buf[p.off:])
		p.buf = p.buf[:n]
		p.off = 0
	}
	p.buf = append(p.buf, b...)
}

// Reset discards everything buffered.
func (p *Parser) Reset() {
	p.buf = p.buf[:0]
	p.off = 0
}

// Buffered is the number of bytes not yet consumed.
func (p *Parser) Buffered() int { return len(p.buf) - p.off }

// Next returns the next packet in the buffered bytes. It returns
// ErrIncomplete when more bytes are needed, and ErrChecksum or ErrFrame
// (wrapped) for a corrupted frame, which it skips. The payload is a copy.
func (p *Parser) Next() (Packet, error) {
	for {
		b := p.buf[p.off:]
		// Hunt for the header.
		i := 0
		for i < len(b) && !(b[i] == 0xEF && (i+1 == len(b) || b[i+1] == 0x01)) {
			i++
		}
		p.Skipped += i
		p.off += i
		b = b[i:]
		if len(b) < 9 {
			return Packet{}, ErrIncomplete
		}
		pid := b[6]
		n := int(binary.BigEndian.Uint16(b[7:9]))
		if pid != PIDCommand && pid != PIDData && pid != PIDAck && pid != PIDEndData {
			p.skip()
			return Packet{}, fmt.Errorf("%w: unknown packet id %#02x", ErrFrame, pid)
		}
		if n < 2 || n > maxLen {
			p.skip()
			return Packet{}, fmt.Errorf("%w: length %d out of range 2..%d", ErrFrame, n, maxLen)
		}
		if len(b) < 9+n {
			return Packet{}, ErrIncomplete
		}
		payload := b[9 : 9+n-2]
		got := binary.BigEndian.Uint16(b[9+n-2 : 9+n])
		if want := Checksum(pid, payload); got != want {
			p.skip()
			return Packet{}, fmt.Errorf("%w: got %#04x, want %#04x", ErrChecksum, got, want)
		}
		pkt := Packet{
			Addr:    binary.BigEndian.Uint32(b[2:6]),
			PID:     pid,
			Payload: append([]byte(nil), payload...),
		}
		p.off += 9 + n
		return pkt, nil
	}
}

// skip drops the header byte of a rejected frame so that scanning resumes
// inside it.
func (p *Parser) skip() {
	p.off++
	p.Skipped++
}
