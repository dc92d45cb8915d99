// Package enroll is the enrollment state machine of the terminal as a pure
// function, Step(State, Event) -> (State, []Action), with no I/O at all.
//
// Devices become Events (card inserted, image captured, button, timer...);
// an executor (package terminal) runs the returned Actions against the
// drivers and feeds their results back as Events. Every state has a timeout
// and an error exit, so the machine is tested exhaustively without hardware.
package enroll
