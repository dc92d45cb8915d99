package iso19794

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
)

// Errors returned by Decode and Encode.
var (
	// ErrFormat means the bytes are not a well-formed record: wrong magic,
	// a length that does not match, a field out of its range.
	ErrFormat = errors.New("iso19794: malformed record")
	// ErrVersion means the record is a finger minutiae record of a version
	// this package does not read (e.g. ANSI/INCITS 378-2009 "030").
	ErrVersion = errors.New("iso19794: unsupported record version")
	// ErrInvalid means a Record or Template cannot be encoded: a value does
	// not fit its field (more than 255 minutiae, coordinates beyond 14 bits,
	// quality above 100, ...).
	ErrInvalid = errors.New("iso19794: invalid record")
	// ErrNoView means the record holds no finger view to convert.
	ErrNoView = errors.New("iso19794: no finger view")
)

// Format is a record format.
type Format uint8

// Formats.
const (
	// ISO2005 is ISO/IEC 19794-2:2005.
	ISO2005 Format = iota + 1
	// ANSI2004 is ANSI/INCITS 378-2004.
	ANSI2004
)

func (f Format) String() string {
	switch f {
	case ISO2005:
		return "ISO/IEC 19794-2:2005"
	case ANSI2004:
		return "ANSI/INCITS 378-2004"
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// Minutia types as stored in the 2-bit type field.
const (
	TypeOther       = 0
	TypeEnding      = 1
	TypeBifurcation = 2
)

// Record is one finger minutiae record.
type Record struct {
	Format Format
	// ProductOwner and ProductType are the CBEFF product identifier
	// (ANSI/INCITS 378 only; zero in ISO records).
	ProductOwner, ProductType uint16
	// EquipmentCompliance (4 bits) and EquipmentID (12 bits) describe the
	// capture device.
	EquipmentCompliance uint8
	EquipmentID         uint16
	// Width and Height are the image size in pixels.
	Width, Height uint16
	// XRes and YRes are the image resolution in pixels per centimetre
	// (197 for 500 dpi).
	XRes, YRes uint16
	Views      []View
}

// View is one finger view.
type View struct {
	// Position is the finger position code (0 unknown, 1 right thumb ...
	// 10 left little finger).
	Position uint8
	// ViewNumber (4 bits) tells several views of one finger apart.
	ViewNumber uint8
	// Impression (4 bits) is the impression type (0 live-scan plain,
	// 1 live-scan rolled, 2 non-live plain, 3 non-live rolled, 8 swipe).
	Impression uint8
	// Quality is the finger quality 0..100.
	Quality  uint8
	Minutiae []Minutia
	// Extended is the view's extended data (the areas after the 2-byte
	// block length), nil when there is none. It is kept uninterpreted.
	Extended []byte
}

// Minutia is one minutia in record units.
type Minutia struct {
	Type uint8  // TypeOther, TypeEnding or TypeBifurcation
	X, Y uint16 // pixels, 14 bits each
	// Angle is in record units: 360/256 degrees (ISO) or 2 degrees (ANSI,
	// 0..179), counter-clockwise from the x axis.
	Angle   uint8
	Quality uint8 // 0..100, 0 = not reported
}

var magic = [8]byte{'F', 'M', 'R', 0, ' ', '2', '0', 0}

const (
	isoHeaderLen  = 24
	ansiHeaderLen = 26 // with the 2-byte record length
	viewHeaderLen = 4
	minutiaLen    = 6
	maxCoord      = 1<<14 - 1
)

// Decode decodes an ISO/IEC 19794-2:2005 or ANSI/INCITS 378-2004 record,
// telling the two apart by their record-length fields. The record length
// must equal len(b).
func Decode(b []byte) (*Record, error) {
	if err := checkMagic(b); err != nil {
		return nil, err
	}
	if len(b) < 14 {
		return nil, fmt.Errorf("%w: %d bytes is shorter than any header", ErrFormat, len(b))
	}
	n := uint64(len(b))
	switch {
	case binary.BigEndian.Uint16(b[8:]) != 0:
		return DecodeFormat(b, ANSI2004)
	case uint64(binary.BigEndian.Uint32(b[8:])) == n:
		return DecodeFormat(b, ISO2005)
	case uint64(binary.BigEndian.Uint32(b[10:])) == n:
		return DecodeFormat(b, ANSI2004)
	}
	return nil, fmt.Errorf("%w: no record length field matches the %d bytes given", ErrFormat, len(b))
}

func checkMagic(b []byte) error {
	if len(b) < 8 {
		return fmt.Errorf("%w: %d bytes is shorter than the format identifier", ErrFormat, len(b))
	}
	if string(b[:4]) != "FMR\x00" {
		return fmt.Errorf("%w: format identifier %q is not \"FMR\\x00\"", ErrFormat, b[:4])
	}
	if string(b[4:8]) != string(magic[4:]) {
		return fmt.Errorf("%w: version %q", ErrVersion, b[4:8])
	}
	return nil
}

// reader walks b; every read is bounds-checked and a short read sets err.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) need(n int, what string) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || len(r.b)-r.off < n {
		r.err = fmt.Errorf("%w: %s at offset %d needs %d bytes, %d left", ErrFormat, what, r.off, n, len(r.b)-r.off)
		return false
	}
	return true
}

func (r *reader) u8(what string) uint8 {
	if !r.need(1, what) {
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) u16(what string) uint16 {
	if !r.need(2, what) {
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u32(what string) uint32 {
	if !r.need(4, what) {
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) bytes(n int, what string) []byte {
	if !r.need(n, what) {
		return nil
	}
	v := append([]byte(nil), r.b[r.off:r.off+n]...)
	r.off += n
	return v
}

// DecodeFormat decodes b as a record of format f. The record length must
// equal len(b).
func DecodeFormat(b []byte, f Format) (*Record, error) {
	if err := checkMagic(b); err != nil {
		return nil, err
	}
	r := &reader{b: b, off: 8}
	rec := &Record{Format: f}
	var length uint64
	switch f {
	case ISO2005:
		length = uint64(r.u32("record length"))
	case ANSI2004:
		length = uint64(r.u16("record length"))
		if length == 0 && r.err == nil {
			length = uint64(r.u32("extended record length"))
		}
	default:
		return nil, fmt.Errorf("%w: unknown format %v", ErrFormat, f)
	}
	if r.err != nil {
		return nil, r.err
	}
	if length != uint64(len(b)) {
		return nil, fmt.Errorf("%w: record length field %d, have %d bytes", ErrFormat, length, len(b))
	}
	if f == ANSI2004 {
		rec.ProductOwner = r.u16("CBEFF product owner")
		rec.ProductType = r.u16("CBEFF product type")
	}
	eq := r.u16("capture equipment")
	rec.EquipmentCompliance, rec.EquipmentID = uint8(eq>>12), eq&0x0FFF
	rec.Width = r.u16("image width")
	rec.Height = r.u16("image height")
	rec.XRes = r.u16("x resolution")
	rec.YRes = r.u16("y resolution")
	nviews := int(r.u8("finger view count"))
	r.u8("reserved byte")
	if r.err != nil {
		return nil, r.err
	}
	if rec.XRes == 0 || rec.YRes == 0 {
		return nil, fmt.Errorf("%w: zero resolution %dx%d px/cm", ErrFormat, rec.XRes, rec.YRes)
	}
	// Each view takes at least its header and the extended block length:
	// refuse counts the bytes cannot hold before allocating.
	if nviews*(viewHeaderLen+2) > len(b)-r.off {
		return nil, fmt.Errorf("%w: %d finger views do not fit in %d bytes", ErrFormat, nviews, len(b)-r.off)
	}
	rec.Views = make([]View, 0, nviews)
	for i := 0; i < nviews; i++ {
		v, err := decodeView(r, f, i == nviews-1)
		if err != nil {
			return nil, fmt.Errorf("%w (finger view %d)", err, i)
		}
		rec.Views = append(rec.Views, v)
	}
	if r.off != len(b) {
		return nil, fmt.Errorf("%w: %d bytes after the last finger view", ErrFormat, len(b)-r.off)
	}
	return rec, nil
}

func decodeView(r *reader, f Format, last bool) (View, error) {
	var v View
	v.Position = r.u8("finger position")
	vi := r.u8("view number and impression type")
	v.ViewNumber, v.Impression = vi>>4, vi&0x0F
	v.Quality = r.u8("finger quality")
	n := int(r.u8("minutia count"))
	if r.err != nil {
		return v, r.err
	}
	if v.Quality > 100 {
		return v, fmt.Errorf("%w: finger quality %d > 100", ErrFormat, v.Quality)
	}
	if !r.need(n*minutiaLen, "minutiae") {
		return v, r.err
	}
	if n > 0 {
		v.Minutiae = make([]Minutia, n)
	}
	for i := range v.Minutiae {
		p := r.b[r.off : r.off+minutiaLen]
		r.off += minutiaLen
		m := Minutia{
			Type:    p[0] >> 6,
			X:       binary.BigEndian.Uint16(p[0:]) & maxCoord,
			Y:       binary.BigEndian.Uint16(p[2:]) & maxCoord, // top 2 bits reserved
			Angle:   p[4],
			Quality: p[5],
		}
		switch {
		case m.Type > TypeBifurcation:
			return v, fmt.Errorf("%w: minutia %d: reserved type %d", ErrFormat, i, m.Type)
		case f == ANSI2004 && m.Angle >= 180:
			return v, fmt.Errorf("%w: minutia %d: angle %d > 179 (units of 2 degrees)", ErrFormat, i, m.Angle)
		case m.Quality > 100:
			return v, fmt.Errorf("%w: minutia %d: quality %d > 100", ErrFormat, i, m.Quality)
		}
		v.Minutiae[i] = m
	}
	ext := int(r.u16("extended data block length"))
	if rest := len(r.b) - r.off; last && ext > 0 && rest > 0 && ext != rest {
		// Some writers (NIST libbiomeval's test records among them)
		// miscount a core/delta area: the record length is
		// authoritative, and the last view's extended data runs to the
		// record's end.
		ext = rest
	}
	if ext > 0 {
		v.Extended = r.bytes(ext, "extended data")
	}
	return v, r.err
}

// Len returns the encoded length of r.
func (r *Record) Len() int {
	n := isoHeaderLen
	if r.Format == ANSI2004 {
		n = ansiHeaderLen
	}
	for _, v := range r.Views {
		n += viewHeaderLen + minutiaLen*len(v.Minutiae) + 2 + len(v.Extended)
	}
	if r.Format == ANSI2004 && n > 0xFFFF {
		n += 4
	}
	return n
}

// Validate reports whether r can be encoded.
func (r *Record) Validate() error {
	if r.Format != ISO2005 && r.Format != ANSI2004 {
		return fmt.Errorf("%w: unknown format %v", ErrInvalid, r.Format)
	}
	if r.EquipmentCompliance > 0x0F || r.EquipmentID > 0x0FFF {
		return fmt.Errorf("%w: capture equipment %#x/%#x beyond 4/12 bits", ErrInvalid, r.EquipmentCompliance, r.EquipmentID)
	}
	if r.XRes == 0 || r.YRes == 0 {
		return fmt.Errorf("%w: zero resolution", ErrInvalid)
	}
	if len(r.Views) > 255 {
		return fmt.Errorf("%w: %d finger views > 255", ErrInvalid, len(r.Views))
	}
	for i, v := range r.Views {
		switch {
		case v.ViewNumber > 0x0F || v.Impression > 0x0F:
			return fmt.Errorf("%w: view %d: view number %d / impression %d beyond 4 bits", ErrInvalid, i, v.ViewNumber, v.Impression)
		case v.Quality > 100:
			return fmt.Errorf("%w: view %d: finger quality %d > 100", ErrInvalid, i, v.Quality)
		case len(v.Minutiae) > 255:
			return fmt.Errorf("%w: view %d: %d minutiae > 255", ErrInvalid, i, len(v.Minutiae))
		case len(v.Extended) > 0xFFFF:
			return fmt.Errorf("%w: view %d: %d bytes of extended data > 65535", ErrInvalid, i, len(v.Extended))
		}
		for j, m := range v.Minutiae {
			switch {
			case m.Type > TypeBifurcation:
				return fmt.Errorf("%w: view %d minutia %d: type %d", ErrInvalid, i, j, m.Type)
			case m.X > maxCoord || m.Y > maxCoord:
				return fmt.Errorf("%w: view %d minutia %d: (%d,%d) beyond 14 bits", ErrInvalid, i, j, m.X, m.Y)
			case r.Format == ANSI2004 && m.Angle >= 180:
				return fmt.Errorf("%w: view %d minutia %d: angle %d > 179", ErrInvalid, i, j, m.Angle)
			case m.Quality > 100:
				return fmt.Errorf("%w: view %d minutia %d: quality %d > 100", ErrInvalid, i, j, m.Quality)
			}
		}
	}
	return nil
}

// Encode encodes r in its Format.
func (r *Record) Encode() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	n := r.Len()
	if uint64(n) > 0xFFFFFFFF {
		return nil, fmt.Errorf("%w: %d bytes", ErrInvalid, n)
	}
	b := make([]byte, 0, n)
	b = append(b, magic[:]...)
	be := binary.BigEndian
	switch {
	case r.Format == ISO2005:
		b = be.AppendUint32(b, uint32(n))
	case n > 0xFFFF:
		b = be.AppendUint16(b, 0)
		b = be.AppendUint32(b, uint32(n))
	default:
		b = be.AppendUint16(b, uint16(n))
	}
	if r.Format == ANSI2004 {
		b = be.AppendUint16(b, r.ProductOwner)
		b = be.AppendUint16(b, r.ProductType)
	}
	b = be.AppendUint16(b, uint16(r.EquipmentCompliance)<<12|r.EquipmentID)
	b = be.AppendUint16(b, r.Width)
	b = be.AppendUint16(b, r.Height)
	b = be.AppendUint16(b, r.XRes)
	b = be.AppendUint16(b, r.YRes)
	b = append(b, uint8(len(r.Views)), 0)
	for _, v := range r.Views {
		b = append(b, v.Position, v.ViewNumber<<4|v.Impression, v.Quality, uint8(len(v.Minutiae)))
		for _, m := range v.Minutiae {
			b = be.AppendUint16(b, uint16(m.Type)<<14|m.X)
			b = be.AppendUint16(b, m.Y)
			b = append(b, m.Angle, m.Quality)
		}
		b = be.AppendUint16(b, uint16(len(v.Extended)))
		b = append(b, v.Extended...)
	}
	return b, nil
}

// LogValue keeps the minutiae out of logs: the format, size, resolution
// and minutia counts only.
func (r *Record) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("<nil>")
	}
	counts := make([]int, len(r.Views))
	for i, v := range r.Views {
		counts[i] = len(v.Minutiae)
	}
	return slog.GroupValue(
		slog.String("format", r.Format.String()),
		slog.String("size", fmt.Sprintf("%dx%d", r.Width, r.Height)),
		slog.Int("ppcm", int(r.XRes)),
		slog.Any("minutiae", counts),
	)
}
