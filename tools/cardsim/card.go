package cardsim

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/regterm/regterm/drivers/smartcard"
	"github.com/regterm/regterm/drivers/smartcard/apdu"
)

// Applet identifiers.
var (
	AIDThaiID    = []byte{0xA0, 0x00, 0x00, 0x00, 0x54, 0x48, 0x00, 0x01}
	AIDLaser     = []byte{0xA0, 0x00, 0x00, 0x00, 0x84, 0x06, 0x00, 0x02}
	AIDBiometric = []byte{0xF0, 0x52, 0x45, 0x47, 0x54, 0x45, 0x52, 0x4D, 0x01} // F0 "REGTERM" 01
)

// Layout of the Thai ID application's binary file: offset and length of each
// field (the P1-P2 and length of the public READ BINARY commands).
const (
	OffCitizenID   = 0x0004
	LenCitizenID   = 13
	OffNameTH      = 0x0011
	OffNameEN      = 0x0075
	LenName        = 100
	OffBirthDate   = 0x00D9
	LenDate        = 8
	OffGender      = 0x00E1
	OffIssuer      = 0x00F6
	LenIssuer      = 100
	OffIssueDate   = 0x0167
	OffExpiryDate  = 0x016F
	OffPhoto       = 0x017B
	PhotoChunk     = 0xFF
	PhotoChunks    = 20
	MaxPhoto       = PhotoChunk * PhotoChunks // 5100
	OffAddress     = 0x1579
	LenAddress     = 100
	OffPhotoNumber = 0x1619
	LenPhotoNumber = 14
	imageSize      = 0x1700
	laserSize      = 16
	// NoExpiry is the expiry date of cards that do not expire.
	NoExpiry = "99999999"
)

// Errors.
var (
	// ErrInvalidProfile means card content cannot be put on a card (field too
	// long, not encodable in TIS-620, photo too big).
	ErrInvalidProfile = errors.New("cardsim: invalid card content")
)

// Faults make a card misbehave.
type Faults struct {
	// RemoveAfter pulls the card out after this many APDUs (0: never).
	RemoveAfter int
	// Delay is added before every response (a slow card).
	Delay time.Duration
	// WrongLe answers every GET RESPONSE first with 6Cxx, so the reader must
	// resend it with Le = SW2.
	WrongLe bool
}

// Card is a virtual Thai ID card. It is safe for concurrent use.
type Card struct {
	atr    []byte
	image  []byte
	laser  []byte // nil: no laser applet
	bio    []byte // nil: no biometric applet; else 2-byte length + reference
	grP2   byte
	faults Faults

	mu       sync.Mutex
	selected []byte
	pending  []byte
	hasPend  bool
	wrongLe  bool // next GET RESPONSE answers 6Cxx
	count    int
	removed  bool
}

// New puts card content c (UTF-8 fields) on a virtual card with the given
// ATR. The photo must be a JPEG of at most 5100 bytes; PhotoNumber is the
// printed number (dashes are dropped); LaserCode empty means the chip has no
// laser applet; Reference nil means no biometric applet.
func New(c *smartcard.IDCard, atr []byte, f Faults) (*Card, error) {
	if len(atr) < 2 || len(atr) > 33 {
		return nil, fmt.Errorf("%w: ATR of %d bytes", ErrInvalidProfile, len(atr))
	}
	k := &Card{atr: append([]byte(nil), atr...), image: make([]byte, imageSize), faults: f}
	if atr[0] == 0x3B && atr[1] == 0x67 {
		k.grP2 = 0x01
	}
	put := func(name string, off, n int, s string, pad byte) error {
		b, err := tis620(s)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrInvalidProfile, name, err)
		}
		if len(b) > n {
			return fmt.Errorf("%w: %s is %d bytes in TIS-620, field holds %d", ErrInvalidProfile, name, len(b), n)
		}
		copy(k.image[off:off+n], bytes.Repeat([]byte{pad}, n))
		copy(k.image[off:], b)
		return nil
	}
	name := func(n smartcard.Name) string { return n.Prefix + "#" + n.First + "#" + n.Middle + "#" + n.Last }
	date := func(t time.Time) string {
		if t.IsZero() {
			return NoExpiry
		}
		return fmt.Sprintf("%04d%02d%02d", t.Year()+543, int(t.Month()), t.Day())
	}
	gender := map[smartcard.Gender]string{smartcard.GenderMale: "1", smartcard.GenderFemale: "2"}[c.Gender]
	a := c.Address
	addr := strings.Join([]string{a.HouseNo, a.Moo, a.Alley, a.Lane, a.Road, a.Subdistrict, a.District, a.Province}, "#")
	for _, part := range []string{c.NameTH.Prefix, c.NameTH.First, c.NameTH.Middle, c.NameTH.Last,
		c.NameEN.Prefix, c.NameEN.First, c.NameEN.Middle, c.NameEN.Last,
		a.HouseNo, a.Moo, a.Alley, a.Lane, a.Road, a.Subdistrict, a.District, a.Province} {
		if strings.ContainsRune(part, '#') {
			return nil, fmt.Errorf("%w: %q contains the field separator '#'", ErrInvalidProfile, part)
		}
	}
	fields := []struct {
		name string
		off  int
		n    int
		s    string
	}{
		{"citizen ID", OffCitizenID, LenCitizenID, c.CitizenID},
		{"Thai name", OffNameTH, LenName, name(c.NameTH)},
		{"English name", OffNameEN, LenName, name(c.NameEN)},
		{"birth date", OffBirthDate, LenDate, date(c.BirthDate)},
		{"gender", OffGender, 1, gender},
		{"issuer", OffIssuer, LenIssuer, c.Issuer},
		{"issue date", OffIssueDate, LenDate, date(c.IssueDate)},
		{"expiry date", OffExpiryDate, LenDate, date(c.ExpiryDate)},
		{"address", OffAddress, LenAddress, addr},
		{"photo number", OffPhotoNumber, LenPhotoNumber, strings.ReplaceAll(c.PhotoNumber, "-", "")},
	}
	for _, fl := range fields {
		if err := put(fl.name, fl.off, fl.n, fl.s, ' '); err != nil {
			return nil, err
		}
	}
	if c.BirthDate.IsZero() {
		return nil, fmt.Errorf("%w: no birth date", ErrInvalidProfile)
	}
	if len(c.Photo) > MaxPhoto {
		return nil, fmt.Errorf("%w: photo of %d bytes, the card holds %d", ErrInvalidProfile, len(c.Photo), MaxPhoto)
	}
	copy(k.image[OffPhoto:], c.Photo)
	if c.LaserCode != "" {
		if len(c.LaserCode) > laserSize || !isASCII(c.LaserCode) {
			return nil, fmt.Errorf("%w: laser code %d bytes (max %d ASCII)", ErrInvalidProfile, len(c.LaserCode), laserSize)
		}
		k.laser = make([]byte, laserSize)
		copy(k.laser, c.LaserCode)
	}
	if c.Reference != nil {
		if len(c.Reference) > 0x7FF0 {
			return nil, fmt.Errorf("%w: reference template of %d bytes (max 32752)", ErrInvalidProfile, len(c.Reference))
		}
		k.bio = append([]byte{byte(len(c.Reference) >> 8), byte(len(c.Reference))}, c.Reference...)
	}
	return k, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

func tis620(s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, errors.New("not UTF-8")
	}
	return charmap.Windows874.NewEncoder().Bytes([]byte(s))
}

// ATR returns the card's answer to reset.
func (k *Card) ATR() []byte { return append([]byte(nil), k.atr...) }

// Count returns the number of APDUs the card answered.
func (k *Card) Count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.count
}

// Reset is a power cycle: it clears the selected applet and pending data.
func (k *Card) Reset() {
	k.mu.Lock()
	k.selected, k.pending, k.hasPend = nil, nil, false
	k.mu.Unlock()
}

// Removed reports whether the RemoveAfter fault has pulled the card.
func (k *Card) Removed() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.removed
}

// Process answers one command APDU. ok is false when the card has been
// pulled out by the RemoveAfter fault (no answer).
func (k *Card) Process(cmd []byte) (resp []byte, ok bool) {
	k.mu.Lock()
	if k.removed {
		k.mu.Unlock()
		return nil, false
	}
	k.count++
	if k.faults.RemoveAfter > 0 && k.count > k.faults.RemoveAfter {
		k.removed = true
		k.mu.Unlock()
		return nil, false
	}
	r := k.processLocked(cmd)
	k.mu.Unlock()
	if k.faults.Delay > 0 {
		time.Sleep(k.faults.Delay)
	}
	return r.Bytes(), true
}

func sw(v uint16) apdu.Response { return apdu.Response{SW: v} }

func (k *Card) processLocked(raw []byte) apdu.Response {
	c, err := apdu.ParseCommand(raw)
	if err != nil {
		return sw(apdu.SWWrongLength)
	}
	getResponse := c.INS == 0xC0 && c.CLA == 0x00
	if !getResponse {
		k.pending, k.hasPend = nil, false
	}
	switch {
	case c.CLA == 0x00 && c.INS == 0xA4 && c.P1 == 0x04:
		return k.selectLocked(c.Data)
	case getResponse:
		if !k.hasPend {
			return sw(apdu.SWConditionsNotSatisfied)
		}
		if c.P1 != 0 || c.P2 != k.grP2 {
			return sw(apdu.SWWrongP1P2)
		}
		n := len(k.pending)
		if k.wrongLe || c.Ne != n {
			k.wrongLe = false
			return apdu.Response{SW: 0x6C00 | uint16(byte(n))}
		}
		data := k.pending
		k.pending, k.hasPend = nil, false
		return apdu.Response{Data: data, SW: apdu.SWOK}
	case c.CLA == 0x80 && c.INS == 0xB0 && bytes.Equal(k.selected, AIDThaiID):
		if len(c.Data) != 2 || c.Ne != 0 {
			return sw(apdu.SWWrongLength)
		}
		off := int(c.P1)<<8 | int(c.P2)
		n := int(c.Data[0])<<8 | int(c.Data[1])
		if n == 0 || n > 256 {
			return sw(apdu.SWWrongLength)
		}
		if off+n > len(k.image) {
			return sw(apdu.SWOffsetOutOfFile)
		}
		return k.respondLocked(k.image[off : off+n])
	case c.CLA == 0x80 && c.INS == 0x00 && bytes.Equal(k.selected, AIDLaser):
		return k.respondLocked(k.laser)
	case c.CLA == 0x00 && c.INS == 0xB0 && k.bio != nil && bytes.Equal(k.selected, AIDBiometric):
		off := int(c.P1&0x7F)<<8 | int(c.P2)
		if off >= len(k.bio) {
			return sw(apdu.SWOffsetOutOfFile)
		}
		end := off + c.Ne
		if c.Ne == 0 {
			end = off + 256
		}
		if end > len(k.bio) {
			return apdu.Response{Data: append([]byte(nil), k.bio[off:]...), SW: apdu.SWEndOfFile}
		}
		return apdu.Response{Data: append([]byte(nil), k.bio[off:end]...), SW: apdu.SWOK}
	case c.CLA != 0x00 && c.CLA != 0x80:
		return sw(apdu.SWCLANotSupported)
	}
	return sw(apdu.SWINSNotSupported)
}

// respondLocked answers the T=0 way: 61xx now, the data on GET RESPONSE.
func (k *Card) respondLocked(data []byte) apdu.Response {
	k.pending = append([]byte(nil), data...)
	k.hasPend = true
	k.wrongLe = k.faults.WrongLe
	return apdu.Response{SW: 0x6100 | uint16(byte(len(data)))}
}

func (k *Card) selectLocked(aid []byte) apdu.Response {
	switch {
	case bytes.Equal(aid, AIDThaiID):
		k.selected = AIDThaiID
		return apdu.Response{SW: 0x610A} // like real cards: FCI available
	case bytes.Equal(aid, AIDLaser) && k.laser != nil:
		k.selected = AIDLaser
		return sw(apdu.SWOK)
	case bytes.Equal(aid, AIDBiometric) && k.bio != nil:
		k.selected = AIDBiometric
		return sw(apdu.SWOK)
	}
	k.selected = nil
	return sw(apdu.SWFileNotFound)
}
