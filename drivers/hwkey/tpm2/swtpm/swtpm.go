// Package swtpm runs a software TPM 2.0 (swtpm, Debian package swtpm) as a
// child process on a free loopback TCP port with its own state directory:
// for the sim board and for tests (see swtpmtest for the testing helper).
//
// swtpm is started as
//
//	swtpm socket --tpm2 --tpmstate dir=D --server type=tcp,port=P,bindaddr=127.0.0.1 \
//	  --flags not-need-init,startup-clear
//
// so it needs no control channel: it powers itself on and runs
// TPM2_Startup(CLEAR). The TCP server speaks the raw TPM 2.0 command
// stream (no Microsoft simulator framing): see drivers/hwkey/tpm2.Dial.
package swtpm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ErrNotInstalled means the swtpm executable was not found.
var ErrNotInstalled = errors.New("swtpm: swtpm not installed")

// TPM is a running swtpm process.
type TPM struct {
	// Addr is the TPM's command port, e.g. "127.0.0.1:40123"; open it with
	// tpm2.Open(ctx, "tcp:"+Addr, ...).
	Addr string
	// StateDir holds the TPM's persistent state; Restart reuses it.
	StateDir string

	bin    string
	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	stderr bytes.Buffer
}

// Installed reports the swtpm executable's path, or ErrNotInstalled.
func Installed() (string, error) {
	if p, err := exec.LookPath("swtpm"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/bin/swtpm", "/usr/local/bin/swtpm"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

// Start starts swtpm with its state in stateDir (created if needed) on a
// free loopback port and waits until it accepts connections. Stop it with
// Stop.
func Start(ctx context.Context, stateDir string) (*TPM, error) {
	bin, err := Installed()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("swtpm: %w", err)
	}
	t := &TPM{StateDir: stateDir, bin: bin}
	if err := t.start(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (t *TPM) start(ctx context.Context) error {
	var last error
	// Another process may take the port between freePort and swtpm's bind:
	// try a few ports.
	for attempt := 0; attempt < 5; attempt++ {
		port, err := freePort()
		if err != nil {
			return fmt.Errorf("swtpm: free port: %w", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		cmd := exec.Command(t.bin, "socket", "--tpm2",
			"--tpmstate", "dir="+t.StateDir,
			"--server", fmt.Sprintf("type=tcp,port=%d,bindaddr=127.0.0.1", port),
			"--flags", "not-need-init,startup-clear",
			"--log", "level=0")
		t.stderr.Reset()
		cmd.Stdout = &t.stderr
		cmd.Stderr = &t.stderr
		cmd.SysProcAttr = sysProcAttr()
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("swtpm: start: %w", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		if err := waitListening(ctx, addr, done); err != nil {
			cmd.Process.Kill()
			<-done
			last = fmt.Errorf("swtpm: %w (swtpm said: %q)", err, t.stderr.String())
			if ctx.Err() != nil {
				return last
			}
			continue
		}
		t.mu.Lock()
		t.Addr, t.cmd, t.done = addr, cmd, done
		t.mu.Unlock()
		return nil
	}
	return last
}

func waitListening(ctx context.Context, addr string, done <-chan struct{}) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			// swtpm serves one connection at a time; this probe closes at once.
			c.Close()
			return nil
		}
		select {
		case <-done:
			return errors.New("swtpm exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Stop terminates swtpm (SIGTERM, then SIGKILL after 5 s). The state
// directory stays.
func (t *TPM) Stop() error {
	t.mu.Lock()
	cmd, done := t.cmd, t.done
	t.cmd = nil
	t.mu.Unlock()
	if cmd == nil {
		return nil
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	return nil
}

// Restart stops swtpm and starts it again on the same state directory (and
// a new port: read Addr again), as a power cycle of the terminal.
func (t *TPM) Restart(ctx context.Context) error {
	t.Stop()
	return t.start(ctx)
}
