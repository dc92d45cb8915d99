package gpiokeys

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/regterm/regterm/drivers/input"
)

func setup(t *testing.T) (*Dev, *gpiotest.Pin, *clockwork.FakeClock) {
	t.Helper()
	clk := clockwork.NewFakeClock()
	pin := &gpiotest.Pin{N: "GPIO5", Clock: clk, EdgesChan: make(chan gpio.Level)}
	d, err := New(map[input.Button]gpio.PinIn{input.Confirm: pin}, &Opts{Debounce: 30 * time.Millisecond, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Halt(); clk.Advance(time.Second) })
	if pin.Pull() != gpio.PullUp || pin.Read() != gpio.High {
		t.Fatalf("got pull %v level %v, want pull-up and high", pin.Pull(), pin.Read())
	}
	return d, pin, clk
}

func TestPress(t *testing.T) {
	d, pin, clk := setup(t)
	clk.BlockUntilContext(context.Background(), 1) // the watcher waits for an edge
	pin.EdgesChan <- gpio.Low
	// the earlier edge wait's timer is still registered: 2 waiters
	clk.BlockUntilContext(context.Background(), 2)
	clk.Advance(30 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := d.Next(ctx)
	if err != nil || got != input.Confirm {
		t.Fatalf("got %v, %v; want confirm", got, err)
	}
}

func TestBounceIsNoPress(t *testing.T) {
	d, pin, clk := setup(t)
	clk.BlockUntilContext(context.Background(), 1)
	pin.EdgesChan <- gpio.Low
	clk.BlockUntilContext(context.Background(), 2)
	pin.Out(gpio.High) // released before the debounce ran out
	clk.Advance(30 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if got, err := d.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, %v; want no press", got, err)
	}
}

func TestHalt(t *testing.T) {
	d, _, _ := setup(t)
	d.Halt()
	if _, err := d.Next(context.Background()); !errors.Is(err, ErrHalted) {
		t.Errorf("got %v, want ErrHalted", err)
	}
}

func TestNoPins(t *testing.T) {
	if _, err := New(nil, nil); !errors.Is(err, ErrNoPins) {
		t.Errorf("got %v, want ErrNoPins", err)
	}
	p := &gpiotest.Pin{N: "GPIO6"} // edges unsupported: In fails
	if _, err := New(map[input.Button]gpio.PinIn{input.Cancel: p}, nil); err == nil {
		t.Error("got no error for a pin without edge detection")
	}
}

func Example() {
	// On a board: pins from gpioreg.ByName("GPIO5"), gpioreg.ByName("GPIO6").
	clk := clockwork.NewFakeClock()
	confirm := &gpiotest.Pin{N: "GPIO5", Clock: clk, EdgesChan: make(chan gpio.Level)}
	d, err := New(map[input.Button]gpio.PinIn{input.Confirm: confirm}, &Opts{Clock: clk})
	if err != nil {
		panic(err)
	}
	defer d.Halt()
	fmt.Println(d)
	// Output: gpiokeys(confirm=GPIO5(0))
}
