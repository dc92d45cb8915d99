//go:build !linux

package cardsim

import (
	"context"
	"fmt"
	"net"
	"time"
)

// Stack is a pcscd with a vpcd reader in private namespaces (Linux only).
type Stack struct {
	Socket string
	Slots  []Slot
	Log    string
}

// StackOpts configures StartStack.
type StackOpts struct {
	NoReader bool
	Port     int
	Timeout  time.Duration
}

// StartStack is not available on this system.
func StartStack(ctx context.Context, o StackOpts) (*Stack, error) {
	return nil, fmt.Errorf("%w: needs Linux namespaces", ErrStackUnavailable)
}

// PID returns 0.
func (s *Stack) PID() int { return 0 }

// Dial is not available.
func (s *Stack) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return nil, ErrStackUnavailable
}

// LoopbackUp is not available.
func LoopbackUp() error { return ErrStackUnavailable }

// Stop does nothing.
func (s *Stack) Stop() error { return nil }

// Close does nothing.
func (s *Stack) Close() error { return nil }

// HidePCSCDrivers is not available.
func HidePCSCDrivers(lib string) error { return ErrStackUnavailable }
