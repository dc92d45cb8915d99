// Package atecc608test is a behavioural model of the ATECC608A secure
// element on an I²C bus, for tests of the atecc608 driver: it implements
// i2c.Bus and the chip's side of the protocol (wake token, sleep, idle, the
// watchdog, busy NAKs during execution, command CRC checks, status codes)
// and the commands Info, Random, Nonce (pass-through), Sign (external),
// GenKey (public key computation and key generation) and Read (config
// zone). Faults are injected with CorruptResponses, CorruptCommands and by
// advancing the clock past the watchdog.
package atecc608test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/physic"

	"github.com/regterm/regterm/drivers/hwkey/atecc608"
)

// ErrNAK is what the model's Tx returns when the chip does not acknowledge
// its address (asleep, busy, or the wake write to address 0).
var ErrNAK = errors.New("atecc608test: NAK")

// Watchdog is the chip's watchdog period after wake (t_WATCHDOG, typ.
// 1.3 s).
const Watchdog = 1300 * time.Millisecond

// Clock is a manual clock the model and the driver's injected Sleep share.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts at an arbitrary fixed time.
func NewClock() *Clock { return &Clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Chip is the model. Configure it before use; its exported counters and
// fault knobs are safe to touch between transfers.
type Chip struct {
	Addr  uint16
	Clock *Clock

	mu sync.Mutex
	// Config is the 128-byte configuration zone.
	Config [atecc608.ConfigSize]byte
	keys   [16]*ecdsa.PrivateKey

	awake    bool
	wakeAt   time.Time
	busyTill time.Time
	out      []byte // the I/O buffer
	tempKey  []byte // nil when invalid
	tkExtern bool   // TempKey.SourceFlag: external (pass-through)

	// CorruptResponses flips a bit in the CRC of the next n responses.
	CorruptResponses int
	// CorruptCommands makes the chip see a CRC error in the next n commands.
	CorruptCommands int
	// Ops counts executed commands by opcode.
	Ops map[byte]int
	// Wakes counts wake-ups.
	Wakes int
	// Speed is the last bus speed set.
	Speed physic.Frequency
}

// New returns a chip at address 0x60 with a locked configuration whose
// slot 0 holds a fresh P-256 private key allowed to sign external messages
// (the TrustFLEX-like layout the driver expects).
func New(clock *Clock) *Chip {
	c := &Chip{Addr: 0x60, Clock: clock, Ops: map[byte]int{}}
	copy(c.Config[0:4], []byte{0x01, 0x23, 0x8A, 0x6B})        // SN[0:3]
	copy(c.Config[4:8], []byte{0x00, 0x00, 0x60, 0x02})        // RevNum: ATECC608A
	copy(c.Config[8:13], []byte{0x5D, 0x1C, 0x44, 0x0E, 0xEE}) // SN[4:8]
	c.Config[16] = 0xC0                                        // I2C_Address (8-bit)
	c.Config[20], c.Config[21] = 0x87, 0x20                    // SlotConfig[0]: IsSecret, ReadKey=7
	c.Config[96], c.Config[97] = 0x33, 0x00                    // KeyConfig[0]: Private, PubInfo, P-256, Lockable
	c.Config[86], c.Config[87] = 0x00, 0x00                    // LockValue, LockConfig: locked
	c.Config[88], c.Config[89] = 0xFE, 0xFF                    // SlotLocked: slot 0 locked
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	c.keys[0] = k
	return c
}

// Key returns the private key of slot (the model is not a secure element).
func (c *Chip) Key(slot int) *ecdsa.PrivateKey { c.mu.Lock(); defer c.mu.Unlock(); return c.keys[slot] }

// SetConfig changes configuration bytes at off.
func (c *Chip) SetConfig(off int, b ...byte) { c.mu.Lock(); copy(c.Config[off:], b); c.mu.Unlock() }

// Awake reports whether the chip is awake (not asleep or idle).
func (c *Chip) Awake() bool { c.mu.Lock(); defer c.mu.Unlock(); c.watchdog(); return c.awake }

func (c *Chip) String() string { return "atecc608test" }

// SetSpeed implements i2c.Bus.
func (c *Chip) SetSpeed(f physic.Frequency) error {
	c.mu.Lock()
	c.Speed = f
	c.mu.Unlock()
	return nil
}

// watchdog sends the chip to sleep when its watchdog expired.
func (c *Chip) watchdog() {
	if c.awake && !c.Clock.Now().Before(c.wakeAt.Add(Watchdog)) {
		c.sleep()
	}
}

func (c *Chip) sleep() {
	c.awake = false
	c.tempKey = nil
	c.out = nil
}

// Tx implements i2c.Bus.
func (c *Chip) Tx(addr uint16, w, r []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Clock.Now()
	if addr == 0x00 {
		// SDA held low: a wake pulse when long enough (≤ 133 kHz for 8 bits
		// ≥ 60 µs); nobody acknowledges address 0.
		c.watchdog()
		if !c.awake && len(w) > 0 && w[0] == 0x00 && (c.Speed == 0 || c.Speed <= 133*physic.KiloHertz) {
			c.awake = true
			c.wakeAt = now
			c.out = append([]byte(nil), atecc608.WakeToken...)
			c.Wakes++
		}
		return ErrNAK
	}
	if addr != c.Addr {
		return ErrNAK
	}
	c.watchdog()
	if !c.awake || now.Before(c.busyTill) {
		return ErrNAK
	}
	if len(w) > 0 {
		if err := c.write(w, now); err != nil {
			return err
		}
	}
	if len(r) > 0 {
		for i := range r {
			r[i] = 0xFF
		}
		copy(r, c.out)
	}
	return nil
}

func (c *Chip) write(w []byte, now time.Time) error {
	switch w[0] {
	case atecc608.WordReset:
		return nil
	case atecc608.WordSleep:
		c.sleep()
		return nil
	case atecc608.WordIdle:
		c.awake = false // TempKey kept
		c.out = nil
		return nil
	case atecc608.WordCommand:
	default:
		return fmt.Errorf("atecc608test: word address 0x%02x", w[0])
	}
	pkt := w[1:]
	if len(pkt) < 7 || int(pkt[0]) != len(pkt) {
		c.respond(status(atecc608.StatusCommunication))
		return nil
	}
	crc := atecc608.CRC16(pkt[:len(pkt)-2])
	if c.CorruptCommands > 0 || pkt[len(pkt)-2] != byte(crc) || pkt[len(pkt)-1] != byte(crc>>8) {
		if c.CorruptCommands > 0 {
			c.CorruptCommands--
		}
		c.respond(status(atecc608.StatusCommunication))
		return nil
	}
	op, p1, p2, data := pkt[1], pkt[2], uint16(pkt[3])|uint16(pkt[4])<<8, pkt[5:len(pkt)-2]
	c.Ops[op]++
	// A command that would run past the watchdog answers 0xEE at once.
	exec := atecc608.ExecTimeAt(op, c.Config[atecc608.ChipModeOffset])
	if now.Add(exec).After(c.wakeAt.Add(Watchdog)) {
		c.respond(status(atecc608.StatusWatchdog))
		return nil
	}
	// Execution: the chip is busy (NAKs) for a typical half of the maximum.
	c.busyTill = now.Add(exec / 2)
	c.respond(c.exec(op, p1, p2, data))
	return nil
}

func status(s byte) []byte { return []byte{s} }

// respond puts data, wrapped as a response, into the I/O buffer.
func (c *Chip) respond(data []byte) {
	c.out = atecc608.Response(data)
	if c.CorruptResponses > 0 {
		c.CorruptResponses--
		c.out[len(c.out)-1] ^= 0x01
	}
}

func (c *Chip) exec(op, p1 byte, p2 uint16, data []byte) []byte {
	switch op {
	case atecc608.OpInfo:
		if p1 != 0 {
			return status(atecc608.StatusParse)
		}
		return append([]byte(nil), c.Config[4:8]...)
	case atecc608.OpRandom:
		out := make([]byte, 32)
		rand.Read(out)
		return out
	case atecc608.OpNonce:
		if p1 != 0x03 || len(data) != 32 {
			return status(atecc608.StatusParse) // only pass-through is modelled
		}
		c.tempKey = append([]byte(nil), data...)
		c.tkExtern = true
		return status(atecc608.StatusSuccess)
	case atecc608.OpRead:
		return c.read(p1, p2)
	case atecc608.OpGenKey:
		return c.genKey(p1, p2)
	case atecc608.OpSign:
		return c.sign(p1, p2)
	}
	return status(atecc608.StatusParse)
}

func (c *Chip) slot(p2 uint16) (atecc608.SlotInfo, bool) {
	if p2 > 15 {
		return atecc608.SlotInfo{}, false
	}
	si, err := atecc608.ParseSlot(c.Config[:], int(p2))
	return si, err == nil
}

func (c *Chip) read(p1 byte, p2 uint16) []byte {
	if p1&0x03 != 0 {
		return status(atecc608.StatusExecution) // only the config zone is modelled
	}
	block, word := int(p2>>3)&3, int(p2&7)
	if p1&0x80 != 0 {
		if word != 0 {
			return status(atecc608.StatusParse)
		}
		return append([]byte(nil), c.Config[32*block:32*block+32]...)
	}
	off := 32*block + 4*word
	return append([]byte(nil), c.Config[off:off+4]...)
}

func (c *Chip) genKey(p1 byte, p2 uint16) []byte {
	si, ok := c.slot(p2)
	if !ok {
		return status(atecc608.StatusParse)
	}
	if !si.Private || si.KeyType != 4 {
		return status(atecc608.StatusExecution)
	}
	switch p1 {
	case 0x00: // public key computation
		if si.DataLocked && !si.PubInfo {
			return status(atecc608.StatusExecution)
		}
	case 0x04: // new private key
		if si.DataLocked && si.SlotLocked {
			return status(atecc608.StatusExecution)
		}
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return status(atecc608.StatusHealthTest)
		}
		c.keys[p2] = k
	default:
		return status(atecc608.StatusParse)
	}
	k := c.keys[p2]
	if k == nil {
		return status(atecc608.StatusExecution)
	}
	pt, _ := k.PublicKey.Bytes() // 0x04 || X || Y
	return pt[1:]
}

func (c *Chip) sign(p1 byte, p2 uint16) []byte {
	if p1 != 0x80 {
		return status(atecc608.StatusParse) // only external messages are modelled
	}
	si, ok := c.slot(p2)
	if !ok {
		return status(atecc608.StatusParse)
	}
	if c.tempKey == nil || !c.tkExtern || !si.Private || si.KeyType != 4 || !si.ExternalSign || c.keys[p2] == nil {
		return status(atecc608.StatusExecution)
	}
	digest := c.tempKey
	c.tempKey = nil // Sign consumes TempKey
	r, s, err := ecdsa.Sign(rand.Reader, c.keys[p2], digest)
	if err != nil {
		return status(atecc608.StatusECCFault)
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}
