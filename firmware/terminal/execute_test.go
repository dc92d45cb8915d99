package terminal

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/enroll"
)

// slowReader hands out a card only when released: a card read that outlives
// its session.
type slowReader struct {
	release chan struct{}
	card    *smartcard.IDCard
}

func (r *slowReader) WaitPresence(ctx context.Context, last bool) (bool, error) {
	<-ctx.Done()
	return last, ctx.Err()
}

func (r *slowReader) Read(ctx context.Context) (*smartcard.IDCard, error) {
	<-r.release
	return r.card, nil
}
func (r *slowReader) String() string { return "slow test reader" }
func (r *slowReader) Close() error   { return nil }

// A card read that finishes after its session was wiped leaves nothing
// behind: the late card is overwritten, not stored.
func TestLateCardReadIsWiped(t *testing.T) {
	photo := []byte{0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9}
	r := &slowReader{release: make(chan struct{}), card: &smartcard.IDCard{CitizenID: "1234567890121", Photo: photo}}
	term := &Terminal{dev: Devices{Reader: r}, o: Opts{Clock: rtc{}}, log: discard(),
		events: make(chan enroll.Event, 8), sessions: map[uint64]*session{}}
	var wg sync.WaitGroup
	ctx := context.Background()
	term.execute(ctx, &wg, enroll.Action{Kind: enroll.ActReadCard, Session: 1, Deadline: time.Now().Add(time.Minute)})
	term.execute(ctx, &wg, enroll.Action{Kind: enroll.ActWipe, Session: 1})
	close(r.release)
	wg.Wait()
	if len(term.sessions) != 0 {
		t.Errorf("got %d sessions held after the wipe, want 0", len(term.sessions))
	}
	for i, b := range photo {
		if b != 0 {
			t.Fatalf("photo byte %d not overwritten: %x", i, photo)
		}
	}
	if e := <-term.events; e.Kind != enroll.EvCardRead || e.Session != 1 {
		t.Errorf("got %+v, want the (stale) card-read result of session 1", e)
	}
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
