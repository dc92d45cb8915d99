//go:build linux

package cardsim

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Stack is a pcscd with a vpcd reader running in its own mount and network
// namespaces: pcscd's socket lives on a private tmpfs /run (reached as
// /proc/PID/root/run/pcscd/pcscd.comm) and vpcd listens on the loopback of a
// private network namespace (reached with Dial). Nothing outside is touched:
// a system pcscd keeps running undisturbed. It needs root.
type Stack struct {
	// Socket is pcscd's socket, reachable from this process.
	Socket string
	// Slots are vpcd's reader slots.
	Slots []Slot
	// Log is pcscd's output.
	Log string

	cmd  *exec.Cmd
	dir  string
	done chan struct{}
}

// HidePCSCDrivers copies vpcd to lib and mounts an empty tmpfs over
// DriversDir in the calling process's (private) mount namespace, so a pcscd
// started there sees no USB drivers.
func HidePCSCDrivers(lib string) error {
	if err := copyFile(vpcdLib, lib); err != nil {
		return err
	}
	if fi, err := os.Stat(DriversDir); err != nil || !fi.IsDir() {
		return nil
	}
	if err := unix.Mount("tmpfs", DriversDir, "tmpfs", unix.MS_RDONLY, "mode=0755"); err != nil {
		return err
	}
	vpcdLib = lib
	return nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// StackOpts configures StartStack.
type StackOpts struct {
	// NoReader starts pcscd without any reader configured.
	NoReader bool
	// Port is vpcd's first port (default 35963).
	Port int
	// Timeout bounds the start (default 10 s).
	Timeout time.Duration
}

// StartStack starts pcscd with vpcd in private namespaces and waits until
// its socket answers and the vpcd readers are listed.
func StartStack(ctx context.Context, o StackOpts) (*Stack, error) {
	pcscd, err := CheckPeers()
	if err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: private namespaces need root", ErrStackUnavailable)
	}
	unshare, err := LookPath("unshare")
	if err != nil {
		return nil, err
	}
	if o.Port == 0 {
		o.Port = 35963
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	dir, err := os.MkdirTemp("", "regterm-pcscd-")
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "reader.conf.d")
	var slots []Slot
	if o.NoReader {
		err = os.MkdirAll(conf, 0o755)
	} else {
		lib := filepath.Join(dir, "libifdvpcd.so")
		if err = copyFile(vpcdLib, lib); err == nil {
			slots, err = WriteReaderConf(conf, o.Port, lib)
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Stack{Slots: slots, dir: dir, Log: filepath.Join(dir, "pcscd.log"), done: make(chan struct{})}
	logf, err := os.Create(s.Log)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close()
	// Private /run (pcscd's socket), vpcd copied into it, and pcscd's USB
	// driver directory hidden so real readers stay with the system.
	script := `mount -t tmpfs -o mode=0755 tmpfs /run && ` +
		`{ [ ! -d "$DRIVERS" ] || mount -t tmpfs -o ro,mode=0755 tmpfs "$DRIVERS"; } && exec "$@"`
	args := append([]string{"--mount", "--net", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", pcscd}, PCSCDArgs(pcscd, conf)...)
	s.cmd = exec.Command(unshare, args...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.Env = append(os.Environ(), "DRIVERS="+DriversDir)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: start pcscd: %v", ErrStackUnavailable, err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	pid := s.cmd.Process.Pid
	s.Socket = fmt.Sprintf("/proc/%d/root/run/pcscd/pcscd.comm", pid)
	deadline := time.Now().Add(o.Timeout)
	for {
		// Until sh has mounted the private /run and exec'd pcscd, the path
		// would still reach this namespace's /run: check it is pcscd first.
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if strings.TrimSpace(string(comm)) == "pcscd" {
			if c, err := net.Dial("unix", s.Socket); err == nil {
				c.Close()
				break
			}
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(s.Log)
			s.Close()
			return nil, fmt.Errorf("%w: pcscd exited: %s", ErrStackUnavailable, tail(log))
		case <-ctx.Done():
			s.Close()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Close()
			return nil, fmt.Errorf("%w: pcscd socket did not appear within %v", ErrStackUnavailable, o.Timeout)
		}
	}
	if err := s.inNetns(func() error { return LoopbackUp() }); err != nil {
		s.Close()
		return nil, fmt.Errorf("%w: loopback up in pcscd's network namespace: %v", ErrStackUnavailable, err)
	}
	return s, nil
}

func tail(b []byte) string {
	if len(b) > 400 {
		b = b[len(b)-400:]
	}
	return string(b)
}

// PID returns pcscd's process id.
func (s *Stack) PID() int { return s.cmd.Process.Pid }

// Dial connects to addr inside the stack's network namespace (vpcd's
// listener); use it as the VICC's Dialer.
func (s *Stack) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var conn net.Conn
	err := s.inNetns(func() error {
		var d net.Dialer
		var err error
		conn, err = d.DialContext(ctx, network, addr)
		return err
	})
	return conn, err
}

// inNetns runs f on an OS thread switched into pcscd's network namespace.
// Sockets keep the namespace they were created in.
func (s *Stack) inNetns(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		target, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", s.cmd.Process.Pid))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		ferr := f()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// Leave the thread locked: it dies with this goroutine.
			errc <- fmt.Errorf("setns back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// LoopbackUp sets the "lo" interface of the calling thread's network
// namespace up (a fresh namespace starts with it down).
func LoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var ifr [unix.IFNAMSIZ + 24]byte
	copy(ifr[:], "lo")
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	flags := *(*uint16)(unsafe.Pointer(&ifr[unix.IFNAMSIZ]))
	flags |= unix.IFF_UP | unix.IFF_RUNNING
	*(*uint16)(unsafe.Pointer(&ifr[unix.IFNAMSIZ])) = flags
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	return nil
}

// Stop terminates pcscd (the reader disappears, the socket goes away).
func (s *Stack) Stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	return nil
}

// Close stops pcscd and removes its configuration.
func (s *Stack) Close() error {
	s.Stop()
	return os.RemoveAll(s.dir)
}
