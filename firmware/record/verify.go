package record

import (
	"crypto"
	"fmt"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
)

// Decode parses a COSE_Sign1 record without checking its signature.
func Decode(b []byte) (*cose.Sign1Message, *Record, error) {
	var m cose.Sign1Message
	if err := m.UnmarshalCBOR(b); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var r Record
	if err := cbor.Unmarshal(m.Payload, &r); err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	return &m, &r, nil
}

// Verify checks b's ES256 signature against pub and returns the record.
func Verify(b []byte, pub crypto.PublicKey) (*Record, error) {
	m, r, err := Decode(b)
	if err != nil {
		return nil, err
	}
	v, err := cose.NewVerifier(cose.AlgorithmES256, pub)
	if err != nil {
		return nil, fmt.Errorf("record: verifier: %w", err)
	}
	if err := m.Verify(nil, v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return r, nil
}
