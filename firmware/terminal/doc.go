// Package terminal runs the enrollment flow: one goroutine feeds device
// events (card presence, buttons, timers, queue and uplink status) to
// enroll.Step and an executor runs the returned actions against the driver
// interfaces (sensor, card reader, display, hardware key) and the outbox,
// turning their results back into events.
//
// Personal data (card content, images, templates) lives only in the
// executor's per-session memory and is overwritten when the session ends.
// Logs carry phases, session numbers and error codes, never personal data.
package terminal
