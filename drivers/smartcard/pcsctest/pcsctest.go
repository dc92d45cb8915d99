package pcsctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/smartcard/pcsc"
	"github.com/regterm/regterm/internal/testpeer"
	"github.com/regterm/regterm/tools/cardsim"
)

const envInner = "REGTERM_PCSCTEST_INNER"

// Env is the running pcscd + vpcd inside the test namespaces.
type Env struct {
	// Socket is pcscd's socket (/run/pcscd/pcscd.comm on the private /run).
	Socket string
	// Slots are vpcd's two reader slots.
	Slots []cardsim.Slot
	// Log is pcscd's output file.
	Log string
	// Version is pcscd's protocol version as negotiated by the client.
	Version pcsc.Version
}

var (
	env     *Env
	missing = "pcsctest.Main was not called from TestMain"
)

// Main runs m inside private namespaces with pcscd and vpcd, or directly
// when that is not possible; it does not return.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv(envInner) == "1" {
		return inner(m)
	}
	unshare, reason := canReexec()
	if reason != "" {
		missing = reason
		return m.Run()
	}
	self, err := os.Executable()
	if err != nil {
		missing = fmt.Sprintf("pcsctest: cannot find the test binary: %v", err)
		return m.Run()
	}
	cmd := exec.Command(unshare, append([]string{"--mount", "--net", "--propagation", "private", "--", self}, os.Args[1:]...)...)
	cmd.Env = append(os.Environ(), envInner+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = dieWithParent(syscall.SIGKILL)
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "pcsctest: re-exec under unshare: %v\n", err)
		return 1
	}
	return 0
}

// canReexec checks the peers and that unshare works here.
func canReexec() (string, string) {
	if _, err := cardsim.CheckPeers(); err != nil {
		return "", err.Error()
	}
	unshare, err := cardsim.LookPath("unshare")
	if err != nil {
		return "", err.Error()
	}
	if os.Geteuid() != 0 {
		return "", "pcsctest: private mount and network namespaces need root (CI runs as root)"
	}
	if out, err := exec.Command(unshare, "--mount", "--net", "true").CombinedOutput(); err != nil {
		return "", fmt.Sprintf("pcsctest: unshare --mount --net does not work here: %v: %s", err, out)
	}
	return unshare, ""
}

func inner(m *testing.M) int {
	pcscd, err := startInner()
	if err != nil {
		missing = err.Error()
		fmt.Fprintf(os.Stderr, "pcsctest: %v\n", err)
		return m.Run()
	}
	code := m.Run()
	pcscd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { pcscd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		pcscd.Process.Kill()
	}
	return code
}

func startInner() (*exec.Cmd, error) {
	if err := mountRunTmpfs(); err != nil {
		return nil, fmt.Errorf("mount tmpfs on /run: %w", err)
	}
	if err := cardsim.LoopbackUp(); err != nil {
		return nil, fmt.Errorf("loopback up: %w", err)
	}
	bin, err := cardsim.CheckPeers()
	if err != nil {
		return nil, err
	}
	os.Unsetenv("PCSCLITE_CSOCK_NAME")
	dir := "/run/regterm-pcsctest"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	lib := filepath.Join(dir, "libifdvpcd.so")
	if err := cardsim.HidePCSCDrivers(lib); err != nil {
		return nil, fmt.Errorf("hide pcscd's USB drivers: %w", err)
	}
	slots, err := cardsim.WriteReaderConf(filepath.Join(dir, "reader.conf.d"), 35963, lib)
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "pcscd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := cardsim.PCSCDArgs(bin, filepath.Join(dir, "reader.conf.d"))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if os.Getenv("REGTERM_PCSCTEST_DEBUG") != "" {
		// pcscd's debug log (with APDUs) on the test's stderr.
		cmd.Args = append(cmd.Args, "-d", "-a")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	cmd.SysProcAttr = dieWithParent(syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start pcscd: %w", err)
	}
	logf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		c, err := pcsc.New(ctx, &pcsc.Opts{Socket: pcsc.DefaultSocket, Timeout: 2 * time.Second})
		if err == nil {
			names, err := c.Readers(ctx)
			v := c.Version()
			c.Close()
			if err == nil && len(names) == len(slots) {
				env = &Env{Socket: pcsc.DefaultSocket, Slots: slots, Log: logPath, Version: v}
				return cmd, nil
			}
		}
		select {
		case <-ctx.Done():
			cmd.Process.Kill()
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("pcscd did not come up with the vpcd readers: %v\n%s", ctx.Err(), log)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Require returns the running pcscd + vpcd, or skips t (fails it under
// CI=true) when they could not be started.
func Require(t testing.TB) *Env {
	t.Helper()
	if env == nil {
		testpeer.Missing(t, "%s", missing)
	}
	return env
}

// Opts returns client options for the Env's pcscd.
func (e *Env) Opts() *pcsc.Opts {
	return &pcsc.Opts{Socket: e.Socket, Timeout: 10 * time.Second}
}

// Insert puts card in slot (0 or 1) and waits until pcscd lists it as
// present and powered; the card is removed at the end of the test.
func (e *Env) Insert(t testing.TB, slot int, card *cardsim.Card) *cardsim.VICC {
	t.Helper()
	v := cardsim.NewVICC(e.Slots[slot].Addr, nil)
	InsertInto(t, e.Opts(), e.Slots[slot].Reader, v, card)
	return v
}

// InsertInto inserts card through v and waits until the reader shows it.
func InsertInto(t testing.TB, opts *pcsc.Opts, reader string, v *cardsim.VICC, card *cardsim.Card) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := InsertWait(ctx, opts, reader, v, card); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		RemoveWait(ctx, opts, reader, v)
	})
}

// InsertWait is cardsim.InsertWait.
func InsertWait(ctx context.Context, opts *pcsc.Opts, reader string, v *cardsim.VICC, card *cardsim.Card) error {
	return cardsim.InsertWait(ctx, opts, reader, v, card)
}

// RemoveWait is cardsim.RemoveWait.
func RemoveWait(ctx context.Context, opts *pcsc.Opts, reader string, v *cardsim.VICC) error {
	return cardsim.RemoveWait(ctx, opts, reader, v)
}

// WaitState is cardsim.WaitState.
func WaitState(ctx context.Context, opts *pcsc.Opts, reader string, present bool) error {
	return cardsim.WaitState(ctx, opts, reader, present)
}

// StartDaemon starts another pcscd (with or without a vpcd reader) in its
// own namespaces, nested in the test's, and stops it at the end of the test.
func StartDaemon(t testing.TB, o cardsim.StackOpts) *cardsim.Stack {
	t.Helper()
	Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := cardsim.StartStack(ctx, o)
	if err != nil {
		t.Fatalf("start extra pcscd: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
