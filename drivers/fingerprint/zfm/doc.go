// Package zfm drives fingerprint modules that speak the ZhianTec "EF01"
// serial protocol: GROW R30x (R305, R307, R308), R50x (R502, R503), AS608,
// ZFM-20/60 and their clones.
//
// The module sits on a UART (8N1, default 57600 baud). Every exchange is a
// packet:
//
//	EF 01 | ADDR (4, big endian) | PID (1) | LEN (2) | PAYLOAD (LEN-2) | SUM (2)
//
// PID is 01 (command), 02 (data, more follows), 07 (acknowledge) or 08 (last
// data packet); LEN counts the payload and the checksum; SUM is the 16-bit
// sum of the PID, LEN and payload bytes. An acknowledge's first payload byte
// is the confirmation code (see Status).
//
// Images travel 4 bits per pixel, two pixels per byte with the left pixel in
// the high nibble; Dev.UpImage returns them as 8-bit image.Gray (nibble*17).
//
// Link management lives here too: the 0x55 power-up byte, password
// verification, packet-size and baud negotiation (the new baud applies
// after a reset, so New probes both rates), deadlines scaled to the wire
// time, retry of a corrupted upload and a reset / power-cycle hook after
// repeated silence.
//
// Datasheets:
//
//	R503: https://cdn-shop.adafruit.com/product-files/4651/4651_R503%20fingerprint%20module%20user%20manual.pdf
//	R307: https://www.openhacks.com/uploadsproductos/r307_fingerprint_module_user_manual.pdf
//	ZFM-20 / AS608 user manual (ZhianTec), "ZFM user manual" chapter 4-5.
//
// The simulator tools/sensorsim speaks the module side of the same protocol
// on a pseudo-terminal; the tests of this package run the driver against it.
package zfm
