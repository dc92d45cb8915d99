package input

import "context"

// Button is a physical key.
type Button int

// Buttons.
const (
	Confirm Button = iota + 1
	Cancel
)

func (b Button) String() string {
	switch b {
	case Confirm:
		return "confirm"
	case Cancel:
		return "cancel"
	}
	return "button?"
}

// Buttons delivers key presses.
type Buttons interface {
	// Next blocks until a key is pressed or ctx is done.
	Next(ctx context.Context) (Button, error)
	Halt() error
}
