package uplink

import (
	"context"
	"crypto"
	"errors"
	"fmt"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/firmware/biometric/reference"
)

// ReferenceSource fetches a citizen's registry-signed reference template
// (GET /v1/citizens/{id}/reference) and verifies it against RegistryKey.
// It implements reference.Source; put it after the card in a
// reference.Chain so the card serves when the uplink is down.
type ReferenceSource struct {
	Client      *Client
	RegistryKey crypto.PublicKey
	// Up, when set, reports whether the uplink is up; when it is not the
	// source answers ErrUnavailable at once instead of waiting for a
	// timeout.
	Up func() bool
}

// Reference implements reference.Source.
func (s *ReferenceSource) Reference(ctx context.Context, citizenID string, card *smartcard.IDCard) (*reference.Reference, error) {
	if s.Up != nil && !s.Up() {
		return nil, fmt.Errorf("reference: registry: uplink down: %w", reference.ErrUnavailable)
	}
	b, err := s.Client.GetReference(ctx, citizenID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, fmt.Errorf("reference: registry: %w", reference.ErrNoReference)
	case errors.Is(err, ErrBadAnswer):
		return nil, fmt.Errorf("reference: registry: %w: %v", reference.ErrMalformed, err)
	case err != nil:
		return nil, fmt.Errorf("reference: registry: %w: %v", reference.ErrUnavailable, err)
	}
	r, err := reference.Verify(b, s.RegistryKey, citizenID)
	if err != nil {
		return nil, fmt.Errorf("reference: registry: %w", err)
	}
	r.From = "registry"
	return r, nil
}

func (s *ReferenceSource) String() string { return "registry" }
