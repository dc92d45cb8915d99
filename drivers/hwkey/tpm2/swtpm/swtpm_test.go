package swtpm_test

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/hwkey/tpm2/swtpm"
	"github.com/regterm/regterm/internal/testpeer"
)

func TestStartRestartStop(t *testing.T) {
	testpeer.Command(t, "swtpm")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "state")
	tpm, err := swtpm.Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tpm.Stop()
	if h, _, _ := net.SplitHostPort(tpm.Addr); h != "127.0.0.1" {
		t.Errorf("Addr %s is not on loopback", tpm.Addr)
	}
	// A TPM2_GetRandom(8) gets a full answer: the TPM is started up.
	c, err := net.Dial("tcp", tpm.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte{0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7B, 0, 8})
	rsp := make([]byte, 20)
	if _, err := c.Read(rsp[:10]); err != nil {
		t.Fatal(err)
	}
	if rsp[9] != 0 || rsp[8] != 0 {
		t.Errorf("GetRandom rc % x, want 0 (TPM started up)", rsp[6:10])
	}
	c.Close()

	old := tpm.Addr
	if err := tpm.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if tpm.StateDir != dir {
		t.Errorf("state dir moved to %s", tpm.StateDir)
	}
	if err := tpm.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := tpm.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	for _, a := range []string{old, tpm.Addr} {
		if c, err := net.DialTimeout("tcp", a, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Stop", a)
		}
	}
}
