package thaiid

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"strings"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/apdu"
)

// Applet identifiers.
var (
	// AID is the Thai ID card application.
	AID = []byte{0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01}
	// AIDLaser is the applet that returns the laser code on chips that have it.
	AIDLaser = []byte{0xA0, 0x00, 0x00, 0x00, 0x84, 0x06, 0x00, 0x02}
	// AIDBiometric is the deployment's biometric applet (proprietary,
	// ISO/IEC 7816-5 category F): F0 "REGTERM" 01.
	AIDBiometric = []byte{0xF0, 0x52, 0x45, 0x47, 0x54, 0x45, 0x52, 0x4D, 0x01}
)

// MaxReference bounds the biometric applet's reference template.
const MaxReference = 0x7FF0

// Stats describes one card read.
type Stats struct {
	APDUs int // command APDUs transmitted
}

// GetResponseP2 returns the P2 of GET RESPONSE for a card with this ATR:
// 01 for ATRs starting 3B 67, 00 otherwise.
func GetResponseP2(atr []byte) byte {
	if len(atr) >= 2 && atr[0] == 0x3B && atr[1] == 0x67 {
		return 0x01
	}
	return 0x00
}

// SelectCommand is SELECT by AID: 00 A4 04 00 Lc AID.
func SelectCommand(aid []byte) apdu.Command {
	return apdu.Command{CLA: 0x00, INS: 0xA4, P1: 0x04, P2: 0x00, Data: aid}
}

// ReadCommand is the card application's READ BINARY of n bytes at off:
// 80 B0 off_hi off_lo 02 n_hi n_lo.
func ReadCommand(off, n int) apdu.Command {
	return apdu.Command{CLA: 0x80, INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Data: []byte{byte(n >> 8), byte(n)}}
}

type reader struct {
	ch *apdu.Channel
	h  hash.Hash
}

// read reads n bytes at off and adds them to the raw hash.
func (r *reader) read(ctx context.Context, off, n int) ([]byte, error) {
	resp, err := r.ch.Do(ctx, ReadCommand(off, n))
	if err != nil {
		return nil, err
	}
	if len(resp.Data) != n {
		return nil, fmt.Errorf("thaiid: read %d bytes at %04X: %w: card returned %d", n, off, smartcard.ErrInvalidCard, len(resp.Data))
	}
	r.h.Write(resp.Data)
	return resp.Data, nil
}

// selectApplet selects aid; false (and no error) when the card has no such
// applet. A 61xx answer (FCI available) counts as selected: the FCI is not
// needed, so it is not fetched.
func (r *reader) selectApplet(ctx context.Context, aid []byte) (bool, error) {
	raw, err := SelectCommand(aid).Bytes()
	if err != nil {
		return false, err
	}
	r.ch.Count++
	b, err := r.ch.T.Transmit(ctx, raw)
	if err != nil {
		return false, err
	}
	resp, err := apdu.ParseResponse(b)
	if err != nil {
		return false, err
	}
	if resp.SW == apdu.SWOK || resp.SW1() == 0x61 {
		return true, nil
	}
	return false, nil
}

// group is a run of fields read with one command.
type group struct {
	off, n int
	fields []field
}

type field struct {
	dst    *[]byte
	off, n int
}

// ReadCard reads and decodes the card on t, whose ATR is atr. It selects the
// application, reads the fields in as few APDUs as the card allows (runs of
// adjacent fields in one READ BINARY, falling back to one read per field
// when the card refuses a long read), the photo in 20 chunks, then the laser
// code and the reference template when their applets exist. It returns no
// card with any error.
func ReadCard(ctx context.Context, t apdu.Transmitter, atr []byte) (*smartcard.IDCard, Stats, error) {
	r := &reader{ch: &apdu.Channel{T: t, GetResponseP2: GetResponseP2(atr)}, h: sha256.New()}
	card, err := r.readAll(ctx)
	st := Stats{APDUs: r.ch.Count}
	if err != nil {
		return nil, st, err
	}
	card.ATR = append([]byte(nil), atr...)
	copy(card.RawHash[:], r.h.Sum(nil))
	return card, st, nil
}

func (r *reader) readAll(ctx context.Context) (*smartcard.IDCard, error) {
	ok, err := r.selectApplet(ctx, AID)
	if err != nil {
		return nil, fmt.Errorf("thaiid: select: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("thaiid: select %X: %w", AID, smartcard.ErrUnsupportedCard)
	}
	var raw Raw
	groups := []group{
		{offCitizenID, offGender + 1 - offCitizenID, []field{
			{&raw.CitizenID, offCitizenID, lenCitizenID},
			{&raw.NameTH, offNameTH, lenName},
			{&raw.NameEN, offNameEN, lenName},
			{&raw.BirthDate, offBirthDate, lenDate},
			{&raw.Gender, offGender, 1},
		}},
		{offIssuer, offExpiryDate + lenDate - offIssuer, []field{
			{&raw.Issuer, offIssuer, lenIssuer},
			{&raw.IssueDate, offIssueDate, lenDate},
			{&raw.ExpiryDate, offExpiryDate, lenDate},
		}},
		{offAddress, offPhotoNumber + lenPhotoNumber - offAddress, []field{
			{&raw.Address, offAddress, lenAddress},
			{&raw.PhotoNumber, offPhotoNumber, lenPhotoNumber},
		}},
	}
	for i, g := range groups {
		if err := r.readGroup(ctx, g); err != nil {
			return nil, err
		}
		if i == 1 {
			// The photo sits between the dates and the address.
			photo := make([]byte, 0, photoSize)
			for c := 0; c < photoChunks; c++ {
				b, err := r.read(ctx, offPhoto+c*photoChunk, photoChunk)
				if err != nil {
					return nil, fmt.Errorf("thaiid: photo chunk %d/%d: %w", c+1, photoChunks, err)
				}
				photo = append(photo, b...)
			}
			raw.Photo = photo
		}
	}
	card, err := Decode(&raw)
	if err != nil {
		return nil, err
	}
	if card.LaserCode, err = r.readLaser(ctx); err != nil {
		return nil, err
	}
	if card.Reference, err = r.readReference(ctx); err != nil {
		return nil, err
	}
	return card, nil
}

func (r *reader) readGroup(ctx context.Context, g group) error {
	b, err := r.read(ctx, g.off, g.n)
	var se *apdu.StatusError
	if errors.As(err, &se) {
		// The card refused the long read: one read per field.
		for _, f := range g.fields {
			v, err := r.read(ctx, f.off, f.n)
			if err != nil {
				return fmt.Errorf("thaiid: read field at %04X: %w", f.off, err)
			}
			*f.dst = v
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("thaiid: read %d bytes at %04X: %w", g.n, g.off, err)
	}
	for _, f := range g.fields {
		*f.dst = b[f.off-g.off : f.off-g.off+f.n]
	}
	return nil
}

// readLaser returns the laser code, "" when the chip has no laser applet.
func (r *reader) readLaser(ctx context.Context) (string, error) {
	ok, err := r.selectApplet(ctx, AIDLaser)
	if err != nil {
		return "", fmt.Errorf("thaiid: select laser applet: %w", err)
	}
	if !ok {
		return "", nil
	}
	resp, err := r.ch.Do(ctx, apdu.Command{CLA: 0x80, INS: 0x00, P1: 0x00, P2: 0x00, Ne: 0x07})
	var se *apdu.StatusError
	if errors.As(err, &se) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("thaiid: laser code: %w", err)
	}
	r.h.Write(resp.Data)
	s := strings.TrimSpace(string(bytes.Trim(resp.Data, "\x00")))
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7F {
			return "", fmt.Errorf("thaiid: laser code: %w: not printable ASCII", smartcard.ErrInvalidCard)
		}
	}
	return s, nil
}

// readReference reads the biometric applet's file: a 2-byte big-endian
// length, then the registry-signed reference template. nil when the card has
// no biometric applet or an empty file.
func (r *reader) readReference(ctx context.Context) ([]byte, error) {
	ok, err := r.selectApplet(ctx, AIDBiometric)
	if err != nil {
		return nil, fmt.Errorf("thaiid: select biometric applet: %w", err)
	}
	if !ok {
		return nil, nil
	}
	var file []byte
	total := -1
	for off := 0; total < 0 || off < total; {
		n := 0xFF
		if total >= 0 && total-off < n {
			n = total - off
		}
		resp, err := r.ch.Do(ctx, apdu.Command{CLA: 0x00, INS: 0xB0, P1: byte(off >> 8), P2: byte(off), Ne: n})
		if err != nil && !(errors.Is(err, &apdu.StatusError{SW: apdu.SWEndOfFile}) && len(resp.Data) > 0) {
			return nil, fmt.Errorf("thaiid: reference template at %d: %w", off, err)
		}
		if len(resp.Data) == 0 || len(resp.Data) > n {
			return nil, fmt.Errorf("thaiid: reference template at %d: %w: %d bytes for %d asked", off, smartcard.ErrInvalidCard, len(resp.Data), n)
		}
		file = append(file, resp.Data...)
		off += len(resp.Data)
		if total < 0 && len(file) >= 2 {
			total = 2 + (int(file[0])<<8 | int(file[1]))
			if total-2 > MaxReference {
				return nil, fmt.Errorf("thaiid: reference template: %w: length %d", smartcard.ErrInvalidCard, total-2)
			}
			if len(file) > total {
				file = file[:total]
			}
		}
		if total >= 0 && off >= total && len(file) < total {
			return nil, fmt.Errorf("thaiid: reference template: %w: short file", smartcard.ErrInvalidCard)
		}
	}
	r.h.Write(file)
	if total <= 2 {
		return nil, nil
	}
	return file[2:total], nil
}
