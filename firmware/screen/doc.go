// Package screen draws what each enrollment state shows on the terminal's
// 240x320 portrait display: a short Thai line and an English line, progress,
// guidance, the one-time QR code and error codes.
package screen
