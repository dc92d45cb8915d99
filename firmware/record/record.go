package record

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/regterm/regterm/drivers/hwkey"
)

// Version is the schema version this firmware writes.
const Version = 1

// Errors.
var (
	// ErrMalformed means the bytes are not a binding record.
	ErrMalformed = errors.New("record: malformed")
	// ErrSignature means the signature does not verify.
	ErrSignature = errors.New("record: bad signature")
)

// Kind says why a record exists.
type Kind uint8

// Record kinds.
const (
	KindMatch     Kind = 1 // fingerprint matched the reference
	KindException Kind = 2 // supervisor-approved exception, no match
)

// TimeSource says where a record's timestamp came from.
type TimeSource string

// Time sources.
const (
	TimeRTC      TimeSource = "rtc"
	TimeRegistry TimeSource = "registry"
	TimeFloor    TimeSource = "floor"
)

// Match is the result of the fingerprint comparison.
type Match struct {
	Score     float64 `cbor:"1,keyasint"`
	Threshold float64 `cbor:"2,keyasint"`
	Finger    uint8   `cbor:"3,keyasint"` // ISO finger position
	Quality   uint8   `cbor:"4,keyasint"`
	Algorithm string  `cbor:"5,keyasint"`
}

// Exception is a supervisor's approval when no finger could be captured.
type Exception struct {
	SupervisorID string `cbor:"1,keyasint"`
	Reason       string `cbor:"2,keyasint"`
}

// ID identifies a record: terminal, chain epoch and sequence.
type ID struct {
	Terminal string `cbor:"1,keyasint"`
	Epoch    uint64 `cbor:"2,keyasint"`
	Seq      uint64 `cbor:"3,keyasint"`
}

func (id ID) String() string { return fmt.Sprintf("%s/%d/%d", id.Terminal, id.Epoch, id.Seq) }

// Record is the binding record payload.
type Record struct {
	Version       uint       `cbor:"1,keyasint"`
	Kind          Kind       `cbor:"2,keyasint"`
	ID            ID         `cbor:"3,keyasint"`
	Seq           uint64     `cbor:"4,keyasint"`
	Prev          []byte     `cbor:"5,keyasint"` // 32 bytes
	NoticeVersion string     `cbor:"6,keyasint"`
	TerminalID    string     `cbor:"7,keyasint"`
	KeyID         []byte     `cbor:"8,keyasint"`
	OfficerID     string     `cbor:"9,keyasint"`
	CitizenID     string     `cbor:"10,keyasint"`
	ChipNumber    string     `cbor:"11,keyasint,omitempty"`
	LaserCode     string     `cbor:"12,keyasint,omitempty"`
	CardHash      []byte     `cbor:"13,keyasint"`
	Match         *Match     `cbor:"14,keyasint,omitempty"`
	Exception     *Exception `cbor:"15,keyasint,omitempty"`
	TokenHash     []byte     `cbor:"16,keyasint"`
	TimeUnixMilli int64      `cbor:"17,keyasint"`
	TimeSource    TimeSource `cbor:"18,keyasint"`
	BootMilli     uint64     `cbor:"19,keyasint"` // monotonic time since boot
	Firmware      string     `cbor:"20,keyasint"`
}

var encMode cbor.EncMode

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
}

// Seal fills in the chain position, encodes and signs r, and returns the
// complete COSE_Sign1 bytes. The outbox calls it inside its transaction.
func (r *Record) Seal(s hwkey.Signer, epoch, seq uint64, prev [32]byte) ([]byte, error) {
	kid := s.KeyID()
	r.Version = Version
	r.ID = ID{Terminal: r.TerminalID, Epoch: epoch, Seq: seq}
	r.Seq = seq
	r.Prev = append([]byte(nil), prev[:]...)
	r.KeyID = kid[:]
	payload, err := encMode.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("record: encode: %w", err)
	}
	cs, err := cose.NewSigner(cose.AlgorithmES256, s)
	if err != nil {
		return nil, fmt.Errorf("record: signer: %w", err)
	}
	hdr := cose.Headers{Protected: cose.ProtectedHeader{
		cose.HeaderLabelAlgorithm: cose.AlgorithmES256,
		cose.HeaderLabelKeyID:     kid[:],
	}}
	out, err := cose.Sign1(rand.Reader, cs, hdr, payload, nil)
	if err != nil {
		return nil, fmt.Errorf("record: sign: %w", err)
	}
	return out, nil
}

// Hash is SHA-256 of a record's complete COSE bytes, the next record's Prev.
func Hash(cose []byte) [32]byte { return sha256.Sum256(cose) }
