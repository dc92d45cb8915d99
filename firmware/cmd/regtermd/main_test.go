package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/regterm/regterm/board"
	"github.com/regterm/regterm/tools/ingest"
)

// The test binary doubles as regtermd: with REGTERMD_MAIN=1 it runs main.
func TestMain(m *testing.M) {
	if os.Getenv("REGTERMD_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type result struct {
	code           int
	stdout, stderr string
}

func regtermd(t *testing.T, timeout time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), "REGTERMD_MAIN=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("regtermd %v: %v", args, err)
	}
	return r
}

func TestBadConfigExits2(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[enroll]\nquality_gate = 101\n"), 0o600)
	malformed := filepath.Join(dir, "malformed.toml")
	os.WriteFile(malformed, []byte("terminal_id = \n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"missing file", []string{"--config", filepath.Join(dir, "none.toml")}, []string{"none.toml"}},
		{"bad value", []string{"--config", bad}, []string{bad, "enroll.quality_gate"}},
		{"malformed", []string{"--config", malformed}, []string{malformed, "terminal_id"}},
		{"unknown board", []string{"--board", "pi9"}, []string{"pi9", "rpi4", "sim"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := regtermd(t, time.Minute, tc.args...)
			if r.code != 2 {
				t.Errorf("got exit status %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not name %q", r.stderr, w)
				}
			}
		})
	}
}

var summary = regexp.MustCompile(`(?m)^demo: enrolled (\d+) citizen\(s\); (\d+) record\(s\) signed and synced; frames in (.+)$`)

// TestDemoLogsNoPersonalData runs the demo with text and JSON logs and
// searches everything it logged for the citizen's data in every encoding.
func TestDemoLogsNoPersonalData(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "regterm.toml")
			os.WriteFile(cfg, []byte(fmt.Sprintf("board = \"sim\"\n[log]\nformat = %q\nlevel = \"debug\"\n", format)), 0o600)
			state, frames := filepath.Join(dir, "state"), filepath.Join(dir, "frames")
			r := regtermd(t, 3*time.Minute, "--config", cfg, "--demo", "--state", state, "--frames", frames)
			if r.code != 0 {
				t.Fatalf("demo failed with %d:\n%s", r.code, r.stderr)
			}
			m := summary.FindStringSubmatch(r.stdout)
			if m == nil || m[1] != "1" || m[2] != "1" || m[3] != frames {
				t.Fatalf("got stdout %q, want the summary line for 1 citizen and frames in %s", r.stdout, frames)
			}
			if strings.Count(r.stdout, "\n") != 1 {
				t.Errorf("got stdout %q, want exactly one line", r.stdout)
			}
			pngs, _ := filepath.Glob(filepath.Join(frames, "*.png"))
			if len(pngs) < 5 {
				t.Errorf("got %d frames, want one per screen shown (>= 5)", len(pngs))
			}
			logFile, err := os.ReadFile(filepath.Join(state, "regtermd.log"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(logFile), "record queued") {
				t.Fatalf("the log file lacks the run's records:\n%s", logFile)
			}
			logs := r.stderr + string(logFile)
			for what, needle := range personalForms(t) {
				if strings.Contains(logs, needle) {
					t.Errorf("logs contain the citizen's %s (%q)", what, needle)
				}
			}
		})
	}
}

// personalForms returns the demo citizen's data in the forms a careless log
// line would carry them.
func personalForms(t *testing.T) map[string]string {
	t.Helper()
	w := simWorld(t)
	c := w.Citizen.Card
	id := c.CitizenID
	forms := map[string]string{
		"citizen id":            id,
		"dashed citizen id":     fmt.Sprintf("%s-%s-%s-%s-%s", id[0:1], id[1:5], id[5:10], id[10:12], id[12:13]),
		"citizen id as hex":     hex.EncodeToString([]byte(id)),
		"citizen id as HEX":     strings.ToUpper(hex.EncodeToString([]byte(id))),
		"citizen id hex number": strconv.FormatUint(mustUint(t, id), 16),
		"laser code":            c.LaserCode,
		"photo number":          c.PhotoNumber,
	}
	for _, n := range []struct {
		what string
		v    string
	}{{"Thai first name", c.NameTH.First}, {"Thai last name", c.NameTH.Last}, {"English first name", c.NameEN.First}, {"English last name", c.NameEN.Last}} {
		if n.v == "" {
			continue
		}
		forms[n.what] = n.v
		if tis, err := charmap.Windows874.NewEncoder().String(n.v); err == nil {
			forms[n.what+" in TIS-620"] = tis
			forms[n.what+" in TIS-620 hex"] = hex.EncodeToString([]byte(tis))
		}
		forms[n.what+" quoted"] = strconv.QuoteToASCII(n.v)[1 : len(strconv.QuoteToASCII(n.v))-1]
	}
	return forms
}

func mustUint(t *testing.T, s string) uint64 {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func simWorld(t *testing.T) *board.World {
	t.Helper()
	p, err := board.Defaults("sim")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := board.Open(context.Background(), &p, &board.Env{StateDir: t.TempDir(), Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	return dev.Sim.World
}

// TestKilledAndRestarted: a load run killed with SIGKILL leaves a state that
// the next run opens and continues.
func TestKilledAndRestarted(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	state := filepath.Join(t.TempDir(), "state")
	cmd := exec.Command(os.Args[0], "--board", "sim", "--enroll-loop", "1000", "--state", state)
	cmd.Env = append(os.Environ(), "REGTERMD_MAIN=1")
	var errb lockedBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// kill it once it queued a record
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(errb.String(), "record queued") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no record queued before the kill:\n%s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	r := regtermd(t, 3*time.Minute, "--board", "sim", "--demo", "--state", state)
	if r.code != 0 {
		t.Fatalf("restart on the killed run's state failed with %d:\n%s", r.code, r.stderr)
	}
	if m := summary.FindStringSubmatch(r.stdout); m == nil || m[1] != "1" {
		t.Errorf("got %q, want the summary", r.stdout)
	}
	// The registry holds every record of both runs, once, with no gap:
	// what the killed run had queued was delivered by the restarted one.
	chains, err := ingest.Count(filepath.Join(state, "sim-registry"))
	if err != nil {
		t.Fatal(err)
	}
	if len(chains) != 1 {
		t.Fatalf("got chains %+v, want one", chains)
	}
	c := chains[0]
	if c.Gaps != 0 || c.FirstSeq != 1 || uint64(c.Records) != c.LastSeq || c.Records < 2 {
		t.Errorf("got chain %+v, want records 1..N (N >= 2) without gaps", c)
	}
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
