// Package thaiid reads the Thai national ID card: the Ministry of Interior
// application (AID A0 00 00 00 54 48 00 01), the laser code applet
// (A0 00 00 00 84 06 00 02) where the chip has one, and the deployment's
// biometric applet that carries the registry-signed reference template (see
// docs/smartcard.md for its AID and layout).
//
// The card application is one transparent file read with the proprietary
// READ BINARY 80 B0 P1 P2 02 LL LL (P1-P2 the offset, LL LL the length),
// answered 61xx and fetched with GET RESPONSE 00 C0 00 P2 Le, where P2 is 01
// on cards whose ATR starts 3B 67 and 00 otherwise. Text is TIS-620
// (decoded as windows-874), '#' separates name and address parts, and dates
// are YYYYMMDD in the Buddhist era (Gregorian + 543; 99999999 on cards that
// do not expire). The photo is a JPEG in 20 chunks of 255 bytes.
//
// Field offsets are those of the public card documentation, e.g.
// https://github.com/chakphanu/ThaiNationalIDCard/blob/master/APDU.md.
//
// ReadCard reads a card over any apdu.Transmitter; Reader implements
// smartcard.Reader over a Source of card sessions (pcscd via PCSC, or an
// in-process card).
package thaiid
