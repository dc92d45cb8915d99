// Package record is the binding record: what the terminal attests after an
// officer-assisted registration (this citizen, this card, this match, this
// QR token, this officer, this terminal, this time), as deterministic CBOR
// (RFC 8949 §4.2.1 core deterministic encoding, integer map keys) inside a
// COSE_Sign1 (RFC 9052 §4.2) with ES256 by the terminal's hardware key, the
// key id (SHA-256 of its SubjectPublicKeyInfo) in the protected header.
//
// Records form a per-terminal hash chain: record id = terminal id, chain
// epoch and sequence (from 1); Prev is SHA-256 of the previous record's
// complete COSE_Sign1 bytes, 32 zero bytes for the first record of an epoch.
// Seal fills these in (the outbox calls it inside its write transaction);
// Verify checks one record against a public key; Checker and CheckChain
// check a stream of records at the registry for gaps, duplicates, forks,
// reordering and broken links, tolerating keys they do not know.
//
// Readers ignore map keys they do not know (listed in Record.Unknown), so a
// rolled-back firmware still forwards what a newer one queued, and report
// schema versions newer than Version (ErrUnknownVersion, UnknownVersion).
//
// The QR token (NewToken, VerifyToken) is a compact COSE_Sign1 by the same
// key over {session id, terminal id, expiry, nonce}, base45-encoded (RFC
// 9285) behind TokenPrefix; its TokenHash goes into the record.
//
// See docs/records.md for the schema table and the registry's checks.
package record
