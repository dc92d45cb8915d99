package thaiid

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/regterm/regterm/drivers/smartcard"
)

// Layout of the card application's file: offsets and lengths.
const (
	offCitizenID   = 0x0004
	lenCitizenID   = 13
	offNameTH      = 0x0011
	offNameEN      = 0x0075
	lenName        = 100
	offBirthDate   = 0x00D9
	lenDate        = 8
	offGender      = 0x00E1
	offIssuer      = 0x00F6
	lenIssuer      = 100
	offIssueDate   = 0x0167
	offExpiryDate  = 0x016F
	offPhoto       = 0x017B
	photoChunk     = 0xFF
	photoChunks    = 20
	photoSize      = photoChunk * photoChunks
	offAddress     = 0x1579
	lenAddress     = 100
	offPhotoNumber = 0x1619
	lenPhotoNumber = 14
	noExpiry       = "99999999"
)

// DecodeText decodes a TIS-620 field to UTF-8, dropping the space and NUL
// padding.
func DecodeText(b []byte) (string, error) {
	b = bytes.TrimRight(b, " \x00")
	b = bytes.TrimLeft(b, " ")
	s, err := charmap.Windows874.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("thaiid: text: %w", err)
	}
	if !utf8.Valid(s) || bytes.ContainsRune(s, utf8.RuneError) || bytes.IndexByte(s, 0) >= 0 {
		return "", fmt.Errorf("%w: text field is not TIS-620", smartcard.ErrInvalidCard)
	}
	return string(s), nil
}

// ParseName decodes a "prefix#first#middle#last" name field.
func ParseName(b []byte) (smartcard.Name, error) {
	s, err := DecodeText(b)
	if err != nil {
		return smartcard.Name{}, err
	}
	p := strings.Split(s, "#")
	if len(p) != 4 {
		return smartcard.Name{}, fmt.Errorf("%w: name has %d parts, want 4 (prefix#first#middle#last)", smartcard.ErrInvalidCard, len(p))
	}
	for i := range p {
		p[i] = strings.TrimSpace(p[i])
	}
	return smartcard.Name{Prefix: p[0], First: p[1], Middle: p[2], Last: p[3]}, nil
}

// ParseAddress decodes the 8-part address field
// (house#moo#alley#lane#road#subdistrict#district#province).
func ParseAddress(b []byte) (smartcard.Address, error) {
	s, err := DecodeText(b)
	if err != nil {
		return smartcard.Address{}, err
	}
	p := strings.Split(s, "#")
	if len(p) != 8 {
		return smartcard.Address{}, fmt.Errorf("%w: address has %d parts, want 8", smartcard.ErrInvalidCard, len(p))
	}
	for i := range p {
		p[i] = strings.TrimSpace(p[i])
	}
	return smartcard.Address{HouseNo: p[0], Moo: p[1], Alley: p[2], Lane: p[3], Road: p[4], Subdistrict: p[5], District: p[6], Province: p[7]}, nil
}

// ParseDate decodes a Buddhist-era YYYYMMDD date to Gregorian UTC midnight.
// With allowNoExpiry, 99999999 (a card that does not expire) gives the zero
// time. A day or month of 00 (unknown, found in birth dates) is read as the
// first.
func ParseDate(b []byte, allowNoExpiry bool) (time.Time, error) {
	s := string(bytes.TrimRight(b, " \x00"))
	if allowNoExpiry && (s == noExpiry || s == "") {
		return time.Time{}, nil
	}
	if len(s) != 8 {
		return time.Time{}, fmt.Errorf("%w: date %q is not YYYYMMDD", smartcard.ErrInvalidCard, s)
	}
	var v [3]int
	for i, w := range [3][2]int{{0, 4}, {4, 6}, {6, 8}} {
		for _, c := range s[w[0]:w[1]] {
			if c < '0' || c > '9' {
				return time.Time{}, fmt.Errorf("%w: date %q is not YYYYMMDD", smartcard.ErrInvalidCard, s)
			}
			v[i] = v[i]*10 + int(c-'0')
		}
	}
	year, month, day := v[0]-543, v[1], v[2]
	if month == 0 {
		month = 1
	}
	if day == 0 {
		day = 1
	}
	if year < 1800 || month > 12 {
		return time.Time{}, fmt.Errorf("%w: date %q out of range", smartcard.ErrInvalidCard, s)
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, fmt.Errorf("%w: date %q does not exist", smartcard.ErrInvalidCard, s)
	}
	return t, nil
}

// ValidCitizenID reports whether id is 13 digits with a correct check digit
// (the 13th digit is (11 - sum(d_i * (14-i)) mod 11) mod 10 over the first 12).
func ValidCitizenID(id string) bool {
	if len(id) != 13 {
		return false
	}
	sum := 0
	for i := 0; i < 13; i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
		if i < 12 {
			sum += int(id[i]-'0') * (13 - i)
		}
	}
	return int(id[12]-'0') == (11-sum%11)%10
}

// ParseGender decodes the gender byte: '1' male, '2' female.
func ParseGender(b []byte) (smartcard.Gender, error) {
	if len(b) == 1 {
		switch b[0] {
		case '1':
			return smartcard.GenderMale, nil
		case '2':
			return smartcard.GenderFemale, nil
		}
	}
	return smartcard.GenderUnknown, fmt.Errorf("%w: gender %q", smartcard.ErrInvalidCard, b)
}

// CheckPhoto verifies the photo area holds a JPEG (SOI, a decodable header
// and an EOI marker). The area is kept whole: trailing padding is harmless
// to JPEG decoders, and trimming could cut real image bytes.
func CheckPhoto(b []byte) error {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF {
		return fmt.Errorf("%w: photo is not a JPEG (no SOI marker)", smartcard.ErrInvalidCard)
	}
	if !bytes.Contains(b, []byte{0xFF, 0xD9}) {
		return fmt.Errorf("%w: photo JPEG has no EOI marker", smartcard.ErrInvalidCard)
	}
	if _, err := jpeg.DecodeConfig(bytes.NewReader(b)); err != nil {
		return fmt.Errorf("%w: photo JPEG header: %v", smartcard.ErrInvalidCard, err)
	}
	return nil
}

// FormatPhotoNumber formats the 14 digits under the photo as printed
// (NNNN-NN-NNNNNNNN); other values are returned trimmed.
func FormatPhotoNumber(b []byte) string {
	s := strings.TrimSpace(string(bytes.TrimRight(b, " \x00")))
	if len(s) == 14 && strings.Trim(s, "0123456789") == "" {
		return s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	return s
}

// Raw is the raw bytes of the card application's fields.
type Raw struct {
	CitizenID, NameTH, NameEN, BirthDate, Gender, Issuer []byte
	IssueDate, ExpiryDate, Address, Photo, PhotoNumber   []byte
}

// Decode validates and decodes the raw fields. Nothing is returned with an
// error.
func Decode(r *Raw) (*smartcard.IDCard, error) {
	c := &smartcard.IDCard{}
	var err error
	c.CitizenID = string(bytes.TrimRight(r.CitizenID, " \x00"))
	if !ValidCitizenID(c.CitizenID) {
		return nil, fmt.Errorf("thaiid: citizen ID: %w: not 13 digits with a valid check digit", smartcard.ErrInvalidCard)
	}
	if c.NameTH, err = ParseName(r.NameTH); err != nil {
		return nil, fmt.Errorf("thaiid: Thai name: %w", err)
	}
	if c.NameEN, err = ParseName(r.NameEN); err != nil {
		return nil, fmt.Errorf("thaiid: English name: %w", err)
	}
	if c.BirthDate, err = ParseDate(r.BirthDate, false); err != nil {
		return nil, fmt.Errorf("thaiid: birth date: %w", err)
	}
	if c.Gender, err = ParseGender(r.Gender); err != nil {
		return nil, fmt.Errorf("thaiid: %w", err)
	}
	if c.Issuer, err = DecodeText(r.Issuer); err != nil {
		return nil, fmt.Errorf("thaiid: issuer: %w", err)
	}
	if c.IssueDate, err = ParseDate(r.IssueDate, false); err != nil {
		return nil, fmt.Errorf("thaiid: issue date: %w", err)
	}
	if c.ExpiryDate, err = ParseDate(r.ExpiryDate, true); err != nil {
		return nil, fmt.Errorf("thaiid: expiry date: %w", err)
	}
	if !c.ExpiryDate.IsZero() && c.ExpiryDate.Before(c.IssueDate) {
		return nil, fmt.Errorf("thaiid: %w: expiry before issue", smartcard.ErrInvalidCard)
	}
	if c.Address, err = ParseAddress(r.Address); err != nil {
		return nil, fmt.Errorf("thaiid: address: %w", err)
	}
	if err := CheckPhoto(r.Photo); err != nil {
		return nil, fmt.Errorf("thaiid: %w", err)
	}
	c.Photo = append([]byte(nil), r.Photo...)
	c.PhotoNumber = FormatPhotoNumber(r.PhotoNumber)
	return c, nil
}
