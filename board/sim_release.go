//go:build release

package board

import (
	"context"
	"errors"
)

// Sim is empty in release builds: the simulated world is left out.
type Sim struct{}

// Terminal is what a scripted session needs of the running terminal.
type Terminal interface {
	Login(officer string)
	WaitScreen(ctx context.Context, names ...string) (name, code string, err error)
}

// ErrScript is returned by Enroll in release builds.
var ErrScript = errors.New("board: no simulation in a release build")

// Enroll is not available in release builds.
func (s *Sim) Enroll(ctx context.Context, t Terminal, n int) (int, error) { return 0, ErrScript }
