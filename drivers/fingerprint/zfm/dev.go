package zfm

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/regterm/regterm/drivers/fingerprint"
)

// Port is the UART the module is on: anything that reads and writes bytes.
// A port that also implements BaudPort lets the driver probe and change
// the baud rate; one that implements io.Closer is closed by Halt.
type Port interface {
	io.Reader
	io.Writer
}

// BaudPort is a Port whose rate can change.
type BaudPort interface {
	Port
	Baud() int
	SetBaud(baud int) error
}

// Clock is the time source (injected by tests).
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// DefaultBaud is the factory rate of every EF01 module.
const DefaultBaud = 57600

// Bauds are the rates the driver negotiates and scans, highest first: the
// module takes any 9600*N (N = 1..12), but UARTs and termios only these.
var Bauds = []int{115200, 57600, 38400, 19200, 9600}

// Opts configures a Dev.
type Opts struct {
	// Address is the module address; 0 means DefaultAddress (the
	// factory's 0xFFFFFFFF).
	Address uint32
	// Password is verified with VfyPwd when non-zero.
	Password uint32
	// Baud is the preferred (highest) rate: New switches the module to the
	// highest rate it accepts up to Baud. 0 keeps the rate New finds.
	Baud int
	// PacketSize is the largest data packet to negotiate (32, 64, 128 or
	// 256); 0 means 256.
	PacketSize int
	// Model, Size and DPI describe the module when ReadProdInfo is not
	// supported (R30x, AS608).
	Model string
	Size  image.Point
	DPI   int
	// Latency is the module's processing allowance for an instruction,
	// added to 1.5x the wire time of its bytes.
	Latency time.Duration
	// CaptureLatency is the allowance for GenImg, Search and flash writes.
	CaptureLatency time.Duration
	// Retries is the number of attempts of an exchange that was corrupted
	// or unanswered.
	Retries int
	// SilenceLimit is the number of consecutive unanswered attempts after
	// which the driver power-cycles the module with the reset pin.
	SilenceLimit int
	// ScanBauds makes New probe every rate in Bauds when the module
	// answers at neither the port's rate, Baud nor DefaultBaud.
	ScanBauds bool
	// ResetActive is the level of the reset pin (New's reset argument)
	// that cuts the module's power (gpio.Low by default), ResetPulse how
	// long it is held.
	ResetActive gpio.Level
	ResetPulse  time.Duration
	// PowerUpTimeout bounds the wait for the 0x55 power-up byte.
	PowerUpTimeout time.Duration
	// Poll is the pause between GenImg attempts while no finger is down.
	Poll time.Duration
	// MaxTemplate bounds UpChar transfers.
	MaxTemplate int
	// Progress, when set, is called during an image upload with the bytes
	// received so far and the total.
	Progress func(done, total int)
	Log      *slog.Logger
	Clock    Clock
}

// DefaultOpts are the options for a factory-configured R307 on a UART.
var DefaultOpts = Opts{
	Address:        DefaultAddress,
	Baud:           115200,
	PacketSize:     256,
	Model:          "R307",
	Size:           image.Pt(256, 288),
	DPI:            500,
	Latency:        300 * time.Millisecond,
	CaptureLatency: 1500 * time.Millisecond,
	Retries:        3,
	SilenceLimit:   2,
	ResetActive:    gpio.Low,
	ResetPulse:     200 * time.Millisecond,
	PowerUpTimeout: time.Second,
	Poll:           50 * time.Millisecond,
	MaxTemplate:    8192,
}

// LinkStats counts what happened on the line.
type LinkStats struct {
	Baud       int // current rate
	PacketSize int // current data packet size
	TxBytes    int64
	RxBytes    int64
	Corrupt    int // corrupted frames seen
	Retries    int // exchanges repeated
	Timeouts   int // unanswered attempts
	Resets     int // resets and power cycles
	Stale      int // late acknowledges skipped
}

// Dev is an EF01 fingerprint module.
type Dev struct {
	opts  Opts
	port  Port
	reset gpio.PinOut
	log   *slog.Logger
	clk   Clock

	rxc    chan []byte
	done   chan struct{}
	rxDone chan struct{}
	rxErr  error // set before rxc closes

	mu       sync.Mutex // serialises exchanges; guards everything below
	parser   Parser
	baud     int
	packet   int
	info     fingerprint.Info
	prod     *ProdInfo
	noAura   bool
	silent   int
	stats    LinkStats
	halted   atomic.Bool
	haltOnce sync.Once

	// pub is a snapshot of info and stats for Info, String and Stats,
	// which must not wait for an exchange (an upload takes seconds).
	pubMu sync.Mutex
	pub   LinkStats
	pinfo fingerprint.Info
	pprod *ProdInfo
}

// unlock publishes the snapshot and releases the exchange lock.
func (d *Dev) unlock() {
	s := d.stats
	s.Baud, s.PacketSize = d.baud, d.packet
	d.pubMu.Lock()
	d.pub, d.pinfo, d.pprod = s, d.info, d.prod
	d.pubMu.Unlock()
	d.mu.Unlock()
}

var _ fingerprint.Sensor = (*Dev)(nil)

// New probes the module on port, verifies the password, negotiates the
// highest baud and packet size it accepts, and reads its description.
// reset, when not nil, is the GPIO that power-cycles the module after
// repeated silence. opts nil means DefaultOpts; zero fields take their
// defaults. When New fails it has halted the device and closed the port
// (if it is an io.Closer).
func New(ctx context.Context, port Port, reset gpio.PinOut, opts *Opts) (*Dev, error) {
	o := DefaultOpts
	if opts != nil {
		o = *opts
		fill(&o)
	}
	if o.PacketSize != 32 && o.PacketSize != 64 && o.PacketSize != 128 && o.PacketSize != 256 {
		return nil, fmt.Errorf("zfm: packet size %d: %w (32, 64, 128 or 256)", o.PacketSize, ErrArgument)
	}
	if o.Size.X <= 0 || o.Size.Y <= 0 || o.Size.X%2 != 0 {
		return nil, fmt.Errorf("zfm: image size %v: %w", o.Size, ErrArgument)
	}
	d := &Dev{
		opts:   o,
		port:   port,
		reset:  reset,
		log:    o.Log,
		clk:    o.Clock,
		rxc:    make(chan []byte, 64),
		done:   make(chan struct{}),
		rxDone: make(chan struct{}),
		baud:   DefaultBaud,
		packet: 128,
	}
	if bp, ok := port.(BaudPort); ok {
		d.baud = bp.Baud()
	} else if o.Baud != 0 {
		d.baud = o.Baud
	}
	d.info = fingerprint.Info{Model: o.Model, Size: o.Size, Depth: 4, DPI: o.DPI}
	if reset != nil {
		if err := reset.Out(!o.ResetActive); err != nil {
			return nil, fmt.Errorf("zfm: reset pin %s: %w", reset, err)
		}
	}
	go d.reader()
	d.mu.Lock()
	err := d.open(ctx)
	d.unlock()
	if err != nil {
		d.Halt()
		return nil, err
	}
	return d, nil
}

func fill(o *Opts) {
	def := DefaultOpts
	if o.Address == 0 {
		o.Address = def.Address
	}
	if o.PacketSize == 0 {
		o.PacketSize = def.PacketSize
	}
	if o.Model == "" {
		o.Model = def.Model
	}
	if o.Size == (image.Point{}) {
		o.Size = def.Size
	}
	if o.DPI == 0 {
		o.DPI = def.DPI
	}
	if o.Latency == 0 {
		o.Latency = def.Latency
	}
	if o.CaptureLatency == 0 {
		o.CaptureLatency = def.CaptureLatency
	}
	if o.Retries == 0 {
		o.Retries = def.Retries
	}
	if o.SilenceLimit == 0 {
		o.SilenceLimit = def.SilenceLimit
	}
	if o.ResetPulse == 0 {
		o.ResetPulse = def.ResetPulse
	}
	if o.PowerUpTimeout == 0 {
		o.PowerUpTimeout = def.PowerUpTimeout
	}
	if o.Poll == 0 {
		o.Poll = def.Poll
	}
	if o.MaxTemplate == 0 {
		o.MaxTemplate = def.MaxTemplate
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
}

func init() { fill(&DefaultOpts) }

// reader moves bytes from the port to rxc until Halt or a port error.
func (d *Dev) reader() {
	defer close(d.rxDone)
	defer close(d.rxc)
	for {
		buf := make([]byte, 1024)
		n, err := d.port.Read(buf)
		if n > 0 {
			select {
			case d.rxc <- buf[:n]:
			case <-d.done:
				return
			}
		}
		select {
		case <-d.done:
			return
		default:
		}
		if err != nil && !errors.Is(err, io.EOF) {
			d.rxErr = err
			return
		}
		if n == 0 {
			// tarm/serial reports a silent line as io.EOF after its read
			// timeout; other readers may return at once.
			select {
			case <-time.After(time.Millisecond):
			case <-d.done:
				return
			}
		}
	}
}

// String describes the device.
func (d *Dev) String() string {
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	return fmt.Sprintf("zfm %s addr %08x at %d baud, %d-byte packets", d.pinfo.Model, d.opts.Address, d.pub.Baud, d.pub.PacketSize)
}

// Info returns the module description and image geometry.
func (d *Dev) Info() fingerprint.Info {
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	return d.pinfo
}

// ProdInfo returns what ReadProdInfo reported at open, or nil when the
// module does not support it.
func (d *Dev) ProdInfo() *ProdInfo {
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	return d.pprod
}

// Stats returns the link counters as of the last finished exchange.
func (d *Dev) Stats() LinkStats {
	d.pubMu.Lock()
	defer d.pubMu.Unlock()
	return d.pub
}

// Halt turns the LED off when it can, stops the reader and closes the port
// when it is an io.Closer.
func (d *Dev) Halt() error {
	var err error
	d.haltOnce.Do(func() {
		// An exchange in progress keeps the lock: then skip the LED and
		// let closing the port end the exchange.
		if d.mu.TryLock() {
			if d.prod != nil && !d.noAura {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				_ = d.aura(ctx, AuraOff, 0, 0, 0)
				cancel()
			}
			d.unlock()
		}
		d.halted.Store(true)
		close(d.done)
		if c, ok := d.port.(io.Closer); ok {
			err = c.Close()
		}
		select {
		case <-d.rxDone:
		case <-time.After(time.Second):
		}
	})
	return err
}

// wire is the time n bytes take on the line (8N1: 10 bits a byte).
func (d *Dev) wire(n int) time.Duration {
	return time.Duration(n) * 10 * time.Second / time.Duration(d.baud)
}

// deadline is the allowance for an exchange of n bytes plus processing.
func (d *Dev) deadline(n int, proc time.Duration) time.Duration {
	return proc + d.wire(n)*3/2
}

// errSilent marks an attempt that received no byte at all.
var errSilent = errors.New("zfm: no answer")

// rxTimeout is an attempt that timed out; silent when nothing arrived.
type rxTimeout struct {
	after  time.Duration
	silent bool
}

func (e *rxTimeout) Error() string {
	if e.silent {
		return fmt.Sprintf("no answer within %v", e.after)
	}
	return fmt.Sprintf("answer incomplete after %v", e.after)
}

func (e *rxTimeout) Unwrap() error { return fingerprint.ErrNotResponding }

// exchange is one attempt's receive state.
type exchange struct {
	ctx     context.Context
	timeout <-chan time.Time
	after   time.Duration
	rx      int
	corrupt error // first corrupted frame, while waiting for an acknowledge
}

func (d *Dev) begin(ctx context.Context, after time.Duration) *exchange {
	return &exchange{ctx: ctx, timeout: d.clk.After(after), after: after}
}

// recv returns the next packet from our module. With tolerant (waiting
// for an acknowledge) a corrupted frame does not end the attempt at once:
// line noise before the answer is skipped, and a good frame within a
// short grace period is taken; otherwise the corruption is returned.
func (d *Dev) recv(x *exchange, tolerant bool) (Packet, error) {
	for {
		pkt, err := d.parser.Next()
		switch {
		case err == nil:
			if pkt.Addr != d.opts.Address {
				d.stats.Corrupt++
				return Packet{}, fmt.Errorf("%w: packet from address %08x", ErrProtocol, pkt.Addr)
			}
			return pkt, nil
		case !errors.Is(err, ErrIncomplete):
			d.stats.Corrupt++
			if !tolerant {
				return Packet{}, err
			}
			if x.corrupt == nil {
				x.corrupt = err
				x.timeout = d.clk.After(5*time.Millisecond + d.wire(2*(Overhead+64)))
			}
			continue
		}
		select {
		case b, ok := <-d.rxc:
			if !ok {
				if d.rxErr != nil {
					return Packet{}, fmt.Errorf("zfm: port: %w", d.rxErr)
				}
				return Packet{}, ErrHalted
			}
			x.rx += len(b)
			d.stats.RxBytes += int64(len(b))
			d.parser.Feed(b)
		case <-x.timeout:
			if x.corrupt != nil {
				return Packet{}, x.corrupt
			}
			d.stats.Timeouts++
			return Packet{}, &rxTimeout{after: x.after, silent: x.rx == 0 && d.parser.Buffered() == 0}
		case <-x.ctx.Done():
			return Packet{}, x.ctx.Err()
		}
	}
}

// flush drops whatever is buffered or queued.
func (d *Dev) flush() {
	for {
		select {
		case b, ok := <-d.rxc:
			if !ok {
				d.parser.Reset()
				return
			}
			d.stats.RxBytes += int64(len(b))
		default:
			d.parser.Reset()
			return
		}
	}
}

// drainQuiet waits until the line has been quiet for quiet (or max has
// passed), discarding what arrives: the rest of a corrupted transfer.
func (d *Dev) drainQuiet(ctx context.Context, quiet, max time.Duration) {
	end := d.clk.After(max)
	for {
		select {
		case b, ok := <-d.rxc:
			if !ok {
				return
			}
			d.stats.RxBytes += int64(len(b))
		case <-d.clk.After(quiet):
			d.parser.Reset()
			return
		case <-end:
			d.parser.Reset()
			return
		case <-ctx.Done():
			return
		}
	}
}

func (d *Dev) send(b []byte) error {
	if d.halted.Load() {
		return ErrHalted
	}
	d.stats.TxBytes += int64(len(b))
	if _, err := d.port.Write(b); err != nil {
		return fmt.Errorf("zfm: write: %w", err)
	}
	return nil
}

// retriable reports whether an attempt's failure may go away by repeating
// it: corrupted frames, protocol confusion, a timeout, the module saying
// it could not receive our packet.
func retriable(err error) bool {
	var st Status
	if errors.As(err, &st) {
		return st == StatusPacketError
	}
	var to *rxTimeout
	return errors.Is(err, ErrChecksum) || errors.Is(err, ErrFrame) || errors.Is(err, ErrProtocol) || errors.As(err, &to)
}

// call runs one instruction with retries and returns the acknowledge's
// payload after the confirmation code. respLen is the expected payload
// length of the acknowledge (for the deadline); proc the processing
// allowance.
func (d *Dev) call(ctx context.Context, name string, ins byte, params []byte, respLen int, proc time.Duration) ([]byte, error) {
	var last error
	for attempt := 0; attempt < d.opts.Retries; attempt++ {
		if attempt > 0 {
			d.stats.Retries++
		}
		data, err := d.once(ctx, ins, params, respLen, proc)
		if err == nil || !retriable(err) {
			if err != nil {
				return data, fmt.Errorf("zfm: %s: %w", name, err)
			}
			return data, nil
		}
		last = err
		if err := d.afterFailure(ctx, err); err != nil {
			return nil, fmt.Errorf("zfm: %s: %w (after %v)", name, err, last)
		}
	}
	return nil, fmt.Errorf("zfm: %s: %d attempts: %w", name, d.opts.Retries, last)
}

// once is a single attempt of an instruction.
func (d *Dev) once(ctx context.Context, ins byte, params []byte, respLen int, proc time.Duration) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.flush()
	cmd := Command(d.opts.Address, ins, params...)
	if err := d.send(cmd); err != nil {
		return nil, err
	}
	x := d.begin(ctx, d.deadline(len(cmd)+Overhead+1+respLen, proc))
	for {
		pkt, err := d.recv(x, true)
		if err != nil {
			return nil, err
		}
		if d.stale(pkt, respLen) {
			continue
		}
		return d.ack(pkt)
	}
}

// stale reports an acknowledge that cannot answer the instruction just
// sent: OK with a result of another length than the instruction's. It is
// a late answer to an earlier, timed-out one (the protocol has no
// sequence numbers), and is skipped.
func (d *Dev) stale(pkt Packet, respLen int) bool {
	if pkt.PID != PIDAck || len(pkt.Payload) < 1 || pkt.Payload[0] != 0 || len(pkt.Payload)-1 == respLen {
		return false
	}
	d.stats.Stale++
	d.log.Debug("zfm: skipping a late acknowledge", "len", len(pkt.Payload)-1, "want", respLen)
	return true
}

// ack checks an acknowledge and splits its confirmation code off.
func (d *Dev) ack(pkt Packet) ([]byte, error) {
	if pkt.PID != PIDAck || len(pkt.Payload) < 1 {
		d.stats.Corrupt++
		return nil, fmt.Errorf("%w: expected an acknowledge, got %v", ErrProtocol, pkt)
	}
	d.silent = 0
	return pkt.Payload[1:], statusErr(pkt.Payload[0])
}

// afterFailure prepares the next attempt: waits out a corrupted transfer,
// and resets the module after SilenceLimit silent attempts in a row.
func (d *Dev) afterFailure(ctx context.Context, err error) error {
	var to *rxTimeout
	if errors.As(err, &to) {
		// A late answer may still come: let it arrive and drop it, so
		// that the next attempt does not take it for its own.
		d.drainQuiet(ctx, 10*time.Millisecond+d.wire(2*(Overhead+64)), min(d.opts.Latency, 250*time.Millisecond))
	}
	if errors.As(err, &to) && to.silent {
		d.silent++
		if d.silent >= d.opts.SilenceLimit {
			d.silent = 0
			if d.reset != nil {
				d.log.Warn("zfm: module silent, power-cycling", "attempts", d.opts.SilenceLimit)
				return d.powerCycle(ctx)
			}
			d.log.Warn("zfm: module silent", "attempts", d.opts.SilenceLimit)
		}
		return nil
	}
	d.drainQuiet(ctx, 20*time.Millisecond+d.wire(2*(d.packet+Overhead)), d.wire(64*1024)+time.Second)
	return nil
}

// powerCycle cuts the module's power with the reset pin, waits for the
// power-up byte and reconnects.
func (d *Dev) powerCycle(ctx context.Context) error {
	p := d.reset
	if err := p.Out(d.opts.ResetActive); err != nil {
		return fmt.Errorf("zfm: reset pin %s: %w", p, err)
	}
	select {
	case <-d.clk.After(d.opts.ResetPulse):
	case <-ctx.Done():
		_ = p.Out(!d.opts.ResetActive)
		return ctx.Err()
	}
	d.flush()
	if err := p.Out(!d.opts.ResetActive); err != nil {
		return fmt.Errorf("zfm: reset pin %s: %w", p, err)
	}
	d.stats.Resets++
	d.waitPowerUp(ctx)
	return d.connect(ctx, d.probeOrder())
}

// waitPowerUp waits up to PowerUpTimeout for the 0x55 a module sends when
// it is ready; it reports whether it came. Modules that send nothing are
// fine: the caller probes anyway.
func (d *Dev) waitPowerUp(ctx context.Context) bool {
	end := d.clk.After(d.opts.PowerUpTimeout)
	for {
		select {
		case b, ok := <-d.rxc:
			if !ok {
				return false
			}
			d.stats.RxBytes += int64(len(b))
			for _, c := range b {
				if c == PowerUpByte {
					d.parser.Reset()
					return true
				}
			}
		case <-end:
			return false
		case <-ctx.Done():
			return false
		}
	}
}
