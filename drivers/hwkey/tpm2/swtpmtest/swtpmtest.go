// Package swtpmtest gives a test its own running swtpm (see package swtpm):
// a state directory under t.TempDir, a free loopback port, stopped when the
// test ends. A missing swtpm skips the test, or fails it under CI=true.
package swtpmtest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/hwkey/tpm2/swtpm"
	"github.com/regterm/regterm/internal/testpeer"
)

// New starts swtpm for test t; open it with tpm2.Open(ctx, "tcp:"+tpm.Addr, ...).
func New(t testing.TB) *swtpm.TPM {
	t.Helper()
	testpeer.Command(t, "swtpm")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tpm, err := swtpm.Start(ctx, filepath.Join(t.TempDir(), "tpm"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tpm.Stop() })
	return tpm
}
