//go:build !release

package board

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/iso19794"
	"github.com/regterm/regterm/firmware/biometric/reference"
	"github.com/regterm/regterm/tools/fpsynth"
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
// outside the repository. The fingers are tools/fpsynth fingers with fixed
// seeds; only RegistryKey (and so the signatures) differ between runs.
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

	// Other is a second citizen with a registry-signed reference of their
	// own finger, OtherFinger another impression of it.
	Other       *SimCard
	OtherFinger *SimFinger
	// Impostor is a finger of nobody in the registry.
	Impostor *SimFinger
	// Clone is a forged card: the citizen's card data carrying Other's
	// genuinely signed reference (reference.Verify refuses it with
	// reference.ErrWrongCitizen).
	Clone *SimCard
	// OfficerEnrolled is the impression of OfficerID's finger in the
	// office's officer gallery; OfficerFinger is the one the officer
	// places to log in.
	OfficerEnrolled, OfficerFinger *SimFinger
}

// Seeds of the world's synthetic fingers and impressions.
const (
	worldCitizenSeed  = 20260101
	worldOtherSeed    = 20260203
	worldImpostorSeed = 20260305
	worldOfficerSeed  = 20260404
)

func simFinger(f *fpsynth.Finger, impression uint64) *SimFinger {
	// Impression only fails on invalid parameters; RandomImpression's
	// never are.
	return &SimFinger{Image: f.Impression(impression), DPI: 500}
}

// signedReference extracts the template of f, encodes it as an ISO/IEC
// 19794-2:2005 record (finger position 2, right index) and has the
// registry sign it for citizenID.
func signedReference(key *ecdsa.PrivateKey, citizenID string, f *SimFinger, issued time.Time) ([]byte, error) {
	t, err := biometric.Extract(f.Image, f.DPI)
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	iso, err := iso19794.EncodeTemplate(t, iso19794.ISO2005, &iso19794.Opts{Position: 2})
	if err != nil {
		return nil, err
	}
	return reference.Sign(key, citizenID, iso, issued)
}

func newWorld(env *Env) (*World, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// The fingers are independent: make them on all cores (the demo
	// waits for this); the result is the same whatever the scheduling.
	o := &fpsynth.Opts{Width: 256, Height: 288, DPI: 500}
	seeds := []uint64{worldCitizenSeed, worldOtherSeed, worldImpostorSeed, worldOfficerSeed}
	imps := make([][2]*SimFinger, len(seeds))
	errs := make([]error, len(seeds))
	var wg sync.WaitGroup
	for i, seed := range seeds {
		wg.Go(func() {
			f, err := fpsynth.NewFinger(seed, o)
			if err != nil {
				errs[i] = err
				return
			}
			imps[i] = [2]*SimFinger{simFinger(f, 1), simFinger(f, 2)}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	w := &World{
		OfficerID:   "OFF-0001",
		RegistryKey: key,
		Reference:   imps[0][0],
		Finger:      imps[0][1],
		OtherFinger: imps[1][1],
		Impostor:    imps[2][0],

		OfficerEnrolled: imps[3][0],
		OfficerFinger:   imps[3][1],
	}
	atr := []byte{0x3B, 0x68, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}
	w.Citizen = &SimCard{
		ATR: atr,
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
	w.Other = &SimCard{
		ATR: atr,
		Card: smartcard.IDCard{
			CitizenID:   "3101700123452",
			NameTH:      smartcard.Name{Prefix: "นาย", First: "สมชาย", Last: "รักไทย"},
			NameEN:      smartcard.Name{Prefix: "Mr.", First: "Somchai", Last: "Rakthai"},
			BirthDate:   time.Date(1985, 11, 2, 0, 0, 0, 0, time.UTC),
			Gender:      smartcard.GenderMale,
			Issuer:      "สำนักงานเขตปทุมวัน/กรุงเทพมหานคร",
			IssueDate:   time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC),
			ExpiryDate:  time.Date(2032, 11, 1, 0, 0, 0, 0, time.UTC),
			PhotoNumber: "3101-70-01234567",
			LaserCode:   "ME1-7654321-12",
		},
	}
	c, oc := &w.Citizen.Card, &w.Other.Card
	var errC, errO error
	wg.Go(func() { c.Reference, errC = signedReference(key, c.CitizenID, w.Reference, c.IssueDate) })
	wg.Go(func() { oc.Reference, errO = signedReference(key, oc.CitizenID, imps[1][0], oc.IssueDate) })
	wg.Wait()
	if errC != nil {
		return nil, fmt.Errorf("citizen reference: %w", errC)
	}
	if errO != nil {
		return nil, fmt.Errorf("second citizen reference: %w", errO)
	}
	clone := *w.Citizen
	clone.Card.Reference = append([]byte(nil), oc.Reference...)
	w.Clone = &clone
	return w, nil
}
