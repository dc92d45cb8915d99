package fingerprint

import (
	"context"
	"errors"
	"image"
)

// Errors returned by Sensor implementations. Drivers wrap them with %w so
// callers can use errors.Is.
var (
	// ErrNoFinger means no finger was on the sensor before the deadline.
	ErrNoFinger = errors.New("fingerprint: no finger detected")
	// ErrNotResponding means the module did not answer within its deadline.
	ErrNotResponding = errors.New("fingerprint: sensor not responding")
	// ErrPoorImage means the module rejected the image (too dry, wet, smudged).
	ErrPoorImage = errors.New("fingerprint: poor image")
)

// LED is the feedback a sensor ring or indicator shows.
type LED int

// LED states.
const (
	LEDOff     LED = iota
	LEDIdle        // waiting (breathing blue on R503)
	LEDCapture     // finger expected / capture in progress
	LEDOK          // success (green)
	LEDFail        // failure (red)
)

// Info describes the image a sensor delivers.
type Info struct {
	Model  string      // module model, e.g. "R307"
	Size   image.Point // image width and height in pixels
	Depth  int         // bits per pixel on the wire (4 for ZFM modules)
	DPI    int         // resolution of the image
	Serial string      // module serial number if known
}

// Sensor is a fingerprint capture device.
type Sensor interface {
	// Info returns the module description and image geometry.
	Info() Info
	// Capture waits for a finger until ctx is done, then returns the
	// image as 8-bit grayscale. It returns ErrNoFinger when ctx expires first.
	Capture(ctx context.Context) (*image.Gray, error)
	// SetLED sets the visual feedback; sensors without LEDs return nil.
	SetLED(ctx context.Context, l LED) error
	// Health checks that the module answers and its sensor is intact.
	Health(ctx context.Context) error
	// Reset soft-resets (or power-cycles) the module.
	Reset(ctx context.Context) error
	String() string
	// Halt stops the device and releases the port.
	Halt() error
}
