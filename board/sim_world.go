//go:build !release

package board

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"image"
	"math"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
)

// SimCard is a card of the simulated world.
type SimCard struct {
	Card smartcard.IDCard
	ATR  []byte
}

// SimFinger is one impression of a finger, as an 8-bit grayscale image.
type SimFinger struct {
	Image *image.Gray
	DPI   int
}

// World is the simulated world's people and data: nothing in it comes from
// outside the repository.
type World struct {
	Citizen *SimCard
	// Finger is the impression the citizen places on the sensor; the
	// citizen card's reference was made from another impression of it.
	Finger *SimFinger
	// Reference is the impression the registry enrolled (card reference).
	Reference *SimFinger
	// OfficerID logs in for the demo.
	OfficerID string
	// RegistryKey signs reference templates in the simulated registry.
	RegistryKey *ecdsa.PrivateKey
}

// PLACEHOLDER world until fpsynth lands: a striped pattern as the finger.
func newWorld(env *Env) (*World, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	img := image.NewGray(image.Rect(0, 0, 256, 288))
	for y := 0; y < 288; y++ {
		for x := 0; x < 256; x++ {
			v := 128 + 127*math.Sin(float64(x)/4+math.Sin(float64(y)/20)*3)
			img.Pix[y*img.Stride+x] = uint8(v)
		}
	}
	citizen := &SimCard{
		ATR: []byte{0x3B, 0x68, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
		Card: smartcard.IDCard{
			CitizenID:   "1234567890121",
			NameTH:      smartcard.Name{Prefix: "นางสาว", First: "ปิ่นมณี", Last: "ใจดี"},
			NameEN:      smartcard.Name{Prefix: "Miss", First: "Pinmanee", Last: "Jaidee"},
			BirthDate:   time.Date(1990, 5, 17, 0, 0, 0, 0, time.UTC),
			Gender:      smartcard.GenderFemale,
			Issuer:      "สำนักงานเขตบางรัก/กรุงเทพมหานคร",
			IssueDate:   time.Date(2022, 1, 10, 0, 0, 0, 0, time.UTC),
			ExpiryDate:  time.Date(2031, 5, 16, 0, 0, 0, 0, time.UTC),
			PhotoNumber: "1234-56-78901234",
			LaserCode:   "JT0-1234567-89",
		},
	}
	f := &SimFinger{Image: img, DPI: 500}
	return &World{Citizen: citizen, Finger: f, Reference: f, OfficerID: "OFF-0001", RegistryKey: key}, nil
}
