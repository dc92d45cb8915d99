package hwkey

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
)

// ErrRefused is returned when a key backend is not allowed by the
// configuration (the soft key in production).
var ErrRefused = errors.New("hwkey: key backend refused by configuration")

// Signer is an ECDSA P-256 signing key in hardware. Sign takes a SHA-256
// digest and returns an ASN.1 DER signature, as crypto.Signer does.
type Signer interface {
	crypto.Signer
	// KeyID is SHA-256 of the public key's DER SubjectPublicKeyInfo.
	KeyID() [32]byte
	// Health checks that the key is usable.
	Health(ctx context.Context) error
	String() string
	Close() error
}

// KeyID computes SHA-256 of the DER SubjectPublicKeyInfo of pub.
func KeyID(pub crypto.PublicKey) ([32]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return [32]byte{}, fmt.Errorf("hwkey: key id: %w", err)
	}
	return sha256.Sum256(der), nil
}
