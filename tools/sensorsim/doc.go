// Package sensorsim is a simulated EF01 fingerprint module (GROW R30x,
// R503, AS608) on a pseudo-terminal: the module side of the protocol that
// drivers/fingerprint/zfm speaks, for tests, the sim board and bench work
// without hardware.
//
// The simulator paces its output (and its reading of the host's bytes) at
// the module's baud rate, 10 bits a byte, so timing is what a real line
// gives. It reads the line settings (termios) the host set on the pty and
// garbles both directions when the host's baud differs from the module's,
// as a real UART does. It serves finger images from 8-bit grayscale
// images of any size (centre-cropped or padded to the module's frame and
// quantised to 4 bits) and injects faults on demand (see Fault): garbage,
// split and short writes, bad checksums, stray power-up bytes, a module
// that goes silent until it is power-cycled, packet-size mismatch; a
// password, refused settings and a baud that applies at once or never are
// configuration.
//
// The protocol is described in the zfm package; the command line tool is
// tools/sensorsim/cmd/sensorsim.
package sensorsim
