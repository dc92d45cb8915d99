package iso19794

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/regterm/regterm/firmware/biometric"
)

// FlowArea is the extended data area type code of regterm's coarse
// ridge-orientation field (biometric.Flow). Both standards leave type
// codes from 0x0100 up to vendors; readers that do not know a type skip
// its area.
//
// The area, first in its view's extended data block:
//
//	type     u16  0x5246 ("RF")
//	length   u16  the whole area, these 4 header bytes included
//	version  u8   1
//	cell     u16  cell side in 1/64 pixel
//	width    u16  cells across
//	height   u16  cells down
//	dir      width·height bytes, row by row from the top left: 0 for
//	         background, else 1 + the ridge orientation in degrees [0, 180)
//	         counter-clockwise from the x axis
//
// A block that does not start with this type has no flow (the template is
// matched by its minutiae alone); a block that does must hold exactly this
// layout, or the record is rejected with ErrFormat.
const FlowArea = 0x5246

// PeriodArea is the extended data area type code of the ridge-period map
// that goes with a FlowArea (biometric.Flow.Period). It follows the
// FlowArea directly, over the same cells:
//
//	type     u16  0x5250 ("RP")
//	length   u16  the whole area, these 4 header bytes included
//	version  u8   1
//	period   one byte per foreground cell of the FlowArea (direction byte
//	         not 0), in its order: the mean ridge period in 1/16 pixel at
//	         500 dpi (1/16 of 50.8 µm whatever the record's resolution),
//	         0 where unknown; background cells have none (period 0)
//
// A separate area, rather than a new FlowArea version, keeps records
// readable by readers that know only the FlowArea: they read the
// orientation field and skip the rest. A FlowArea followed by another
// area (or nothing) has no period map; a PeriodArea after it must hold
// exactly this layout, or the record is rejected with ErrFormat.
const PeriodArea = 0x5250

const (
	periodVersion   = 1
	periodHeaderLen = 4 + 1
)

const (
	flowVersion   = 1
	flowHeaderLen = 4 + 1 + 2 + 2 + 2
	maxFlowCells  = 512
)

// appendFlow appends f as a FlowArea to b.
func appendFlow(b []byte, f *biometric.Flow) ([]byte, error) {
	switch {
	case f.Width <= 0 || f.Height <= 0 || f.Width > maxFlowCells || f.Height > maxFlowCells:
		return nil, fmt.Errorf("%w: flow of %d×%d cells", ErrInvalid, f.Width, f.Height)
	case len(f.Dir) != f.Width*f.Height:
		return nil, fmt.Errorf("%w: flow of %d×%d cells holds %d", ErrInvalid, f.Width, f.Height, len(f.Dir))
	case math.IsNaN(f.Cell) || f.Cell < 1 || f.Cell*64 > 0xFFFF:
		return nil, fmt.Errorf("%w: flow cell %v px", ErrInvalid, f.Cell)
	case flowHeaderLen+len(f.Dir) > 0xFFFF:
		return nil, fmt.Errorf("%w: flow of %d bytes", ErrInvalid, len(f.Dir))
	}
	for i, d := range f.Dir {
		if d > 180 {
			return nil, fmt.Errorf("%w: flow cell %d: %d", ErrInvalid, i, d)
		}
	}
	be := binary.BigEndian
	b = be.AppendUint16(b, FlowArea)
	b = be.AppendUint16(b, uint16(flowHeaderLen+len(f.Dir)))
	b = append(b, flowVersion)
	b = be.AppendUint16(b, uint16(math.Round(f.Cell*64)))
	b = be.AppendUint16(b, uint16(f.Width))
	b = be.AppendUint16(b, uint16(f.Height))
	b = append(b, f.Dir...)
	if f.Period == nil {
		return b, nil
	}
	if len(f.Period) != len(f.Dir) {
		return nil, fmt.Errorf("%w: period map of %d cells for a flow of %d", ErrInvalid, len(f.Period), len(f.Dir))
	}
	fg := foreground(f.Dir)
	b = be.AppendUint16(b, PeriodArea)
	b = be.AppendUint16(b, uint16(periodHeaderLen+fg))
	b = append(b, periodVersion)
	for i, d := range f.Dir {
		if d != 0 {
			b = append(b, f.Period[i])
		}
	}
	return b, nil
}

// foreground counts the foreground cells of a flow's directions (a
// PeriodArea is never longer than its FlowArea, whose length is checked).
func foreground(dir []uint8) int {
	n := 0
	for _, d := range dir {
		if d != 0 {
			n++
		}
	}
	return n
}

// parseFlow reads the FlowArea at the start of an extended data block:
// nil, nil when the block starts with another area (or is empty).
func parseFlow(ext []byte) (*biometric.Flow, error) {
	be := binary.BigEndian
	if len(ext) < 2 || be.Uint16(ext) != FlowArea {
		return nil, nil
	}
	if len(ext) < flowHeaderLen {
		return nil, fmt.Errorf("%w: flow area: %d bytes, header needs %d", ErrFormat, len(ext), flowHeaderLen)
	}
	n := int(be.Uint16(ext[2:]))
	ver, cell := ext[4], be.Uint16(ext[5:])
	w, h := int(be.Uint16(ext[7:])), int(be.Uint16(ext[9:]))
	switch {
	case ver != flowVersion:
		return nil, fmt.Errorf("%w: flow area version %d", ErrFormat, ver)
	case n > len(ext):
		return nil, fmt.Errorf("%w: flow area of %d bytes in a block of %d", ErrFormat, n, len(ext))
	case w == 0 || h == 0 || w > maxFlowCells || h > maxFlowCells:
		return nil, fmt.Errorf("%w: flow of %d×%d cells", ErrFormat, w, h)
	case n != flowHeaderLen+w*h:
		return nil, fmt.Errorf("%w: flow area of %d bytes for %d×%d cells", ErrFormat, n, w, h)
	case cell < 64:
		return nil, fmt.Errorf("%w: flow cell %d/64 px", ErrFormat, cell)
	}
	f := &biometric.Flow{Width: w, Height: h, Cell: float64(cell) / 64, Dir: make([]uint8, w*h)}
	copy(f.Dir, ext[flowHeaderLen:n])
	for i, d := range f.Dir {
		if d > 180 {
			return nil, fmt.Errorf("%w: flow cell %d: %d", ErrFormat, i, d)
		}
	}
	per, err := parsePeriod(ext[n:], f.Dir)
	if err != nil {
		return nil, err
	}
	f.Period = per
	return f, nil
}

// parsePeriod reads the PeriodArea at the start of ext (the bytes after
// the FlowArea of directions dir) into one period per cell of dir: nil,
// nil when ext starts with another area or is too short to hold an area
// type.
func parsePeriod(ext []byte, dir []uint8) ([]uint8, error) {
	be := binary.BigEndian
	if len(ext) < 2 || be.Uint16(ext) != PeriodArea {
		return nil, nil
	}
	if len(ext) < periodHeaderLen {
		return nil, fmt.Errorf("%w: period area: %d bytes, header needs %d", ErrFormat, len(ext), periodHeaderLen)
	}
	n, ver := int(be.Uint16(ext[2:])), ext[4]
	switch {
	case ver != periodVersion:
		return nil, fmt.Errorf("%w: period area version %d", ErrFormat, ver)
	case n > len(ext):
		return nil, fmt.Errorf("%w: period area of %d bytes in %d", ErrFormat, n, len(ext))
	case n != periodHeaderLen+foreground(dir):
		return nil, fmt.Errorf("%w: period area of %d bytes for %d foreground cells", ErrFormat, n, foreground(dir))
	}
	per := make([]uint8, len(dir))
	k := periodHeaderLen
	for i, d := range dir {
		if d != 0 {
			per[i] = ext[k]
			k++
		}
	}
	return per, nil
}
