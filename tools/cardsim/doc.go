// Package cardsim is a virtual Thai national ID card for tests and the sim
// board. A Card answers the card's APDUs (the Thai ID application
// A0 00 00 00 54 48 00 01 with the T=0 GET RESPONSE convention, the laser
// code applet A0 00 00 00 84 06 00 02, and the deployment's biometric applet,
// see docs/smartcard.md). A VICC plugs a Card into vpcd, the virtual reader
// driver of vsmartcard (Debian vsmartcard-vpcd) loaded by pcscd, so the card
// is read through the real pcscd exactly like a card in a USB reader.
//
// vpcd's protocol (vsmartcard virtualsmartcard/src/vpcd/vpcd.c): the virtual
// card connects to vpcd's TCP port (35963 for the first slot); every message
// in both directions is a 2-byte big-endian length and a payload. A payload
// of one byte from vpcd is a control message (0 power off, 1 power on,
// 2 reset: no answer; 4 get ATR: the answer is the ATR); any other payload
// is a command APDU answered by the response APDU. The card is present while
// the connection is open: inserting is connecting, removing is closing.
//
// Card files are TOML or JSON (see CardFile); tools/cardsim/cmd/cardsim runs
// a card from a file with insert/remove on command.
package cardsim
