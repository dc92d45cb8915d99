package soft

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"filippo.io/bigmod"

	"github.com/regterm/regterm/drivers/hwkey"
)

// Errors.
var (
	// ErrNotP256 means the PEM file holds a key that is not ECDSA P-256.
	ErrNotP256 = errors.New("soft: key is not ECDSA P-256")
	// ErrNoPEM means the file holds no private key PEM block.
	ErrNoPEM = errors.New("soft: no private key PEM block")
	// ErrClosed means the key was closed.
	ErrClosed = errors.New("soft: key closed")
	// ErrDigest means Sign got something other than a SHA-256 digest.
	ErrDigest = errors.New("soft: sign: want a 32-byte SHA-256 digest")
)

// Opts configure Open.
type Opts struct {
	// Production refuses the soft key (hwkey.ErrRefused).
	Production bool
	// Create generates and writes a new key (mode 0600) when the file does
	// not exist.
	Create bool
}

// DefaultOpts opens an existing key file only.
var DefaultOpts = Opts{}

// Key is an ECDSA P-256 key held in memory. It implements hwkey.Signer.
type Key struct {
	path string // "" for a generated, unsaved key
	pub  *ecdsa.PublicKey
	id   [32]byte

	mu     sync.Mutex
	k      *ecdsa.PrivateKey
	d      *bigmod.Nat  // the private scalar, for presignatures
	pre    chan *presig // ready presignatures (presign.go)
	closed bool
}

var _ hwkey.Signer = (*Key)(nil)

// Open loads the key at path (creating it when opts.Create is set and the
// file is absent). It refuses when opts.Production is set.
func Open(path string, opts *Opts) (*Key, error) {
	if opts == nil {
		opts = &DefaultOpts
	}
	if opts.Production {
		return nil, fmt.Errorf("soft: open %s: %w", path, hwkey.ErrRefused)
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && opts.Create {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("soft: generate: %w", err)
		}
		if err := writeKey(path, k); err != nil {
			return nil, err
		}
		return newKey(path, k)
	}
	if err != nil {
		return nil, fmt.Errorf("soft: open: %w", err)
	}
	k, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("soft: open %s: %w", path, err)
	}
	return newKey(path, k)
}

// Generate returns a fresh in-memory key that is never written anywhere:
// for tests.
func Generate() (*Key, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("soft: generate: %w", err)
	}
	return newKey("", k)
}

// FromPrivateKey wraps an existing P-256 key (golden vectors in tests).
func FromPrivateKey(k *ecdsa.PrivateKey) (*Key, error) {
	if k == nil || k.Curve != elliptic.P256() {
		return nil, ErrNotP256
	}
	return newKey("", k)
}

func newKey(path string, k *ecdsa.PrivateKey) (*Key, error) {
	id, err := hwkey.KeyID(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	d, err := scalar(k)
	if err != nil {
		return nil, err
	}
	return &Key{path: path, pub: &k.PublicKey, id: id, k: k, d: d, pre: make(chan *presig, presigPool)}, nil
}

// Parse decodes the first private key PEM block of b: PKCS#8 or SEC1.
func Parse(b []byte) (*ecdsa.PrivateKey, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, ErrNoPEM
		}
		switch blk.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("soft: pkcs8: %w", err)
			}
			ek, ok := k.(*ecdsa.PrivateKey)
			if !ok || ek.Curve != elliptic.P256() {
				return nil, ErrNotP256
			}
			return ek, nil
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(blk.Bytes)
			if err != nil {
				return nil, fmt.Errorf("soft: sec1: %w", err)
			}
			if k.Curve != elliptic.P256() {
				return nil, ErrNotP256
			}
			return k, nil
		}
	}
}

// writeKey writes k as PKCS#8 PEM to path atomically, mode 0600.
func writeKey(path string, k *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return fmt.Errorf("soft: encode: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("soft: create: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".softkey-*")
	if err != nil {
		return fmt.Errorf("soft: create: %w", err)
	}
	defer os.Remove(f.Name())
	if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		f.Close()
		return fmt.Errorf("soft: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("soft: write: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("soft: write: %w", err)
	}
	// Link fails if another process created the key meanwhile: never
	// overwrite a key.
	if err := os.Link(f.Name(), path); err != nil {
		return fmt.Errorf("soft: create: %w", err)
	}
	return nil
}

// Public returns the *ecdsa.PublicKey.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// Sign signs a SHA-256 digest and returns an ASN.1 DER ECDSA signature.
// With r nil or crypto/rand.Reader it uses a presignature computed in the
// background from crypto/rand (presign.go); any other r is passed to
// ecdsa.SignASN1.
func (k *Key) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if len(digest) != sha256.Size || (opts != nil && opts.HashFunc() != crypto.SHA256) {
		return nil, ErrDigest
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil, ErrClosed
	}
	if r != nil && r != rand.Reader {
		return ecdsa.SignASN1(r, k.k, digest)
	}
	for {
		p, err := k.presign()
		if err != nil {
			return nil, err
		}
		k.refill()
		sig, err := p.finish(digest)
		p.wipe()
		if errors.Is(err, errZero) {
			continue
		}
		return sig, err
	}
}

func (k *Key) isClosed() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.closed
}

// KeyID is SHA-256 of the public key's SubjectPublicKeyInfo.
func (k *Key) KeyID() [32]byte { return k.id }

// Health signs and verifies a test digest.
func (k *Key) Health(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := sha256.Sum256([]byte("regterm hwkey health"))
	sig, err := k.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		return fmt.Errorf("soft: health: %w", err)
	}
	if !ecdsa.VerifyASN1(k.pub, d[:], sig) {
		return errors.New("soft: health: signature does not verify")
	}
	return nil
}

// Path is the key file, "" for a generated key.
func (k *Key) Path() string { return k.path }

// Development reports true: a soft key is never a hardware key.
func (k *Key) Development() bool { return true }

func (k *Key) String() string {
	if k.path == "" {
		return fmt.Sprintf("soft key (in memory, development only) %x", k.id[:8])
	}
	return fmt.Sprintf("soft key %s (development only) %x", k.path, k.id[:8])
}

// Close drops the private key; Sign then fails with ErrClosed.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closed = true
	k.k, k.d = nil, nil // refills in flight hold their own copy and drain after
	k.drain()
	return nil
}
