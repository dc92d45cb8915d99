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
	"github.com/regterm/regterm/firmware/config"
	"github.com/regterm/regterm/firmware/enroll"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/screen"
	"github.com/regterm/regterm/firmware/terminal"
	"github.com/regterm/regterm/firmware/trustedtime"
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

// Daemon is a running terminal.
type Daemon struct {
	Terminal *terminal.Terminal
	Outbox   *outbox.Outbox
	clock    *trustedtime.Clock
	cancel   context.CancelFunc
	done     chan error
}

// Stop stops the terminal and closes the outbox.
func (d *Daemon) Stop() error {
	d.cancel()
	err := <-d.done
	return errors.Join(err, d.clock.Sync(), d.Outbox.Close())
}

// Done is closed with the terminal's result when it stops by itself.
func (d *Daemon) Done() <-chan error { return d.done }

// Run runs the terminal on dev until ctx is done, or until the scripted
// enrollments of o are over.
func Run(ctx context.Context, c *config.Config, dev *board.Devices, o Opts) error {
	d, err := Start(ctx, c, dev, o)
	if err != nil {
		return err
	}
	if o.Enrollments <= 0 {
		select {
		case <-ctx.Done():
		case err := <-d.done: // the loop ended by itself
			d.done <- err
		}
		return d.Stop()
	}
	err = script(ctx, d.Terminal, dev, d.Outbox, o)
	return errors.Join(err, d.Stop())
}

// Start starts the terminal on dev.
func Start(ctx context.Context, c *config.Config, dev *board.Devices, o Opts) (*Daemon, error) {
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(c.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("daemon: state dir: %w", err)
	}
	q, err := outbox.Open(filepath.Join(c.StateDir, "outbox.db"), &outbox.Opts{MaxRecords: c.Outbox.MaxRecords, MaxBytes: c.Outbox.MaxBytes, Log: log})
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	if st := q.Stats(); st.Quarantine != "" {
		log.Error("ALARM: the queue file was corrupt: moved aside for recovery, new chain epoch",
			"moved_to", st.Quarantine, "reason", st.QuarantineReason, "epoch", st.Epoch)
	}
	ctx, cancel := context.WithCancel(ctx)
	fail := func(err error) (*Daemon, error) {
		cancel()
		q.Close()
		return nil, err
	}
	scr, err := screen.New(dev.Display, &screen.Opts{FontPath: c.Screen.Font})
	if err != nil {
		return fail(fmt.Errorf("daemon: %w", err))
	}
	up, err := startUplink(ctx, c, q, dev, log)
	if err != nil {
		return fail(err)
	}
	var sync terminal.Syncer
	var online func() bool
	if up.syncer != nil {
		sync = up.syncer
		online = func() bool { return up.syncer.Status().Online }
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
		References: up.refs, Queue: q, Screen: scr, Syncer: sync, Online: online, Clock: up.clock, Log: log,
	})
	if err != nil {
		return fail(err)
	}
	log.Info("terminal starting", "terminal", c.TerminalID, "board", c.Board, "firmware", terminal.FirmwareVersion,
		"sensor", dev.Sensor.String(), "reader", dev.Reader.String(), "key", dev.Signer.String())
	d := &Daemon{Terminal: term, Outbox: q, clock: up.clock, cancel: cancel, done: make(chan error, 1)}
	go func() { d.done <- term.Run(ctx) }()
	return d, nil
}

// script runs the scripted enrollments and prints the summary line.
func script(ctx context.Context, term *terminal.Terminal, dev *board.Devices, q *outbox.Outbox, o Opts) error {
	if dev.Sim == nil {
		return fmt.Errorf("daemon: scripted enrollments need the sim board")
	}
	n, err := dev.Sim.Enroll(ctx, Observer{term}, o.Enrollments)
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
	frames := o.FramesDir
	if frames == "" {
		frames = "(none: no --frames)"
	}
	fmt.Fprintf(o.Out, "demo: enrolled %d citizen(s); %d record(s) signed and synced; frames in %s\n", n, records, frames)
	return nil
}

// Observer adapts the terminal to the sim board's script.
type Observer struct{ T *terminal.Terminal }

// Login implements board.Terminal.
func (o Observer) Login(officer string) {
	o.T.Post(enroll.Event{Kind: enroll.EvOfficerLogin, Officer: officer})
}

// WaitScreen implements board.Terminal.
func (o Observer) WaitScreen(ctx context.Context, names ...string) (string, string, error) {
	s, err := o.T.WaitScreen(ctx, names...)
	return s.ID.String(), s.Code, err
}
