package zfm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tarm/serial"
	"periph.io/x/conn/v3/gpio"
)

// SerialPort is a UART opened by device path with github.com/tarm/serial.
// It implements BaudPort: tarm/serial cannot change the rate of an open
// port, so SetBaud reopens the device.
type SerialPort struct {
	name string

	mu   sync.Mutex
	baud int
	p    *serial.Port
}

// readTimeout bounds each read so that Close and SetBaud never wait long;
// tarm/serial counts it in 0.1 s steps and reports a timed-out read as
// io.EOF.
const readTimeout = 100 * time.Millisecond

// OpenPort opens the serial device name (e.g. /dev/ttyAMA0) at baud, 8N1.
func OpenPort(name string, baud int) (*SerialPort, error) {
	p, err := serial.OpenPort(&serial.Config{Name: name, Baud: baud, ReadTimeout: readTimeout})
	if err != nil {
		return nil, fmt.Errorf("zfm: open %s at %d baud: %w", name, baud, err)
	}
	return &SerialPort{name: name, baud: baud, p: p}, nil
}

// Read reads what the line has; it returns (0, io.EOF) after 0.1 s of
// silence.
func (s *SerialPort) Read(b []byte) (int, error) {
	s.mu.Lock()
	p := s.p
	s.mu.Unlock()
	if p == nil {
		return 0, ErrHalted
	}
	n, err := p.Read(b)
	if err != nil && !errors.Is(err, io.EOF) {
		s.mu.Lock()
		reopened := s.p != p && s.p != nil
		s.mu.Unlock()
		if reopened {
			return n, nil
		}
	}
	return n, err
}

// Write writes b to the line.
func (s *SerialPort) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return 0, ErrHalted
	}
	return s.p.Write(b)
}

// Baud returns the current rate.
func (s *SerialPort) Baud() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.baud
}

// SetBaud reopens the device at a new rate.
func (s *SerialPort) SetBaud(baud int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return ErrHalted
	}
	if baud == s.baud {
		return nil
	}
	if err := s.p.Close(); err != nil {
		return fmt.Errorf("zfm: close %s: %w", s.name, err)
	}
	p, err := serial.OpenPort(&serial.Config{Name: s.name, Baud: baud, ReadTimeout: readTimeout})
	if err != nil {
		s.p = nil
		return fmt.Errorf("zfm: reopen %s at %d baud: %w", s.name, baud, err)
	}
	s.p, s.baud = p, baud
	return nil
}

// Close closes the device.
func (s *SerialPort) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return nil
	}
	err := s.p.Close()
	s.p = nil
	return err
}

func (s *SerialPort) String() string { return s.name }

// Open opens the serial device path at baud (the rate the module is
// believed to be at; New probes others too) and the module on it. The
// port is closed when New fails, and by Halt.
func Open(ctx context.Context, path string, baud int, reset gpio.PinOut, opts *Opts) (*Dev, error) {
	p, err := OpenPort(path, baud)
	if err != nil {
		return nil, err
	}
	d, err := New(ctx, p, reset, opts)
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("zfm: %s: %w", path, err)
	}
	return d, nil
}
