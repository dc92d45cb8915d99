package gpiokeys

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"

	"github.com/regterm/regterm/drivers/input"
)

// Errors.
var (
	// ErrNoPins means New was given no button.
	ErrNoPins = errors.New("gpiokeys: no button pins")
	// ErrHalted means the device was halted.
	ErrHalted = errors.New("gpiokeys: halted")
)

// Opts configures the buttons.
type Opts struct {
	// Debounce is how long a pin must stay pressed after its edge.
	Debounce time.Duration
	// Poll bounds each wait for an edge, so Halt takes effect.
	Poll time.Duration
	// Clock is the time source (tests inject a fake one; the pins' own
	// clock must be the same).
	Clock clockwork.Clock
}

// DefaultOpts are used for nil or zero fields.
var DefaultOpts = Opts{Debounce: 30 * time.Millisecond, Poll: 250 * time.Millisecond}

// Dev is a set of buttons. It implements input.Buttons.
type Dev struct {
	pins    map[input.Button]gpio.PinIn
	o       Opts
	presses chan input.Button
	done    chan struct{}
	halt    sync.Once
	wg      sync.WaitGroup
}

var _ input.Buttons = (*Dev)(nil)

// New sets each pin as an input with pull-up and falling-edge detection
// and starts watching it.
func New(pins map[input.Button]gpio.PinIn, o *Opts) (*Dev, error) {
	if len(pins) == 0 {
		return nil, ErrNoPins
	}
	opts := DefaultOpts
	if o != nil {
		if o.Debounce > 0 {
			opts.Debounce = o.Debounce
		}
		if o.Poll > 0 {
			opts.Poll = o.Poll
		}
		opts.Clock = o.Clock
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	d := &Dev{pins: pins, o: opts, presses: make(chan input.Button, 8), done: make(chan struct{})}
	for b, p := range pins {
		if p == nil {
			return nil, fmt.Errorf("gpiokeys: %v: nil pin", b)
		}
		if err := p.In(gpio.PullUp, gpio.FallingEdge); err != nil {
			return nil, fmt.Errorf("gpiokeys: %v on %s: %w", b, p, err)
		}
	}
	for b, p := range pins {
		d.wg.Add(1)
		go d.watch(b, p)
	}
	return d, nil
}

func (d *Dev) watch(b input.Button, p gpio.PinIn) {
	defer d.wg.Done()
	for {
		select {
		case <-d.done:
			return
		default:
		}
		if !p.WaitForEdge(d.o.Poll) {
			continue
		}
		d.o.Clock.Sleep(d.o.Debounce)
		if p.Read() != gpio.Low { // a bounce or a glitch
			continue
		}
		select {
		case d.presses <- b:
		default: // nobody reads: drop rather than queue stale presses
		}
	}
}

// Next returns the next press.
func (d *Dev) Next(ctx context.Context) (input.Button, error) {
	select {
	case b := <-d.presses:
		return b, nil
	case <-d.done:
		return 0, ErrHalted
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (d *Dev) String() string {
	var s []string
	for b, p := range d.pins {
		s = append(s, fmt.Sprintf("%v=%s", b, p))
	}
	sort.Strings(s)
	return "gpiokeys(" + strings.Join(s, ", ") + ")"
}

// Halt stops watching the pins. Watchers end within one Poll.
func (d *Dev) Halt() error {
	d.halt.Do(func() { close(d.done) })
	return nil
}
