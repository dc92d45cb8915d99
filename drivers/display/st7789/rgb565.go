package st7789

import "image/color"

// RGB565 is a pixel as the panel stores it: 5 bits red, 6 green, 5 blue,
// sent most significant byte first.
type RGB565 uint16

// RGBA implements color.Color.
func (c RGB565) RGBA() (r, g, b, a uint32) {
	r5, g6, b5 := uint32(c>>11), uint32(c>>5)&0x3F, uint32(c)&0x1F
	// Expand to 8 bits by replicating the high bits, then to 16.
	r = (r5<<3 | r5>>2) * 0x101
	g = (g6<<2 | g6>>4) * 0x101
	b = (b5<<3 | b5>>2) * 0x101
	return r, g, b, 0xFFFF
}

// RGB565Model converts any colour to RGB565 by truncation, as Draw does.
var RGB565Model = color.ModelFunc(func(c color.Color) color.Color {
	if c, ok := c.(RGB565); ok {
		return c
	}
	r, g, b, _ := c.RGBA()
	return RGB565(uint16(r>>8)&0xF8<<8 | uint16(g>>8)&0xFC<<3 | uint16(b>>8)>>3)
})
