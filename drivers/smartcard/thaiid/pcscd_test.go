package thaiid_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/pcsc"
	"github.com/regterm/regterm/drivers/smartcard/pcsctest"
	"github.com/regterm/regterm/drivers/smartcard/thaiid"
	"github.com/regterm/regterm/tools/cardsim"
)

var quiet = &thaiid.Opts{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

func openReader(t testing.TB, env *pcsctest.Env, slot int) *thaiid.Reader {
	t.Helper()
	src, err := thaiid.OpenPCSC(ctxT(t, 10*time.Second), env.Opts(), env.Slots[slot].Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := thaiid.NewReader(src, quiet)
	t.Cleanup(func() { r.Close() })
	return r
}

// Every field of several card files, through the real pcscd and vpcd.
func TestReadThroughPCSCD(t *testing.T) {
	env := pcsctest.Require(t)
	for _, name := range cardFiles {
		t.Run(name, func(t *testing.T) {
			card, want := load(t, name, cardsim.Faults{})
			env.Insert(t, 0, card)
			r := openReader(t, env, 0)
			got, err := r.Read(ctxT(t, 20*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			check(t, got, want)
			if n := r.LastStats().APDUs; n != card.Count() {
				t.Errorf("reader counted %d APDUs, card answered %d", n, card.Count())
			}
		})
	}
}

func TestFaultsThroughPCSCD(t *testing.T) {
	env := pcsctest.Require(t)
	tests := []struct {
		name   string
		faults cardsim.Faults
	}{
		{"6Cxx answers", cardsim.Faults{WrongLe: true}},
		{"slow card", cardsim.Faults{Delay: 2 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			card, want := load(t, "somchai-3b67.toml", tt.faults)
			env.Insert(t, 0, card)
			got, err := openReader(t, env, 0).Read(ctxT(t, 30*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			check(t, got, want)
		})
	}
}

// A card pulled mid-read gives ErrCardRemoved and no card; the next card
// inserted reads completely.
func TestRemovalMidReadAndReinsertion(t *testing.T) {
	env := pcsctest.Require(t)
	card, _ := load(t, "pinmanee.toml", cardsim.Faults{RemoveAfter: 20})
	v := env.Insert(t, 0, card)
	r := openReader(t, env, 0)
	ctx := ctxT(t, 30*time.Second)
	c, err := r.Read(ctx)
	if !errors.Is(err, smartcard.ErrCardRemoved) || c != nil {
		t.Fatalf("Read = %v, %v; want ErrCardRemoved and no card", c, err)
	}
	if p, err := r.WaitPresence(ctx, true); err != nil || p {
		t.Fatalf("WaitPresence(true) after removal = %v, %v", p, err)
	}
	good, want := load(t, "pinmanee.toml", cardsim.Faults{})
	if err := v.Insert(ctx, good); err != nil {
		t.Fatal(err)
	}
	if p, err := r.WaitPresence(ctx, false); err != nil || !p {
		t.Fatalf("WaitPresence(false) after re-insertion = %v, %v", p, err)
	}
	c, err = r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(t, c, want)
}

// Reader-state events: insertion and removal wake WaitPresence, and a
// cancelled wait returns promptly.
func TestPresenceEvents(t *testing.T) {
	env := pcsctest.Require(t)
	r := openReader(t, env, 1)
	ctx := ctxT(t, 20*time.Second)
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	start := time.Now()
	_, err := r.WaitPresence(short, false)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("cancelled wait: %v after %v", err, time.Since(start))
	}
	card, _ := load(t, "kanya-t1.json", cardsim.Faults{})
	v := cardsim.NewVICC(env.Slots[1].Addr, nil)
	done := make(chan error, 1)
	go func() {
		time.Sleep(200 * time.Millisecond)
		done <- v.Insert(ctx, card)
	}()
	if p, err := r.WaitPresence(ctx, false); err != nil || !p {
		t.Fatalf("insertion: WaitPresence = %v, %v", p, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		v.Remove()
	}()
	if p, err := r.WaitPresence(ctx, true); err != nil || p {
		t.Fatalf("removal: WaitPresence = %v, %v", p, err)
	}
	// The event connection is still usable after a cancelled wait.
	if _, err := r.Read(ctx); !errors.Is(err, smartcard.ErrNoCard) {
		t.Errorf("read with no card: %v, want ErrNoCard", err)
	}
}

func TestPCSCDNotRunning(t *testing.T) {
	_, err := thaiid.OpenPCSC(ctxT(t, 5*time.Second), &pcsc.Opts{Socket: t.TempDir() + "/pcscd.comm"}, "")
	if !errors.Is(err, smartcard.ErrNoService) || !errors.Is(err, pcsc.ErrNoService) {
		t.Fatalf("error = %v, want ErrNoService", err)
	}
	t.Log(err)
}

func TestNoReader(t *testing.T) {
	pcsctest.Require(t)
	s := pcsctest.StartDaemon(t, cardsim.StackOpts{NoReader: true})
	_, err := thaiid.OpenPCSC(ctxT(t, 5*time.Second), &pcsc.Opts{Socket: s.Socket}, "")
	if !errors.Is(err, smartcard.ErrNoReader) || !errors.Is(err, pcsc.ErrNoReadersAvailable) {
		t.Fatalf("error = %v, want ErrNoReader", err)
	}
	t.Log(err)
}

func BenchmarkFullReadThroughPCSCD(b *testing.B) {
	env := pcsctest.Require(b)
	card, _ := load(b, "somchai-3b67.toml", cardsim.Faults{})
	env.Insert(b, 0, card)
	r := openReader(b, env, 0)
	ctx := ctxT(b, 10*time.Minute)
	b.ResetTimer()
	start := time.Now()
	apdus := 0
	for i := 0; i < b.N; i++ {
		if _, err := r.Read(ctx); err != nil {
			b.Fatal(err)
		}
		apdus += r.LastStats().APDUs
	}
	el := time.Since(start)
	b.ReportMetric(float64(el.Microseconds())/1000/float64(b.N), "ms/read")
	b.ReportMetric(float64(apdus)/float64(b.N), "APDUs/read")
}

// The firmware waits for removal while it reads: the two use separate
// connections to pcscd and do not block each other.
func TestReadWhileWaitingForRemoval(t *testing.T) {
	env := pcsctest.Require(t)
	card, want := load(t, "pinmanee.toml", cardsim.Faults{RemoveAfter: 30})
	v := env.Insert(t, 0, card)
	r := openReader(t, env, 0)
	ctx := ctxT(t, 20*time.Second)
	removed := make(chan error, 1)
	go func() {
		p, err := r.WaitPresence(ctx, true)
		if err == nil && p {
			err = errors.New("WaitPresence(true) returned present")
		}
		removed <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the waiter register with pcscd
	// The fault pulls the card after 30 APDUs: the read fails cleanly while
	// the waiter sees the removal.
	if c, err := r.Read(ctx); !errors.Is(err, smartcard.ErrCardRemoved) || c != nil {
		t.Fatalf("Read = %v, %v; want ErrCardRemoved", c, err)
	}
	if err := <-removed; err != nil {
		t.Fatal(err)
	}
	good, _ := load(t, "pinmanee.toml", cardsim.Faults{})
	if err := pcsctest.InsertWait(ctx, env.Opts(), env.Slots[0].Reader, v, good); err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := r.WaitPresence(ctx, true)
		removed <- err
	}()
	time.Sleep(50 * time.Millisecond)
	c, err := r.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check(t, c, want)
	v.Remove()
	if err := <-removed; err != nil {
		t.Fatal(err)
	}
}

func ExampleReader() {
	// An in-process card; on a terminal the Source is thaiid.OpenPCSC.
	slot := cardsim.NewLocalSlot()
	cf, _ := cardsim.LoadCardFile("../../../tools/cardsim/testdata/pinmanee.toml")
	card, _ := cf.Card()
	slot.Insert(card)
	r := thaiid.NewReader(slot, quiet)
	defer r.Close()
	ctx := context.Background()
	if present, _ := r.WaitPresence(ctx, false); present {
		c, err := r.Read(ctx)
		if err != nil {
			return
		}
		fmt.Println(c.NameEN.First, c.BirthDate.Format("2006-01-02"), len(c.Photo), r.LastStats().APDUs)
	}
	// Output: Pinmanee 1990-05-17 5100 51
}

// A read cancelled half-way leaves neither a lock nor a broken connection
// behind: the next read succeeds.
func TestCancelledReadThenRead(t *testing.T) {
	env := pcsctest.Require(t)
	card, want := load(t, "pinmanee.toml", cardsim.Faults{Delay: 10 * time.Millisecond})
	env.Insert(t, 0, card)
	r := openReader(t, env, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	c, err := r.Read(ctx)
	cancel()
	if err == nil || c != nil {
		t.Fatalf("cancelled read = %v, %v", c, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled read error %v does not wrap the deadline", err)
	}
	got, err := r.Read(ctxT(t, 20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	check(t, got, want)
}
