package reference

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/iso19794"
)

const citizen = "1234567890121"

var issued = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func isoRecord(t testing.TB, f iso19794.Format, n int) []byte {
	tp := &biometric.Template{Width: 256, Height: 288, DPI: 500, Quality: 70}
	for i := 0; i < n; i++ {
		tp.Minutiae = append(tp.Minutiae, biometric.Minutia{X: 10 + 7*i, Y: 20 + 5*i, Angle: math.Pi / 4, Kind: biometric.KindEnding, Quality: 50})
	}
	b, err := iso19794.EncodeTemplate(tp, f, &iso19794.Opts{Position: 2})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signRaw signs an arbitrary payload with arbitrary protected headers.
func signRaw(t testing.TB, key *ecdsa.PrivateKey, alg cose.Algorithm, ct any, p []byte) []byte {
	s, err := cose.NewSigner(alg, key)
	if err != nil {
		t.Fatal(err)
	}
	h := cose.ProtectedHeader{cose.HeaderLabelAlgorithm: alg}
	if ct != nil {
		h[cose.HeaderLabelContentType] = ct
	}
	b, err := cose.Sign1(rand.Reader, s, cose.Headers{Protected: h}, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signCrit(t testing.TB, key *ecdsa.PrivateKey, p []byte) []byte {
	s, err := cose.NewSigner(cose.AlgorithmES256, key)
	if err != nil {
		t.Fatal(err)
	}
	h := cose.ProtectedHeader{
		cose.HeaderLabelAlgorithm:   cose.AlgorithmES256,
		cose.HeaderLabelContentType: ContentType,
		cose.HeaderLabelCritical:    []any{int64(99)},
		int64(99):                   "must be understood",
	}
	b, err := cose.Sign1(rand.Reader, s, cose.Headers{Protected: h}, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignVerify(t *testing.T) {
	key := newKey(t)
	iso := isoRecord(t, iso19794.ISO2005, 30)
	b, err := Sign(key, citizen, iso, issued)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Verify(b, &key.PublicKey, citizen)
	if err != nil {
		t.Fatal(err)
	}
	if r.CitizenID != citizen || !r.Issued.Equal(issued) || !bytes.Equal(r.ISO, iso) || r.Finger != 2 {
		t.Errorf("got %s issued %v finger %d, want %s %v 2", r.CitizenID, r.Issued, r.Finger, citizen, issued)
	}
	if got, want := len(r.Template.Minutiae), 30; got != want {
		t.Errorf("%d minutiae, want %d", got, want)
	}
	kid, _ := KeyID(&key.PublicKey)
	if !bytes.Equal(r.KeyID, kid) {
		t.Errorf("key id %x, want %x", r.KeyID, kid)
	}
	// The payload is the documented deterministic map.
	var m cose.Sign1Message
	if err := m.UnmarshalCBOR(b); err != nil {
		t.Fatal(err)
	}
	det, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	want, _ := det.Marshal(map[int]any{1: 1, 2: citizen, 3: iso, 4: issued.Unix()})
	if !bytes.Equal(m.Payload, want) {
		t.Errorf("payload\n% x\nwant\n% x", m.Payload, want)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("reference", "ref", r)
	if bytes.Contains(logged.Bytes(), []byte(citizen)) || !bytes.Contains(logged.Bytes(), []byte("minutiae=30")) {
		t.Errorf("log line %q: want the minutia count and no citizen id", logged.String())
	}
	r.Wipe()
	if len(r.Template.Minutiae) != 0 || !bytes.Equal(r.ISO, make([]byte, len(iso))) {
		t.Error("Wipe left template data")
	}
}

func TestVerifyRejects(t *testing.T) {
	key := newKey(t)
	iso := isoRecord(t, iso19794.ISO2005, 12)
	good, err := Sign(key, citizen, iso, issued)
	if err != nil {
		t.Fatal(err)
	}
	payload := func(m map[int]any) []byte {
		b, err := cbor.CoreDetEncOptions().EncMode()
		if err != nil {
			t.Fatal(err)
		}
		p, err := b.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	okMap := func() map[int]any { return map[int]any{1: 1, 2: citizen, 3: iso, 4: issued.Unix()} }
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-10] ^= 1 // inside the signature
	other := newKey(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	// keys 2 and 1 swapped: valid CBOR, not deterministic
	nonDet := []byte{0xA4, 0x02, 0x6D}
	nonDet = append(nonDet, citizen...)
	nonDet = append(nonDet, 0x01, 0x01)
	tail := payload(map[int]any{3: iso, 4: issued.Unix()})
	nonDet = append(nonDet, tail[1:]...)
	withExtra := okMap()
	withExtra[9] = "x"
	v2 := okMap()
	v2[1] = 2
	for _, tc := range []struct {
		name    string
		b       []byte
		pub     any
		citizen string
		want    error
	}{
		{"wrong key", good, &other.PublicKey, citizen, ErrUntrusted},
		{"other citizen", good, &key.PublicKey, "3101700000001", ErrWrongCitizen},
		{"flipped signature bit", flipped, &key.PublicKey, citizen, ErrUntrusted},
		{"truncated", good[:len(good)-1], &key.PublicKey, citizen, ErrMalformed},
		{"empty", nil, &key.PublicKey, citizen, ErrMalformed},
		{"not cbor", []byte("FMR\x00 20\x00"), &key.PublicKey, citizen, ErrMalformed},
		{"too large", make([]byte, MaxSize+1), &key.PublicKey, citizen, ErrMalformed},
		{"no content type", signRaw(t, key, cose.AlgorithmES256, nil, payload(okMap())), &key.PublicKey, citizen, ErrUntrusted},
		{"other content type", signRaw(t, key, cose.AlgorithmES256, "application/vnd.regterm.record+cbor", payload(okMap())), &key.PublicKey, citizen, ErrUntrusted},
		{"critical header", signCrit(t, key, payload(okMap())), &key.PublicKey, citizen, ErrUntrusted},
		{"ES384", signRaw(t, p384, cose.AlgorithmES384, ContentType, payload(okMap())), &key.PublicKey, citizen, ErrUntrusted},
		{"non-deterministic payload", signRaw(t, key, cose.AlgorithmES256, ContentType, nonDet), &key.PublicKey, citizen, ErrMalformed},
		{"unknown field", signRaw(t, key, cose.AlgorithmES256, ContentType, payload(withExtra)), &key.PublicKey, citizen, ErrMalformed},
		{"version 2", signRaw(t, key, cose.AlgorithmES256, ContentType, payload(v2)), &key.PublicKey, citizen, ErrMalformed},
		{"ANSI template", signRaw(t, key, cose.AlgorithmES256, ContentType, payload(map[int]any{1: 1, 2: citizen, 3: isoRecord(t, iso19794.ANSI2004, 12), 4: 0})), &key.PublicKey, citizen, ErrMalformed},
		{"garbage template", signRaw(t, key, cose.AlgorithmES256, ContentType, payload(map[int]any{1: 1, 2: citizen, 3: []byte("FMR"), 4: 0})), &key.PublicKey, citizen, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Verify(tc.b, tc.pub, tc.citizen)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if r != nil {
				t.Error("reference returned with an error")
			}
		})
	}
	if _, err := Verify(good, &p384.PublicKey, citizen); err == nil {
		t.Error("P-384 registry key accepted for an ES256 reference")
	}
	if _, err := Sign(key, citizen, isoRecord(t, iso19794.ANSI2004, 3), issued); err == nil {
		t.Error("Sign accepted an ANSI record")
	}
	if _, err := Sign(key, "", iso, issued); err == nil {
		t.Error("Sign accepted an empty citizen id")
	}
}

func TestKeyRotation(t *testing.T) {
	old, cur, stranger := newKey(t), newKey(t), newKey(t)
	iso := isoRecord(t, iso19794.ISO2005, 10)
	byOld, err := Sign(old, citizen, iso, issued)
	if err != nil {
		t.Fatal(err)
	}
	byCur, _ := Sign(cur, citizen, iso, issued)
	byStranger, _ := Sign(stranger, citizen, iso, issued)
	noKid := signRaw(t, old, cose.AlgorithmES256, ContentType, mustPayload(t, iso))
	keys := []crypto.PublicKey{&cur.PublicKey, &old.PublicKey}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"current key", byCur, nil},
		{"previous key", byOld, nil},
		{"previous key, no kid", noKid, nil},
		{"unknown key", byStranger, ErrUntrusted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := VerifyKeys(tc.b, keys, citizen)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && r.CitizenID != citizen {
				t.Errorf("citizen %q", r.CitizenID)
			}
		})
	}
	src := &CardSource{RegistryKey: &cur.PublicKey, PreviousKeys: []crypto.PublicKey{&old.PublicKey}}
	if _, err := src.Reference(context.Background(), citizen, &smartcard.IDCard{CitizenID: citizen, Reference: byOld}); err != nil {
		t.Errorf("card signed by the previous key: %v", err)
	}
	if _, err := (&CardSource{RegistryKey: &cur.PublicKey}).Reference(context.Background(), citizen, &smartcard.IDCard{CitizenID: citizen, Reference: byOld}); !errors.Is(err, ErrUntrusted) {
		t.Errorf("retired key accepted: %v", err)
	}
	if _, err := VerifyKeys(byCur, nil, citizen); err == nil {
		t.Error("no keys accepted")
	}
}

func mustPayload(t testing.TB, iso []byte) []byte {
	det, err := cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		t.Fatal(err)
	}
	p, err := det.Marshal(map[int]any{1: 1, 2: citizen, 3: iso, 4: issued.Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCardSource(t *testing.T) {
	key := newKey(t)
	ref, err := Sign(key, citizen, isoRecord(t, iso19794.ISO2005, 20), issued)
	if err != nil {
		t.Fatal(err)
	}
	victim := "3101700000001"
	// A clone: the victim's card data with the impostor's signed reference.
	clone := &smartcard.IDCard{CitizenID: victim, Reference: ref}
	src := &CardSource{RegistryKey: &key.PublicKey}
	for _, tc := range []struct {
		name    string
		card    *smartcard.IDCard
		citizen string
		want    error
	}{
		{"valid", &smartcard.IDCard{CitizenID: citizen, Reference: ref}, citizen, nil},
		{"no card", nil, citizen, ErrNoReference},
		{"no applet", &smartcard.IDCard{CitizenID: citizen}, citizen, ErrNoReference},
		{"cloned card", clone, victim, ErrWrongCitizen},
		{"card of someone else", &smartcard.IDCard{CitizenID: citizen, Reference: ref}, victim, ErrWrongCitizen},
		{"corrupt", &smartcard.IDCard{CitizenID: citizen, Reference: ref[:40]}, citizen, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := src.Reference(context.Background(), tc.citizen, tc.card)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && (r.From != "card" || r.CitizenID != citizen) {
				t.Errorf("got from %q citizen %s", r.From, r.CitizenID)
			}
		})
	}
}

func TestChain(t *testing.T) {
	key := newKey(t)
	ref, err := Sign(key, citizen, isoRecord(t, iso19794.ISO2005, 20), issued)
	if err != nil {
		t.Fatal(err)
	}
	card := &smartcard.IDCard{CitizenID: citizen, Reference: ref}
	fail := func(e error) Source {
		return Func(func(context.Context, string, *smartcard.IDCard) (*Reference, error) { return nil, e })
	}
	registry := Func(func(ctx context.Context, id string, c *smartcard.IDCard) (*Reference, error) {
		r, err := Verify(ref, &key.PublicKey, id)
		if r != nil {
			r.From = "registry"
		}
		return r, err
	})
	cardSrc := &CardSource{RegistryKey: &key.PublicKey}
	for _, tc := range []struct {
		name     string
		chain    Chain
		card     *smartcard.IDCard
		from     string
		want     []error
		wantNone error
	}{
		{"registry first", Chain{registry, cardSrc}, card, "registry", nil, nil},
		{"registry down", Chain{fail(ErrUnavailable), cardSrc}, card, "card", nil, nil},
		{"registry forged", Chain{fail(ErrUntrusted), cardSrc}, card, "card", nil, nil},
		{"none", Chain{fail(ErrUnavailable), cardSrc}, &smartcard.IDCard{CitizenID: citizen}, "", []error{ErrUnavailable, ErrNoReference}, ErrUntrusted},
		{"forged everywhere", Chain{fail(ErrUntrusted), cardSrc}, &smartcard.IDCard{CitizenID: citizen, Reference: ref[:50]}, "", []error{ErrUntrusted, ErrMalformed}, ErrNoReference},
		{"empty chain", Chain{}, card, "", []error{ErrNoReference}, nil},
		{"nil reference", Chain{Func(func(context.Context, string, *smartcard.IDCard) (*Reference, error) { return nil, nil })}, card, "", []error{ErrNoReference}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.chain.Reference(context.Background(), citizen, tc.card)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if r.From != tc.from {
					t.Errorf("from %q, want %q", r.From, tc.from)
				}
				return
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want it to wrap %v", err, w)
				}
			}
			if tc.wantNone != nil && errors.Is(err, tc.wantNone) {
				t.Errorf("err = %v wraps %v", err, tc.wantNone)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	after := Func(func(context.Context, string, *smartcard.IDCard) (*Reference, error) { called = true; return nil, nil })
	if _, err := (Chain{cardSrc, after}).Reference(ctx, citizen, card); !errors.Is(err, context.Canceled) || called {
		t.Errorf("cancelled chain: err %v, second source called %v", err, called)
	}
}

// BenchmarkVerify is the cost of trusting a reference before a match
// (one ES256 verification, CBOR and ISO decoding).
func BenchmarkVerify(b *testing.B) {
	key := newKey(b)
	signed, err := Sign(key, citizen, isoRecord(b, iso19794.ISO2005, 60), issued)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Verify(signed, &key.PublicKey, citizen); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/verify")
}
