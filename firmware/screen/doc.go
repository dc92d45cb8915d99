// Package screen draws what each enrollment state shows on the terminal's
// 240x320 portrait display: a short Thai line and an English line, card-read
// progress, place-finger guidance with capture-quality feedback, the match
// result, the one-time QR code with the seconds left, and errors with the
// action to take and the code the officer quotes to support.
//
// Thai is shaped with github.com/go-text/typesetting (a Go port of
// HarfBuzz), so vowels above and below the consonant and tone marks are
// placed by the font's GSUB/GPOS tables; the tests compare glyph ids and
// positions with HarfBuzz's own hb-shape. The Thai font is Noto Sans Thai
// from Debian's fonts-noto-core by default; without it the renderer shows
// the English lines only and logs so. Latin text uses Noto Sans, or the
// embedded Go fonts.
//
// The QR code (github.com/skip2/go-qrcode, ISO/IEC 18004) keeps its
// 4-module quiet zone, is sized to whole pixels per module, and gets the
// most error correction that still fits at 3 px per module.
//
// Show composes the whole frame in memory, compares it with the frame on
// the panel in 8x8 tiles and sends only the rectangles that changed, then
// flushes (display.Flusher): a countdown tick sends well under 1% of a
// frame.
package screen
