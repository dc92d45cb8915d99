package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/regterm/regterm/board"
	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/reference"
	"github.com/regterm/regterm/firmware/config"
	"github.com/regterm/regterm/firmware/enroll"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/screen"
	"github.com/regterm/regterm/firmware/terminal"
)

// Opts are the run's options beyond the configuration.
type Opts struct {
	// Enrollments > 0 runs that many scripted enrollments on the sim board,
	// waits until every record is synced, prints the summary and returns.
	Enrollments int
	FramesDir   string    // where the frames are (for the summary line)
	Out         io.Writer // the summary line
	Log         *slog.Logger
}

// ErrNotSynced is returned by a scripted run whose records did not all
// reach the registry in time.
var ErrNotSynced = errors.New("daemon: records not synced")

// Run runs the terminal on dev until ctx is done (or the scripted
// enrollments are over).
func Run(ctx context.Context, c *config.Config, dev *board.Devices, o Opts) error {
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := os.MkdirAll(c.StateDir, 0o700); err != nil {
		return fmt.Errorf("daemon: state dir: %w", err)
	}
	q, err := outbox.Open(filepath.Join(c.StateDir, "outbox.db"), &outbox.Opts{MaxRecords: c.Outbox.MaxRecords, MaxBytes: c.Outbox.MaxBytes})
	if err != nil && !errors.Is(err, outbox.ErrCorrupt) {
		return fmt.Errorf("daemon: %w", err)
	}
	if err != nil {
		log.Error("outbox was corrupt: moved aside, new chain epoch", "err", err)
	}
	defer q.Close()

	scr, err := screen.New(dev.Display, &screen.Opts{FontPath: c.Screen.Font})
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	up, err := uplinkOf(c, dev)
	if err != nil {
		return err
	}
	var refs reference.Chain
	if up != nil {
		refs = append(refs, &reference.CardSource{RegistryKey: up.RegistryKey})
	}
	sync, err := startSync(ctx, c, q, dev, up, log)
	if err != nil {
		return err
	}
	ec := enroll.Config{
		MaxAttempts: c.Enroll.MaxAttempts, QualityGate: c.Enroll.QualityGate, NoticeVersion: c.Enroll.NoticeVersion,
		ReadTimeout: c.Enroll.ReadTimeout, ConsentTimeout: c.Enroll.ConsentTimeout, CaptureTimeout: c.Enroll.CaptureTimeout,
		ResultTimeout: c.Enroll.ResultTimeout, IdleTimeout: c.Enroll.IdleTimeout,
	}
	term, err := terminal.New(terminal.Devices{
		Sensor: dev.Sensor, Reader: dev.Reader, Display: dev.Display, Signer: dev.Signer, Buttons: dev.Buttons,
	}, terminal.Opts{
		TerminalID: c.TerminalID, Enroll: ec, QRTTL: c.Enroll.QRTTL,
		Threshold:  biometric.ThresholdForFMR(c.Enroll.MatchFMR),
		References: refs, Queue: q, Screen: scr, Syncer: sync, Log: log,
	})
	if err != nil {
		return err
	}
	log.Info("terminal starting", "terminal", c.TerminalID, "board", c.Board, "firmware", terminal.FirmwareVersion,
		"sensor", dev.Sensor.String(), "reader", dev.Reader.String(), "key", dev.Signer.String())
	done := make(chan error, 1)
	go func() { done <- term.Run(ctx) }()
	if o.Enrollments <= 0 {
		return <-done
	}
	err = script(ctx, term, dev, q, o)
	cancel()
	<-done
	return err
}

// script runs the scripted enrollments and prints the summary line.
func script(ctx context.Context, term *terminal.Terminal, dev *board.Devices, q *outbox.Outbox, o Opts) error {
	if dev.Sim == nil {
		return fmt.Errorf("daemon: scripted enrollments need the sim board")
	}
	n, err := dev.Sim.Enroll(ctx, observer{term}, o.Enrollments)
	if err != nil {
		return fmt.Errorf("daemon: after %d enrollment(s): %w", n, err)
	}
	records := term.Counts().Records
	deadline := time.Now().Add(60 * time.Second)
	for q.Stats().Depth > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %d of %d still queued", ErrNotSynced, q.Stats().Depth, records)
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintf(o.Out, "demo: enrolled %d citizen(s); %d record(s) signed and synced; frames in %s\n", n, records, o.FramesDir)
	return nil
}

// observer adapts the terminal to the sim board's script.
type observer struct{ t *terminal.Terminal }

func (o observer) Login(officer string) {
	o.t.Post(enroll.Event{Kind: enroll.EvOfficerLogin, Officer: officer})
}

func (o observer) WaitScreen(ctx context.Context, names ...string) (string, string, error) {
	s, err := o.t.WaitScreen(ctx, names...)
	return s.ID.String(), s.Code, err
}
