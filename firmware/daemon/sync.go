package daemon

import (
	"context"
	"log/slog"

	"github.com/regterm/regterm/board"
	"github.com/regterm/regterm/firmware/config"
	"github.com/regterm/regterm/firmware/outbox"
	"github.com/regterm/regterm/firmware/terminal"
)

// startSync starts the uplink syncer (TEMPORARY: until the syncer lands
// there is none and records stay queued).
func startSync(ctx context.Context, c *config.Config, q *outbox.Outbox, dev *board.Devices, up *board.Uplink, log *slog.Logger) (terminal.Syncer, error) {
	if up == nil {
		log.Warn("no registry configured: records stay queued")
	}
	return nil, nil
}
