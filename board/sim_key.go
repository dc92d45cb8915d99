//go:build !release

package board

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/drivers/hwkey/tpm2"
	"github.com/regterm/regterm/drivers/hwkey/tpm2/swtpm"
)

// lookSwtpm finds the swtpm executable; tests replace it.
var lookSwtpm = swtpm.Installed

// openSimKey gives the sim board its signing key: the TPM 2.0 backend
// against a swtpm the board starts itself (state in <state>/sim/tpm, a free
// loopback port, stopped on Close) when swtpm is installed, else the soft
// key in <state>/sim/softkey.pem, which production refuses.
func openSimKey(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	if _, err := lookSwtpm(); err == nil {
		tpm, err := swtpm.Start(ctx, filepath.Join(env.StateDir, "sim", "tpm"))
		if err != nil {
			return fmt.Errorf("swtpm: %w", err)
		}
		d.OnClose(tpm.Stop)
		k, err := tpm2.Open(ctx, "tcp:"+tpm.Addr, &tpm2.Opts{Handle: p.Key.Handle})
		if err != nil {
			return err
		}
		d.OnClose(k.Close)
		d.Signer = k
		id := k.KeyID()
		env.Log.Info("hardware key: TPM 2.0 backend on a simulated TPM (swtpm)",
			"tpm", tpm.Addr, "state", tpm.StateDir, "handle", fmt.Sprintf("0x%08x", k.Handle()),
			"created", k.Created(), "key_id", fmt.Sprintf("%x", id))
		return nil
	}
	if env.Production {
		return fmt.Errorf("swtpm not installed, and the soft key is development only: %w", hwkey.ErrRefused)
	}
	path := p.Key.SoftPath
	if path == "" {
		path = filepath.Join(env.StateDir, "sim", "softkey.pem")
	}
	k, err := soft.Open(path, &soft.Opts{Create: true})
	if err != nil {
		return err
	}
	d.OnClose(k.Close)
	d.Signer = k
	id := k.KeyID()
	env.Log.Warn("hardware key: SOFT KEY (development only, swtpm not installed): the private key is a file",
		"path", path, "key_id", fmt.Sprintf("%x", id))
	return nil
}
