package reference_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/iso19794"
	"github.com/regterm/regterm/firmware/biometric/reference"
)

func Example() {
	registry, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tp := &biometric.Template{Width: 256, Height: 288, DPI: 500, Minutiae: []biometric.Minutia{{X: 10, Y: 20, Kind: biometric.KindEnding}}}
	iso, _ := iso19794.EncodeTemplate(tp, iso19794.ISO2005, nil)
	signed, _ := reference.Sign(registry, "1234567890121", iso, time.Now())

	src := reference.Chain{
		// the registry lookup goes first once the uplink provides it
		&reference.CardSource{RegistryKey: &registry.PublicKey},
	}
	card := &smartcard.IDCard{CitizenID: "1234567890121", Reference: signed}
	r, err := src.Reference(context.Background(), card.CitizenID, card)
	fmt.Println(r.From, len(r.Template.Minutiae), err)

	// The same reference on a clone of another citizen's card is refused.
	clone := &smartcard.IDCard{CitizenID: "3101700000001", Reference: signed}
	_, err = src.Reference(context.Background(), clone.CitizenID, clone)
	fmt.Println(errors.Is(err, reference.ErrUntrusted))
	// Output:
	// card 1 <nil>
	// true
}
