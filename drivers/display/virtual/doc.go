// Package virtual is a display.Display in memory for the simulated board and
// for tests: it writes every frame as a PNG into a folder, and can render
// the frames live into a terminal with 24-bit colour half-block characters
// (▀, foreground the upper pixel, background the lower), so `make demo`
// shows the screen as it changes.
//
// A frame is what was drawn between two calls to Flush (display.Flusher):
// the screen renderer draws the changed rectangles of a screen and then
// flushes, so one shown screen is one PNG however many rectangles it took.
// The terminal escape sequences are ECMA-48 SGR 38;2 / 48;2 (direct colour)
// and CUP: https://ecma-international.org/publications-and-standards/standards/ecma-48/
package virtual
