package record

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"slices"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/regterm/regterm/drivers/hwkey"
)

// maxRecord bounds the bytes of one record: a real one is well under 1 KiB.
const maxRecord = 16 << 10

// knownKeys are the top-level payload keys of schema Version.
var knownKeys = func() map[int64]bool {
	m := map[int64]bool{}
	for k := int64(1); k <= 20; k++ {
		m[k] = true
	}
	return m
}()

// Decode parses a COSE_Sign1 record without checking its signature. Map
// keys it does not know are skipped and listed in Record.Unknown.
func Decode(b []byte) (*cose.Sign1Message, *Record, error) {
	if len(b) > maxRecord {
		return nil, nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	var m cose.Sign1Message
	if err := m.UnmarshalCBOR(b); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if m.Payload == nil {
		return nil, nil, fmt.Errorf("%w: detached payload", ErrMalformed)
	}
	var raw map[int64]cbor.RawMessage
	if err := decMode.Unmarshal(m.Payload, &raw); err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	var r Record
	if err := decMode.Unmarshal(m.Payload, &r); err != nil {
		return nil, nil, fmt.Errorf("%w: payload: %v", ErrMalformed, err)
	}
	for k := range raw {
		if !knownKeys[k] {
			r.Unknown = append(r.Unknown, k)
		}
	}
	slices.Sort(r.Unknown)
	if err := r.consistent(&m); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return &m, &r, nil
}

// consistent checks what every version of the schema guarantees.
func (r *Record) consistent(m *cose.Sign1Message) error {
	switch {
	case r.Version == 0:
		return errors.New("no schema version")
	case r.ID.Seq == 0 || r.Seq != r.ID.Seq:
		return fmt.Errorf("sequence %d, record id %v", r.Seq, r.ID)
	case r.ID.Terminal != r.TerminalID || r.TerminalID == "":
		return fmt.Errorf("terminal %q, record id %v", r.TerminalID, r.ID)
	case len(r.Prev) != 32:
		return fmt.Errorf("prev of %d bytes", len(r.Prev))
	case len(r.KeyID) != 32:
		return fmt.Errorf("key id of %d bytes", len(r.KeyID))
	}
	kid, _ := m.Headers.Protected[cose.HeaderLabelKeyID].([]byte)
	if !bytes.Equal(kid, r.KeyID) {
		return fmt.Errorf("protected key id %x differs from the record's %x", kid, r.KeyID)
	}
	return nil
}

// KeyIDOf returns the key id of a record's protected header, to find the
// verifying key, without checking anything else.
func KeyIDOf(b []byte) ([32]byte, error) {
	_, r, err := Decode(b)
	if err != nil {
		return [32]byte{}, err
	}
	return [32]byte(r.KeyID), nil
}

// Verify checks b's ES256 signature against pub (whose key id must be the
// record's) and returns the record. When the signature verifies but the
// record's Version is newer than this reader knows, it returns the record
// and an error wrapping ErrUnknownVersion: forward it, do not judge it.
func Verify(b []byte, pub crypto.PublicKey) (*Record, error) {
	m, r, err := Decode(b)
	if err != nil {
		return nil, err
	}
	want, err := hwkey.KeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("record: verifier: %w", err)
	}
	if !bytes.Equal(r.KeyID, want[:]) {
		return nil, fmt.Errorf("%w: signed by key %x, not %x", ErrSignature, r.KeyID[:8], want[:8])
	}
	if err := verify1(m, pub); err != nil {
		return nil, err
	}
	if r.Version > Version {
		return r, fmt.Errorf("%w %d (this reader knows up to %d) in %v", ErrUnknownVersion, r.Version, Version, r.ID)
	}
	return r, nil
}

func verify1(m *cose.Sign1Message, pub crypto.PublicKey) error {
	v, err := cose.NewVerifier(cose.AlgorithmES256, pub)
	if err != nil {
		return fmt.Errorf("record: verifier: %w", err)
	}
	if err := m.Verify(nil, v); err != nil {
		return fmt.Errorf("%w: %v", ErrSignature, err)
	}
	return nil
}
