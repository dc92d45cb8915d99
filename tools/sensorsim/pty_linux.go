//go:build linux

package sensorsim

import (
	"context"
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// PTY is a simulated module behind a pseudo-terminal.
type PTY struct {
	*Sim
	master, slave *os.File
	path          string
	done          chan error
	cancel        context.CancelFunc
}

// ServePTY creates a pseudo-terminal, puts it in raw mode at the module's
// rate and serves s on its master side. Open Path() with a serial driver
// (it sets the baud the simulator then compares with its own).
func ServePTY(s *Sim) (*PTY, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("sensorsim: pty: %w", err)
	}
	p := &PTY{Sim: s, master: master, slave: slave, path: slave.Name(), done: make(chan error, 1)}
	if err := p.rawMode(); err != nil {
		master.Close()
		slave.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	// attached before ServePTY returns: a power cycle right after must
	// not race the serving goroutine and send into nothing
	s.attach(master, p.hostBaud)
	go func() { p.done <- s.Serve(ctx, master, p.hostBaud) }()
	return p, nil
}

// Path is the device the host opens (/dev/pts/N).
func (p *PTY) Path() string { return p.path }

// Close stops the simulator and closes the pty. The simulator keeps its
// own handle on the device side open until then, so the host may close
// and reopen it (to change the baud) without losing the line.
func (p *PTY) Close() error {
	p.cancel()
	p.Sim.Close()
	err := p.master.Close()
	p.slave.Close()
	<-p.done
	return err
}

func (p *PTY) control(f func(fd int) error) error {
	rc, err := p.master.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// rawMode sets 8N1 raw mode at the module's rate: no echo, no line
// editing, no CR/LF translation, no XON/XOFF (the protocol is binary).
func (p *PTY) rawMode() error {
	return p.control(func(fd int) error {
		t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return fmt.Errorf("sensorsim: tcgetattr: %w", err)
		}
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cflag &^= unix.CSIZE | unix.PARENB | unix.CBAUD
		t.Cflag |= unix.CS8 | unix.CREAD | unix.CLOCAL | baudBits[p.Sim.Baud()]
		t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
		if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
			return fmt.Errorf("sensorsim: tcsetattr: %w", err)
		}
		return nil
	})
}

var baudBits = map[int]uint32{
	9600: unix.B9600, 19200: unix.B19200, 38400: unix.B38400, 57600: unix.B57600,
	115200: unix.B115200, 230400: unix.B230400,
}

// hostBaud reads the rate the host set on the line. Rates that are not
// termios constants (9600*N for odd N) read as 0: unknown, not garbled.
func (p *PTY) hostBaud() int {
	var rate int
	_ = p.control(func(fd int) error {
		t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return err
		}
		bits := t.Cflag & unix.CBAUD
		for r, b := range baudBits {
			if b == bits {
				rate = r
			}
		}
		return nil
	})
	return rate
}
