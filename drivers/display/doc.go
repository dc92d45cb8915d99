// Package display defines the Display interface the firmware draws screens on.
//
// Subpackages: st7789 (SPI TFT controller via periph.io) and virtual (PNG
// frames and a terminal renderer for simulation).
package display
