package cardsim

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/regterm/regterm/drivers/smartcard"
)

// CardFile is a virtual card's content, in UTF-8, as written in a TOML or
// JSON card file (keys as in the struct tags).
type CardFile struct {
	// ATR in hex ("3B 68 00 ..."); default DefaultATR.
	ATR       string `toml:"atr" json:"atr"`
	CitizenID string `toml:"citizen_id" json:"citizen_id"`
	NameTH    Name   `toml:"name_th" json:"name_th"`
	NameEN    Name   `toml:"name_en" json:"name_en"`
	// Dates are Gregorian YYYY-MM-DD; expiry_date "" or "none" is a card
	// that does not expire.
	BirthDate  string `toml:"birth_date" json:"birth_date"`
	Gender     string `toml:"gender" json:"gender"` // "male" or "female"
	Issuer     string `toml:"issuer" json:"issuer"`
	IssueDate  string `toml:"issue_date" json:"issue_date"`
	ExpiryDate string `toml:"expiry_date" json:"expiry_date"`
	Address    struct {
		HouseNo     string `toml:"house_no" json:"house_no"`
		Moo         string `toml:"moo" json:"moo"`
		Alley       string `toml:"alley" json:"alley"`
		Lane        string `toml:"lane" json:"lane"`
		Road        string `toml:"road" json:"road"`
		Subdistrict string `toml:"subdistrict" json:"subdistrict"`
		District    string `toml:"district" json:"district"`
		Province    string `toml:"province" json:"province"`
	} `toml:"address" json:"address"`
	// Photo is a JPEG file, relative to the card file; empty: a generated
	// placeholder photo.
	Photo       string `toml:"photo" json:"photo"`
	PhotoNumber string `toml:"photo_number" json:"photo_number"`
	// LaserCode empty: the chip has no laser applet.
	LaserCode string `toml:"laser_code" json:"laser_code"`
	// Reference is the registry-signed reference template served by the
	// biometric applet: base64 here, or a file in ReferenceFile (relative
	// to the card file). Neither: no biometric applet.
	Reference     string `toml:"reference" json:"reference"`
	ReferenceFile string `toml:"reference_file" json:"reference_file"`
	Faults        struct {
		RemoveAfter int  `toml:"remove_after" json:"remove_after"`
		DelayMS     int  `toml:"delay_ms" json:"delay_ms"`
		WrongLe     bool `toml:"wrong_le" json:"wrong_le"`
	} `toml:"faults" json:"faults"`

	dir string
}

// Name is a name in a card file.
type Name struct {
	Prefix string `toml:"prefix" json:"prefix"`
	First  string `toml:"first" json:"first"`
	Middle string `toml:"middle" json:"middle"`
	Last   string `toml:"last" json:"last"`
}

// DefaultATR is the ATR of the common Thai ID card chip (T=0).
var DefaultATR = []byte{0x3B, 0x68, 0x00, 0x00, 0x00, 0x73, 0xC8, 0x40, 0x12, 0x00, 0x90, 0x00}

// LoadCardFile reads a .toml or .json card file.
func LoadCardFile(path string) (*CardFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cardsim: card file: %w", err)
	}
	f := &CardFile{dir: filepath.Dir(path)}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		md, err := toml.Decode(string(b), f)
		if err != nil {
			return nil, fmt.Errorf("cardsim: card file %s: %w", path, err)
		}
		if u := md.Undecoded(); len(u) > 0 {
			return nil, fmt.Errorf("cardsim: card file %s: unknown keys %v", path, u)
		}
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(f); err != nil {
			return nil, fmt.Errorf("cardsim: card file %s: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("cardsim: card file %s: want .toml or .json", path)
	}
	return f, nil
}

func parseISODate(s string, allowNone bool) (time.Time, error) {
	if allowNone && (s == "" || s == "none") {
		return time.Time{}, nil
	}
	return time.Parse("2006-01-02", s)
}

// ParseATR decodes a hex ATR ("3B 68 00 ..." or "3B6800...").
func ParseATR(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", ":", "").Replace(s))
	if err != nil || len(b) < 2 || len(b) > 33 {
		return nil, fmt.Errorf("cardsim: ATR %q: want 2 to 33 hex bytes", s)
	}
	return b, nil
}

// IDCard converts the card file to card content and ATR.
func (f *CardFile) IDCard() (*smartcard.IDCard, []byte, Faults, error) {
	atr := DefaultATR
	if f.ATR != "" {
		var err error
		if atr, err = ParseATR(f.ATR); err != nil {
			return nil, nil, Faults{}, err
		}
	}
	c := &smartcard.IDCard{
		CitizenID:   f.CitizenID,
		NameTH:      smartcard.Name(f.NameTH),
		NameEN:      smartcard.Name(f.NameEN),
		Issuer:      f.Issuer,
		PhotoNumber: f.PhotoNumber,
		LaserCode:   f.LaserCode,
		Address:     smartcard.Address(f.Address),
	}
	var err error
	if c.BirthDate, err = parseISODate(f.BirthDate, false); err != nil {
		return nil, nil, Faults{}, fmt.Errorf("cardsim: birth_date: %w", err)
	}
	if c.IssueDate, err = parseISODate(f.IssueDate, false); err != nil {
		return nil, nil, Faults{}, fmt.Errorf("cardsim: issue_date: %w", err)
	}
	if c.ExpiryDate, err = parseISODate(f.ExpiryDate, true); err != nil {
		return nil, nil, Faults{}, fmt.Errorf("cardsim: expiry_date: %w", err)
	}
	switch f.Gender {
	case "male":
		c.Gender = smartcard.GenderMale
	case "female":
		c.Gender = smartcard.GenderFemale
	default:
		return nil, nil, Faults{}, fmt.Errorf("cardsim: gender %q: want male or female", f.Gender)
	}
	if f.Photo != "" {
		if c.Photo, err = os.ReadFile(filepath.Join(f.dir, f.Photo)); err != nil {
			return nil, nil, Faults{}, fmt.Errorf("cardsim: photo: %w", err)
		}
	} else {
		c.Photo = PlaceholderPhoto(f.CitizenID)
	}
	switch {
	case f.Reference != "" && f.ReferenceFile != "":
		return nil, nil, Faults{}, fmt.Errorf("cardsim: give reference or reference_file, not both")
	case f.Reference != "":
		if c.Reference, err = base64.StdEncoding.DecodeString(f.Reference); err != nil {
			return nil, nil, Faults{}, fmt.Errorf("cardsim: reference: %w", err)
		}
	case f.ReferenceFile != "":
		if c.Reference, err = os.ReadFile(filepath.Join(f.dir, f.ReferenceFile)); err != nil {
			return nil, nil, Faults{}, fmt.Errorf("cardsim: reference_file: %w", err)
		}
	}
	fl := Faults{RemoveAfter: f.Faults.RemoveAfter, Delay: time.Duration(f.Faults.DelayMS) * time.Millisecond, WrongLe: f.Faults.WrongLe}
	return c, atr, fl, nil
}

// Card builds the virtual card of the file.
func (f *CardFile) Card() (*Card, error) {
	c, atr, fl, err := f.IDCard()
	if err != nil {
		return nil, err
	}
	return New(c, atr, fl)
}

// PlaceholderPhoto draws a small grey "ID photo" (a head and shoulders
// silhouette, shaded by seed) as a JPEG that fits the card's photo area.
func PlaceholderPhoto(seed string) []byte {
	h := fnv.New32a()
	h.Write([]byte(seed))
	tone := uint8(150 + h.Sum32()%60)
	const w, hgt = 72, 88
	img := image.NewGray(image.Rect(0, 0, w, hgt))
	for y := 0; y < hgt; y++ {
		for x := 0; x < w; x++ {
			v := uint8(225)
			dx, dy := float64(x-w/2), float64(y-34)
			if dx*dx/(16*16)+dy*dy/(21*21) <= 1 { // head
				v = tone
			}
			sx, sy := float64(x-w/2), float64(y-hgt)
			if sy > -30 && sx*sx/(34*34)+sy*sy/(30*30) <= 1 { // shoulders
				v = tone - 70
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 60}); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return b.Bytes()
}
