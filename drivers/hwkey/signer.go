package hwkey

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
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

// ContextSigner is a Signer whose signature can be bounded by a context
// (the tpm2 and atecc608 backends). Use SignContext to call it.
type ContextSigner interface {
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// SignContext signs digest with s, bounded by ctx when s is a
// ContextSigner; otherwise it checks ctx and calls Sign.
func SignContext(ctx context.Context, s crypto.Signer, rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if cs, ok := s.(ContextSigner); ok {
		return cs.SignContext(ctx, digest, opts)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Sign(rand, digest, opts)
}

// Development is implemented by keys that are not hardware keys (the soft
// key): the terminal says so on its screen and in its log.
type Development interface {
	Development() bool
}

// IsDevelopment reports whether s is a development (non-hardware) key.
func IsDevelopment(s Signer) bool {
	d, ok := s.(Development)
	return ok && d.Development()
}
