//go:build !linux

package sensorsim

import "errors"

// PTY is a simulated module behind a pseudo-terminal (Linux only).
type PTY struct{ *Sim }

// ServePTY is implemented on Linux only.
func ServePTY(s *Sim) (*PTY, error) { return nil, errors.New("sensorsim: pty: Linux only") }

// Path is the device the host opens.
func (p *PTY) Path() string { return "" }

// Close stops the simulator.
func (p *PTY) Close() error { return nil }
