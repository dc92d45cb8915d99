package pcsc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func le(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

func requireLittleEndian(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("byte vectors are written for little-endian hosts")
	}
}

// The layouts of pcsc-lite's winscard_msg.h and eventhandler.h.
func TestLayoutSizes(t *testing.T) {
	for _, tt := range []struct {
		name      string
		got, want int
	}{
		{"READER_STATE", readerStateSize, 184},
		{"reader-state table", readerStatesSize, 16 * 184},
		{"connect_struct", connectSize, 152},
		{"connect_struct.dwActiveProtocol", connectOffActive, 144},
		{"connect_struct.hCard", connectOffHCard, 140},
		{"READER_STATE.cardAtrLength", rsOffATRLen, 176},
		{"READER_STATE.cardProtocol", rsOffProtocol, 180},
		{"transmit_struct", transmitSize, 32},
		{"reconnect_struct", reconnectSize, 24},
		{"version_struct", versionSize, 12},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// A reader-state table written byte by byte: readers in slots 0 and 5, the
// slots between empty.
func TestParseReaderStatesVector(t *testing.T) {
	requireLittleEndian(t)
	table := make([]byte, 16*184)
	slot0 := table[0:184]
	copy(slot0, "Virtual PCD 00 00")
	copy(slot0[128:], le(3, 0x0034 /* present|powered|negotiable */, 1))
	copy(slot0[140:], []byte{0x3B, 0x68, 0x00, 0x00, 0x00, 0x73, 0xC8, 0x40, 0x12, 0x00, 0x90, 0x00})
	copy(slot0[176:], le(12, 1 /* T=0 */))
	slot5 := table[5*184 : 6*184]
	name := strings.Repeat("R", 127) // MAX_READERNAME-1 characters, NUL at 127
	copy(slot5, name)
	copy(slot5[128:], le(0, 0x0002 /* absent */, 0))
	copy(slot5[176:], le(34 /* READER_NOT_INITIALIZED */, 0))
	got, err := ParseReaderStates(table)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d readers, want 2: %+v", len(got), got)
	}
	r := got[0]
	if r.Name != "Virtual PCD 00 00" || r.EventCounter != 3 || !r.Present() || !r.Ready() || r.Sharing != 1 || r.Protocol != ProtocolT0 || !bytes.Equal(r.ATR, slot0[140:152]) {
		t.Errorf("slot 0 = %+v", r)
	}
	if got[1].Name != name || got[1].Present() || len(got[1].ATR) != 0 {
		t.Errorf("slot 5 = %+v", got[1])
	}
	if _, err := ParseReaderStates(table[:100]); !errors.Is(err, ErrProtocol) {
		t.Errorf("short table: %v", err)
	}
	// Round trip through the encoder used by fakes.
	var b []byte
	for i := 0; i < 16; i++ {
		s := ReaderState{}
		if i == 0 {
			s = r
		}
		b = appendReaderState(b, s)
	}
	if !bytes.Equal(b[:184], slot0) {
		t.Errorf("appendReaderState differs from the hand-written record")
	}
}

func TestConnectVector(t *testing.T) {
	requireLittleEndian(t)
	req := encodeConnect(0x11223344, "Virtual PCD 00 00", ShareShared, ProtocolAny)
	want := make([]byte, 152)
	copy(want, le(0x11223344))
	copy(want[4:], "Virtual PCD 00 00")
	copy(want[132:], le(2, 3))
	if !bytes.Equal(req, want) {
		t.Errorf("connect request\n got % X\nwant % X", req, want)
	}
	reply := append([]byte(nil), want...)
	copy(reply[140:], le(0x531F8BF8, 2 /* T=1 */, 0))
	r, err := decodeConnect(reply)
	if err != nil {
		t.Fatal(err)
	}
	if r.hCard != 0x531F8BF8 || r.active != ProtocolT1 || r.rv != 0 {
		t.Errorf("decodeConnect = %+v", r)
	}
	if _, err := decodeConnect(reply[:151]); !errors.Is(err, ErrProtocol) {
		t.Errorf("short reply: %v", err)
	}
}

func TestHeaderVector(t *testing.T) {
	requireLittleEndian(t)
	// CMD_VERSION with a 12-byte version_struct {4, 4, 0}.
	got := append(words(versionSize, cmdVersion), words(4, 4, 0)...)
	want := []byte{12, 0, 0, 0, 0x11, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0}
	if !bytes.Equal(got, want) {
		t.Errorf("got % X, want % X", got, want)
	}
}

func TestErrorNames(t *testing.T) {
	if s := ErrNoSmartcard.Error(); !strings.Contains(s, "SCARD_E_NO_SMARTCARD") || !strings.Contains(s, "0x8010000C") {
		t.Errorf("ErrNoSmartcard.Error() = %q", s)
	}
	if n := Error(0x80100099).Name(); n != "SCARD_0x80100099" {
		t.Errorf("unknown Name() = %q", n)
	}
	var err error = Error(0x80100069)
	if !errors.Is(err, ErrRemovedCard) || !IsRemoved(err) {
		t.Error("0x80100069 is not ErrRemovedCard")
	}
	for code, n := range errorNames {
		if !strings.HasPrefix(n[0], "SCARD_") || Error(code).Name() != n[0] {
			t.Errorf("%08X: name %q", uint32(code), n[0])
		}
	}
}

func FuzzParseReaderStates(f *testing.F) {
	var b []byte
	for i := 0; i < 16; i++ {
		b = appendReaderState(b, ReaderState{Name: "R", ATR: []byte{0x3B, 0}})
	}
	f.Add(b)
	f.Add(make([]byte, 16*184))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseReaderStates(b)
		if err != nil {
			return
		}
		if len(st) > 16 {
			t.Fatal("more than 16 readers")
		}
		for _, s := range st {
			if s.Name == "" || strings.IndexByte(s.Name, 0) >= 0 || len(s.Name) >= 128 || len(s.ATR) > 33 {
				t.Fatalf("bad state %+v", s)
			}
		}
	})
}

func FuzzDecodeConnect(f *testing.F) {
	f.Add(make([]byte, 152))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := decodeConnect(b); (err == nil) != (len(b) == 152) {
			t.Fatalf("len %d: %v", len(b), err)
		}
	})
}

// fakePCSCD answers requests on a unix socket with handle(cmd, body).
func fakePCSCD(t *testing.T, handle func(conn net.Conn, cmd uint32, body []byte) bool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pcscd.comm")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				for {
					hdr := make([]byte, 8)
					if _, err := io.ReadFull(conn, hdr); err != nil {
						return
					}
					body := make([]byte, word(hdr, 0))
					if _, err := io.ReadFull(conn, body); err != nil {
						return
					}
					if !handle(conn, word(hdr, 1), body) {
						return
					}
				}
			}()
		}
	}()
	return path
}

// A strict 4:5 server (pcsc-lite 2.3.0 to 2.4.0) refuses 4:4; the client
// retries with 4:5.
func TestNegotiateStrict45(t *testing.T) {
	var seen []Version
	path := fakePCSCD(t, func(c net.Conn, cmd uint32, body []byte) bool {
		switch cmd {
		case cmdVersion:
			v := Version{int32(word(body, 0)), int32(word(body, 1))}
			seen = append(seen, v)
			rv := uint32(0)
			if v != (Version{4, 5}) {
				rv = uint32(ErrServiceStopped)
			}
			c.Write(words(4, 5, rv))
		case cmdEstablishContext:
			c.Write(words(2, 0xABCD, 0))
		case cmdReleaseContext:
			c.Write(words(0xABCD, 0))
		}
		return true
	})
	c, err := New(context.Background(), &Opts{Socket: path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Version() != (Version{4, 5}) || len(seen) != 2 || seen[0] != (Version{4, 4}) {
		t.Errorf("negotiated %v after offering %v", c.Version(), seen)
	}
}

func TestNegotiateTooOld(t *testing.T) {
	path := fakePCSCD(t, func(c net.Conn, cmd uint32, body []byte) bool {
		c.Write(words(4, 3, uint32(ErrServiceStopped)))
		return true
	})
	_, err := New(context.Background(), &Opts{Socket: path})
	if !errors.Is(err, ErrServiceStopped) || !strings.Contains(err.Error(), "4:3") {
		t.Fatalf("error = %v", err)
	}
}

// A server that closes the connection on CMD_VERSION (a pcscd refusing the
// client) gives a communication error, not a hang.
func TestServerHangsUp(t *testing.T) {
	path := fakePCSCD(t, func(net.Conn, uint32, []byte) bool { return false })
	_, err := New(context.Background(), &Opts{Socket: path, Timeout: 2 * time.Second})
	if !errors.Is(err, ErrCommError) {
		t.Fatalf("error = %v, want ErrCommError", err)
	}
}

// Cancelling WaitChange sends CMD_STOP_WAITING_READER_STATE_CHANGE, reads
// its answer and leaves the client usable.
func TestWaitChangeCancel(t *testing.T) {
	var table []byte
	for i := 0; i < 16; i++ {
		s := ReaderState{}
		if i == 0 {
			s = ReaderState{Name: "R", State: StateAbsent}
		}
		table = appendReaderState(table, s)
	}
	stopped := make(chan struct{}, 1)
	path := fakePCSCD(t, func(c net.Conn, cmd uint32, body []byte) bool {
		switch cmd {
		case cmdVersion:
			c.Write(words(4, 4, 0))
		case cmdEstablishContext:
			c.Write(words(2, 1, 0))
		case cmdWaitReaderStateChange, cmdGetReadersState:
			if len(body) != 0 {
				t.Errorf("command %d with a %d-byte body", cmd, len(body))
			}
			c.Write(table)
		case cmdStopWaitingReaderStateChange:
			stopped <- struct{}{}
			c.Write(words(0, 0))
		case cmdReleaseContext:
			c.Write(words(1, 0))
		}
		return true
	})
	c, err := New(context.Background(), &Opts{Socket: path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.WaitChange(ctx, func(st []ReaderState) bool { return st[0].Present() })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitChange = %v, want deadline exceeded", err)
	}
	select {
	case <-stopped:
	default:
		t.Error("no CMD_STOP_WAITING_READER_STATE_CHANGE sent")
	}
	names, err := c.Readers(context.Background())
	if err != nil || len(names) != 1 || names[0] != "R" {
		t.Errorf("after cancel: Readers = %q, %v", names, err)
	}
}

// An event notification wakes WaitChange, which re-registers and checks again.
func TestWaitChangeEvent(t *testing.T) {
	tables := [][]byte{nil, nil}
	for k, state := range []uint32{StateAbsent, StatePresent | StatePowered} {
		for i := 0; i < 16; i++ {
			s := ReaderState{}
			if i == 3 {
				s = ReaderState{Name: "R", State: state}
				if k == 1 {
					s.ATR = []byte{0x3B, 0x00}
				}
			}
			tables[k] = appendReaderState(tables[k], s)
		}
	}
	var regs atomic.Int32
	path := fakePCSCD(t, func(c net.Conn, cmd uint32, body []byte) bool {
		switch cmd {
		case cmdVersion:
			c.Write(words(4, 4, 0))
		case cmdEstablishContext:
			c.Write(words(2, 1, 0))
		case cmdWaitReaderStateChange:
			n := regs.Add(1)
			c.Write(tables[min(n-1, 1)])
			if n == 1 {
				go func() { time.Sleep(50 * time.Millisecond); c.Write(words(0, 0)) }()
			}
		case cmdStopWaitingReaderStateChange:
			c.Write(words(0, 0))
		case cmdReleaseContext:
			c.Write(words(1, 0))
		}
		return true
	})
	c, err := New(context.Background(), &Opts{Socket: path})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.WaitChange(ctx, func(st []ReaderState) bool { return st[0].Ready() })
	if n := regs.Load(); err != nil || !st[0].Ready() || n != 2 {
		t.Fatalf("WaitChange = %+v, %v after %d registrations", st, err, n)
	}
}

// After pcscd drops the event connection (a restart), the next
// WaitPresence reconnects.
func TestSlotReconnectsEvents(t *testing.T) {
	var table []byte
	for i := 0; i < 16; i++ {
		s := ReaderState{}
		if i == 0 {
			s = ReaderState{Name: "R", State: StatePresent | StatePowered, ATR: []byte{0x3B, 0x00}}
		}
		table = appendReaderState(table, s)
	}
	var waits atomic.Int32
	path := fakePCSCD(t, func(c net.Conn, cmd uint32, body []byte) bool {
		switch cmd {
		case cmdVersion:
			c.Write(words(4, 4, 0))
		case cmdEstablishContext:
			c.Write(words(2, 1, 0))
		case cmdGetReadersState:
			c.Write(table)
		case cmdWaitReaderStateChange:
			if waits.Add(1) == 1 {
				return false // hang up, as a stopping pcscd does
			}
			c.Write(table)
		case cmdStopWaitingReaderStateChange:
			c.Write(words(0, 0))
		case cmdReleaseContext:
			c.Write(words(1, 0))
		}
		return true
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := NewSlot(ctx, &Opts{Socket: path}, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.WaitPresence(ctx, false); !errors.Is(err, ErrCommError) {
		t.Fatalf("first wait: %v, want ErrCommError", err)
	}
	if p, err := s.WaitPresence(ctx, false); err != nil || !p {
		t.Fatalf("wait after reconnect = %v, %v", p, err)
	}
}
