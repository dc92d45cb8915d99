package atecc608_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/physic"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/atecc608"
	"github.com/regterm/regterm/drivers/hwkey/atecc608/atecc608test"
)

// opts makes the driver sleep on the model's clock.
func opts(c *atecc608test.Clock) *atecc608.Opts {
	return &atecc608.Opts{Sleep: func(ctx context.Context, d time.Duration) error { c.Advance(d); return ctx.Err() }}
}

func newDev(t *testing.T) (*atecc608.Dev, *atecc608test.Chip) {
	t.Helper()
	clk := atecc608test.NewClock()
	chip := atecc608test.New(clk)
	d, err := atecc608.New(context.Background(), chip, opts(clk))
	if err != nil {
		t.Fatal(err)
	}
	return d, chip
}

func sign(t *testing.T, s hwkey.Signer, msg string) {
	t.Helper()
	dg := sha256.Sum256([]byte(msg))
	sig, err := s.Sign(nil, dg[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), dg[:], sig) {
		t.Fatal("signature does not verify")
	}
}

func TestNewAndSign(t *testing.T) {
	d, chip := newDev(t)
	if !d.Public().(*ecdsa.PublicKey).Equal(&chip.Key(0).PublicKey) {
		t.Fatal("public key differs from the slot's")
	}
	want, _ := hwkey.KeyID(&chip.Key(0).PublicKey)
	if d.KeyID() != want {
		t.Errorf("KeyID: got %x, want %x", d.KeyID(), want)
	}
	if got, want := d.Serial(), [9]byte{0x01, 0x23, 0x8A, 0x6B, 0x5D, 0x1C, 0x44, 0x0E, 0xEE}; got != want {
		t.Errorf("Serial: got % x, want % x", got, want)
	}
	if chip.Speed != 100*physic.KiloHertz {
		t.Errorf("bus speed %v, want 100kHz for the wake pulse", chip.Speed)
	}
	sign(t, d, "record")
	if chip.Awake() {
		t.Error("chip left awake after Sign (the watchdog would fire)")
	}
	if err := d.Health(context.Background()); err != nil {
		t.Error(err)
	}
	r, err := d.Random(context.Background())
	if err != nil || len(r) != 32 {
		t.Errorf("Random: %d bytes, %v", len(r), err)
	}
	d.Halt()
	if err := d.Health(context.Background()); !errors.Is(err, atecc608.ErrHalted) {
		t.Errorf("after Halt: got %v, want ErrHalted", err)
	}
}

func TestFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(*atecc608test.Chip, *atecc608test.Clock)
		err    error
		wakes  int // wakes Sign needs
	}{
		{"clean", func(*atecc608test.Chip, *atecc608test.Clock) {}, nil, 1},
		{"response CRC error retried", func(c *atecc608test.Chip, _ *atecc608test.Clock) { c.CorruptResponses = 1 }, nil, 2},
		{"command CRC error retried", func(c *atecc608test.Chip, _ *atecc608test.Clock) { c.CorruptCommands = 2 }, nil, 3},
		{"persistent CRC errors", func(c *atecc608test.Chip, _ *atecc608test.Clock) { c.CorruptResponses = 100 }, atecc608.ErrCRC, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := atecc608test.NewClock()
			chip := atecc608test.New(clk)
			d, err := atecc608.New(context.Background(), chip, opts(clk))
			if err != nil {
				t.Fatal(err)
			}
			tc.inject(chip, clk)
			w0 := chip.Wakes
			dg := sha256.Sum256([]byte(tc.name))
			_, err = d.Sign(nil, dg[:], crypto.SHA256)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
			if got := chip.Wakes - w0; got != tc.wakes {
				t.Errorf("wakes: got %d, want %d", got, tc.wakes)
			}
		})
	}
}

// slowBus delays the chip's responses past the watchdog on demand.
type slowBus struct {
	*atecc608test.Chip
	clk   *atecc608test.Clock
	mu    sync.Mutex
	delay int // stall this many command writes by the watchdog period
}

func (b *slowBus) Tx(addr uint16, w, r []byte) error {
	b.mu.Lock()
	if len(w) > 0 && w[0] == atecc608.WordCommand && b.delay > 0 {
		b.delay--
		// The host was preempted between wake and command.
		b.clk.Advance(atecc608test.Watchdog - 10*time.Millisecond)
	}
	b.mu.Unlock()
	return b.Chip.Tx(addr, w, r)
}

func TestWatchdog(t *testing.T) {
	clk := atecc608test.NewClock()
	bus := &slowBus{Chip: atecc608test.New(clk), clk: clk}
	d, err := atecc608.New(context.Background(), bus, opts(clk))
	if err != nil {
		t.Fatal(err)
	}
	// The Nonce is sent too close to the watchdog: the chip answers 0xEE,
	// the driver sleeps it, wakes it and redoes Nonce + Sign.
	bus.delay = 1
	w0 := bus.Wakes
	sign(t, d, "late")
	if got := bus.Wakes - w0; got != 2 {
		t.Errorf("wakes: got %d, want 2", got)
	}
	bus.delay = 100
	dg := sha256.Sum256(nil)
	if _, err := d.Sign(nil, dg[:], crypto.SHA256); !errors.Is(err, atecc608.ErrWatchdog) {
		t.Errorf("always late: got %v, want ErrWatchdog", err)
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*atecc608test.Chip)
		o    atecc608.Opts
		err  error
	}{
		{"no chip at address", func(c *atecc608test.Chip) { c.Addr = 0x35 }, atecc608.Opts{}, atecc608.ErrNoDevice},
		{"not a 608", func(c *atecc608test.Chip) { c.SetConfig(4, 0x00, 0x00, 0x50, 0x00) }, atecc608.Opts{}, atecc608.ErrNotATECC608},
		{"config unlocked", func(c *atecc608test.Chip) { c.SetConfig(87, 0x55) }, atecc608.Opts{}, atecc608.ErrSlot},
		{"data unlocked", func(c *atecc608test.Chip) { c.SetConfig(86, 0x55) }, atecc608.Opts{}, atecc608.ErrSlot},
		{"not private", func(c *atecc608test.Chip) { c.SetConfig(96, 0x32) }, atecc608.Opts{}, atecc608.ErrSlot},
		{"not P-256", func(c *atecc608test.Chip) { c.SetConfig(96, 0x3F) }, atecc608.Opts{}, atecc608.ErrSlot},
		{"no external signing", func(c *atecc608test.Chip) { c.SetConfig(20, 0x86) }, atecc608.Opts{}, atecc608.ErrSlot},
		{"empty slot 3", func(*atecc608test.Chip) {}, atecc608.Opts{Slot: 3}, atecc608.ErrSlot},
		{"slot out of range", func(*atecc608test.Chip) {}, atecc608.Opts{Slot: 16}, atecc608.ErrSlot},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := atecc608test.NewClock()
			chip := atecc608test.New(clk)
			tc.mod(chip)
			o := opts(clk)
			o.Slot = tc.o.Slot
			if _, err := atecc608.New(context.Background(), chip, o); !errors.Is(err, tc.err) {
				t.Errorf("got %v, want %v", err, tc.err)
			}
		})
	}
}

func TestIdleKeepsTempKey(t *testing.T) {
	d, chip := newDev(t)
	dg := sha256.Sum256([]byte("idle"))
	if err := d.Nonce(context.Background(), dg[:]); err != nil {
		t.Fatal(err)
	}
	// Sign external straight after a wake: TempKey survived idle.
	chip.Tx(0, []byte{0}, nil)
	chip.Clock.Advance(2 * time.Millisecond)
	tok := make([]byte, 4)
	chip.Tx(0x60, nil, tok)
	chip.Tx(0x60, append([]byte{atecc608.WordCommand}, atecc608.Packet(atecc608.OpSign, 0x80, 0, nil)...), nil)
	chip.Clock.Advance(atecc608.ExecTime[atecc608.OpSign])
	rsp := make([]byte, 67)
	if err := chip.Tx(0x60, nil, rsp); err != nil {
		t.Fatal(err)
	}
	if rsp[0] != 67 {
		t.Fatalf("Sign after idle: response % x", rsp[:4])
	}
	if !ecdsa.Verify(&chip.Key(0).PublicKey, dg[:], new(big.Int).SetBytes(rsp[1:33]), new(big.Int).SetBytes(rsp[33:65])) {
		t.Error("signature over the TempKey from before idle does not verify")
	}
}

// recorder records every transfer, also those the chip NAKs.
type recorder struct {
	*atecc608test.Chip
	ops []i2ctest.IO
}

func (r *recorder) Tx(addr uint16, w, rd []byte) error {
	err := r.Chip.Tx(addr, w, rd)
	// A playback bus acknowledges everything: keep the wake write (which
	// the driver sends regardless), drop the NAKed polls.
	if err == nil || addr == 0 {
		r.ops = append(r.ops, i2ctest.IO{Addr: addr, W: bytes.Clone(w), R: bytes.Clone(rd)})
	}
	return err
}

// TestPlayback pins the wire bytes of a session against the datasheet and
// replays it through periph's i2ctest.Playback.
func TestPlayback(t *testing.T) {
	clk := atecc608test.NewClock()
	rec := &recorder{Chip: atecc608test.New(clk)}
	d, err := atecc608.New(context.Background(), rec, opts(clk))
	if err != nil {
		t.Fatal(err)
	}
	dg := sha256.Sum256([]byte("playback"))
	sig, err := d.Sign(nil, dg[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	ops := rec.ops
	pin := []i2ctest.IO{
		{Addr: 0x00, W: []byte{0x00}},                                                      // wake pulse
		{Addr: 0x60, R: []byte{0x04, 0x11, 0x33, 0x43}},                                    // wake token
		{Addr: 0x60, W: []byte{0x03, 0x07, 0x30, 0x00, 0x00, 0x00, 0x03, 0x5D}},            // Info
		{Addr: 0x60, R: []byte{0x07, 0x00, 0x00, 0x60, 0x02, 0x80, 0x38}},                  // revision 00 00 60 02
		{Addr: 0x60, W: append([]byte{0x03}, atecc608.Packet(0x02, 0x80, 0x0000, nil)...)}, // Read config block 0
	}
	for i, want := range pin {
		if got := ops[i]; got.Addr != want.Addr || !bytes.Equal(got.W, want.W) || !bytes.Equal(got.R, want.R) {
			t.Errorf("op %d: got %+v, want %+v", i, got, want)
		}
	}
	if got := ops[len(ops)-1]; got.Addr != 0x60 || !bytes.Equal(got.W, []byte{0x01}) {
		t.Errorf("last op %+v, want the sleep word 0x01", got)
	}

	pb := &i2ctest.Playback{Ops: ops, DontPanic: true}
	d2, err := atecc608.New(context.Background(), pb, &atecc608.Opts{Sleep: func(context.Context, time.Duration) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	sig2, err := d2.Sign(nil, dg[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sig, sig2) || d2.KeyID() != d.KeyID() {
		t.Error("playback gave another key or signature")
	}
	if err := pb.Close(); err != nil {
		t.Error(err)
	}
}

// stuck NAKs every read after the n-th command write: a chip that never
// finishes.
type stuck struct {
	*atecc608test.Chip
	after, cmds, naks int
}

func (s *stuck) Tx(addr uint16, w, r []byte) error {
	if len(w) > 0 && w[0] == atecc608.WordCommand {
		s.cmds++
	}
	if addr == 0x60 && len(w) == 0 && len(r) > 4 && s.cmds > s.after {
		s.naks++
		return atecc608test.ErrNAK
	}
	return s.Chip.Tx(addr, w, r)
}

func TestPollBudget(t *testing.T) {
	clk := atecc608test.NewClock()
	chip := atecc608test.New(clk)
	bus := &stuck{Chip: chip, after: 1 << 30}
	d, err := atecc608.New(context.Background(), bus, opts(clk))
	if err != nil {
		t.Fatal(err)
	}
	// The model is busy for half the maximum execution time: the driver
	// polled through NAKs.
	before := clk.Now()
	sign(t, d, "poll")
	if el := clk.Now().Sub(before); el < atecc608.ExecTime[atecc608.OpSign]/2 {
		t.Errorf("Sign took %v of chip time, want at least half the Sign budget", el)
	}
	// Never ready: each attempt gives up after the budget.
	bus.after, bus.cmds, bus.naks = 0, 0, 0
	dg := sha256.Sum256(nil)
	_, err = d.Sign(nil, dg[:], crypto.SHA256)
	if !errors.Is(err, atecc608.ErrTimeout) {
		t.Fatalf("got %v, want ErrTimeout", err)
	}
	// 4 attempts (1 + 3 retries), each polling Sign (the Nonce status read
	// is 4 bytes, left alone) for its 115 ms budget at 1 ms.
	if want := 4 * int(atecc608.ExecTime[atecc608.OpSign]/time.Millisecond); bus.naks != want {
		t.Errorf("polls: got %d, want %d", bus.naks, want)
	}
}

func TestModelWatchdogSleeps(t *testing.T) {
	clk := atecc608test.NewClock()
	chip := atecc608test.New(clk)
	chip.Tx(0, []byte{0}, nil)
	if !chip.Awake() {
		t.Fatal("not awake after the wake pulse")
	}
	clk.Advance(atecc608test.Watchdog)
	if chip.Awake() {
		t.Error("still awake after the watchdog period")
	}
	chip.SetSpeed(400 * physic.KiloHertz)
	chip.Tx(0, []byte{0}, nil)
	if chip.Awake() {
		t.Error("woke from a 20 µs pulse at 400 kHz")
	}
}

// TestClockDivider: a chip configured for a low-power clock divider is busy
// longer in Sign; the driver reads ChipMode and polls within that budget
// (M2: 665 ms, which the M0 budget of 115 ms would time out).
func TestClockDivider(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode byte
		want time.Duration
	}{
		{"M0", atecc608.ClockDivM0, 115 * time.Millisecond},
		{"M1", atecc608.ClockDivM1 | 0x04, 220 * time.Millisecond}, // long watchdog bit set too
		{"M2", atecc608.ClockDivM2, 665 * time.Millisecond},
		{"unknown", 0xF0, 665 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := atecc608.ExecTimeAt(atecc608.OpSign, tc.mode); got != tc.want {
				t.Fatalf("ExecTimeAt(Sign, %#x): got %v, want %v", tc.mode, got, tc.want)
			}
			if got, want := atecc608.ExecTimeAt(atecc608.OpNonce, tc.mode), atecc608.ExecTime[atecc608.OpNonce]; got != want {
				t.Errorf("ExecTimeAt(Nonce, %#x): got %v, want %v", tc.mode, got, want)
			}
			clk := atecc608test.NewClock()
			chip := atecc608test.New(clk)
			chip.Config[atecc608.ChipModeOffset] = tc.mode
			bus := &stuck{Chip: chip, after: 1 << 30}
			d, err := atecc608.New(context.Background(), bus, opts(clk))
			if err != nil {
				t.Fatal(err)
			}
			before := clk.Now()
			sign(t, d, tc.name)
			if el := clk.Now().Sub(before); el < tc.want/2 {
				t.Errorf("Sign took %v of chip time, want at least %v (the model's busy time)", el, tc.want/2)
			}
			// never ready: each of the 4 attempts gives up after this
			// divider's Sign budget, polled at 1 ms
			bus.after, bus.cmds, bus.naks = 0, 0, 0
			dg := sha256.Sum256(nil)
			if _, err := d.Sign(nil, dg[:], crypto.SHA256); !errors.Is(err, atecc608.ErrTimeout) {
				t.Fatalf("got %v, want ErrTimeout", err)
			}
			if want := 4 * int(tc.want/time.Millisecond); bus.naks != want {
				t.Errorf("polls: got %d, want %d", bus.naks, want)
			}
		})
	}
}
