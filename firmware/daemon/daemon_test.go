package daemon

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/board"
	"github.com/regterm/regterm/drivers/input"
	"github.com/regterm/regterm/firmware/config"
)

// start runs a terminal on a fresh sim board (no simulated delays).
func start(t *testing.T) (*Daemon, *board.Devices) { return startIn(t, t.TempDir()) }

func startIn(t *testing.T, state string) (*Daemon, *board.Devices) {
	t.Helper()
	c, err := config.Load("", "sim")
	if err != nil {
		t.Fatal(err)
	}
	c.StateDir = state
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	dev, err := board.Open(ctx, &c.Hardware, &board.Env{StateDir: c.StateDir, TerminalID: c.TerminalID, Log: log, Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	d, err := Start(ctx, c, dev, Opts{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	return d, dev
}

func wait(t *testing.T, d *Daemon, names ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name, code, err := Observer{d.Terminal}.WaitScreen(ctx, names...)
	if err != nil {
		t.Fatal(err)
	}
	return name, code
}

func loginAndInsert(t *testing.T, d *Daemon, dev *board.Devices) {
	t.Helper()
	ctx := context.Background()
	Observer{d.Terminal}.Login(dev.Sim.World.OfficerID)
	wait(t, d, "ready")
	if err := dev.Sim.InsertCard(ctx, dev.Sim.World.Citizen); err != nil {
		t.Fatal(err)
	}
	if name, code := wait(t, d, "consent", "error"); name != "consent" {
		t.Fatalf("got %s %s, want the consent screen", name, code)
	}
}

// TestRefusalCapturesNothing: the citizen refuses; nothing is captured or
// queued and the session ends on E403.
func TestRefusalCapturesNothing(t *testing.T) {
	d, dev := start(t)
	loginAndInsert(t, d, dev)
	if err := dev.Sim.PlaceFinger(context.Background(), dev.Sim.World.Finger); err != nil {
		t.Fatal(err)
	}
	dev.Sim.Press(context.Background(), input.Cancel)
	if name, code := wait(t, d, "error", "place-finger"); name != "error" || code != "E403" {
		t.Fatalf("got %s %s, want error E403", name, code)
	}
	if st := d.Outbox.Stats(); st.Depth != 0 || st.LastSeq != 0 {
		t.Errorf("refusal queued something: %+v", st)
	}
	if c := d.Terminal.Counts(); c.Records != 0 {
		t.Errorf("got %d records, want 0", c.Records)
	}
}

// TestCardPulledDuringCapture: the card leaves while the finger is awaited;
// the session ends on E104 and nothing is queued.
func TestCardPulledDuringCapture(t *testing.T) {
	d, dev := start(t)
	loginAndInsert(t, d, dev)
	dev.Sim.Press(context.Background(), input.Confirm)
	wait(t, d, "place-finger")
	if err := dev.Sim.RemoveCard(context.Background()); err != nil {
		t.Fatal(err)
	}
	if name, code := wait(t, d, "error", "qr"); name != "error" || code != "E104" {
		t.Fatalf("got %s %s, want error E104", name, code)
	}
	if st := d.Outbox.Stats(); st.Depth != 0 || st.LastSeq != 0 {
		t.Errorf("a pulled card queued something: %+v", st)
	}
	wait(t, d, "ready")
}

// TestCorruptQueueFile: a queue file that is garbage is moved aside, the
// terminal starts a new chain and enrolls, and the record is delivered.
func TestCorruptQueueFile(t *testing.T) {
	state := t.TempDir()
	junk := bytes.Repeat([]byte("not a bbolt file "), 4096)
	if err := os.WriteFile(filepath.Join(state, "outbox.db"), junk, 0o600); err != nil {
		t.Fatal(err)
	}
	d, dev := startIn(t, state)
	st := d.Outbox.Stats()
	if st.Quarantine == "" {
		t.Fatalf("corrupt file not quarantined: %+v", st)
	}
	if moved, err := os.ReadFile(st.Quarantine); err != nil || !bytes.Equal(moved, junk) {
		t.Errorf("the moved file is not kept as it was (err %v)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if n, err := dev.Sim.Enroll(ctx, Observer{d.Terminal}, 1); err != nil || n != 1 {
		t.Fatalf("enrollment after quarantine: %d, %v", n, err)
	}
	for d.Outbox.Stats().Depth > 0 {
		if ctx.Err() != nil {
			t.Fatal("record not delivered")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
