package tpm2

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	gotpm "github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/regterm/regterm/drivers/hwkey"
)

// DefaultHandle is the persistent handle of the signing key: the first of
// the owner's persistent range (TCG Provisioning Guidance §7.8).
const DefaultHandle = 0x81000001

// Errors of the key.
var (
	// ErrLockout means the TPM is in dictionary-attack lockout
	// (TPM_RC_LOCKOUT): it refuses the key until the lockout recovery time
	// has passed or the lockout hierarchy resets it.
	ErrLockout = errors.New("tpm2: TPM is in dictionary-attack lockout")
	// ErrWrongKey means the persistent handle holds an object that is not
	// this terminal's ECDSA P-256 signing key (or not the expected key id).
	ErrWrongKey = errors.New("tpm2: persistent handle holds a different key")
	// ErrNoKey means the handle is empty and Opts.NoCreate was set.
	ErrNoKey = errors.New("tpm2: no key at the persistent handle")
	// ErrBusy means the TPM kept answering TPM_RC_RETRY, TPM_RC_TESTING or
	// TPM_RC_YIELDED past the retry budget.
	ErrBusy = errors.New("tpm2: TPM busy past the retry budget")
	// ErrHandle means Opts.Handle is not in the owner's persistent range.
	ErrHandle = errors.New("tpm2: handle not in the owner persistent range 0x81000000-0x817fffff")
	// ErrDigest means Sign got something other than a SHA-256 digest.
	ErrDigest = errors.New("tpm2: sign: want a 32-byte SHA-256 digest")
	// ErrBadSignature means the TPM returned a signature that does not
	// verify with its own public key (a faulty TPM).
	ErrBadSignature = errors.New("tpm2: TPM returned a signature that does not verify")
)

// Opts configure Open and New.
type Opts struct {
	// Handle is the persistent handle of the key (DefaultHandle when 0).
	Handle uint32
	// NoCreate fails with ErrNoKey instead of creating a key at an empty
	// handle.
	NoCreate bool
	// KeyID, when not zero, is the key id the handle must hold (else
	// ErrWrongKey): the one the registry certified.
	KeyID [32]byte
	// Retries bounds the resends of one command after a TPM_RC_RETRY,
	// TPM_RC_TESTING or TPM_RC_YIELDED warning (8 when 0).
	Retries int
	// RetryDelay is the first wait before a resend, doubling each time up
	// to 1 s (20 ms when 0).
	RetryDelay time.Duration
	// Timeout bounds a Sign, which has no context (10 s when 0).
	Timeout time.Duration
	// Sleep waits d or until ctx ends; tests inject it. Nil: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultOpts use DefaultHandle and create the key when absent.
var DefaultOpts = Opts{Handle: DefaultHandle}

// Key is the ECDSA P-256 signing key at a persistent handle of a TPM. It
// implements hwkey.Signer and is safe for concurrent use.
type Key struct {
	opts   Opts
	t      transport.TPM
	closer io.Closer // the transport when Open opened it
	handle gotpm.TPMHandle
	name   gotpm.TPM2BName
	pub    *ecdsa.PublicKey
	id     [32]byte

	mu      sync.Mutex
	created bool
	closed  bool
}

var (
	_ hwkey.Signer        = (*Key)(nil)
	_ hwkey.ContextSigner = (*Key)(nil)
)

// Open opens the TPM by name ("/dev/tpmrm0" or "tcp:HOST:PORT") and the key
// at opts.Handle, creating and persisting it when the handle is empty.
func Open(ctx context.Context, name string, opts *Opts) (*Key, error) {
	s, err := Dial(ctx, name)
	if err != nil {
		return nil, err
	}
	k, err := New(ctx, s, opts)
	if err != nil {
		s.Close()
		return nil, err
	}
	k.closer = s
	return k, nil
}

// New opens the key at opts.Handle over transport t (a *Stream or any
// go-tpm transport), creating it when the handle is empty. Close does not
// close t.
func New(ctx context.Context, t transport.TPM, opts *Opts) (*Key, error) {
	o := DefaultOpts
	if opts != nil {
		o = *opts
	}
	if o.Handle == 0 {
		o.Handle = DefaultHandle
	}
	if o.Handle < 0x81000000 || o.Handle > 0x817FFFFF {
		return nil, fmt.Errorf("%w: 0x%08x", ErrHandle, o.Handle)
	}
	if o.Retries <= 0 {
		o.Retries = 8
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 20 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	k := &Key{opts: o, t: t, handle: gotpm.TPMHandle(o.Handle)}
	tp := k.tpm(ctx)
	rp, err := gotpm.ReadPublic{ObjectHandle: k.handle}.Execute(tp)
	switch {
	case errors.Is(err, gotpm.TPMRCHandle) && o.NoCreate:
		return nil, fmt.Errorf("%w 0x%08x", ErrNoKey, o.Handle)
	case errors.Is(err, gotpm.TPMRCHandle):
		if err := k.create(tp); err != nil {
			return nil, err
		}
		k.created = true
		rp, err = gotpm.ReadPublic{ObjectHandle: k.handle}.Execute(tp)
		if err != nil {
			return nil, k.wrap("read public of the new key", err)
		}
	case err != nil:
		return nil, k.wrap("read public", err)
	}
	pub, err := signingPublic(rp.OutPublic)
	if err != nil {
		return nil, fmt.Errorf("%w 0x%08x: %v", ErrWrongKey, o.Handle, err)
	}
	id, err := hwkey.KeyID(pub)
	if err != nil {
		return nil, err
	}
	if o.KeyID != ([32]byte{}) && id != o.KeyID {
		return nil, fmt.Errorf("%w 0x%08x: key id %x, want %x", ErrWrongKey, o.Handle, id[:8], o.KeyID[:8])
	}
	k.name, k.pub, k.id = rp.Name, pub, id
	return k, nil
}

// signingTemplate is the signing key: ECDSA P-256 with SHA-256, not
// restricted (it signs external digests), bound to this TPM.
var signingTemplate = gotpm.TPMTPublic{
	Type:    gotpm.TPMAlgECC,
	NameAlg: gotpm.TPMAlgSHA256,
	ObjectAttributes: gotpm.TPMAObject{
		FixedTPM:            true,
		FixedParent:         true,
		SensitiveDataOrigin: true,
		UserWithAuth:        true,
		SignEncrypt:         true,
	},
	Parameters: gotpm.NewTPMUPublicParms(gotpm.TPMAlgECC, &gotpm.TPMSECCParms{
		Scheme: gotpm.TPMTECCScheme{
			Scheme:  gotpm.TPMAlgECDSA,
			Details: gotpm.NewTPMUAsymScheme(gotpm.TPMAlgECDSA, &gotpm.TPMSSigSchemeECDSA{HashAlg: gotpm.TPMAlgSHA256}),
		},
		CurveID: gotpm.TPMECCNistP256,
	}),
	Unique: gotpm.NewTPMUPublicID(gotpm.TPMAlgECC, &gotpm.TPMSECCPoint{}),
}

// create makes the key as a child of the owner's ECC SRK and persists it.
func (k *Key) create(tp transport.TPM) error {
	srk, err := gotpm.CreatePrimary{
		PrimaryHandle: gotpm.TPMRHOwner,
		InPublic:      gotpm.New2B(gotpm.ECCSRKTemplate),
	}.Execute(tp)
	if err != nil {
		return k.wrap("create storage root key", err)
	}
	defer gotpm.FlushContext{FlushHandle: srk.ObjectHandle}.Execute(tp)
	parent := gotpm.NamedHandle{Handle: srk.ObjectHandle, Name: srk.Name}
	c, err := gotpm.Create{
		ParentHandle: parent,
		InPublic:     gotpm.New2B(signingTemplate),
	}.Execute(tp)
	if err != nil {
		return k.wrap("create signing key", err)
	}
	l, err := gotpm.Load{ParentHandle: parent, InPrivate: c.OutPrivate, InPublic: c.OutPublic}.Execute(tp)
	if err != nil {
		return k.wrap("load signing key", err)
	}
	defer gotpm.FlushContext{FlushHandle: l.ObjectHandle}.Execute(tp)
	_, err = gotpm.EvictControl{
		Auth:             gotpm.TPMRHOwner,
		ObjectHandle:     &gotpm.NamedHandle{Handle: l.ObjectHandle, Name: l.Name},
		PersistentHandle: k.handle,
	}.Execute(tp)
	if err != nil {
		return k.wrap("persist signing key", err)
	}
	return nil
}

// signingPublic checks that pub is an unrestricted ECDSA P-256 signing key
// bound to the TPM and returns it.
func signingPublic(b gotpm.TPM2BPublic) (*ecdsa.PublicKey, error) {
	p, err := b.Contents()
	if err != nil {
		return nil, err
	}
	if p.Type != gotpm.TPMAlgECC {
		return nil, fmt.Errorf("object type 0x%x, want ECC", uint16(p.Type))
	}
	a := p.ObjectAttributes
	if !a.SignEncrypt || a.Decrypt || a.Restricted || !a.FixedTPM || !a.SensitiveDataOrigin {
		return nil, errors.New("not an unrestricted, TPM-generated, non-duplicable signing key")
	}
	parms, err := p.Parameters.ECCDetail()
	if err != nil {
		return nil, err
	}
	if parms.CurveID != gotpm.TPMECCNistP256 {
		return nil, fmt.Errorf("curve 0x%x, want NIST P-256", uint16(parms.CurveID))
	}
	if s := parms.Scheme.Scheme; s != gotpm.TPMAlgECDSA && s != gotpm.TPMAlgNull {
		return nil, fmt.Errorf("scheme 0x%x, want ECDSA", uint16(s))
	}
	pt, err := p.Unique.ECC()
	if err != nil {
		return nil, err
	}
	pub, err := gotpm.ECDSAPub(parms, pt)
	if err != nil {
		return nil, err
	}
	// Reject a point not on the curve before anybody verifies with it.
	if _, err := pub.ECDH(); err != nil {
		return nil, fmt.Errorf("public point: %w", err)
	}
	return pub, nil
}

// Created reports whether New created the key (the handle was empty).
func (k *Key) Created() bool { return k.created }

// Handle is the key's persistent handle.
func (k *Key) Handle() uint32 { return uint32(k.handle) }

// Public returns the *ecdsa.PublicKey.
func (k *Key) Public() crypto.PublicKey { return k.pub }

// KeyID is SHA-256 of the public key's SubjectPublicKeyInfo.
func (k *Key) KeyID() [32]byte { return k.id }

func (k *Key) String() string {
	return fmt.Sprintf("TPM 2.0 key 0x%08x on %v %x", uint32(k.handle), k.t, k.id[:8])
}

// Sign signs a SHA-256 digest in the TPM and returns an ASN.1 DER ECDSA
// signature, checked against the public key. rand is unused: the TPM makes
// its own nonce.
func (k *Key) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), k.opts.Timeout)
	defer cancel()
	return k.SignContext(ctx, digest, opts)
}

// SignContext is Sign bounded by ctx.
func (k *Key) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if len(digest) != sha256.Size || (opts != nil && opts.HashFunc() != crypto.SHA256) {
		return nil, ErrDigest
	}
	k.mu.Lock()
	closed := k.closed
	k.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("tpm2: sign: %w", errClosed)
	}
	rsp, err := gotpm.Sign{
		KeyHandle: gotpm.AuthHandle{Handle: k.handle, Name: k.name, Auth: gotpm.PasswordAuth(nil)},
		Digest:    gotpm.TPM2BDigest{Buffer: digest},
		InScheme: gotpm.TPMTSigScheme{
			Scheme:  gotpm.TPMAlgECDSA,
			Details: gotpm.NewTPMUSigScheme(gotpm.TPMAlgECDSA, &gotpm.TPMSSchemeHash{HashAlg: gotpm.TPMAlgSHA256}),
		},
		Validation: gotpm.TPMTTKHashCheck{Tag: gotpm.TPMSTHashCheck, Hierarchy: gotpm.TPMRHNull},
	}.Execute(k.tpm(ctx))
	if err != nil {
		return nil, k.wrap("sign", err)
	}
	es, err := rsp.Signature.Signature.ECDSA()
	if err != nil {
		return nil, fmt.Errorf("tpm2: sign: %w", err)
	}
	r := new(big.Int).SetBytes(es.SignatureR.Buffer)
	s := new(big.Int).SetBytes(es.SignatureS.Buffer)
	der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
	if err != nil {
		return nil, fmt.Errorf("tpm2: sign: %w", err)
	}
	if !ecdsa.VerifyASN1(k.pub, digest, der) {
		return nil, ErrBadSignature
	}
	return der, nil
}

var errClosed = errors.New("key closed")

// Health reads the key's public area back (same name) and signs and
// verifies a test digest.
func (k *Key) Health(ctx context.Context) error {
	rp, err := gotpm.ReadPublic{ObjectHandle: k.handle}.Execute(k.tpm(ctx))
	if err != nil {
		return k.wrap("health: read public", err)
	}
	if !bytes.Equal(rp.Name.Buffer, k.name.Buffer) {
		return fmt.Errorf("%w 0x%08x: the key changed since Open", ErrWrongKey, uint32(k.handle))
	}
	d := sha256.Sum256([]byte("regterm hwkey health"))
	if _, err := k.SignContext(ctx, d[:], crypto.SHA256); err != nil {
		return fmt.Errorf("tpm2: health: %w", err)
	}
	return nil
}

// Evict removes the key from its persistent handle (decommissioning; tests).
func (k *Key) Evict(ctx context.Context) error {
	_, err := gotpm.EvictControl{
		Auth:             gotpm.TPMRHOwner,
		ObjectHandle:     &gotpm.NamedHandle{Handle: k.handle, Name: k.name},
		PersistentHandle: k.handle,
	}.Execute(k.tpm(ctx))
	if err != nil {
		return k.wrap("evict", err)
	}
	return nil
}

// Close closes the transport when Open opened it. The key stays in the TPM.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return nil
	}
	k.closed = true
	if k.closer != nil {
		return k.closer.Close()
	}
	return nil
}

// wrap classifies a TPM error: lockout and busy become this package's
// sentinels; the TPM response code stays reachable with errors.As /
// errors.Is(err, gotpm.TPMRC...).
func (k *Key) wrap(op string, err error) error {
	switch {
	case errors.Is(err, gotpm.TPMRCLockout):
		return fmt.Errorf("tpm2: %s: %w: %w", op, ErrLockout, err)
	case errors.Is(err, gotpm.TPMRCRetry), errors.Is(err, gotpm.TPMRCTesting), errors.Is(err, gotpm.TPMRCYielded):
		return fmt.Errorf("tpm2: %s: %w: %w", op, ErrBusy, err)
	}
	return fmt.Errorf("tpm2: %s: %w", op, err)
}

// tpm is k's transport bounded by ctx, resending on the retry warnings.
func (k *Key) tpm(ctx context.Context) transport.TPM { return &retrier{k: k, ctx: ctx} }

type retrier struct {
	k   *Key
	ctx context.Context
}

// Response codes that mean "send the same command again" (Part 2 §6.6.3).
const (
	rcRetry   = 0x922
	rcTesting = 0x90A
	rcYielded = 0x908
)

func (r *retrier) Send(cmd []byte) ([]byte, error) {
	delay := r.k.opts.RetryDelay
	for attempt := 0; ; attempt++ {
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
		var rsp []byte
		var err error
		if s, ok := r.k.t.(*Stream); ok {
			rsp, err = s.SendContext(r.ctx, cmd)
		} else {
			rsp, err = r.k.t.Send(cmd)
		}
		if err != nil || len(rsp) < headerSize || attempt >= r.k.opts.Retries {
			return rsp, err
		}
		switch binary.BigEndian.Uint32(rsp[6:10]) {
		case rcRetry, rcTesting, rcYielded:
		default:
			return rsp, nil
		}
		if err := r.k.opts.Sleep(r.ctx, delay); err != nil {
			return nil, err
		}
		delay = min(2*delay, time.Second)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
