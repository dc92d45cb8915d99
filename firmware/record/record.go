package record

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/regterm/regterm/drivers/hwkey"
)

// Version is the schema version this firmware writes and the newest one
// this reader knows.
const Version = 1

// Errors.
var (
	// ErrMalformed means the bytes are not a binding record (or not a
	// token).
	ErrMalformed = errors.New("record: malformed")
	// ErrSignature means the signature does not verify (or was made by a
	// key other than the verifying one).
	ErrSignature = errors.New("record: bad signature")
	// ErrUnknownVersion means the signature verified but the record's
	// schema version is newer than this reader knows; the fields it knows
	// were decoded and the record is returned with the error.
	ErrUnknownVersion = errors.New("record: unknown schema version")
	// ErrInvalid means Seal was given an incomplete or inconsistent record;
	// nothing was signed.
	ErrInvalid = errors.New("record: invalid record")
)

// Kind says why a record exists.
type Kind uint8

// Record kinds.
const (
	KindMatch     Kind = 1 // fingerprint matched the reference
	KindException Kind = 2 // supervisor-approved exception, no match
)

func (k Kind) String() string {
	switch k {
	case KindMatch:
		return "match"
	case KindException:
		return "exception"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// TimeSource says where a record's timestamp came from.
type TimeSource string

// Time sources.
const (
	// TimeRTC: the battery-backed real-time clock, believed set.
	TimeRTC TimeSource = "rtc"
	// TimeRegistry: the clock was set from the registry's signed time in
	// this boot.
	TimeRegistry TimeSource = "registry"
	// TimeFloor: neither is trusted; the time is the persisted minimum
	// (the latest time this terminal has ever known), so the record
	// happened no earlier than it.
	TimeFloor TimeSource = "floor"
)

// Known reports whether s is one of the time sources this reader knows.
func (s TimeSource) Known() bool {
	return s == TimeRTC || s == TimeRegistry || s == TimeFloor
}

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

// Record is the binding record payload. The CBOR map keys are the schema:
// never renumber or reuse one; a new field gets a new key (readers ignore
// keys they do not know, see Unknown) and, if old readers must notice it,
// a new Version.
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

	// Unknown lists the top-level map keys of a decoded record that this
	// reader does not know (written by newer firmware); not encoded.
	Unknown []int64 `cbor:"-"`
}

// SetTime stamps r with wall-clock time t from source src and the
// monotonic time since boot.
func (r *Record) SetTime(t time.Time, src TimeSource, sinceBoot time.Duration) {
	r.TimeUnixMilli = t.UnixMilli()
	r.TimeSource = src
	r.BootMilli = uint64(max(sinceBoot, 0) / time.Millisecond)
}

// Time is the record's wall-clock timestamp (UTC); see TimeSource for how
// far to trust it.
func (r *Record) Time() time.Time { return time.UnixMilli(r.TimeUnixMilli).UTC() }

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	var err error
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
	decMode, err = cbor.DecOptions{
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthForbidden,
		TagsMd:           cbor.TagsForbidden,
		MaxNestedLevels:  8,
		MaxArrayElements: 256,
		MaxMapPairs:      256,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// check reports what makes r unfit to be signed.
func (r *Record) check() error {
	switch {
	case r.TerminalID == "":
		return errors.New("no terminal id")
	case r.Kind == KindMatch && (r.Match == nil || r.Exception != nil):
		return errors.New("a match record needs Match and no Exception")
	case r.Kind == KindException && (r.Exception == nil || r.Match != nil):
		return errors.New("an exception record needs Exception and no Match")
	case r.Kind != KindMatch && r.Kind != KindException:
		return fmt.Errorf("unknown kind %d", r.Kind)
	case !r.TimeSource.Known():
		return fmt.Errorf("unknown time source %q", r.TimeSource)
	case r.TimeUnixMilli <= 0:
		return errors.New("no timestamp")
	case len(r.CardHash) != 0 && len(r.CardHash) != sha256.Size:
		return fmt.Errorf("card hash of %d bytes", len(r.CardHash))
	case len(r.TokenHash) != 0 && len(r.TokenHash) != sha256.Size:
		return fmt.Errorf("token hash of %d bytes", len(r.TokenHash))
	}
	return nil
}

// Seal fills in the chain position (record id, sequence, prev, key id and
// schema version), encodes and signs r, and returns the complete
// COSE_Sign1 bytes. The outbox calls it inside its transaction. A record
// that is incomplete (ErrInvalid) is not signed and r is not changed.
func (r *Record) Seal(s hwkey.Signer, epoch, seq uint64, prev [32]byte) ([]byte, error) {
	return r.seal(rand.Reader, s, epoch, seq, prev)
}

func (r *Record) seal(rnd io.Reader, s hwkey.Signer, epoch, seq uint64, prev [32]byte) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if seq == 0 {
		return nil, fmt.Errorf("%w: sequence numbers start at 1", ErrInvalid)
	}
	if seq == 1 && prev != ([32]byte{}) {
		return nil, fmt.Errorf("%w: the first record of an epoch has a zero prev", ErrInvalid)
	}
	kid := s.KeyID()
	r.Version = Version
	r.ID = ID{Terminal: r.TerminalID, Epoch: epoch, Seq: seq}
	r.Seq = seq
	r.Prev = append([]byte(nil), prev[:]...)
	r.KeyID = append([]byte(nil), kid[:]...)
	payload, err := encMode.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("record: encode: %w", err)
	}
	out, err := sign1(rnd, s, kid[:], payload)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// sign1 makes a COSE_Sign1 with ES256 by s over payload, with kid (when
// not nil) in the protected header.
func sign1(rnd io.Reader, s hwkey.Signer, kid, payload []byte) ([]byte, error) {
	cs, err := cose.NewSigner(cose.AlgorithmES256, s)
	if err != nil {
		return nil, fmt.Errorf("record: signer: %w", err)
	}
	hdr := cose.Headers{Protected: cose.ProtectedHeader{cose.HeaderLabelAlgorithm: cose.AlgorithmES256}}
	if kid != nil {
		hdr.Protected[cose.HeaderLabelKeyID] = kid
	}
	out, err := cose.Sign1(rnd, cs, hdr, payload, nil)
	if err != nil {
		return nil, fmt.Errorf("record: sign: %w", err)
	}
	return out, nil
}

// Hash is SHA-256 of a record's complete COSE bytes, the next record's Prev.
func Hash(cose []byte) [32]byte { return sha256.Sum256(cose) }
