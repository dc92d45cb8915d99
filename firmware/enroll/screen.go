package enroll

import "time"

// ScreenID names a screen layout; package screen draws one per ID.
type ScreenID int

// Screens.
const (
	ScreenLogin       ScreenID = iota // officer: insert your card / place finger + PIN
	ScreenReady                       // insert citizen card
	ScreenReadingCard                 // reading card, with Progress
	ScreenConsent                     // privacy notice (NoticeVersion), confirm / refuse
	ScreenPlaceFinger                 // place finger, Attempt of MaxAttempts, last Quality
	ScreenMatching                    // matching...
	ScreenSigning                     // saving record
	ScreenQR                          // QR code (QRToken) with Remaining
	ScreenDone                        // done, remove card
	ScreenError                       // Code + action to take
	ScreenOutboxFull                  // enrollment stopped: queue full
	ScreenRemoveCard                  // remove the card to continue
	numScreens
)

var screenNames = [...]string{"login", "ready", "reading-card", "consent", "place-finger",
	"matching", "signing", "qr", "done", "error", "outbox-full", "remove-card"}

func (s ScreenID) String() string {
	if s >= 0 && int(s) < len(screenNames) {
		return screenNames[s]
	}
	return "screen?"
}

// Error codes shown on ScreenError; the officer quotes them to support.
const (
	CodeCardRead      = "E101" // card could not be read
	CodeCardInvalid   = "E102" // check digit / data invalid
	CodeCardExpired   = "E103"
	CodeCardRemoved   = "E104" // card removed during the session
	CodeNoReference   = "E105" // no trusted reference template
	CodeSensor        = "E201" // sensor failure
	CodeCaptureFailed = "E202" // quality too low after all attempts
	CodeNoMatch       = "E203" // no match after all attempts
	CodeSign          = "E301" // hardware key failed
	CodeQueue         = "E302" // record could not be queued
	CodeOutboxFull    = "E303"
	CodeTimeout       = "E401" // a step timed out
	CodeCancelled     = "E402" // officer cancelled
	CodeRefused       = "E403" // citizen refused consent
	CodeQRExpired     = "E404"
)

// Screen is what the display shows: a layout and its parameters. It holds
// no personal data except the QR token.
type Screen struct {
	ID            ScreenID
	Code          string // error code on ScreenError
	Progress      int    // 0..100 on ScreenReadingCard
	Attempt       int    // 1-based on ScreenPlaceFinger
	MaxAttempts   int
	Quality       int    // last capture quality (-1: none yet)
	NoticeVersion string // on ScreenConsent
	QRToken       string // on ScreenQR
	Expires       time.Time
	Remaining     time.Duration // on ScreenQR: time left
	Officer       string        // officer id, for the status bar
	QueueDepth    int           // for the status bar
	Online        bool          // uplink up, for the status bar
	DevKey        bool          // records are signed by a development key (status bar warning)
}
