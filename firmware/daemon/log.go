package daemon

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/regterm/regterm/firmware/config"
)

// Logger returns the daemon's logger: to w (unless fileOnly) in the
// configured format, and to the configured file (relative to the state
// directory) as well. The close function closes the file.
func Logger(c *config.Config, w io.Writer, fileOnly bool) (*slog.Logger, func() error, error) {
	if fileOnly {
		w = io.Discard
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return nil, nil, fmt.Errorf("daemon: log.level: %w", err)
	}
	closeFn := func() error { return nil }
	if c.Log.File != "" {
		path := c.Log.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(c.StateDir, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, nil, fmt.Errorf("daemon: log file: %w", err)
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("daemon: log file: %w", err)
		}
		w = io.MultiWriter(w, f)
		closeFn = f.Close
	}
	o := &slog.HandlerOptions{Level: lvl}
	var h slog.Handler = slog.NewTextHandler(w, o)
	if c.Log.Format == "json" {
		h = slog.NewJSONHandler(w, o)
	}
	return slog.New(h), closeFn, nil
}
