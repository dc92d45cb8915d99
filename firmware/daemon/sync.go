package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/regterm/regterm/board"
	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/reference"
	"github.com/regterm/regterm/firmware/config"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/terminal"
	"github.com/regterm/regterm/firmware/trustedtime"
	"github.com/regterm/regterm/firmware/uplink"
)

// uplinkParts are what the registry connection gives the terminal.
type uplinkParts struct {
	syncer *uplink.Syncer // nil without a registry
	refs   reference.Chain
	clock  *trustedtime.Clock
}

// startUplink opens the trusted clock and, when a registry is known, starts
// the syncer and puts the registry after the card in the reference chain.
func startUplink(ctx context.Context, c *config.Config, q *outbox.Outbox, dev *board.Devices, log *slog.Logger) (*uplinkParts, error) {
	clock, err := trustedtime.Open(filepath.Join(c.StateDir, "timefloor"), &trustedtime.Opts{Log: log})
	if err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	p := &uplinkParts{clock: clock}
	up, err := uplinkOf(c, dev)
	if err != nil {
		return nil, err
	}
	if up == nil {
		log.Warn("no registry configured: records stay queued, references only from the card")
		return p, nil
	}
	client, err := uplink.NewClient(uplink.Config{URL: up.URL, Certificate: up.Certificate, RootCAs: up.RootCAs})
	if err != nil {
		return nil, fmt.Errorf("daemon: uplink: %w", err)
	}
	sc := uplink.SyncConfig{
		Client: client, Interval: c.Uplink.SyncInterval, Clock: clock, Log: log,
		Heartbeat: func() uplink.Heartbeat {
			return uplink.Heartbeat{Terminal: c.TerminalID, Versions: map[string]string{
				"firmware": terminal.FirmwareVersion, "matcher": biometric.AlgorithmVersion}}
		},
	}
	if c.Board == "sim" {
		sc.MinBackoff, sc.MaxBackoff = 50*time.Millisecond, 2*time.Second
	}
	s, err := uplink.NewSyncer(q, sc)
	if err != nil {
		return nil, fmt.Errorf("daemon: uplink: %w", err)
	}
	p.syncer = s
	p.refs = reference.Chain{
		&reference.CardSource{RegistryKey: up.RegistryKey},
		&uplink.ReferenceSource{Client: client, RegistryKey: up.RegistryKey, Up: func() bool { return s.Status().Online }},
	}
	go func() {
		if err := s.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("syncer stopped", "err", err)
		}
	}()
	return p, nil
}
