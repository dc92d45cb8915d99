package reference

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"math/big"
	"testing"

	"github.com/regterm/regterm/firmware/biometric/iso19794"
)

// fuzzKey is a fixed P-256 key (d = 0x1234...) so that seeds stay valid.
func fuzzKey() *ecdsa.PrivateKey {
	d, _ := new(big.Int).SetString("1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef", 16)
	k := &ecdsa.PrivateKey{D: d}
	k.Curve = elliptic.P256()
	k.X, k.Y = elliptic.P256().ScalarBaseMult(d.Bytes())
	return k
}

// FuzzVerify checks that Verify never panics on outside bytes, that every
// error wraps one of the package's sentinels, and that anything accepted
// is for the citizen asked about and carries a decodable ISO template.
func FuzzVerify(f *testing.F) {
	key := fuzzKey()
	good, err := Sign(key, citizen, isoRecord(f, iso19794.ISO2005, 8), issued)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{0xD2, 0x84, 0x40, 0xA0, 0xF6, 0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Verify(b, &key.PublicKey, citizen)
		if err != nil {
			if r != nil {
				t.Fatal("reference returned with an error")
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUntrusted) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if r.CitizenID != citizen || r.Template == nil {
			t.Fatalf("accepted reference for %q", r.CitizenID)
		}
		if _, err := iso19794.DecodeFormat(r.ISO, iso19794.ISO2005); err != nil {
			t.Fatalf("accepted template does not decode: %v", err)
		}
	})
}

// FuzzPayload fuzzes the signed payload's decoder, which Verify reaches
// only behind a valid signature: whatever it accepts re-encodes to the
// same bytes and carries a decodable template.
func FuzzPayload(f *testing.F) {
	iso := isoRecord(f, iso19794.ISO2005, 4)
	good, err := encMode.Marshal(payload{Version: 1, CitizenID: citizen, Template: iso, Issued: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{0xA0})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, rec, err := decodePayload(b)
		if err != nil {
			if p != nil || rec != nil {
				t.Fatal("result returned with an error")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		re, err := encMode.Marshal(*p)
		if err != nil || string(re) != string(b) {
			t.Fatalf("accepted payload does not re-encode to itself (%v)", err)
		}
		if _, err := rec.Template(0); err != nil {
			t.Fatalf("accepted template: %v", err)
		}
	})
}
