package smartcard

import (
	"context"
	"errors"
	"time"
)

// Errors returned by Reader implementations.
var (
	// ErrCardRemoved means the card left the reader during an operation. No
	// partial card is ever returned with it.
	ErrCardRemoved = errors.New("smartcard: card removed")
	// ErrNoCard means no card is in the reader.
	ErrNoCard = errors.New("smartcard: no card present")
	// ErrNoReader means no reader is attached (or pcscd lists none).
	ErrNoReader = errors.New("smartcard: no reader")
	// ErrUnsupportedCard means the card does not carry the expected application.
	ErrUnsupportedCard = errors.New("smartcard: unsupported card")
	// ErrInvalidCard means the card data failed validation (check digit, dates).
	ErrInvalidCard = errors.New("smartcard: invalid card data")
)

// Gender as printed on the card.
type Gender int

// Genders.
const (
	GenderUnknown Gender = iota
	GenderMale
	GenderFemale
)

// Name is a person's name split into its parts.
type Name struct {
	Prefix, First, Middle, Last string
}

// Address is the registered address on the card.
type Address struct {
	HouseNo, Moo, Alley, Lane, Road, Subdistrict, District, Province string
}

// IDCard is the decoded content of a national ID card. It holds personal
// data: never log it.
type IDCard struct {
	CitizenID   string // 13 digits, check digit verified
	NameTH      Name
	NameEN      Name
	BirthDate   time.Time // Gregorian, UTC midnight
	Gender      Gender
	Issuer      string
	IssueDate   time.Time
	ExpiryDate  time.Time // zero when the card does not expire
	Address     Address
	Photo       []byte // JPEG
	PhotoNumber string // the number printed under the photo (chip number)
	LaserCode   string // empty when unreadable
	ATR         []byte
	// RawHash is SHA-256 over the raw bytes of every file read, in order.
	RawHash [32]byte
	// Reference is the registry-signed reference template (COSE_Sign1) from
	// the deployment's biometric applet, nil when the card has none.
	Reference []byte
}

// Expired reports whether the card is expired at t.
func (c *IDCard) Expired(t time.Time) bool {
	return !c.ExpiryDate.IsZero() && t.After(c.ExpiryDate.Add(24*time.Hour))
}

// Reader is a card reader holding at most one card.
type Reader interface {
	// WaitPresence blocks until card presence differs from last, or ctx is
	// done, and returns the new presence.
	WaitPresence(ctx context.Context, last bool) (present bool, err error)
	// Read reads and decodes the card in the reader.
	Read(ctx context.Context) (*IDCard, error)
	String() string
	Close() error
}

// ErrNoService means the card service (pcscd) is not running or refused
// the client.
var ErrNoService = errors.New("smartcard: card service (pcscd) not available")

// ProgressReader is a Reader that reports how far a read has come, for the
// card-read progress bar.
type ProgressReader interface {
	Reader
	// ReadProgress is Read, calling progress with the percent done.
	ReadProgress(ctx context.Context, progress func(percent int)) (*IDCard, error)
}
