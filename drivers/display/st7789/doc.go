// Package st7789 drives a Sitronix ST7789 TFT controller (240x320 frame
// memory, RGB565) over a 4-wire SPI port with a data/command GPIO, as found
// on the 240x240 and 240x320 IPS modules the terminal uses.
//
// The driver follows periph.io's display drivers: New(port, dc, reset,
// backlight, opts) connects, resets and initialises the panel, Draw sends
// only the rectangle asked for (CASET/RASET window, then RAMWR), and Halt
// switches the panel off.
//
// The init sequence and delays follow the ST7789VW datasheet (Sitronix,
// v1.0): hardware reset (RESX low ≥10 µs, then 120 ms before the first
// command), SLPOUT (11h) and 120 ms, COLMOD (3Ah) 55h for 16 bit/pixel,
// MADCTL (36h) for the rotation, INVON (21h) or INVOFF (20h), NORON (13h),
// the frame memory cleared, DISPON (29h).
// Datasheet: https://www.rhydolabz.com/documents/33/ST7789.pdf
//
// The panel cannot be read back over a write-only 4-wire SPI bus, so New
// cannot probe it: it fails loudly on bad options and on every port or pin
// error instead.
package st7789
