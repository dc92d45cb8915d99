// Package testpeer finds the real peers tests run against (pcscd, swtpm,
// fw_printenv, qemu, hb-shape, ...). A missing peer skips the test on a
// developer machine and fails it under CI=true, where `make test` installed
// every peer first.
package testpeer

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run under CI (CI=true).
func CI() bool { return os.Getenv("CI") == "true" }

// Missing reports a missing peer: t.Fatalf under CI, t.Skipf elsewhere.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("required test peer missing under CI=true: "+format, args...)
	}
	t.Skipf("test peer missing (run `make deps`): "+format, args...)
}

// Command returns the path of the executable name, or calls Missing.
func Command(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return filepath.Join(dir, name)
			}
		}
		Missing(t, "command %s not found", name)
	}
	return p
}

// File returns path if it exists, or calls Missing.
func File(t testing.TB, path string) string {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(t, "file %s not found", path)
	}
	return path
}

// Data returns the shared data folder sub (relative to ../shared/data from
// the repository root), skipping (also under CI) when it is absent: the data
// sets are not part of the repository.
func Data(t testing.TB, sub string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			p := filepath.Join(d, "..", "shared", "data", sub)
			if _, err := os.Stat(p); err != nil {
				t.Skipf("data folder %s absent: skipping (it is not part of the repository)", p)
			}
			return p
		}
	}
	t.Skipf("data folder for %s not found", sub)
	return ""
}
