package board

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/tpm2"
)

// Opening a real board where its devices are missing fails loudly, naming
// the device, and leaves nothing open.
func TestRealBoardMissingDevices(t *testing.T) {
	if _, err := os.Stat("/dev/tpmrm0"); err == nil {
		t.Skip("this machine has a TPM")
	}
	p, err := Defaults("rpi4")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), &p, &Env{StateDir: t.TempDir()})
	if !errors.Is(err, tpm2.ErrNoTPM) || !strings.Contains(err.Error(), "rpi4: key") {
		t.Errorf("got %v, want ErrNoTPM naming the key", err)
	}

	// A soft key in production is refused before any other device opens.
	p.Key.Backend, p.Key.SoftPath = "soft", filepath.Join(t.TempDir(), "k.pem")
	_, err = Open(context.Background(), &p, &Env{StateDir: t.TempDir(), Production: true})
	if !errors.Is(err, hwkey.ErrRefused) {
		t.Errorf("got %v, want the soft key refused in production", err)
	}
}
