// Package input reads the terminal's buttons (confirm, cancel) on GPIO.
package input
