package enroll

import (
	"fmt"
	"time"
)

// Phase is where the terminal is in the enrollment flow.
type Phase int

// Phases, in the order of a successful enrollment.
const (
	PhaseLoggedOut   Phase = iota // no officer: login screen
	PhaseReady                    // officer logged in, waiting for a citizen card
	PhaseReadingCard              // reading and checking the card
	PhaseConsent                  // privacy notice shown, waiting for the officer
	PhaseCapturing                // waiting for an image of the finger
	PhaseMatching                 // comparing with the reference
	PhaseSigning                  // record being signed and queued
	PhaseShowQR                   // one-time QR shown, countdown running
	PhaseDone                     // enrollment complete
	PhaseError                    // a session ended with an error code
	PhaseOutboxFull               // enrollment stopped until the queue drains
	numPhases
)

var phaseNames = [...]string{"logged-out", "ready", "reading-card", "consent", "capturing",
	"matching", "signing", "show-qr", "done", "error", "outbox-full"}

func (p Phase) String() string {
	if p >= 0 && int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("phase(%d)", int(p))
}

// InSession reports whether p belongs to a citizen's session: the session
// holds card data (and maybe a capture) that must be wiped when it ends.
func (p Phase) InSession() bool {
	switch p {
	case PhaseReadingCard, PhaseConsent, PhaseCapturing, PhaseMatching, PhaseSigning, PhaseShowQR:
		return true
	}
	return false
}

// Config are the machine's limits; the zero value of a field takes its
// DefaultConfig value (see Normalize).
type Config struct {
	MaxAttempts    int           // captures (and matches) per session
	QualityGate    int           // minimum capture quality 0..100
	NoticeVersion  string        // privacy notice shown on the consent screen
	ReadTimeout    time.Duration // reading the card
	ConsentTimeout time.Duration // officer answer on the consent screen
	CaptureTimeout time.Duration // one capture attempt (finger placement)
	MatchTimeout   time.Duration
	SignTimeout    time.Duration // signing and queueing the record
	ResultTimeout  time.Duration // done and error screens before ready
	IdleTimeout    time.Duration // officer idle in ready before logout
	RecheckPeriod  time.Duration // re-show period of logged-out and outbox-full
}

// DefaultConfig are the limits used for zero Config fields.
var DefaultConfig = Config{
	MaxAttempts:    3,
	QualityGate:    40,
	NoticeVersion:  "PN-2026-1",
	ReadTimeout:    20 * time.Second,
	ConsentTimeout: 2 * time.Minute,
	CaptureTimeout: 20 * time.Second,
	MatchTimeout:   10 * time.Second,
	SignTimeout:    15 * time.Second,
	ResultTimeout:  30 * time.Second,
	IdleTimeout:    10 * time.Minute,
	RecheckPeriod:  30 * time.Second,
}

// Normalize returns c with zero fields set to their defaults.
func (c Config) Normalize() Config {
	d := DefaultConfig
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	if c.QualityGate <= 0 {
		c.QualityGate = d.QualityGate
	}
	if c.NoticeVersion == "" {
		c.NoticeVersion = d.NoticeVersion
	}
	for _, p := range []struct{ v, d *time.Duration }{
		{&c.ReadTimeout, &d.ReadTimeout}, {&c.ConsentTimeout, &d.ConsentTimeout},
		{&c.CaptureTimeout, &d.CaptureTimeout}, {&c.MatchTimeout, &d.MatchTimeout},
		{&c.SignTimeout, &d.SignTimeout}, {&c.ResultTimeout, &d.ResultTimeout},
		{&c.IdleTimeout, &d.IdleTimeout}, {&c.RecheckPeriod, &d.RecheckPeriod},
	} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
	return c
}

// Session is one citizen's enrollment attempt, from card insertion to the
// end of its screen. Its ID tags every action and every result event, so a
// late result of an ended session is recognised and ignored.
type Session struct {
	ID       uint64
	Attempts int  // captures started
	Quality  int  // last capture quality, -1 before the first
	Matched  bool // a match succeeded in this session
	// ExceptionOK is set when the session failed to capture or match and a
	// supervisor may approve an exception record.
	ExceptionOK bool
	Token       string    // QR token of the queued record
	Expires     time.Time // token expiry
	wiped       bool
}

// State is the whole state of the machine. It is a value: Step never
// mutates its argument.
type State struct {
	Phase    Phase
	Deadline time.Time // when the phase times out
	Cfg      Config

	Officer     string
	CardPresent bool
	QueueFull   bool
	QueueDepth  int
	Online      bool
	Code        string // error code while in PhaseError

	NextSession uint64 // ID the next session gets
	Session     Session
	Shown       Screen // the screen on the display
	shownSecs   int    // seconds shown on the QR countdown
}

// New returns the initial state: logged out, at time now.
func New(cfg Config, now time.Time) State {
	c := cfg.Normalize()
	return State{Phase: PhaseLoggedOut, Cfg: c, Deadline: now.Add(c.RecheckPeriod), NextSession: 1}
}
