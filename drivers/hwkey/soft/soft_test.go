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
	"os"
	"path/filepath"
	"testing"

	"github.com/regterm/regterm/drivers/hwkey"
)

func TestOpenCreatePersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "key.pem")
	if _, err := Open(path, nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open absent without Create: got %v, want ErrNotExist", err)
	}
	k1, err := Open(path, &Opts{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("key file mode: got %v, want %v", got, want)
	}
	k2, err := Open(path, &Opts{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if k1.KeyID() != k2.KeyID() {
		t.Errorf("reopened key id: got %x, want %x", k2.KeyID(), k1.KeyID())
	}
	want, err := hwkey.KeyID(k2.Public())
	if err != nil {
		t.Fatal(err)
	}
	if k2.KeyID() != want {
		t.Errorf("KeyID: got %x, want %x", k2.KeyID(), want)
	}
	d := sha256.Sum256([]byte("record"))
	sig, err := k1.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(k2.Public().(*ecdsa.PublicKey), d[:], sig) {
		t.Error("signature of the first key does not verify with the reopened one")
	}
	if err := k1.Health(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestOpenProductionRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key.pem")
	_, err := Open(path, &Opts{Production: true, Create: true})
	if !errors.Is(err, hwkey.ErrRefused) {
		t.Fatalf("got %v, want hwkey.ErrRefused", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("refused Open created %s", path)
	}
}

func pemOf(t *testing.T, typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParse(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	pk8, _ := x509.MarshalPKCS8PrivateKey(p256)
	sec1, _ := x509.MarshalECPrivateKey(p256)
	pk8384, _ := x509.MarshalPKCS8PrivateKey(p384)
	sec1384, _ := x509.MarshalECPrivateKey(p384)
	pub, _ := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	cert := pemOf(t, "CERTIFICATE", []byte{1, 2, 3})
	for _, tc := range []struct {
		name string
		in   []byte
		err  error
	}{
		{"pkcs8", pemOf(t, "PRIVATE KEY", pk8), nil},
		{"sec1", pemOf(t, "EC PRIVATE KEY", sec1), nil},
		{"after other block", append(cert, pemOf(t, "EC PRIVATE KEY", sec1)...), nil},
		{"p384 pkcs8", pemOf(t, "PRIVATE KEY", pk8384), ErrNotP256},
		{"p384 sec1", pemOf(t, "EC PRIVATE KEY", sec1384), ErrNotP256},
		{"public only", pemOf(t, "PUBLIC KEY", pub), ErrNoPEM},
		{"empty", nil, ErrNoPEM},
		{"garbage", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := Parse(tc.in)
			if tc.name == "garbage" {
				if err == nil {
					t.Fatal("garbage parsed")
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
			if err == nil && !k.Equal(p256) {
				t.Error("parsed key differs")
			}
		})
	}
}

func TestOpenOpenSSLKey(t *testing.T) {
	// A key written by `openssl ecparam -name prime256v1 -genkey -noout`.
	path := filepath.Join(t.TempDir(), "k.pem")
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(k)
	if err := os.WriteFile(path, pemOf(t, "EC PRIVATE KEY", der), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Public().(*ecdsa.PublicKey).Equal(&k.PublicKey) {
		t.Error("public key differs")
	}
}

func TestSignErrors(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Sign(rand.Reader, []byte("short"), crypto.SHA256); !errors.Is(err, ErrDigest) {
		t.Errorf("short digest: got %v, want ErrDigest", err)
	}
	d := make([]byte, 32)
	if _, err := k.Sign(rand.Reader, d, crypto.SHA384); !errors.Is(err, ErrDigest) {
		t.Errorf("SHA384 opts: got %v, want ErrDigest", err)
	}
	k.Close()
	if _, err := k.Sign(rand.Reader, d, crypto.SHA256); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: got %v, want ErrClosed", err)
	}
	if err := k.Health(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Health after Close: got %v, want ErrClosed", err)
	}
}

func BenchmarkSign(b *testing.B) {
	k, err := Generate()
	if err != nil {
		b.Fatal(err)
	}
	d := sha256.Sum256([]byte("bench"))
	b.ResetTimer()
	for b.Loop() {
		if _, err := k.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sig/s")
}
