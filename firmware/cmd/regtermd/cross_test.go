package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/regterm/regterm/internal/testpeer"
)

var arches = []struct {
	name, goarch, goarm, qemu string
	machine                   elf.Machine
}{
	{"arm64", "arm64", "", "qemu-aarch64-static", elf.EM_AARCH64},
	{"armv7", "arm", "7", "qemu-arm-static", elf.EM_ARM},
}

func goCmd(t *testing.T, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
}

// TestReleaseBuildIsStaticAndLean: the release binary is statically linked
// for both ARM targets and contains no simulator, test server or sim board.
func TestReleaseBuildIsStaticAndLean(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, a := range arches {
		t.Run(a.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "regtermd")
			env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + a.goarch, "GOARM=" + a.goarm}
			goCmd(t, env, "build", "-tags", "release", "-o", bin, ".")
			f, err := elf.Open(bin)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Machine != a.machine {
				t.Errorf("got machine %v, want %v", f.Machine, a.machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
					t.Errorf("binary has a %v segment: not static", p.Type)
				}
			}
			out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-tags", "release", "-deps", ".").Output()
			if err != nil {
				t.Fatal(err)
			}
			for _, pkg := range strings.Fields(string(out)) {
				if strings.Contains(pkg, "regterm/tools/") || strings.Contains(pkg, "creack/pty") {
					t.Errorf("release build links %s", pkg)
				}
			}
		})
	}
}

// TestUnderQEMU runs the state machine's tests as ARM binaries under
// qemu-user.
func TestUnderQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	for _, a := range arches {
		t.Run(a.name, func(t *testing.T) {
			qemu := testpeer.Command(t, a.qemu)
			bin := filepath.Join(t.TempDir(), "enroll.test")
			env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + a.goarch, "GOARM=" + a.goarm}
			goCmd(t, env, "test", "-c", "-o", bin, "../../enroll")
			out, err := exec.Command(qemu, bin, "-test.run", "TestEveryStateEveryEvent|TestTimeouts|TestInvariantsAll", "-test.v").CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", a.qemu, err, out)
			}
			if !strings.Contains(string(out), "--- PASS: TestInvariantsAll") {
				t.Errorf("the ARM test binary did not pass TestInvariantsAll:\n%s", out)
			}
		})
	}
}
