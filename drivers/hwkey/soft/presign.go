package soft

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"

	"filippo.io/bigmod"
)

// Precomputed ECDSA signatures ("presignatures", the offline/online split
// of ECDSA signing, SEC 1 v2 §4.1.3): nearly all the cost of an ECDSA
// signature is independent of the message,
//
//	k random in [1, n-1],  r = x(k·G) mod n,  k⁻¹,  k⁻¹·r·d
//
// and the message only enters at the end: s = k⁻¹·e + k⁻¹·r·d mod n. The key
// keeps a few presignatures ready, computed by a background goroutine after
// each signature, so Sign costs one modular multiplication and one addition
// (a few µs instead of ~50 µs) while the caller waits for its fsync. Each
// presignature is used at most once and wiped after use; k comes from
// crypto/rand; all arithmetic on secrets is constant time (filippo.io/bigmod,
// the standard library's own crypto/internal/fips140/bigmod re-exported, and
// crypto/ecdh's constant-time scalar multiplication).

// presigPool is how many presignatures a key keeps ready.
const presigPool = 4

// p256N is the order of the P-256 base point.
var (
	p256N, _ = bigmod.NewModulus(mustHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"))
	p256NBig = new(big.Int).SetBytes(mustHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"))
)

// errZero is the (2^-256 likely) case of a zero r or s: try another nonce.
var errZero = errors.New("soft: zero r or s")

type presig struct {
	r    []byte      // 32 bytes, big-endian
	kinv *bigmod.Nat // k⁻¹ mod n
	krd  *bigmod.Nat // k⁻¹·r·d mod n
}

func (p *presig) wipe() {
	clear(p.r)
	p.kinv.SetUint(0)
	p.krd.SetUint(0)
}

// newPresig draws a nonce from rnd and computes a presignature for d.
func newPresig(rnd io.Reader, d *bigmod.Nat) (*presig, error) {
	kb := make([]byte, 32)
	defer clear(kb)
	for {
		if _, err := io.ReadFull(rnd, kb); err != nil {
			return nil, fmt.Errorf("soft: nonce: %w", err)
		}
		k, err := bigmod.NewNat().SetBytes(kb, p256N)
		if err != nil || k.IsZero() == 1 {
			continue // k ≥ n or 0: rejection sampling keeps k uniform
		}
		priv, err := ecdh.P256().NewPrivateKey(kb) // k·G, constant time
		if err != nil {
			continue
		}
		x := priv.PublicKey().Bytes()[1:33]
		r, err := bigmod.NewNat().SetOverflowingBytes(x, p256N)
		if err != nil {
			return nil, fmt.Errorf("soft: presign: %w", err)
		}
		if r.IsZero() == 1 {
			continue
		}
		kinv, err := blindedInverse(rnd, k)
		if err != nil {
			return nil, err
		}
		krd := bigmod.NewNat().ExpandFor(p256N)
		krd.Mod(r, p256N)
		krd.Mul(d, p256N)
		krd.Mul(kinv, p256N)
		k.SetUint(0)
		return &presig{r: r.Bytes(p256N), kinv: kinv, krd: krd}, nil
	}
}

// blindedInverse returns k⁻¹ mod n. The inversion itself is variable
// time, so it inverts k·b for a fresh random b and multiplies by b again:
// its timing depends on k·b, uniformly random and independent of k.
// (Constant-time Fermat inversion, k^(n-2), takes ~5× longer with bigmod;
// math/big's ModInverse is fast and, on a blinded value, leaks nothing.)
func blindedInverse(rnd io.Reader, k *bigmod.Nat) (*bigmod.Nat, error) {
	bb := make([]byte, 32)
	defer clear(bb)
	for {
		if _, err := io.ReadFull(rnd, bb); err != nil {
			return nil, fmt.Errorf("soft: blind: %w", err)
		}
		b, err := bigmod.NewNat().SetBytes(bb, p256N)
		if err != nil || b.IsZero() == 1 {
			continue
		}
		kb := bigmod.NewNat().Mod(k, p256N).Mul(b, p256N).Bytes(p256N)
		ib := new(big.Int).ModInverse(new(big.Int).SetBytes(kb), p256NBig)
		clear(kb)
		if ib == nil {
			continue
		}
		inv, err := bigmod.NewNat().SetBytes(ib.FillBytes(make([]byte, 32)), p256N)
		if err != nil {
			continue
		}
		return inv.Mul(b, p256N), nil
	}
}

// finish completes a presignature over a SHA-256 digest and returns the
// ASN.1 DER signature.
func (p *presig) finish(digest []byte) ([]byte, error) {
	e, err := bigmod.NewNat().SetOverflowingBytes(digest, p256N) // bits2int: 256-bit digest, one reduction
	if err != nil {
		return nil, fmt.Errorf("soft: sign: %w", err)
	}
	s := e.Mul(p.kinv, p256N).Add(p.krd, p256N)
	if s.IsZero() == 1 {
		return nil, errZero
	}
	return asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(p.r), new(big.Int).SetBytes(s.Bytes(p256N)),
	})
}

// scalar converts the private key to a bigmod.Nat mod n.
func scalar(k *ecdsa.PrivateKey) (*bigmod.Nat, error) {
	b, err := k.Bytes()
	if err != nil {
		return nil, fmt.Errorf("soft: key: %w", err)
	}
	defer clear(b)
	return bigmod.NewNat().SetBytes(b, p256N)
}

// presign returns a ready presignature, or computes one now.
func (k *Key) presign() (*presig, error) {
	select {
	case p := <-k.pre:
		return p, nil
	default:
		return newPresig(rand.Reader, k.d)
	}
}

// refill tops the pool up by one presignature in the background.
func (k *Key) refill() {
	d := k.d
	go func() {
		p, err := newPresig(rand.Reader, d)
		if err != nil {
			return // Sign computes one itself when the pool is empty
		}
		select {
		case k.pre <- p:
		default:
			p.wipe()
		}
		if k.isClosed() {
			k.drain()
		}
	}()
}

// drain wipes every pooled presignature.
func (k *Key) drain() {
	for {
		select {
		case p := <-k.pre:
			p.wipe()
		default:
			return
		}
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err) // constants above only
	}
	return b
}
