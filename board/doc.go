// Package board describes the hardware of a terminal model (a Profile: pins,
// buses, device paths) and opens its devices (Open). It is the only package
// that opens buses and device files; drivers take interfaces.
//
// Profiles are registered by name: "sim" (every device simulated in one
// process; left out of builds with -tags release) and real boards such as
// "rpi4".
package board
