package hwkey_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/regterm/regterm/drivers/hwkey"
	"github.com/regterm/regterm/drivers/hwkey/soft"
)

func TestKeyID(t *testing.T) {
	k, err := soft.Generate()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	id, err := hwkey.KeyID(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if id != sha256.Sum256(der) {
		t.Error("KeyID is not SHA-256 of the SubjectPublicKeyInfo")
	}
	if _, err := hwkey.KeyID(struct{}{}); err == nil {
		t.Error("KeyID of a non-key succeeded")
	}
}

func TestSignContext(t *testing.T) {
	k, _ := soft.Generate()
	d := sha256.Sum256([]byte("x"))
	sig, err := hwkey.SignContext(context.Background(), k, nil, d[:], crypto.SHA256)
	if err != nil || !ecdsa.VerifyASN1(k.Public().(*ecdsa.PublicKey), d[:], sig) {
		t.Fatalf("SignContext: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := hwkey.SignContext(ctx, k, nil, d[:], crypto.SHA256); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}
