package board

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/regterm/regterm/drivers/display"
	"github.com/regterm/regterm/drivers/fingerprint"
	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/input"
	"github.com/regterm/regterm/drivers/smartcard"
)

// ErrUnknownBoard is returned by Open and Defaults for a name no profile has.
var ErrUnknownBoard = errors.New("board: unknown board")

// Env is what Open needs besides the profile.
type Env struct {
	StateDir   string       // the terminal's state directory
	TerminalID string       // the terminal's id (the sim registry certifies it)
	Log        *slog.Logger // never nil
	// Fast removes simulated delays (pacing, card speed): load tests.
	Fast bool
	// Production refuses development-only parts (the soft key).
	Production bool
	// FramesDir, when set, makes a simulated display write PNG frames there.
	FramesDir string
	// Live renders a simulated display into the terminal.
	Live bool
}

// Devices are the opened devices of a board.
type Devices struct {
	Sensor  fingerprint.Sensor
	Reader  smartcard.Reader
	Display display.Display
	Signer  hwkey.Signer
	Buttons input.Buttons
	// Uplink is the registry endpoint the board provides (the simulated
	// registry on "sim"); nil on real boards, where the configuration names
	// the registry.
	Uplink *Uplink
	// Sim controls the simulated world (cards, fingers, buttons); nil on
	// real boards.
	Sim *Sim

	mu      sync.Mutex
	closers []func() error
}

// OnClose registers f to run (in reverse order) when the devices close.
func (d *Devices) OnClose(f func() error) {
	d.mu.Lock()
	d.closers = append(d.closers, f)
	d.mu.Unlock()
}

// Close halts every device and stops every simulator.
func (d *Devices) Close() error {
	d.mu.Lock()
	cs := d.closers
	d.closers = nil
	d.mu.Unlock()
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		if err := cs[i](); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Uplink is a registry endpoint and the credentials to reach it.
type Uplink struct {
	URL string // e.g. https://127.0.0.1:8443
	// Certificate is the terminal's client certificate chain; its
	// PrivateKey is the hardware key (a crypto.Signer).
	Certificate tls.Certificate
	RootCAs     *x509.CertPool
	// RegistryKey verifies registry-signed reference templates.
	RegistryKey crypto.PublicKey
}

type profileDef struct {
	defaults Profile
	open     func(ctx context.Context, p *Profile, env *Env) (*Devices, error)
}

var profiles = map[string]profileDef{}

func register(name string, defaults Profile, open func(context.Context, *Profile, *Env) (*Devices, error)) {
	defaults.Name = name
	profiles[name] = profileDef{defaults, open}
}

// Names lists the known board profiles.
func Names() []string {
	var n []string
	for k := range profiles {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Defaults returns the default profile of the named board.
func Defaults(name string) (Profile, error) {
	d, ok := profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownBoard, name, strings.Join(Names(), ", "))
	}
	return d.defaults, nil
}

// Open opens every device of profile p.
func Open(ctx context.Context, p *Profile, env *Env) (*Devices, error) {
	d, ok := profiles[p.Name]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownBoard, p.Name, strings.Join(Names(), ", "))
	}
	if env.Log == nil {
		env.Log = slog.Default()
	}
	return d.open(ctx, p, env)
}
