//go:build !release

package board

import (
	"context"
	"fmt"
	"time"

	"github.com/regterm/regterm/drivers/input"
)

// Terminal is what a scripted session needs of the running terminal.
type Terminal interface {
	// Login logs the officer in (card or finger + PIN are checked by the
	// officer subsystem; the script stands for it).
	Login(officer string)
	// WaitScreen waits for one of the named screens (enroll.ScreenID names)
	// and returns its name and error code.
	WaitScreen(ctx context.Context, names ...string) (name, code string, err error)
}

// ErrScript is returned when a scripted session ends on an unexpected screen.
var ErrScript = fmt.Errorf("board: sim script")

// Enroll runs n scripted enrollments of the world's citizen back to back:
// the officer logs in, the card goes in, the officer confirms consent, the
// finger goes on the sensor, the QR is shown, the officer confirms the app
// scanned it, the card comes out. It returns the number completed.
func (s *Sim) Enroll(ctx context.Context, t Terminal, n int) (int, error) {
	step := func(what string, names ...string) error {
		sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		got, code, err := t.WaitScreen(sctx, append(names, "error", "outbox-full")...)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrScript, what, err)
		}
		for _, n := range names {
			if got == n {
				return nil
			}
		}
		return fmt.Errorf("%w: %s: terminal showed %s %s", ErrScript, what, got, code)
	}
	t.Login(s.World.OfficerID)
	if err := step("officer login", "ready"); err != nil {
		return 0, err
	}
	press := func(ctx context.Context) error { return s.Press(ctx, input.Confirm) }
	steps := []struct {
		do   func(context.Context) error
		what string
		want string
	}{
		{func(ctx context.Context) error { return s.InsertCard(ctx, s.World.Citizen) }, "card read", "consent"},
		{press, "consent", "place-finger"},
		{func(ctx context.Context) error { return s.PlaceFinger(ctx, s.World.Finger) }, "capture and match", "qr"},
		{func(ctx context.Context) error {
			if err := s.LiftFinger(ctx); err != nil {
				return err
			}
			return press(ctx) // the officer saw the app scan the QR
		}, "QR scanned", "done"},
		{s.RemoveCard, "card removed", "ready"},
	}
	for i := 0; i < n; i++ {
		for _, st := range steps {
			if err := st.do(ctx); err != nil {
				return i, fmt.Errorf("%w: %s: %v", ErrScript, st.what, err)
			}
			if err := step(st.what, st.want); err != nil {
				return i, err
			}
		}
	}
	return n, nil
}
