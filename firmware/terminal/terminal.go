package terminal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/regterm/regterm/drivers/display"
	"github.com/regterm/regterm/drivers/fingerprint"
	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/input"
	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/biometric/reference"
	"github.com/regterm/regterm/firmware/enroll"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/record"
)

// FirmwareVersion is set at link time (-X) by the Makefile.
var FirmwareVersion = "dev"

// ErrConfig is returned by New for missing parts.
var ErrConfig = errors.New("terminal: incomplete configuration")

// Devices are the drivers the terminal uses, as interfaces.
type Devices struct {
	Sensor  fingerprint.Sensor
	Reader  smartcard.Reader
	Display display.Display
	Signer  hwkey.Signer
	Buttons input.Buttons
}

// Queue is the durable outbox.
type Queue interface {
	Append(ctx context.Context, r outbox.Sealer, s hwkey.Signer) (uint64, error)
	Room() error
	Stats() outbox.Stats
}

// Screen draws enrollment screens.
type Screen interface {
	Show(s enroll.Screen) error
}

// Syncer forwards queued records; Kick asks for a sync now.
type Syncer interface {
	Kick()
}

// Clock gives the time to stamp records with and its source.
type Clock interface {
	Now() (time.Time, record.TimeSource)
}

// Opts configures a Terminal.
type Opts struct {
	TerminalID string
	Enroll     enroll.Config
	QRTTL      time.Duration
	Threshold  float64 // match score threshold
	References reference.Source
	Queue      Queue
	Screen     Screen
	Syncer     Syncer // optional
	// Online reports whether the uplink is up (optional: always offline).
	Online func() bool
	Clock  Clock // optional: the system clock as "rtc"
	Log    *slog.Logger
	// Now is the monotonic clock of the event loop (tests inject one).
	Now func() time.Time
	// Tick is the timer period of the event loop.
	Tick time.Duration
}

func (t *Terminal) devKey() bool { return hwkey.IsDevelopment(t.dev.Signer) }

// Terminal is the running enrollment flow.
type Terminal struct {
	dev    Devices
	o      Opts
	log    *slog.Logger
	boot   time.Time
	events chan enroll.Event

	mu       sync.Mutex
	state    enroll.State
	sessions map[uint64]*session
	shown    chan enroll.Screen // screens, for WaitScreen (script observers)
	counts   Counts
}

// Counts are what the terminal did since start.
type Counts struct {
	Sessions, Enrolled, Records, Errors int
}

// New returns a terminal; Run starts it.
func New(dev Devices, o Opts) (*Terminal, error) {
	switch {
	case dev.Sensor == nil, dev.Reader == nil, dev.Signer == nil:
		return nil, fmt.Errorf("%w: sensor, card reader and key are required", ErrConfig)
	case o.Queue == nil, o.Screen == nil, o.References == nil:
		return nil, fmt.Errorf("%w: queue, screen and reference source are required", ErrConfig)
	case o.TerminalID == "":
		return nil, fmt.Errorf("%w: terminal id", ErrConfig)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tick <= 0 {
		o.Tick = 200 * time.Millisecond
	}
	if o.QRTTL <= 0 {
		o.QRTTL = 2 * time.Minute
	}
	if o.Clock == nil {
		o.Clock = rtc{}
	}
	t := &Terminal{
		dev: dev, o: o, log: o.Log, boot: o.Now(),
		events:   make(chan enroll.Event, 64),
		sessions: map[uint64]*session{},
		shown:    make(chan enroll.Screen, 1024),
	}
	t.state = enroll.New(o.Enroll, t.boot)
	return t, nil
}

type rtc struct{}

func (rtc) Now() (time.Time, record.TimeSource) { return time.Now().UTC(), record.TimeRTC }

// Post delivers an event to the loop (officer login from the local API,
// supervisor approval, scripted demos). It does not block for long: when
// the loop is stuck for a second the event is dropped and logged.
func (t *Terminal) Post(e enroll.Event) {
	select {
	case t.events <- e:
	case <-time.After(time.Second):
		t.log.Error("event dropped: loop busy", "event", e.Kind.String())
	}
}

// tryPost delivers e unless the loop is busy (progress reports, which the
// next one supersedes).
func (t *Terminal) tryPost(e enroll.Event) {
	select {
	case t.events <- e:
	default:
	}
}

// State returns a copy of the machine's state.
func (t *Terminal) State() enroll.State {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.state
}

// Counts returns what the terminal did since start.
func (t *Terminal) Counts() Counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.counts
}

// Run runs the flow until ctx is done. It returns nil on cancellation.
func (t *Terminal) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, f := range []func(context.Context){t.watchCard, t.watchButtons, t.watchTime, t.watchQueue} {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	t.show(enroll.Screen{ID: enroll.ScreenLogin})
	for {
		select {
		case <-ctx.Done():
			t.wipeAll()
			return nil
		case e := <-t.events:
			t.handle(ctx, &wg, e)
		}
	}
}

func (t *Terminal) handle(ctx context.Context, wg *sync.WaitGroup, e enroll.Event) {
	if e.At.IsZero() {
		e.At = t.o.Now()
	}
	t.mu.Lock()
	prev := t.state
	// The cancel button on the consent screen is the citizen's refusal.
	if e.Kind == enroll.EvCancel && prev.Phase == enroll.PhaseConsent {
		e.Kind = enroll.EvRefuse
	}
	next, acts := enroll.Step(prev, e)
	t.state = next
	if next.Phase != prev.Phase {
		switch next.Phase {
		case enroll.PhaseReadingCard:
			t.counts.Sessions++
		case enroll.PhaseDone:
			t.counts.Enrolled++
		case enroll.PhaseError:
			t.counts.Errors++
		}
	}
	t.mu.Unlock()
	if next.Phase != prev.Phase {
		t.log.Info("phase", "from", prev.Phase.String(), "to", next.Phase.String(),
			"event", e.Kind.String(), "session", next.Session.ID, "code", next.Code)
	}
	for _, a := range acts {
		t.execute(ctx, wg, a)
	}
}

// WaitScreen blocks until a screen whose ID name is in names is shown, and
// returns it. Screens shown since the previous call are considered in order,
// so a scripted observer misses none. Only one observer may use it.
func (t *Terminal) WaitScreen(ctx context.Context, names ...string) (enroll.Screen, error) {
	for {
		select {
		case s := <-t.shown:
			for _, n := range names {
				if s.ID.String() == n {
					return s, nil
				}
			}
		case <-ctx.Done():
			return enroll.Screen{}, fmt.Errorf("terminal: waiting for screen %v: %w", names, ctx.Err())
		}
	}
}

func (t *Terminal) show(s enroll.Screen) {
	s.DevKey = t.devKey()
	if err := t.o.Screen.Show(s); err != nil {
		t.log.Error("display", "screen", s.ID.String(), "err", err)
	}
	select {
	case t.shown <- s:
	default: // nobody observes: drop the oldest
		select {
		case <-t.shown:
		default:
		}
		t.shown <- s
	}
}

func (t *Terminal) watchCard(ctx context.Context) {
	present := false
	for ctx.Err() == nil {
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		p, err := t.dev.Reader.WaitPresence(wctx, present)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			continue
		case err != nil:
			t.log.Warn("card reader", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		if p != present {
			present = p
			k := enroll.EvCardRemoved
			if p {
				k = enroll.EvCardInserted
			}
			t.Post(enroll.Event{Kind: k})
		}
	}
}

func (t *Terminal) watchButtons(ctx context.Context) {
	if t.dev.Buttons == nil {
		return
	}
	for ctx.Err() == nil {
		b, err := t.dev.Buttons.Next(ctx)
		if err != nil {
			if ctx.Err() == nil {
				t.log.Warn("buttons", "err", err)
				sleep(ctx, time.Second)
			}
			continue
		}
		switch b {
		case input.Confirm:
			t.Post(enroll.Event{Kind: enroll.EvConfirm})
		case input.Cancel:
			t.Post(enroll.Event{Kind: enroll.EvCancel})
		}
	}
}

func (t *Terminal) watchTime(ctx context.Context) {
	tk := time.NewTicker(t.o.Tick)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			select {
			case t.events <- enroll.Event{Kind: enroll.EvTick}:
			default: // the loop is busy; the next tick will do
			}
		}
	}
}

// watchQueue reports the outbox's room and depth and the uplink's state
// every second (and the queue after every append).
func (t *Terminal) watchQueue(ctx context.Context) {
	t.postQueue()
	online := false
	tk := time.NewTicker(time.Second)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
			t.postQueue()
			if t.o.Online != nil {
				if up := t.o.Online(); up != online {
					online = up
					t.Post(enroll.Event{Kind: enroll.EvUplink, Online: up})
				}
			}
		}
	}
}

func (t *Terminal) postQueue() {
	err := t.o.Queue.Room()
	st := t.o.Queue.Stats()
	t.Post(enroll.Event{Kind: enroll.EvQueueStatus, Full: errors.Is(err, outbox.ErrFull), Depth: st.Depth})
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
