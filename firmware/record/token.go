package record

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/veraison/go-cose"

	"github.com/regterm/regterm/drivers/hwkey"
)

// TokenPrefix is the scheme prefix of the QR token: "RT" (regterm) and the
// token format version. The rest is base45 (RFC 9285) of a COSE_Sign1
// (ES256, protected header {alg}) over the CBOR claims {1: session id, 2:
// terminal id, 3: expiry (Unix seconds), 4: nonce}. Both the prefix and
// base45 are in the QR alphanumeric set, so the whole token is one
// alphanumeric segment.
const TokenPrefix = "RT1:"

// Token errors.
var (
	// ErrTokenExpired means the token's expiry has passed.
	ErrTokenExpired = errors.New("record: token expired")
	// ErrTokenPrefix means the text does not start with TokenPrefix (a
	// token of another format version, or not a token).
	ErrTokenPrefix = errors.New("record: not a " + TokenPrefix + " token")
)

// maxToken bounds a token's text: one QR code holds at most 4 296
// alphanumeric characters.
const maxToken = 4296

// nonceSize is the random nonce of a token: 64 bits make every token
// unique even for the same session and expiry.
const nonceSize = 8

// TokenClaims are what a token says.
type TokenClaims struct {
	SessionID  []byte
	TerminalID string
	Expiry     time.Time // to the second
	Nonce      []byte
}

// tokenClaims is the CBOR form of TokenClaims.
type tokenClaims struct {
	SessionID  []byte `cbor:"1,keyasint"`
	TerminalID string `cbor:"2,keyasint"`
	Expiry     int64  `cbor:"3,keyasint"`
	Nonce      []byte `cbor:"4,keyasint"`
}

// NewToken signs a token for the citizen's app with the terminal key s and
// returns its text and the SHA-256 of that text (the binding record's
// TokenHash). Expiry is kept to the second.
func NewToken(s hwkey.Signer, sessionID []byte, terminalID string, expiry time.Time) (token string, hash [32]byte, err error) {
	return newToken(rand.Reader, s, sessionID, terminalID, expiry)
}

func newToken(rnd io.Reader, s hwkey.Signer, sessionID []byte, terminalID string, expiry time.Time) (string, [32]byte, error) {
	if len(sessionID) == 0 || terminalID == "" || expiry.Unix() <= 0 {
		return "", [32]byte{}, fmt.Errorf("%w: token needs a session id, terminal id and expiry", ErrInvalid)
	}
	c := tokenClaims{SessionID: sessionID, TerminalID: terminalID, Expiry: expiry.Unix(), Nonce: make([]byte, nonceSize)}
	if _, err := io.ReadFull(rnd, c.Nonce); err != nil {
		return "", [32]byte{}, fmt.Errorf("record: token nonce: %w", err)
	}
	payload, err := encMode.Marshal(&c)
	if err != nil {
		return "", [32]byte{}, fmt.Errorf("record: token: %w", err)
	}
	b, err := sign1(rnd, s, nil, payload)
	if err != nil {
		return "", [32]byte{}, err
	}
	t := TokenPrefix + base45Encode(b)
	return t, TokenHash(t), nil
}

// TokenHash is SHA-256 of a token's text, as the binding record carries it.
func TokenHash(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// ParseToken decodes a token without checking its signature or expiry.
func ParseToken(token string) (*TokenClaims, *cose.Sign1Message, error) {
	if len(token) > maxToken {
		return nil, nil, fmt.Errorf("%w: token of %d characters", ErrMalformed, len(token))
	}
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok {
		return nil, nil, ErrTokenPrefix
	}
	b, err := base45Decode(rest)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: token: %v", ErrMalformed, err)
	}
	var m cose.Sign1Message
	if err := m.UnmarshalCBOR(b); err != nil {
		return nil, nil, fmt.Errorf("%w: token: %v", ErrMalformed, err)
	}
	var c tokenClaims
	if err := decMode.Unmarshal(m.Payload, &c); err != nil {
		return nil, nil, fmt.Errorf("%w: token claims: %v", ErrMalformed, err)
	}
	if len(c.SessionID) == 0 || c.TerminalID == "" || c.Expiry <= 0 || len(c.Nonce) != nonceSize {
		return nil, nil, fmt.Errorf("%w: token claims incomplete", ErrMalformed)
	}
	return &TokenClaims{SessionID: c.SessionID, TerminalID: c.TerminalID,
		Expiry: time.Unix(c.Expiry, 0).UTC(), Nonce: c.Nonce}, &m, nil
}

// VerifyToken checks a token's signature against the terminal key pub and
// that it has not expired at now, and returns its claims.
func VerifyToken(token string, pub crypto.PublicKey, now time.Time) (*TokenClaims, error) {
	c, m, err := ParseToken(token)
	if err != nil {
		return nil, err
	}
	if err := verify1(m, pub); err != nil {
		return nil, err
	}
	if !now.Before(c.Expiry) {
		return nil, fmt.Errorf("%w at %v (now %v)", ErrTokenExpired, c.Expiry, now.UTC().Truncate(time.Second))
	}
	return c, nil
}
