package pcsc_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/pcsc"
	"github.com/regterm/regterm/drivers/smartcard/pcsctest"
	"github.com/regterm/regterm/tools/cardsim"
)

func TestMain(m *testing.M) { pcsctest.Main(m) }

func testCard(t testing.TB, atr []byte) *cardsim.Card {
	t.Helper()
	c, err := cardsim.New(&smartcard.IDCard{CitizenID: "1234567890121", BirthDate: time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC)}, atr, cardsim.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestReadersFromStateTable(t *testing.T) {
	env := pcsctest.Require(t)
	ctx := ctxT(t)
	c, err := pcsc.New(ctx, env.Opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Logf("pcscd protocol %s", c.Version())
	names, err := c.Readers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{env.Slots[0].Reader, env.Slots[1].Reader}
	if len(names) != 2 || names[0] != want[0] || names[1] != want[1] {
		t.Fatalf("Readers() = %q, want %q", names, want)
	}
}

func TestConnectTransmitProtocols(t *testing.T) {
	env := pcsctest.Require(t)
	tests := []struct {
		name string
		atr  []byte
		want pcsc.Protocol
	}{
		{"T=0 Thai ATR 3B 68", []byte{0x3B, 0x68, 0x00, 0x00, 0x00, 0x73, 0xC8, 0x40, 0x12, 0x00, 0x90, 0x00}, pcsc.ProtocolT0},
		{"T=0 Thai ATR 3B 67", []byte{0x3B, 0x67, 0x00, 0x00, 0x73, 0x20, 0x00, 0x6C, 0x68, 0x90, 0x00}, pcsc.ProtocolT0},
		{"T=1 only", []byte{0x3B, 0x80, 0x01, 0x81}, pcsc.ProtocolT1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxT(t)
			v := env.Insert(t, 0, testCard(t, tt.atr))
			c, err := pcsc.New(ctx, env.Opts())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			card, err := c.Connect(ctx, env.Slots[0].Reader, pcsc.ShareShared, pcsc.ProtocolAny)
			if err != nil {
				t.Fatal(err)
			}
			if card.Protocol != tt.want {
				t.Errorf("active protocol = %v, want %v", card.Protocol, tt.want)
			}
			st, err := card.Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(st.ATR, tt.atr) || st.Protocol != tt.want || st.State&pcsc.StatePresent == 0 {
				t.Errorf("Status = %+v, want ATR % X protocol %v", st, tt.atr, tt.want)
			}
			if err := card.BeginTransaction(ctx); err != nil {
				t.Fatal(err)
			}
			resp, err := card.Transmit(ctx, []byte{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp, []byte{0x61, 0x0A}) {
				t.Errorf("SELECT response = % X, want 61 0A", resp)
			}
			if err := card.EndTransaction(ctx, pcsc.LeaveCard); err != nil {
				t.Fatal(err)
			}
			// Reset the card, then reconnect after the reset.
			if err := card.Reconnect(ctx, pcsc.ShareShared, pcsc.ProtocolAny, pcsc.ResetCard); err != nil {
				t.Fatal(err)
			}
			if card.Protocol != tt.want {
				t.Errorf("protocol after reconnect = %v, want %v", card.Protocol, tt.want)
			}
			if _, err := card.Transmit(ctx, []byte{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01}); err != nil {
				t.Fatalf("transmit after reconnect: %v", err)
			}
			v.Remove()
			if err := pcsctest.WaitState(ctx, env.Opts(), env.Slots[0].Reader, false); err != nil {
				t.Fatal(err)
			}
			if _, err := card.Transmit(ctx, []byte{0x00, 0xA4, 0x04, 0x00, 0x01, 0x01}); !pcsc.IsRemoved(err) {
				t.Errorf("transmit after removal: %v, want removed card", err)
			}
			if err := card.Disconnect(ctx, pcsc.LeaveCard); err != nil && !pcsc.IsRemoved(err) {
				t.Errorf("disconnect: %v", err)
			}
		})
	}
}

func TestNoCard(t *testing.T) {
	env := pcsctest.Require(t)
	ctx := ctxT(t)
	c, err := pcsc.New(ctx, env.Opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Connect(ctx, env.Slots[1].Reader, pcsc.ShareShared, pcsc.ProtocolAny)
	if !errors.Is(err, pcsc.ErrNoSmartcard) {
		t.Fatalf("connect to empty reader: %v, want ErrNoSmartcard", err)
	}
	var pe pcsc.Error
	if !errors.As(err, &pe) || pe.Name() != "SCARD_E_NO_SMARTCARD" {
		t.Errorf("error %v does not name SCARD_E_NO_SMARTCARD", err)
	}
	_, err = c.Connect(ctx, "No Such Reader", pcsc.ShareShared, pcsc.ProtocolAny)
	if !errors.Is(err, pcsc.ErrUnknownReader) {
		t.Errorf("connect to unknown reader: %v, want ErrUnknownReader", err)
	}
}

// Reader-state events: the table shows insertion and removal, with the
// event counter going up.
func TestReaderStateEvents(t *testing.T) {
	env := pcsctest.Require(t)
	ctx := ctxT(t)
	c, err := pcsc.New(ctx, env.Opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reader := env.Slots[1].Reader
	slot := func(st []pcsc.ReaderState) pcsc.ReaderState {
		for _, s := range st {
			if s.Name == reader {
				return s
			}
		}
		t.Fatalf("reader %q missing", reader)
		return pcsc.ReaderState{}
	}
	st, err := c.ReaderStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := slot(st)
	if before.Present() || before.State&pcsc.StateAbsent == 0 {
		t.Fatalf("empty slot state %+v", before)
	}
	v := cardsim.NewVICC(env.Slots[1].Addr, nil)
	atr := []byte{0x3B, 0x68, 0x00, 0x00, 0x00, 0x73, 0xC8, 0x40, 0x12, 0x00, 0x90, 0x00}
	go func() { time.Sleep(100 * time.Millisecond); v.Insert(ctx, testCard(t, atr)) }()
	st, err = c.WaitChange(ctx, func(st []pcsc.ReaderState) bool { return slot(st).Ready() })
	if err != nil {
		t.Fatal(err)
	}
	in := slot(st)
	if !bytes.Equal(in.ATR, atr) || in.EventCounter <= before.EventCounter {
		t.Errorf("after insertion: %+v (before: counter %d)", in, before.EventCounter)
	}
	go func() { time.Sleep(100 * time.Millisecond); v.Remove() }()
	st, err = c.WaitChange(ctx, func(st []pcsc.ReaderState) bool { return !slot(st).Present() })
	if err != nil {
		t.Fatal(err)
	}
	if out := slot(st); out.EventCounter <= in.EventCounter || len(out.ATR) != 0 {
		t.Errorf("after removal: %+v", out)
	}
}

// pcscd going away mid-session gives clear errors, and so does a socket
// with no pcscd behind it.
func TestPCSCDStops(t *testing.T) {
	pcsctest.Require(t)
	s := pcsctest.StartDaemon(t, cardsim.StackOpts{Port: 36100})
	ctx := ctxT(t)
	c, err := pcsc.New(ctx, &pcsc.Opts{Socket: s.Socket})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if names, err := c.Readers(ctx); err != nil || len(names) != 2 {
		t.Fatalf("Readers = %q, %v", names, err)
	}
	socket := s.Socket
	s.Stop()
	if _, err := c.Readers(ctx); !errors.Is(err, pcsc.ErrCommError) {
		t.Errorf("Readers after pcscd stopped: %v, want ErrCommError", err)
	}
	if _, err := pcsc.New(ctx, &pcsc.Opts{Socket: socket}); !errors.Is(err, pcsc.ErrNoService) {
		t.Errorf("New after pcscd stopped: %v, want ErrNoService", err)
	}
}

func ExampleClient() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pcsc.New(ctx, nil) // $PCSCLITE_CSOCK_NAME or /run/pcscd/pcscd.comm
	if err != nil {
		return // errors.Is(err, pcsc.ErrNoService): pcscd is not running
	}
	defer c.Close()
	readers, err := c.Readers(ctx)
	if err != nil {
		return
	}
	card, err := c.Connect(ctx, readers[0], pcsc.ShareShared, pcsc.ProtocolAny)
	if err != nil {
		return // errors.Is(err, pcsc.ErrNoSmartcard): the reader is empty
	}
	defer card.Disconnect(ctx, pcsc.LeaveCard)
	resp, err := card.Transmit(ctx, []byte{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01})
	_, _ = resp, err
}

func TestSlotReaderName(t *testing.T) {
	env := pcsctest.Require(t)
	ctx := ctxT(t)
	for _, tt := range []struct{ ask, want string }{
		{"", env.Slots[0].Reader},
		{env.Slots[1].Reader, env.Slots[1].Reader},
		{"Virtual PCD", env.Slots[0].Reader},
	} {
		s, err := pcsc.NewSlot(ctx, env.Opts(), tt.ask)
		if err != nil {
			t.Fatal(err)
		}
		if s.Reader() != tt.want {
			t.Errorf("NewSlot(%q).Reader() = %q, want %q", tt.ask, s.Reader(), tt.want)
		}
		s.Close()
	}
	if _, err := pcsc.NewSlot(ctx, env.Opts(), "ACS"); !errors.Is(err, pcsc.ErrUnknownReader) {
		t.Errorf("unknown reader: %v", err)
	}
}
