package reference

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/biometric"
	"github.com/regterm/regterm/firmware/biometric/iso19794"
)

// ContentType is the COSE content type of a signed reference.
const ContentType = "application/vnd.regterm.reference+cbor"

// Version is the payload version Sign writes and Verify reads.
const Version = 1

// MaxSize bounds a signed reference: an ISO record of 255 minutiae is
// about 1.6 KiB, the rest leaves room for extended data.
const MaxSize = 16 << 10

// Errors. Every error from this package wraps one of them.
var (
	// ErrNoReference means the source has no reference for the citizen
	// (the card has no biometric applet, the registry has no record).
	ErrNoReference = errors.New("reference: no reference template")
	// ErrUntrusted means a reference was found but must not be used: its
	// signature does not verify against the registry key, it was signed
	// for another citizen, or its content type or algorithm is wrong.
	ErrUntrusted = errors.New("reference: reference not trusted")
	// ErrWrongCitizen means a validly signed reference names a different
	// citizen. It wraps ErrUntrusted.
	ErrWrongCitizen = fmt.Errorf("%w: signed for another citizen", ErrUntrusted)
	// ErrMalformed means the bytes are not a signed reference (bad CBOR,
	// COSE structure, payload or template record).
	ErrMalformed = errors.New("reference: malformed signed reference")
	// ErrUnavailable means the source could not be asked (registry
	// unreachable, timeout); another source may still answer.
	ErrUnavailable = errors.New("reference: source unavailable")
)

// Reference is a verified reference template.
type Reference struct {
	CitizenID string
	// Template is the decoded ISO record's first finger view.
	Template *biometric.Template
	// Finger is the ISO finger position of the template (0 unknown).
	Finger uint8
	// ISO is the ISO/IEC 19794-2:2005 record as signed.
	ISO []byte
	// Issued is when the registry signed the reference.
	Issued time.Time
	// KeyID is the signing key's id (SHA-256 of its PKIX encoding).
	KeyID []byte
	// From names the source ("card", "registry").
	From string
}

// Wipe overwrites the template and the record bytes.
func (r *Reference) Wipe() {
	if r == nil {
		return
	}
	if r.Template != nil {
		r.Template.Wipe()
	}
	clear(r.ISO)
}

// Source finds the reference of the citizen whose card is card. card is
// the card read in this enrollment (it may be nil for sources that do not
// need it). Implementations verify what they return (see Verify) and
// return errors wrapping ErrNoReference, ErrUntrusted, ErrMalformed or
// ErrUnavailable.
type Source interface {
	Reference(ctx context.Context, citizenID string, card *smartcard.IDCard) (*Reference, error)
}

// payload is the signed CBOR map.
type payload struct {
	Version   uint   `cbor:"1,keyasint"`
	CitizenID string `cbor:"2,keyasint"`
	Template  []byte `cbor:"3,keyasint"`
	Issued    int64  `cbor:"4,keyasint"`
}

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	if encMode, err = cbor.CoreDetEncOptions().EncMode(); err != nil {
		panic(err)
	}
	if decMode, err = (cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		IndefLength:       cbor.IndefLengthForbidden,
		MaxNestedLevels:   4,
		MaxMapPairs:       16,
		MaxArrayElements:  16,
	}).DecMode(); err != nil {
		panic(err)
	}
}

// decodePayload parses the signed payload strictly: the deterministic map
// of the known keys, version 1, an ISO 2005 record with a finger view.
func decodePayload(b []byte) (*payload, *iso19794.Record, error) {
	var p payload
	if err := decMode.Unmarshal(b, &p); err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	if re, err := encMode.Marshal(p); err != nil || string(re) != string(b) {
		return nil, nil, fmt.Errorf("%w: payload is not in deterministic encoding", ErrMalformed)
	}
	if p.Version != Version {
		return nil, nil, fmt.Errorf("%w: payload version %d, want %d", ErrMalformed, p.Version, Version)
	}
	if p.CitizenID == "" {
		return nil, nil, fmt.Errorf("%w: no citizen id", ErrMalformed)
	}
	rec, err := iso19794.DecodeFormat(p.Template, iso19794.ISO2005)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: template: %w", ErrMalformed, err)
	}
	if len(rec.Views) == 0 {
		return nil, nil, fmt.Errorf("%w: template: %w", ErrMalformed, iso19794.ErrNoView)
	}
	return &p, rec, nil
}

// KeyID returns the key id of pub: SHA-256 of its PKIX encoding.
func KeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("reference: key id: %w", err)
	}
	h := sha256.Sum256(der)
	return h[:], nil
}

// Sign makes a signed reference: the registry's key signs citizenID's
// ISO/IEC 19794-2:2005 record iso, issued at issued. The simulated
// registry and the tools use it; iso must decode.
func Sign(key crypto.Signer, citizenID string, iso []byte, issued time.Time) ([]byte, error) {
	if citizenID == "" {
		return nil, fmt.Errorf("reference: sign: empty citizen id")
	}
	if _, err := iso19794.DecodeFormat(iso, iso19794.ISO2005); err != nil {
		return nil, fmt.Errorf("reference: sign: template: %w", err)
	}
	if err := checkKey(key.Public()); err != nil {
		return nil, fmt.Errorf("reference: sign: %w", err)
	}
	kid, err := KeyID(key.Public())
	if err != nil {
		return nil, err
	}
	p, err := encMode.Marshal(payload{Version: Version, CitizenID: citizenID, Template: iso, Issued: issued.Unix()})
	if err != nil {
		return nil, fmt.Errorf("reference: sign: encode: %w", err)
	}
	s, err := cose.NewSigner(cose.AlgorithmES256, key)
	if err != nil {
		return nil, fmt.Errorf("reference: sign: %w", err)
	}
	hdr := cose.Headers{Protected: cose.ProtectedHeader{
		cose.HeaderLabelAlgorithm:   cose.AlgorithmES256,
		cose.HeaderLabelContentType: ContentType,
		cose.HeaderLabelKeyID:       kid,
	}}
	out, err := cose.Sign1(rand.Reader, s, hdr, p, nil)
	if err != nil {
		return nil, fmt.Errorf("reference: sign: %w", err)
	}
	if len(out) > MaxSize {
		return nil, fmt.Errorf("reference: sign: %d bytes > %d", len(out), MaxSize)
	}
	return out, nil
}

func checkKey(pub crypto.PublicKey) error {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k.Curve != elliptic.P256() {
		return fmt.Errorf("registry key is %T, want an ECDSA P-256 key", pub)
	}
	return nil
}

// Verify checks a signed reference b against the registry public key and
// the citizen id being enrolled, and returns the reference. A wrong key,
// a bad signature, a wrong content type or algorithm give ErrUntrusted; a
// reference signed for another citizen gives ErrWrongCitizen; undecodable
// bytes give ErrMalformed.
func Verify(b []byte, registryPub crypto.PublicKey, citizenID string) (*Reference, error) {
	return VerifyKeys(b, []crypto.PublicKey{registryPub}, citizenID)
}

// VerifyKeys is Verify against several registry keys, for a key rotation
// (the new key and the ones still trusted). The key whose id (KeyID)
// equals the message's kid header verifies it; a message without a kid
// must verify against one of the keys.
func VerifyKeys(b []byte, keys []crypto.PublicKey, citizenID string) (*Reference, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("reference: verify: no registry key")
	}
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return nil, fmt.Errorf("reference: verify: %w", err)
		}
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrMalformed, len(b), MaxSize)
	}
	var m cose.Sign1Message
	if err := m.UnmarshalCBOR(b); err != nil {
		return nil, fmt.Errorf("%w: COSE_Sign1: %v", ErrMalformed, err)
	}
	alg, err := m.Headers.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmES256 {
		return nil, fmt.Errorf("%w: algorithm %v (%v), want ES256", ErrUntrusted, alg, err)
	}
	if _, ok := m.Headers.Protected[cose.HeaderLabelCritical]; ok {
		// RFC 9052 3.1: a recipient must reject critical header
		// parameters it does not understand; references define none.
		return nil, fmt.Errorf("%w: critical header parameters", ErrUntrusted)
	}
	if ct, ok := m.Headers.Protected[cose.HeaderLabelContentType]; !ok || ct != ContentType {
		return nil, fmt.Errorf("%w: content type %v, want %q", ErrUntrusted, ct, ContentType)
	}
	kid, hasKid := m.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	var sigErr error = fmt.Errorf("%w: key id %x is none of the %d registry keys", ErrUntrusted, kid, len(keys))
	verified := false
	for _, k := range keys {
		if hasKid && len(keys) > 1 {
			id, err := KeyID(k)
			if err != nil || string(id) != string(kid) {
				continue
			}
		}
		v, err := cose.NewVerifier(cose.AlgorithmES256, k)
		if err != nil {
			return nil, fmt.Errorf("reference: verify: %w", err)
		}
		if err := m.Verify(nil, v); err != nil {
			sigErr = fmt.Errorf("%w: signature: %v", ErrUntrusted, err)
			continue
		}
		verified = true
		break
	}
	if !verified {
		return nil, sigErr
	}
	// Signed by the registry from here on; still parse strictly.
	p, rec, err := decodePayload(m.Payload)
	if err != nil {
		return nil, err
	}
	if p.CitizenID != citizenID {
		return nil, ErrWrongCitizen
	}
	t, err := rec.Template(0)
	if err != nil {
		return nil, fmt.Errorf("%w: template: %w", ErrMalformed, err)
	}
	return &Reference{
		CitizenID: p.CitizenID,
		Template:  t,
		Finger:    rec.Views[0].Position,
		ISO:       p.Template,
		Issued:    time.Unix(p.Issued, 0).UTC(),
		KeyID:     append([]byte(nil), kid...),
	}, nil
}

// LogValue keeps a reference out of logs: only where it came from, when it
// was issued, the key id and the minutia count are shown, never the
// citizen id or the template.
func (r *Reference) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("<nil>")
	}
	n := 0
	if r.Template != nil {
		n = len(r.Template.Minutiae)
	}
	kid := r.KeyID
	if len(kid) > 4 {
		kid = kid[:4]
	}
	return slog.GroupValue(
		slog.String("from", r.From),
		slog.Time("issued", r.Issued),
		slog.String("key", fmt.Sprintf("%x", kid)),
		slog.Int("minutiae", n),
	)
}
