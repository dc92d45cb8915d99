package soft_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/regterm/regterm/drivers/hwkey/soft"
)

func Example() {
	dir, _ := os.MkdirTemp("", "softkey")
	defer os.RemoveAll(dir)
	k, err := soft.Open(filepath.Join(dir, "key.pem"), &soft.Opts{Create: true})
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
	d := sha256.Sum256([]byte("hello"))
	sig, err := k.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ecdsa.VerifyASN1(k.Public().(*ecdsa.PublicKey), d[:], sig))
	// Output: true
}
