//go:build !release

package board

// PLACEHOLDER until the hardware key issue lands: an in-memory ECDSA key.
// The owner replaces it with tpm2 against swtpm, or the soft key.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"

	"github.com/regterm/regterm/drivers/hwkey"
)

type memKey struct {
	k  *ecdsa.PrivateKey
	id [32]byte
}

func openSimKey(ctx context.Context, p *Profile, env *Env, d *Devices) error {
	if env.Production {
		return hwkey.ErrRefused
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	id, err := hwkey.KeyID(&k.PublicKey)
	if err != nil {
		return err
	}
	d.Signer = &memKey{k, id}
	return nil
}

func (m *memKey) Public() crypto.PublicKey { return &m.k.PublicKey }
func (m *memKey) Sign(r io.Reader, digest []byte, o crypto.SignerOpts) ([]byte, error) {
	return m.k.Sign(r, digest, o)
}
func (m *memKey) KeyID() [32]byte                  { return m.id }
func (m *memKey) Health(ctx context.Context) error { return nil }
func (m *memKey) String() string                   { return "in-memory development key" }
func (m *memKey) Close() error                     { return nil }
