package pcsctest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/pcsc"
	"github.com/regterm/regterm/drivers/smartcard/pcsctest"
	"github.com/regterm/regterm/tools/cardsim"
)

func TestMain(m *testing.M) { pcsctest.Main(m) }

// The harness runs the tests in private namespaces with pcscd and vpcd.
func TestHarness(t *testing.T) {
	env := pcsctest.Require(t)
	if os.Getenv("REGTERM_PCSCTEST_INNER") != "1" {
		t.Fatal("tests do not run in the re-executed binary")
	}
	if len(env.Slots) != 2 || env.Socket != pcsc.DefaultSocket {
		t.Fatalf("env = %+v", env)
	}
	// pcscd must not see the USB drivers: real readers stay with the system.
	if ents, err := os.ReadDir(cardsim.DriversDir); err == nil && len(ents) != 0 {
		t.Errorf("%s visible in the test namespace: %d entries", cardsim.DriversDir, len(ents))
	}
	card, err := cardsim.New(&smartcard.IDCard{CitizenID: "1234567890121", BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)}, cardsim.DefaultATR, cardsim.Faults{})
	if err != nil {
		t.Fatal(err)
	}
	env.Insert(t, 1, card)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pcsc.New(ctx, env.Opts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := c.ReaderStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Present() || !st[1].Ready() {
		t.Errorf("states after inserting in slot 1: %+v", st)
	}
}

func TestStartDaemon(t *testing.T) {
	s := pcsctest.StartDaemon(t, cardsim.StackOpts{NoReader: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pcsc.New(ctx, &pcsc.Opts{Socket: s.Socket})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st, err := c.ReaderStates(ctx); err != nil || len(st) != 0 {
		t.Errorf("reader-less pcscd lists %+v, %v", st, err)
	}
}
