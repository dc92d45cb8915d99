package soft

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"sync"

	"filippo.io/bigmod"
	"testing"
)

// TestPresignRFC6979 pins the presignature arithmetic to the RFC 6979
// A.2.5 vector (P-256, SHA-256, message "sample"): with the RFC's nonce k
// the signature must be the RFC's (r, s).
func TestPresignRFC6979(t *testing.T) {
	x := mustHex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721")
	k := mustHex("a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60")
	wantR := "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
	wantS := "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), x)
	if err != nil {
		t.Fatal(err)
	}
	d, err := scalar(priv)
	if err != nil {
		t.Fatal(err)
	}
	// the nonce, then the blinding factor of the inversion (any value
	// gives the same k⁻¹)
	p, err := newPresig(bytes.NewReader(append(k, bytes.Repeat([]byte{0x5a}, 32)...)), d)
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("sample"))
	der, err := p.finish(digest[:])
	if err != nil {
		t.Fatal(err)
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(sig.R.FillBytes(make([]byte, 32))); got != wantR {
		t.Errorf("r: got %s, want %s", got, wantR)
	}
	if got := hex.EncodeToString(sig.S.FillBytes(make([]byte, 32))); got != wantS {
		t.Errorf("s: got %s, want %s", got, wantS)
	}
	if !ecdsa.VerifyASN1(&priv.PublicKey, digest[:], der) {
		t.Error("RFC 6979 signature does not verify")
	}
}

// TestPresignRejectsOutOfRangeNonce feeds nonces ≥ n and 0 first: they are
// skipped (rejection sampling), the next one is used.
func TestPresignRejectsOutOfRangeNonce(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	good := mustHex("a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60")
	var src []byte
	src = append(src, bytes.Repeat([]byte{0xff}, 32)...)                                              // > n
	src = append(src, mustHex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")...) // = n
	src = append(src, make([]byte, 32)...)                                                            // 0
	src = append(src, good...)
	blind := bytes.Repeat([]byte{0x33}, 32)
	p, err := newPresig(bytes.NewReader(append(src, blind...)), k.d)
	if err != nil {
		t.Fatal(err)
	}
	q, err := newPresig(bytes.NewReader(append(good, blind...)), k.d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.r, q.r) {
		t.Errorf("r: got %x, want %x (the first in-range nonce)", p.r, q.r)
	}
	if _, err := newPresig(bytes.NewReader(src[:40]), k.d); err == nil {
		t.Error("short random source: got nil error")
	}
}

// TestPresignedSignatures: signatures from the pool and computed inline all
// verify, and no nonce is ever used twice (every r differs), also with
// concurrent signers.
func TestPresignedSignatures(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	pub := k.Public().(*ecdsa.PublicKey)
	const workers, each = 4, 250
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if w == 0 && i%10 == 0 {
					k.drain() // force the inline path now and then
				}
				digest := sha256.Sum256([]byte{byte(w), byte(i), byte(i >> 8)})
				var src = rand.Reader
				if i%2 == 1 {
					src = nil
				}
				der, err := k.Sign(src, digest[:], crypto.SHA256)
				if err != nil {
					t.Error(err)
					return
				}
				if !ecdsa.VerifyASN1(pub, digest[:], der) {
					t.Errorf("worker %d sig %d does not verify", w, i)
				}
				var sig struct{ R, S *big.Int }
				if _, err := asn1.Unmarshal(der, &sig); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[sig.R.String()] {
					t.Errorf("nonce reused: r %x", sig.R)
				}
				seen[sig.R.String()] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if got, want := len(seen), workers*each; got != want {
		t.Errorf("distinct r: got %d, want %d", got, want)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(k.pre); n != 0 {
		t.Errorf("after Close: %d presignatures still pooled, want 0", n)
	}
}

// TestSignOtherReader: a caller's own random source goes to ecdsa.SignASN1.
func TestSignOtherReader(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("x"))
	der, err := k.Sign(bytes.NewReader(bytes.Repeat([]byte{7}, 4096)), digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(k.Public().(*ecdsa.PublicKey), digest[:], der) {
		t.Error("does not verify")
	}
}

func BenchmarkPresign(b *testing.B) {
	k, err := Generate()
	if err != nil {
		b.Fatal(err)
	}
	d := sha256.Sum256([]byte("bench"))
	b.Run("offline", func(b *testing.B) {
		for b.Loop() {
			if _, err := newPresig(rand.Reader, k.d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("online", func(b *testing.B) {
		p, err := newPresig(rand.Reader, k.d)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := p.finish(d[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		for b.Loop() {
			if _, err := ecdsa.SignASN1(rand.Reader, k.k, d[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestBlindedInverse: k·k⁻¹ = 1 whatever the blinding factor.
func TestBlindedInverse(t *testing.T) {
	for _, kb := range []string{
		"0000000000000000000000000000000000000000000000000000000000000001",
		"a6e3c57dd01abe90086538398355dd4c3b17aa873382b0f24d6129493d8aad60",
		"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550", // n-1
	} {
		k, err := bigmod.NewNat().SetBytes(mustHex(kb), p256N)
		if err != nil {
			t.Fatal(err)
		}
		for _, blind := range []byte{0x01, 0x5a, 0xfe} {
			src := append(bytes.Repeat([]byte{0xff}, 32), bytes.Repeat([]byte{blind}, 32)...) // first draw ≥ n is skipped
			inv, err := blindedInverse(bytes.NewReader(src), k)
			if err != nil {
				t.Fatal(err)
			}
			if one := bigmod.NewNat().Mod(k, p256N).Mul(inv, p256N); one.IsOne() != 1 {
				t.Errorf("k=%s blind=%x: k·k⁻¹ = %x, want 1", kb, blind, one.Bytes(p256N))
			}
		}
	}
}
