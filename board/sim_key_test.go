//go:build !release

package board

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/soft"
	"github.com/regterm/regterm/drivers/hwkey/tpm2"
	"github.com/regterm/regterm/drivers/hwkey/tpm2/swtpm"
	"github.com/regterm/regterm/internal/testpeer"
)

func TestSimKeyTPM(t *testing.T) {
	testpeer.Command(t, "swtpm")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	env := &Env{StateDir: t.TempDir(), Log: slog.New(slog.DiscardHandler)}
	p, _ := Defaults("sim")
	var ids [][32]byte
	for i := 0; i < 2; i++ { // the second boot finds the key in the swtpm state
		d := &Devices{}
		if err := openSimKey(ctx, &p, env, d); err != nil {
			t.Fatal(err)
		}
		k, ok := d.Signer.(*tpm2.Key)
		if !ok {
			t.Fatalf("Signer is %T, want *tpm2.Key with swtpm installed", d.Signer)
		}
		if got, want := k.Created(), i == 0; got != want {
			t.Errorf("boot %d: Created() = %v, want %v", i, got, want)
		}
		dg := sha256.Sum256([]byte("sim"))
		sig, err := d.Signer.Sign(nil, dg[:], crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if !ecdsa.VerifyASN1(d.Signer.Public().(*ecdsa.PublicKey), dg[:], sig) {
			t.Error("signature does not verify")
		}
		ids = append(ids, d.Signer.KeyID())
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("key id changed across sim boots: %x, %x", ids[0], ids[1])
	}
}

func TestSimKeySoft(t *testing.T) {
	old := lookSwtpm
	lookSwtpm = func() (string, error) { return "", swtpm.ErrNotInstalled }
	defer func() { lookSwtpm = old }()
	ctx := context.Background()
	p, _ := Defaults("sim")
	env := &Env{StateDir: t.TempDir(), Log: slog.New(slog.DiscardHandler)}
	d := &Devices{}
	if err := openSimKey(ctx, &p, env, d); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, ok := d.Signer.(*soft.Key); !ok {
		t.Fatalf("Signer is %T, want *soft.Key without swtpm", d.Signer)
	}
	if err := d.Signer.Health(ctx); err != nil {
		t.Error(err)
	}
	env.Production = true
	if err := openSimKey(ctx, &p, env, &Devices{}); !errors.Is(err, hwkey.ErrRefused) {
		t.Errorf("production without swtpm: got %v, want hwkey.ErrRefused", err)
	}
}
