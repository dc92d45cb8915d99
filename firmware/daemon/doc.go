// Package daemon wires a configuration and a board's opened devices into a
// running terminal: logging, the outbox and its syncer, the screen renderer,
// the reference sources and the enrollment flow. cmd/regtermd is its thin
// main.
package daemon
