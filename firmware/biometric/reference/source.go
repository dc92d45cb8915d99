package reference

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/regterm/regterm/drivers/smartcard"
)

// CardSource reads the signed reference from the card being enrolled (the
// deployment's biometric applet, decoded into smartcard.IDCard.Reference
// by the card reader) and verifies it against RegistryKey.
type CardSource struct {
	RegistryKey crypto.PublicKey
	// PreviousKeys are earlier registry keys still trusted during a key
	// rotation (cards keep their reference for years).
	PreviousKeys []crypto.PublicKey
}

// Reference implements Source.
func (s *CardSource) Reference(ctx context.Context, citizenID string, card *smartcard.IDCard) (*Reference, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reference: card: %w", err)
	}
	if card == nil || len(card.Reference) == 0 {
		return nil, fmt.Errorf("reference: card: %w", ErrNoReference)
	}
	if card.CitizenID != citizenID {
		return nil, fmt.Errorf("reference: card: card of another citizen: %w", ErrWrongCitizen)
	}
	r, err := VerifyKeys(card.Reference, append([]crypto.PublicKey{s.RegistryKey}, s.PreviousKeys...), citizenID)
	if err != nil {
		return nil, fmt.Errorf("reference: card: %w", err)
	}
	r.From = "card"
	return r, nil
}

func (s *CardSource) String() string { return "card" }

// Func adapts a function to Source.
type Func func(ctx context.Context, citizenID string, card *smartcard.IDCard) (*Reference, error)

// Reference implements Source.
func (f Func) Reference(ctx context.Context, citizenID string, card *smartcard.IDCard) (*Reference, error) {
	return f(ctx, citizenID, card)
}

// Chain asks its sources in order and returns the first reference one of
// them gives. A source that fails for any reason (no reference,
// unreachable, untrusted bytes) passes the question on to the next: every
// source verifies what it returns, so falling back never lowers trust.
// When all fail the error joins every source's error, so errors.Is finds
// ErrUntrusted when any source offered a forged reference (the flow
// reports that, rather than "no reference"). A done context stops the
// chain.
type Chain []Source

// Reference implements Source.
func (c Chain) Reference(ctx context.Context, citizenID string, card *smartcard.IDCard) (*Reference, error) {
	if len(c) == 0 {
		return nil, fmt.Errorf("reference: chain: no sources: %w", ErrNoReference)
	}
	var errs []error
	for i, s := range c {
		r, err := s.Reference(ctx, citizenID, card)
		if err == nil {
			if r == nil || r.Template == nil {
				errs = append(errs, fmt.Errorf("source %d returned no template: %w", i, ErrNoReference))
				continue
			}
			return r, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("reference: chain: %w", errors.Join(errs...))
}
