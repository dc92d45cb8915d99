// Package record is the binding record: what the terminal attests after an
// officer-assisted registration (this citizen, this card, this match, this
// QR token, this officer, this terminal, this time), as deterministic CBOR
// (RFC 8949 §4.2.1 core deterministic encoding) inside a COSE_Sign1 (RFC
// 9052) with ES256 by the terminal's hardware key.
//
// Records form a per-terminal hash chain: Prev is SHA-256 of the previous
// record's complete COSE_Sign1 bytes, 32 zero bytes for the first record of
// a chain epoch.
package record
