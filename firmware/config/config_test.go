package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/regterm/regterm/board"
)

// The documented file holds exactly the defaults.
func TestDocumentedDefaults(t *testing.T) {
	got, err := Load("testdata/regterm.toml", "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Load("", "rpi4")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("testdata/regterm.toml differs from the defaults:\n got %+v\nwant %+v", got, want)
	}
}

func TestSimDefaults(t *testing.T) {
	c, err := Load("", "sim")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := board.Defaults("sim")
	if c.Board != "sim" || !reflect.DeepEqual(c.Hardware, p) {
		t.Errorf("got board %q hardware %+v, want the sim profile", c.Board, c.Hardware)
	}
	c.ApplyFlags("")
	if c.StateDir != DefaultSimState {
		t.Errorf("got state dir %q, want %q", c.StateDir, DefaultSimState)
	}
	c.ApplyFlags("/tmp/x")
	if c.StateDir != "/tmp/x" {
		t.Errorf("got state dir %q, want /tmp/x", c.StateDir)
	}
}

func TestOverride(t *testing.T) {
	path := write(t, `
terminal_id = "BKK-0042"
board = "sim"
[enroll]
qr_ttl = "90s"
max_attempts = 5
[hardware.sensor]
baud = 115200
`)
	c, err := Load(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.TerminalID != "BKK-0042" || c.Enroll.QRTTL != 90*time.Second || c.Enroll.MaxAttempts != 5 || c.Hardware.Sensor.Baud != 115200 {
		t.Errorf("got %+v", c)
	}
	if c.Hardware.Sensor.Width != 256 || c.Hardware.Name != "sim" {
		t.Errorf("profile defaults lost under the file: %+v", c.Hardware.Sensor)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []string // in the error text: the file and the key
	}{
		{"malformed", "terminal_id = \"x\nboard = 1", []string{"terminal_id"}},
		{"unknown key", "[enroll]\nmax_attempt = 3\n", []string{"enroll.max_attempt", "unknown key"}},
		{"wrong type", "[enroll]\nmax_attempts = \"three\"\n", []string{"max_attempts"}},
		{"out of range", "[enroll]\nquality_gate = 150\n", []string{"enroll.quality_gate", "0..100"}},
		{"bad duration", "[enroll]\nqr_ttl = \"forever\"\n", []string{"qr_ttl"}},
		{"unknown board", "board = \"pi9\"\n", []string{"board", "pi9", "rpi4", "sim"}},
		{"soft key in production", "production = true\n[hardware.key]\nbackend = \"soft\"\n", []string{"hardware.key.backend", "production"}},
		{"sim in production", "production = true\nboard = \"sim\"\n", []string{"board", "production"}},
		{"bad log level", "[log]\nlevel = \"loud\"\n", []string{"log.level"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, tc.file)
			_, err := Load(path, "")
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
			for _, w := range append(tc.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "nope.toml"), "")
		if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.toml") {
			t.Errorf("got %v, want a not-exist error naming the file", err)
		}
	})
	t.Run("unknown board flag", func(t *testing.T) {
		_, err := Load("", "pi9")
		if !errors.Is(err, board.ErrUnknownBoard) || !strings.Contains(err.Error(), "sim") {
			t.Errorf("got %v, want ErrUnknownBoard listing the known boards", err)
		}
	})
}

func write(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "regterm.toml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The README shows the documented defaults verbatim.
func TestREADMEShowsDefaults(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("testdata/regterm.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), strings.TrimSpace(string(doc))) {
		t.Error("README.md's configuration block differs from firmware/config/testdata/regterm.toml")
	}
}
