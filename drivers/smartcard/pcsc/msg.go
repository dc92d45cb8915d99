package pcsc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
)

// Commands (enum pcsc_msg_commands in winscard_msg.h).
const (
	cmdEstablishContext             = 0x01
	cmdReleaseContext               = 0x02
	cmdConnect                      = 0x04
	cmdReconnect                    = 0x05
	cmdDisconnect                   = 0x06
	cmdBeginTransaction             = 0x07
	cmdEndTransaction               = 0x08
	cmdTransmit                     = 0x09
	cmdStatus                       = 0x0B
	cmdCancel                       = 0x0D
	cmdVersion                      = 0x11
	cmdGetReadersState              = 0x12
	cmdWaitReaderStateChange        = 0x13
	cmdStopWaitingReaderStateChange = 0x14
)

// Sizes and limits (pcsclite.h, winscard_msg.h, eventhandler.h).
const (
	// MaxReaders is PCSCLITE_MAX_READERS_CONTEXTS: the reader-state table
	// always has this many slots.
	MaxReaders = 16
	// MaxReaderName is MAX_READERNAME.
	MaxReaderName = 128
	// MaxATR is MAX_ATR_SIZE.
	MaxATR = 33
	// maxBufferExtended is MAX_BUFFER_SIZE_EXTENDED (4+3+65536+3+2).
	maxBufferExtended = 65548

	headerSize       = 8
	versionSize      = 12
	establishSize    = 12
	releaseSize      = 8
	connectSize      = 4 + MaxReaderName + 5*4 // 152
	reconnectSize    = 24
	disconnectSize   = 12
	beginSize        = 8
	endSize          = 12
	statusSize       = 8
	transmitSize     = 32
	waitSize         = 8
	readerStateSize  = MaxReaderName + 3*4 + MaxATR + 3 + 2*4 // 184, 3 bytes of padding after the ATR
	readerStatesSize = MaxReaders * readerStateSize

	// Offsets in connect_struct.
	connectOffReader = 4
	connectOffShare  = 4 + MaxReaderName    // 132
	connectOffPrefer = connectOffShare + 4  // 136
	connectOffHCard  = connectOffPrefer + 4 // 140
	connectOffActive = connectOffHCard + 4  // 144
	connectOffRV     = connectOffActive + 4 // 148

	// Offsets in READER_STATE.
	rsOffEventCounter = MaxReaderName         // 128
	rsOffState        = rsOffEventCounter + 4 // 132
	rsOffSharing      = rsOffState + 4        // 136
	rsOffATR          = rsOffSharing + 4      // 140
	rsOffATRLen       = rsOffATR + MaxATR + 3 // 176
	rsOffProtocol     = rsOffATRLen + 4       // 180
)

// pciLength is sizeof(SCARD_IO_REQUEST): two C unsigned longs.
var pciLength = uint32(2 * strconv.IntSize / 8)

// byteOrder is the host's: pcscd and its clients share a machine.
var byteOrder = binary.NativeEndian

// Protocol is a SCARD_PROTOCOL_* bit.
type Protocol uint32

// Protocols.
const (
	ProtocolUndefined Protocol = 0
	ProtocolT0        Protocol = 0x0001
	ProtocolT1        Protocol = 0x0002
	ProtocolRaw       Protocol = 0x0004
	ProtocolT15       Protocol = 0x0008
	ProtocolAny                = ProtocolT0 | ProtocolT1
)

func (p Protocol) String() string {
	switch p {
	case ProtocolUndefined:
		return "undefined"
	case ProtocolT0:
		return "T=0"
	case ProtocolT1:
		return "T=1"
	case ProtocolRaw:
		return "raw"
	case ProtocolT15:
		return "T=15"
	case ProtocolAny:
		return "T=0|T=1"
	}
	return fmt.Sprintf("protocol(0x%X)", uint32(p))
}

// ShareMode is a SCARD_SHARE_* value.
type ShareMode uint32

// Share modes.
const (
	ShareExclusive ShareMode = 1
	ShareShared    ShareMode = 2
	ShareDirect    ShareMode = 3
)

// Disposition is what happens to the card on disconnect (SCARD_*_CARD).
type Disposition uint32

// Dispositions.
const (
	LeaveCard   Disposition = 0
	ResetCard   Disposition = 1
	UnpowerCard Disposition = 2
	EjectCard   Disposition = 3
)

// Reader states (SCARD_* bits of READER_STATE.readerState).
const (
	StateUnknown    = 0x0001
	StateAbsent     = 0x0002
	StatePresent    = 0x0004
	StateSwallowed  = 0x0008
	StatePowered    = 0x0010
	StateNegotiable = 0x0020
	StateSpecific   = 0x0040
)

// ReaderState is one slot of pcscd's reader-state table.
type ReaderState struct {
	Name string
	// EventCounter counts card insertions and removals in this reader.
	EventCounter uint32
	// State is a set of State* bits.
	State uint32
	// Sharing is PCSCLITE_SHARING_*: -1 exclusive, 0 unused, >0 the number
	// of shared handles.
	Sharing int32
	ATR     []byte
	// Protocol is the card's current protocol.
	Protocol Protocol
}

// Present reports whether a card is in the reader.
func (s ReaderState) Present() bool { return s.State&StatePresent != 0 }

// Ready reports whether a card is present and powered (its ATR known).
func (s ReaderState) Ready() bool { return s.Present() && len(s.ATR) > 0 }

// ParseReaderStates decodes pcscd's reader-state table (MaxReaders records
// of 184 bytes) and returns the slots that hold a reader, in slot order. All
// slots are decoded: a reader may sit after an empty slot.
func ParseReaderStates(b []byte) ([]ReaderState, error) {
	if len(b) != readerStatesSize {
		return nil, fmt.Errorf("%w: reader-state table of %d bytes, want %d", ErrProtocol, len(b), readerStatesSize)
	}
	var out []ReaderState
	for i := 0; i < MaxReaders; i++ {
		r := b[i*readerStateSize : (i+1)*readerStateSize]
		name := cString(r[:MaxReaderName])
		if name == "" {
			continue
		}
		n := byteOrder.Uint32(r[rsOffATRLen:])
		if n > MaxATR {
			// READER_NOT_INITIALIZED (MaxATR+1) means "not powered yet".
			n = 0
		}
		out = append(out, ReaderState{
			Name:         name,
			EventCounter: byteOrder.Uint32(r[rsOffEventCounter:]),
			State:        byteOrder.Uint32(r[rsOffState:]),
			Sharing:      int32(byteOrder.Uint32(r[rsOffSharing:])),
			ATR:          append([]byte(nil), r[rsOffATR:rsOffATR+int(n)]...),
			Protocol:     Protocol(byteOrder.Uint32(r[rsOffProtocol:])),
		})
	}
	return out, nil
}

// appendReaderState encodes s as one 184-byte record (tests and fakes).
func appendReaderState(b []byte, s ReaderState) []byte {
	r := make([]byte, readerStateSize)
	copy(r[:MaxReaderName-1], s.Name)
	byteOrder.PutUint32(r[rsOffEventCounter:], s.EventCounter)
	byteOrder.PutUint32(r[rsOffState:], s.State)
	byteOrder.PutUint32(r[rsOffSharing:], uint32(s.Sharing))
	copy(r[rsOffATR:rsOffATR+MaxATR], s.ATR)
	byteOrder.PutUint32(r[rsOffATRLen:], uint32(len(s.ATR)))
	byteOrder.PutUint32(r[rsOffProtocol:], uint32(s.Protocol))
	return append(b, r...)
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// words encodes uint32 fields in host order.
func words(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		byteOrder.PutUint32(b[4*i:], x)
	}
	return b
}

func word(b []byte, i int) uint32 { return byteOrder.Uint32(b[4*i:]) }

// encodeConnect builds a connect_struct.
func encodeConnect(hContext uint32, reader string, share ShareMode, prefer Protocol) []byte {
	b := make([]byte, connectSize)
	byteOrder.PutUint32(b[0:], hContext)
	copy(b[connectOffReader:connectOffReader+MaxReaderName-1], reader)
	byteOrder.PutUint32(b[connectOffShare:], uint32(share))
	byteOrder.PutUint32(b[connectOffPrefer:], uint32(prefer))
	return b
}

// connectReply is the decoded out-fields of a connect_struct reply.
type connectReply struct {
	hCard  int32
	active Protocol
	rv     uint32
}

func decodeConnect(b []byte) (connectReply, error) {
	if len(b) != connectSize {
		return connectReply{}, fmt.Errorf("%w: CONNECT reply of %d bytes", ErrProtocol, len(b))
	}
	return connectReply{
		hCard:  int32(byteOrder.Uint32(b[connectOffHCard:])),
		active: Protocol(byteOrder.Uint32(b[connectOffActive:])),
		rv:     byteOrder.Uint32(b[connectOffRV:]),
	}, nil
}
