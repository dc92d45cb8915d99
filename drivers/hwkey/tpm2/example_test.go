package tpm2_test

import (
	"context"
	"crypto"
	"crypto/sha256"
	"fmt"
	"log"
	"time"

	"github.com/regterm/regterm/drivers/hwkey/tpm2"
)

func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// "/dev/tpmrm0" on a terminal; swtpm on a bench.
	k, err := tpm2.Open(ctx, "tcp:127.0.0.1:2321", &tpm2.Opts{Handle: tpm2.DefaultHandle})
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
	id := k.KeyID()
	fmt.Printf("key id %x (created now: %v)\n", id, k.Created())
	d := sha256.Sum256([]byte("hello"))
	sig, err := k.Sign(nil, d[:], crypto.SHA256)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("signature: %d bytes of ASN.1 DER\n", len(sig))
}
