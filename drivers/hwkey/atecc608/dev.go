package atecc608

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	"periph.io/x/conn/v3/i2c"
	"periph.io/x/conn/v3/physic"

	"github.com/regterm/regterm/drivers/hwkey"
)

// Errors of the driver.
var (
	// ErrNoDevice means nothing answered the wake-up with the wake token.
	ErrNoDevice = errors.New("atecc608: no device (no wake token)")
	// ErrCRC means a response failed its CRC (noise on the bus).
	ErrCRC = errors.New("atecc608: response CRC mismatch")
	// ErrTimeout means the chip did not answer within the command's
	// maximum execution time.
	ErrTimeout = errors.New("atecc608: no response within the execution time")
	// ErrResponse means a response of the wrong length.
	ErrResponse = errors.New("atecc608: unexpected response length")
	// ErrNotATECC608 means Info reported another device revision.
	ErrNotATECC608 = errors.New("atecc608: not an ATECC608")
	// ErrSlot means the slot is not a locked P-256 private key usable for
	// external signatures.
	ErrSlot = errors.New("atecc608: slot unusable as the signing key")
	// ErrDigest means Sign got something other than a SHA-256 digest.
	ErrDigest = errors.New("atecc608: sign: want a 32-byte SHA-256 digest")
	// ErrBadSignature means the chip returned a signature that does not
	// verify with its public key.
	ErrBadSignature = errors.New("atecc608: chip returned a signature that does not verify")
	// ErrHalted means the device was halted (closed).
	ErrHalted = errors.New("atecc608: halted")
)

// Opts configure New.
type Opts struct {
	Addr uint16 // 7-bit I²C address, 0x60 when 0
	Slot int    // key slot, 0..15
	// Retries bounds how often an operation is redone from the wake after a
	// CRC, communication or watchdog error (3 when 0).
	Retries int
	// Poll is the interval between polls of a busy chip (1 ms when 0).
	Poll time.Duration
	// Sleep waits d or until ctx ends; tests inject it (nil: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// Timeout bounds a Sign, which has no context (2 s when 0).
	Timeout time.Duration
}

// DefaultOpts: address 0x60, slot 0.
var DefaultOpts = Opts{Addr: 0x60}

// Wake timing (datasheet, "AC Parameters"): SDA low t_WLO ≥ 60 µs, then
// t_WHI ≥ 1.5 ms before the first command.
const (
	wakeSpeed = 100 * physic.KiloHertz
	tWHI      = 1500 * time.Microsecond
)

// Dev is an ATECC608 on an I²C bus and the P-256 key in one of its slots.
// It implements hwkey.Signer and is safe for concurrent use.
type Dev struct {
	bus  i2c.Bus
	opts Opts

	mu       sync.Mutex
	revision [4]byte
	serial   [9]byte
	slot     SlotInfo
	chipMode byte // configuration byte 19: the clock divider sets the ECC commands' times
	pub      *ecdsa.PublicKey
	id       [32]byte
	halted   bool
}

var (
	_ hwkey.Signer        = (*Dev)(nil)
	_ hwkey.ContextSigner = (*Dev)(nil)
)

// New probes the chip on bus: wake token, Info revision, the configuration
// zone (serial number, slot settings, locks), and the slot's public key.
func New(ctx context.Context, bus i2c.Bus, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if o.Addr == 0 {
		o.Addr = 0x60
	}
	if o.Retries <= 0 {
		o.Retries = 3
	}
	if o.Poll <= 0 {
		o.Poll = time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Slot < 0 || o.Slot > 15 {
		return nil, fmt.Errorf("%w: slot %d", ErrSlot, o.Slot)
	}
	// The wake pulse needs the slow clock; 100 kHz is plenty for the rest.
	if err := bus.SetSpeed(wakeSpeed); err != nil {
		return nil, fmt.Errorf("atecc608: set speed: %w", err)
	}
	d := &Dev{bus: bus, opts: o}
	var cfg []byte
	err := d.session(ctx, func() error {
		rev, err := d.cmd(ctx, OpInfo, 0x00, 0, nil, 4)
		if err != nil {
			return err
		}
		copy(d.revision[:], rev)
		if rev[2] != 0x60 {
			return fmt.Errorf("%w: revision % x", ErrNotATECC608, rev)
		}
		cfg, err = d.readConfig(ctx)
		if err != nil {
			return err
		}
		d.chipMode = cfg[ChipModeOffset]
		si, err := ParseSlot(cfg, o.Slot)
		if err != nil {
			return err
		}
		if err := si.check(); err != nil {
			return fmt.Errorf("%w: slot %d: %v", ErrSlot, o.Slot, err)
		}
		d.slot = si
		pk, err := d.cmd(ctx, OpGenKey, 0x00, uint16(o.Slot), nil, 64)
		if err != nil {
			return fmt.Errorf("genkey public: %w", err)
		}
		pub, err := publicKey(pk)
		if err != nil {
			return err
		}
		d.pub = pub
		return nil
	})
	if err != nil {
		return nil, err
	}
	copy(d.serial[0:4], cfg[0:4])
	copy(d.serial[4:9], cfg[8:13])
	id, err := hwkey.KeyID(d.pub)
	if err != nil {
		return nil, err
	}
	d.id = id
	return d, nil
}

func publicKey(b []byte) (*ecdsa.PublicKey, error) {
	// Uncompressed point: 0x04 || X || Y.
	pt := append([]byte{4}, b...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pt)
	if err != nil {
		return nil, fmt.Errorf("atecc608: public key: %w", err)
	}
	return pub, nil
}

// readConfig reads the 128-byte configuration zone in four 32-byte blocks.
func (d *Dev) readConfig(ctx context.Context) ([]byte, error) {
	var cfg []byte
	for block := uint16(0); block < 4; block++ {
		b, err := d.cmd(ctx, OpRead, 0x80, block<<3, nil, 32)
		if err != nil {
			return nil, fmt.Errorf("read config block %d: %w", block, err)
		}
		cfg = append(cfg, b...)
	}
	return cfg, nil
}

// ReadConfig returns the configuration zone.
func (d *Dev) ReadConfig(ctx context.Context) ([]byte, error) {
	var cfg []byte
	err := d.session(ctx, func() (err error) {
		cfg, err = d.readConfig(ctx)
		return err
	})
	return cfg, err
}

// Info returns the device revision (Info mode 0): 00 00 60 0x.
func (d *Dev) Info(ctx context.Context) ([4]byte, error) {
	var rev [4]byte
	err := d.session(ctx, func() error {
		b, err := d.cmd(ctx, OpInfo, 0x00, 0, nil, 4)
		copy(rev[:], b)
		return err
	})
	return rev, err
}

// Random returns 32 bytes from the chip's random number generator.
func (d *Dev) Random(ctx context.Context) ([]byte, error) {
	var out []byte
	err := d.session(ctx, func() (err error) {
		out, err = d.cmd(ctx, OpRandom, 0x00, 0, nil, 32)
		return err
	})
	return out, err
}

// Nonce loads 32 bytes into TempKey (pass-through mode) and leaves the chip
// idle, which keeps TempKey (sleep and the watchdog clear it). Sign does
// its own Nonce.
func (d *Dev) Nonce(ctx context.Context, data []byte) error {
	if len(data) != 32 {
		return fmt.Errorf("atecc608: nonce: want 32 bytes, got %d", len(data))
	}
	return d.sessionEnd(ctx, true, func() error { return d.nonce(ctx, data) })
}

func (d *Dev) nonce(ctx context.Context, data []byte) error {
	_, err := d.cmd(ctx, OpNonce, 0x03, 0, data, 0)
	return err
}

// GenKey returns the public key of the slot (GenKey public key computation,
// mode 0x00): X || Y, 64 bytes.
func (d *Dev) GenKey(ctx context.Context, slot int) ([]byte, error) {
	var out []byte
	err := d.session(ctx, func() (err error) {
		out, err = d.cmd(ctx, OpGenKey, 0x00, uint16(slot), nil, 64)
		return err
	})
	return out, err
}

// Public returns the slot's *ecdsa.PublicKey.
func (d *Dev) Public() crypto.PublicKey { return d.pub }

// KeyID is SHA-256 of the public key's SubjectPublicKeyInfo.
func (d *Dev) KeyID() [32]byte { return d.id }

// Serial is the chip's 9-byte serial number.
func (d *Dev) Serial() [9]byte { return d.serial }

// Slot is what the configuration zone says about the key slot.
func (d *Dev) Slot() SlotInfo { return d.slot }

func (d *Dev) String() string {
	return fmt.Sprintf("ATECC608 %x at 0x%02x on %s, slot %d, key %x", d.serial, d.opts.Addr, d.bus, d.opts.Slot, d.id[:8])
}

// Sign signs a SHA-256 digest in the chip (Nonce pass-through, then Sign
// external) and returns an ASN.1 DER signature checked against the public
// key. rand is unused: the chip makes its own nonce.
func (d *Dev) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Timeout)
	defer cancel()
	return d.SignContext(ctx, digest, opts)
}

// SignContext is Sign bounded by ctx.
func (d *Dev) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if len(digest) != sha256.Size || (opts != nil && opts.HashFunc() != crypto.SHA256) {
		return nil, ErrDigest
	}
	var rs []byte
	err := d.session(ctx, func() error {
		if err := d.nonce(ctx, digest); err != nil {
			return err
		}
		var err error
		rs, err = d.cmd(ctx, OpSign, 0x80, uint16(d.opts.Slot), nil, 64)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("atecc608: sign: %w", err)
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(rs[:32]), new(big.Int).SetBytes(rs[32:])})
	if err != nil {
		return nil, err
	}
	if !ecdsa.VerifyASN1(d.pub, digest, der) {
		return nil, ErrBadSignature
	}
	return der, nil
}

// Health wakes the chip, checks its revision, and signs and verifies a test
// digest.
func (d *Dev) Health(ctx context.Context) error {
	rev, err := d.Info(ctx)
	if err != nil {
		return fmt.Errorf("atecc608: health: %w", err)
	}
	if rev != d.revision {
		return fmt.Errorf("atecc608: health: revision % x, was % x", rev, d.revision)
	}
	dg := sha256.Sum256([]byte("regterm hwkey health"))
	if _, err := d.SignContext(ctx, dg[:], crypto.SHA256); err != nil {
		return fmt.Errorf("atecc608: health: %w", err)
	}
	return nil
}

// Halt puts the chip to sleep and makes every later call fail.
func (d *Dev) Halt() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return nil
	}
	d.halted = true
	return d.sleepChip()
}

// Close is Halt.
func (d *Dev) Close() error { return d.Halt() }

// session runs f between a wake and a sleep, redoing it from the wake after
// errors a fresh wake cures (CRC, communication, watchdog), at most
// opts.Retries times.
func (d *Dev) session(ctx context.Context, f func() error) error {
	return d.sessionEnd(ctx, false, f)
}

// sessionEnd is session, ending in idle instead of sleep when idle is set.
func (d *Dev) sessionEnd(ctx context.Context, idle bool, f func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.halted {
		return ErrHalted
	}
	var err error
	for attempt := 0; attempt <= d.opts.Retries; attempt++ {
		if err = ctx.Err(); err != nil {
			return err
		}
		if err = d.wake(ctx); err == nil {
			err = f()
		}
		var serr error
		if idle && err == nil {
			serr = d.idle()
		} else {
			serr = d.sleepChip()
		}
		if err == nil {
			return serr
		}
		if !retryable(err) {
			return err
		}
	}
	return err
}

func retryable(err error) bool {
	return errors.Is(err, ErrCRC) || errors.Is(err, ErrCommunication) || errors.Is(err, ErrWatchdog) ||
		errors.Is(err, ErrNoDevice) || errors.Is(err, ErrTimeout)
}

// wake sends the wake pulse and checks the wake token.
func (d *Dev) wake(ctx context.Context) error {
	// Address 0x00 is nobody: the write is NAKed, but it holds SDA low long
	// enough at 100 kHz. The error is expected.
	_ = d.bus.Tx(0x00, []byte{0x00}, nil)
	if err := d.opts.Sleep(ctx, tWHI); err != nil {
		return err
	}
	tok := make([]byte, 4)
	if err := d.bus.Tx(d.opts.Addr, nil, tok); err != nil {
		return fmt.Errorf("%w at 0x%02x: %v", ErrNoDevice, d.opts.Addr, err)
	}
	if string(tok) != string(WakeToken) {
		return fmt.Errorf("%w at 0x%02x: got % x", ErrNoDevice, d.opts.Addr, tok)
	}
	return nil
}

func (d *Dev) sleepChip() error {
	if err := d.bus.Tx(d.opts.Addr, []byte{WordSleep}, nil); err != nil {
		return fmt.Errorf("atecc608: sleep: %w", err)
	}
	return nil
}

// Idle puts an awake chip into idle (TempKey kept, watchdog stopped).
func (d *Dev) idle() error {
	if err := d.bus.Tx(d.opts.Addr, []byte{WordIdle}, nil); err != nil {
		return fmt.Errorf("atecc608: idle: %w", err)
	}
	return nil
}

// cmd sends one command to the awake chip, polls for its response within
// the command's execution time and returns the response data; n is the
// data length expected on success (0: a status byte 0x00).
func (d *Dev) cmd(ctx context.Context, op, p1 byte, p2 uint16, data []byte, n int) ([]byte, error) {
	pkt := append([]byte{WordCommand}, Packet(op, p1, p2, data)...)
	if err := d.bus.Tx(d.opts.Addr, pkt, nil); err != nil {
		return nil, fmt.Errorf("%w: send opcode 0x%02x: %v", ErrCommunication, op, err)
	}
	budget, ok := ExecTime[op]
	if !ok {
		budget = 200 * time.Millisecond
	}
	budget = max(budget, ExecTimeAt(op, d.chipMode))
	want := 3 + max(n, 1)
	buf := make([]byte, want)
	var waited time.Duration
	for {
		if err := d.opts.Sleep(ctx, d.opts.Poll); err != nil {
			return nil, err
		}
		waited += d.opts.Poll
		err := d.bus.Tx(d.opts.Addr, nil, buf)
		if err == nil {
			break
		}
		if waited >= budget {
			return nil, fmt.Errorf("%w: opcode 0x%02x after %v: %v", ErrTimeout, op, waited, err)
		}
	}
	return parseResponse(op, buf, n)
}

// parseResponse checks a response buffer of 3+max(n,1) bytes.
func parseResponse(op byte, buf []byte, n int) ([]byte, error) {
	count := int(buf[0])
	if count == 4 && n != 1 {
		// A status response in place of data (or the status of a
		// status-only command).
		if crc := CRC16(buf[:2]); buf[2] != byte(crc) || buf[3] != byte(crc>>8) {
			return nil, fmt.Errorf("%w: opcode 0x%02x status % x", ErrCRC, op, buf[:4])
		}
		if buf[1] == StatusSuccess && n == 0 {
			return nil, nil
		}
		if buf[1] == StatusSuccess {
			return nil, fmt.Errorf("%w: opcode 0x%02x: status 0x00 where %d bytes were due", ErrResponse, op, n)
		}
		return nil, &StatusError{Op: op, Status: buf[1]}
	}
	if count != len(buf) {
		if count < 4 || count > len(buf) {
			// The count byte itself may be the corrupted one.
			return nil, fmt.Errorf("%w: opcode 0x%02x: count %d, want %d", ErrCRC, op, count, len(buf))
		}
		return nil, fmt.Errorf("%w: opcode 0x%02x: count %d, want %d", ErrResponse, op, count, len(buf))
	}
	if crc := CRC16(buf[:count-2]); buf[count-2] != byte(crc) || buf[count-1] != byte(crc>>8) {
		return nil, fmt.Errorf("%w: opcode 0x%02x", ErrCRC, op)
	}
	return buf[1 : count-2 : count-2], nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
