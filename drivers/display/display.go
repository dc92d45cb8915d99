package display

import (
	"image"
	"image/color"
)

// Display is a pixel display. It follows periph.io's display.Drawer.
type Display interface {
	// ColorModel returns the device native color model.
	ColorModel() color.Model
	// Bounds returns the size of the display.
	Bounds() image.Rectangle
	// Draw updates dstRect of the display with src starting at sp. Only the
	// pixels in dstRect are sent, which allows partial updates.
	Draw(dstRect image.Rectangle, src image.Image, sp image.Point) error
	// Backlight sets the backlight level, 0 (off) to 255 (full).
	Backlight(level uint8) error
	// Sleep puts the panel to sleep (true) or wakes it (false).
	Sleep(on bool) error
	String() string
	Halt() error
}

// Flusher is implemented by displays that collect the rectangles drawn for
// one frame and show them together (the virtual display writes one PNG per
// frame). Drawers call Flush after the last Draw of a frame; displays that
// draw straight to the panel need not implement it.
type Flusher interface {
	Flush() error
}

// Flush calls d.Flush when d is a Flusher.
func Flush(d Display) error {
	if f, ok := d.(Flusher); ok {
		return f.Flush()
	}
	return nil
}
