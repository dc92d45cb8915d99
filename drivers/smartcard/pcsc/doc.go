// Package pcsc is a pure-Go client of pcsc-lite's pcscd, speaking the
// daemon's unix-socket protocol directly (no libpcsclite, no cgo).
//
// The protocol is pcsc-lite's private IPC (src/winscard_msg.h in
// https://github.com/LudovicRousseau/PCSC): each request is an 8-byte header
// (uint32 size, uint32 command) followed by a fixed C struct in the host's
// byte order; the reply is the same struct with the out-fields and rv filled
// in. TRANSMIT adds the APDU after the struct, and its reply adds the
// response APDU. The reader list is not a command: CMD_GET_READERS_STATE
// dumps the daemon's table of PCSCLITE_MAX_READERS_CONTEXTS (16) READER_STATE
// records of 184 bytes each (name[128], event counter, state, sharing,
// ATR[33], ATR length, protocol).
//
// Protocol versions: pcsc-lite 1.8.24 to 2.2.x speak 4:4 only; 2.3.0 to
// 2.4.0 speak 4:5 only; 2.4.1 accepts 4:4 and newer; 2.5.x speaks 4:6 and
// accepts 4:4 to 4:6. A Client offers 4:4 and, when a strict server answers
// SCARD_E_SERVICE_STOPPED with minor 5 or 6, retries with the server's
// version: the messages this package uses have the same layout in 4:4, 4:5
// and 4:6 (4:5 adds CMD_GET_READER_EVENTS, 4:6 CMD_GET_READERS_STATE_SIZE
// and _ARRAY, neither used here).
//
// A Client is one connection and one PC/SC context, and is safe for
// concurrent use; calls are serialised as pcscd processes one request per
// connection at a time. Waiting for reader events (WaitChange) occupies the
// connection: use a second Client to wait while another reads a card.
package pcsc
