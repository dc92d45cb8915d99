package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/regterm/regterm/board"
)

// ErrInvalid is wrapped by every error about the file's content.
var ErrInvalid = errors.New("config: invalid")

// Config is the whole configuration.
type Config struct {
	// Production refuses development-only parts (the soft key, the sim board).
	Production bool   `toml:"production"`
	TerminalID string `toml:"terminal_id"`
	StateDir   string `toml:"state_dir"`
	Board      string `toml:"board"`

	Log    Log    `toml:"log"`
	Enroll Enroll `toml:"enroll"`
	Outbox Outbox `toml:"outbox"`
	Uplink Uplink `toml:"uplink"`
	Screen Screen `toml:"screen"`
	API    API    `toml:"api"`
	// Hardware overrides the named board profile's defaults, key by key.
	Hardware board.Profile `toml:"hardware"`
}

// Log configures log/slog output. Logs never contain personal data.
type Log struct {
	Level  string `toml:"level"`  // debug, info, warn, error
	Format string `toml:"format"` // text or json
	File   string `toml:"file"`   // "" = stderr only; relative to state_dir
}

// Enroll configures the enrollment flow.
type Enroll struct {
	MaxAttempts    int           `toml:"max_attempts"`
	QualityGate    int           `toml:"quality_gate"`
	MatchFMR       float64       `toml:"match_fmr"` // false-match rate the threshold is set for
	NoticeVersion  string        `toml:"notice_version"`
	QRTTL          time.Duration `toml:"qr_ttl"`
	ReadTimeout    time.Duration `toml:"read_timeout"`
	ConsentTimeout time.Duration `toml:"consent_timeout"`
	CaptureTimeout time.Duration `toml:"capture_timeout"`
	ResultTimeout  time.Duration `toml:"result_timeout"`
	IdleTimeout    time.Duration `toml:"idle_timeout"`
}

// Outbox configures the record queue.
type Outbox struct {
	MaxRecords int   `toml:"max_records"`
	MaxBytes   int64 `toml:"max_bytes"`
}

// Uplink configures the registry connection. On the sim board the
// simulated registry provides all of it.
type Uplink struct {
	URL          string        `toml:"url"`
	Certificate  string        `toml:"certificate"`  // device certificate (PEM), from provisioning
	CA           string        `toml:"ca"`           // registry CA bundle (PEM)
	RegistryKey  string        `toml:"registry_key"` // registry public key for reference templates (PEM)
	SyncInterval time.Duration `toml:"sync_interval"`
}

// Screen configures drawing.
type Screen struct {
	Font string `toml:"font"` // Thai font file
}

// API configures the local control socket.
type API struct {
	Socket string `toml:"socket"` // unix socket; relative to state_dir
}

// Default returns the defaults for board b; every key of the file is
// optional.
func Default(b string) Config {
	return Config{
		TerminalID: "TERM-0001",
		StateDir:   "/var/lib/regterm",
		Board:      b,
		Log:        Log{Level: "info", Format: "text", File: "regtermd.log"},
		Enroll: Enroll{
			MaxAttempts: 3, QualityGate: 40, MatchFMR: 1e-4, NoticeVersion: "PN-2026-1",
			QRTTL: 2 * time.Minute, ReadTimeout: 20 * time.Second, ConsentTimeout: 2 * time.Minute,
			CaptureTimeout: 20 * time.Second, ResultTimeout: 30 * time.Second, IdleTimeout: 10 * time.Minute,
		},
		Outbox: Outbox{MaxRecords: 100000, MaxBytes: 256 << 20},
		Uplink: Uplink{SyncInterval: 30 * time.Second},
		Screen: Screen{Font: "/usr/share/fonts/truetype/noto/NotoSansThai-Regular.ttf"},
		API:    API{Socket: "regtermd.sock"},
	}
}

// Load reads path over the defaults. An empty path gives the defaults. The
// board profile comes from the file's board key unless boardFlag is set.
func Load(path, boardFlag string) (*Config, error) {
	c := Default("rpi4")
	var md toml.MetaData
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		// First the board name, so its profile's defaults go under the file.
		var pre struct {
			Board string `toml:"board"`
		}
		if _, err := toml.Decode(string(b), &pre); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
		}
		if err := c.setBoard(pick(boardFlag, pre.Board, c.Board)); err != nil {
			return nil, fmt.Errorf("%w: %s: board: %w", ErrInvalid, path, err)
		}
		md, err = toml.Decode(string(b), &c)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			var keys []string
			for _, k := range und {
				keys = append(keys, k.String())
			}
			return nil, fmt.Errorf("%w: %s: unknown key %s", ErrInvalid, path, strings.Join(keys, ", "))
		}
	} else {
		path = "(defaults)"
		if err := c.setBoard(pick(boardFlag, c.Board)); err != nil {
			return nil, fmt.Errorf("%w: board: %w", ErrInvalid, err)
		}
	}
	if boardFlag != "" {
		c.Board, c.Hardware.Name = boardFlag, boardFlag
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, path, err)
	}
	return &c, nil
}

func pick(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func (c *Config) setBoard(name string) error {
	p, err := board.Defaults(name)
	if err != nil {
		return err
	}
	c.Board, c.Hardware = name, p
	return nil
}

func (c *Config) validate() error {
	check := []struct {
		key string
		bad bool
		why string
	}{
		{"terminal_id", c.TerminalID == "" || strings.ContainsAny(c.TerminalID, "/ \t\n"), "must be non-empty, without '/' or spaces"},
		{"state_dir", c.StateDir == "", "must be set"},
		{"log.level", !oneOf(c.Log.Level, "debug", "info", "warn", "error"), "must be debug, info, warn or error"},
		{"log.format", !oneOf(c.Log.Format, "text", "json"), "must be text or json"},
		{"enroll.max_attempts", c.Enroll.MaxAttempts < 1 || c.Enroll.MaxAttempts > 10, "must be 1..10"},
		{"enroll.quality_gate", c.Enroll.QualityGate < 0 || c.Enroll.QualityGate > 100, "must be 0..100"},
		{"enroll.match_fmr", c.Enroll.MatchFMR <= 0 || c.Enroll.MatchFMR >= 0.1, "must be in (0, 0.1)"},
		{"enroll.notice_version", c.Enroll.NoticeVersion == "", "must be set"},
		{"enroll.qr_ttl", c.Enroll.QRTTL < 10*time.Second || c.Enroll.QRTTL > time.Hour, "must be 10s..1h"},
		{"enroll.read_timeout", c.Enroll.ReadTimeout <= 0, "must be positive"},
		{"enroll.consent_timeout", c.Enroll.ConsentTimeout <= 0, "must be positive"},
		{"enroll.capture_timeout", c.Enroll.CaptureTimeout <= 0, "must be positive"},
		{"enroll.result_timeout", c.Enroll.ResultTimeout <= 0, "must be positive"},
		{"enroll.idle_timeout", c.Enroll.IdleTimeout <= 0, "must be positive"},
		{"outbox.max_records", c.Outbox.MaxRecords < 1, "must be positive"},
		{"outbox.max_bytes", c.Outbox.MaxBytes < 1<<16, "must be at least 65536"},
		{"uplink.sync_interval", c.Uplink.SyncInterval < time.Second, "must be at least 1s"},
		{"board", c.Production && c.Board == "sim", "the sim board is refused when production = true"},
		{"hardware.key.backend", c.Production && c.Hardware.Key.Backend == "soft", "the soft key is refused when production = true"},
		{"hardware.key.backend", !oneOf(c.Hardware.Key.Backend, "tpm2", "atecc608", "soft"), "must be tpm2, atecc608 or soft"},
	}
	for _, k := range check {
		if k.bad {
			return fmt.Errorf("%s: %s", k.key, k.why)
		}
	}
	return nil
}

func oneOf(s string, set ...string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// DefaultSimState is the sim board's state directory when neither the file
// nor a flag names one.
const DefaultSimState = "state"

// ApplyFlags applies the command line's state directory over the file's.
// The sim board keeps its state in DefaultSimState unless told otherwise.
func (c *Config) ApplyFlags(stateDir string) {
	switch {
	case stateDir != "":
		c.StateDir = stateDir
	case c.Board == "sim" && c.StateDir == Default(c.Board).StateDir:
		c.StateDir = DefaultSimState
	}
}
