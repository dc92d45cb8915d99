package uplink_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/iso19794"
	"github.com/regterm/regterm/firmware/biometric/reference"
	"github.com/regterm/regterm/firmware/uplink"
	"github.com/regterm/regterm/tools/ingest"
)

func TestReferenceSource(t *testing.T) {
	srv := registry(t, ingest.Faults{})
	tm := newTerminal(t, srv, srv.URL(), 5*time.Second)
	regKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tp := &biometric.Template{Width: 256, Height: 288, DPI: 500, Minutiae: []biometric.Minutia{
		{X: 10, Y: 20, Kind: biometric.KindEnding}, {X: 100, Y: 120, Kind: biometric.KindBifurcation},
	}}
	iso, err := iso19794.EncodeTemplate(tp, iso19794.ISO2005, nil)
	if err != nil {
		t.Fatal(err)
	}
	const good, forged, other = "1234567890121", "3101700000001", "1100100000002"
	for id, key := range map[string]*ecdsa.PrivateKey{good: regKey, forged: forger} {
		signed, err := reference.Sign(key, id, iso, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.PutReference(id, signed); err != nil {
			t.Fatal(err)
		}
	}
	// A reference signed for good, served under other's id.
	signed, _ := reference.Sign(regKey, good, iso, time.Now())
	srv.PutReference(other, signed)

	up := true
	src := &uplink.ReferenceSource{Client: tm.client, RegistryKey: &regKey.PublicKey, Up: func() bool { return up }}
	r, err := src.Reference(context.Background(), good, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.From != "registry" || r.CitizenID != good || len(r.Template.Minutiae) != 2 {
		t.Fatalf("got %+v", r)
	}
	tests := []struct {
		id   string
		want error
	}{
		{"1999999999999", reference.ErrNoReference},
		{forged, reference.ErrUntrusted},
		{other, reference.ErrWrongCitizen},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if _, err := src.Reference(context.Background(), tc.id, nil); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	up = false
	if _, err := src.Reference(context.Background(), good, nil); !errors.Is(err, reference.ErrUnavailable) {
		t.Fatalf("uplink down: got %v, want ErrUnavailable", err)
	}
	// The registry after the card in a chain: the card has none here.
	up = true
	chain := reference.Chain{&reference.CardSource{RegistryKey: &regKey.PublicKey}, src}
	if r, err := chain.Reference(context.Background(), good, nil); err != nil || r.From != "registry" {
		t.Fatalf("chain: %v %v", r, err)
	}
}
